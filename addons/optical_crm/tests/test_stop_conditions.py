import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from ..models.optical_crm_communication_stop import to_char_format
from .common import OpticalCrmCase, OpticalRpcCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm")
class TestStopConditions(OpticalCrmCase):
    """A step names the events that make it pointless: a customer who had one
    after the trigger event (a campaign: since its start) and before the
    step's day is skipped (goal reached), and planned again if it goes away."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop_b.write({"optical_horizon_days": 7, "optical_catchup_days": 3, "optical_pressure_max": 0})
        cls.exam = cls.env.ref("optical_crm.event_type_optometry")

    def contact(self, name):
        """A customer as Odoo and FOCUS create them: no company, the shop of their events."""
        return self.env["res.partner"].create({
            "name": name, "email": "%s@example.com" % name.split()[0].lower(), "optical_consent_marketing": True})

    def test_event_types_one_per_key(self):
        codes = self.env["optical.crm.event.type"].search([]).mapped("code")
        keys = [key for key, _label in self.env["optical.crm.event"]._fields["event_type"].selection]
        self.assertEqual(sorted(codes), sorted(keys))
        for key in keys:
            self.assertEqual(self.env.ref("optical_crm.event_type_%s" % key).code, key)

    def test_eye_exam_reminder_stops_on_an_eye_exam_and_comes_back_without_it(self):
        """The 12-month reminder of a pair (time for your eye exam) after an exam since the pair."""
        self._eye_exam_reminder()

    def _eye_exam_reminder(self):
        carla, piero = self.contact("Carla Verdi"), self.contact("Piero Neri")
        cycle = self.cycle("glasses_delivery", [(12, "months", "export")], shop=self.shop_a)
        cycle.step_ids.stop_event_type_ids = self.exam
        for partner in carla | piero:
            self.event(partner, "glasses_delivery", D(2026, 1, 10), lens_type="progressive")
        # Carla came back for an eye exam in the autumn; Piero did not.
        exam = self.event(carla, "optometry", D(2026, 10, 5))
        self.assertFalse(carla.company_id, "a customer as Odoo creates them")
        with freeze_time("2027-01-08 09:00:00"):
            self.plan(D(2027, 1, 8))
            reminder = self.communications(partner_id=carla.id, cycle_step_id=cycle.step_ids.id)
            self.assertEqual(len(reminder), 1)
            self.assertEqual((reminder.state, reminder.skip_code), ("skipped", "goal_reached"))
            self.assertEqual(reminder.skip_reason, "Goal reached: Eye exam on %s" % self.shop_date(D(2026, 10, 5)))
            other = self.communications(partner_id=piero.id, cycle_step_id=cycle.step_ids.id)
            self.assertEqual(other.state, "planned")
            # The exam was filed by mistake: archived, the reminder is planned again.
            exam.active = False
            self.assertEqual((reminder.state, reminder.skip_code, reminder.skip_reason), ("planned", False, False))
            exam.active = True
            self.assertEqual((reminder.state, reminder.skip_code), ("skipped", "goal_reached"))
            exam.unlink()
            self.assertEqual(reminder.state, "planned")
            self.assertEqual(self.plan(D(2027, 1, 8)), 0, "planned once")

    def test_only_events_between_the_trigger_and_the_day_stop(self):
        carla = self.contact("Carla Verdi")
        cycle = self.cycle("glasses_delivery", [(12, "months", "export")], shop=self.shop_a)
        cycle.step_ids.stop_event_type_ids = self.exam
        self.event(carla, "glasses_delivery", D(2026, 1, 10), lens_type="progressive")
        # Before the trigger (an older exam) and on the step's day itself: neither stops it.
        self.event(carla, "optometry", D(2025, 6, 1))
        self.event(carla, "optometry", D(2027, 1, 10))
        with freeze_time("2027-01-08 09:00:00"):
            self.plan(D(2027, 1, 8))
        reminder = self.communications(partner_id=carla.id, cycle_step_id=cycle.step_ids.id,
                                       scheduled_date=D(2027, 1, 10))
        self.assertEqual(reminder.state, "planned")

    def test_the_sender_checks_again_on_the_day(self):
        carla = self.contact("Carla Verdi")
        cycle = self.cycle("glasses_delivery", [(12, "months", "export")], shop=self.shop_a)
        cycle.step_ids.stop_event_type_ids = self.exam
        self.event(carla, "glasses_delivery", D(2026, 1, 10), lens_type="progressive")
        with freeze_time("2027-01-08 09:00:00"):
            self.plan(D(2027, 1, 8))
        reminder = self.communications(partner_id=carla.id, cycle_step_id=cycle.step_ids.id)
        self.assertEqual(reminder.state, "planned")
        # An exam written straight into the table (no rule ran on it): the sender finds it on the day.
        self.env.flush_all()
        self.env.cr.execute(
            """INSERT INTO optical_crm_event (partner_id, event_type, event_date, company_id, active, source,
                                              is_purchase)
               VALUES (%s, 'optometry', '2026-12-01', %s, TRUE, 'focus', FALSE)""", [carla.id, self.shop_a.id])
        with freeze_time("2027-01-10 09:00:00"):
            self.Communication._cron_send_communications()
        self.assertEqual((reminder.state, reminder.skip_code), ("skipped", "goal_reached"))

    def test_a_step_given_a_stop_condition_looks_at_its_contacts_again(self):
        carla = self.contact("Carla Verdi")
        cycle = self.cycle("glasses_delivery", [(12, "months", "export")], shop=self.shop_a)
        self.event(carla, "glasses_delivery", D(2026, 1, 10), lens_type="progressive")
        self.event(carla, "optometry", D(2026, 10, 5))
        with freeze_time("2027-01-08 09:00:00"):
            self.plan(D(2027, 1, 8))
            reminder = self.communications(partner_id=carla.id, cycle_step_id=cycle.step_ids.id,
                                           scheduled_date=D(2027, 1, 10))
            self.assertEqual(reminder.state, "planned")
            cycle.step_ids.stop_event_type_ids = self.exam
            self.assertEqual((reminder.state, reminder.skip_code), ("skipped", "goal_reached"))
            cycle.step_ids.stop_event_type_ids = False
            self.assertEqual(reminder.state, "planned")

    def test_campaign_reminder_stops_on_a_purchase_after_day_0(self):
        carla, piero, bruno = self.contact("Carla Verdi"), self.contact("Piero Neri"), self.contact("Bruno Gialli")
        for partner in carla | piero | bruno:
            self.event(partner, "new_customer", D(2026, 5, 1))
        # Bruno bought before the campaign started: that purchase is not the campaign's goal.
        self.event(bruno, "glasses_entry", D(2027, 1, 20), lens_type="progressive")
        campaign = self.env["optical.crm.campaign"].create({
            "name": "San Valentino", "company_id": self.shop_a.id,
            "date_start": D(2027, 2, 1), "date_end": D(2027, 3, 2),
            "partner_domain": str([("id", "in", (carla | piero | bruno).ids)]),
            "step_ids": [
                (0, 0, {"name": "Offer", "day_offset": 0, "channel": "export", "body": "Ciao"}),
                (0, 0, {"name": "Reminder", "day_offset": 25, "channel": "export", "body": "Ultimi giorni",
                        "stop_event_type_ids": [(6, 0, [self.env.ref("optical_crm.event_type_glasses_entry").id,
                                                        self.env.ref("optical_crm.event_type_sale_delivery").id])]}),
            ],
        })
        with freeze_time("2027-01-30 09:00:00"):
            campaign.action_schedule()
            self.plan(D(2027, 1, 30))
        with freeze_time("2027-02-10 09:00:00"):
            # Carla bought after the offer.
            self.event(carla, "glasses_entry", D(2027, 2, 10), lens_type="progressive")
        with freeze_time("2027-02-24 09:00:00"):
            self.plan(D(2027, 2, 24))
            reminders = self.communications(campaign_id=campaign.id, scheduled_date=D(2027, 2, 26))
            states = {c.partner_id: (c.state, c.skip_code) for c in reminders}
            self.assertEqual(states, {carla: ("skipped", "goal_reached"), piero: ("planned", False),
                                      bruno: ("planned", False)})
            offers = self.communications(campaign_id=campaign.id, scheduled_date=D(2027, 2, 1))
            self.assertEqual(set(offers.mapped("state")), {"planned"}, "the stop condition is the reminder's only")
            self.assertIn("Glasses order on %s" % self.shop_date(D(2027, 2, 10)),
                          reminders.filtered(lambda c: c.partner_id == carla).skip_reason)

    def test_date_format_twin(self):
        """The reason's date in SQL is written as the language's date format in Python."""
        for date_format in ("%d/%m/%Y", "%m/%d/%Y", "%Y-%m-%d", "%d.%m.%y", "%d %b %Y"):
            for date in (D(2027, 1, 5), D(2024, 2, 29), D(2026, 12, 31)):
                self.env.cr.execute("SELECT to_char(%s::date, %s)", [date, to_char_format(date_format)])
                self.assertEqual(self.env.cr.fetchone()[0], date.strftime(date_format), date_format)


@tagged("post_install", "-at_install", "optical_crm")
class TestEventTypeRights(OpticalRpcCase):
    """The event types are the module's: staff and owners read them to pick a
    step's stop conditions; nobody edits, adds or removes one."""

    def test_read_not_written(self):
        exam = self.env.ref("optical_crm.event_type_optometry")
        for user in (self.staff_a, self.owner):
            self.login(user)
            found = self.rpc("optical.crm.event.type", "search_read", [("code", "=", "optometry")], fields=["name"])
            self.assertEqual(found, [{"id": exam.id, "name": "Eye exam"}])
            self.assertRefused("optical.crm.event.type", "write", [exam.id], {"name": "Changed"})
            self.assertRefused("optical.crm.event.type", "create", {"name": "New", "code": "optometry"})
            self.assertRefused("optical.crm.event.type", "unlink", [exam.id])
        self.assertEqual(exam.name, "Eye exam")
        self.assertEqual(self.env["optical.crm.event.type"].search_count([]), 9)


@tagged("post_install", "-at_install", "optical_crm")
class TestStopBeforeTheEvent(OpticalCrmCase):
    """A reminder due before its event (the contact lenses run out in 5
    days) stops on a new supply bought since the trigger was recorded."""

    def test_contact_lens_reminder_stops_on_a_new_supply(self):
        carla = self.env["res.partner"].create({"name": "Carla Verdi", "email": "carla@example.com"})
        cycle = self.cycle("lac_next_supply", [(-5, "days", "export", "service")], shop=self.shop_a)
        cycle.step_ids.stop_event_type_ids = self.env.ref("optical_crm.event_type_lac_delivery")
        # The supply delivered on 1 December runs out on 1 March; FOCUS sent both on 2 December.
        delivery = self.event(carla, "lac_delivery", D(2026, 12, 1))
        supply = self.event(carla, "lac_next_supply", D(2027, 3, 1))
        self.env.flush_all()
        self.env.cr.execute("UPDATE optical_crm_event SET create_date = '2026-12-02 08:00' WHERE id IN %s",
                            [(delivery.id, supply.id)])
        with freeze_time("2027-02-20 09:00:00"):
            self.plan(D(2027, 2, 20))
            reminder = self.communications(partner_id=carla.id, cycle_step_id=cycle.step_ids.id)
            self.assertEqual(reminder.state, "planned", "the delivery that set the date does not stop it")
            # She came in early for a new supply.
            self.event(carla, "lac_delivery", D(2027, 2, 21))
            self.assertEqual((reminder.state, reminder.skip_code), ("skipped", "goal_reached"))


@tagged("post_install", "-at_install", "optical_crm")
class TestStopWhenEventsMove(OpticalCrmCase):
    """Moving the stop event or the trigger event looks at the stop condition again."""

    def test_moving_events(self):
        carla = self.env["res.partner"].create({
            "name": "Carla Verdi", "email": "carla@example.com", "optical_consent_marketing": True})
        cycle = self.cycle("glasses_delivery", [(12, "months", "export")], shop=self.shop_a)
        cycle.step_ids.stop_event_type_ids = self.env.ref("optical_crm.event_type_optometry")
        pair = self.event(carla, "glasses_delivery", D(2026, 1, 10), lens_type="progressive")
        exam = self.event(carla, "optometry", D(2026, 10, 5))
        with freeze_time("2027-01-08 09:00:00"):
            self.plan(D(2027, 1, 8))
            reminder = self.communications(partner_id=carla.id, cycle_step_id=cycle.step_ids.id)
            self.assertEqual(reminder.skip_code, "goal_reached")
            # The exam was in fact before the pair: it no longer stops the reminder.
            exam.event_date = D(2025, 12, 1)
            self.assertEqual(reminder.state, "planned")
            exam.event_date = D(2026, 10, 5)
            self.assertEqual(reminder.skip_code, "goal_reached")
            # The pair was delivered later than entered (after the exam): the exam no longer counts.
            pair.event_date = D(2026, 10, 20)
            self.assertEqual((reminder.state, reminder.scheduled_date), ("planned", D(2027, 10, 20)))
