import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.optical_crm.tests.common import OpticalCrmCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm_app_sms")
class TestFallback(OpticalCrmCase):
    """Reach on another channel: a step on SMS with the app then a call as
    alternatives contacts each customer on the first channel that reaches
    them, decided by the planner and again on the day; customers as Odoo
    creates them (no company: their shop is their trigger event's)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cycle_sms = cls.cycle("optometry", [(3, "days", "sms")])
        cls.step = cls.cycle_sms.step_ids
        cls.step.fallback_ids = [(0, 0, {"channel": "app", "sequence": 1}),
                                 (0, 0, {"channel": "phone", "sequence": 2})]

    def contact(self, name, sms=True, app=True, paired=False, **values):
        """A customer without a company, with an eye exam in shop A on 2 March."""
        partner = self.env["res.partner"].create({
            "name": name, "optical_consent_marketing": True, "optical_consent_sms": sms,
            "optical_consent_app": app, **values})
        if paired:
            self.env["optical.app.device"].sudo().create({
                "partner_id": partner.id, "company_id": self.shop_a.id, "api_key_hash": "x" * 64})
        self.event(partner, "optometry", D(2026, 3, 2))
        return partner

    def planned(self, partner):
        communication = self.communications(partner_id=partner.id, cycle_step_id=self.step.id)
        self.assertEqual(len(communication), 1)
        return communication

    def test_sms_when_it_reaches(self):
        partner = self.contact("Sara Sms", mobile="+393331234567", phone="+390212345678", paired=True)
        self.plan(D(2026, 3, 2))
        communication = self.planned(partner)
        self.assertFalse(partner.company_id)
        self.assertEqual((communication.state, communication.channel, communication.fallback_note),
                         ("planned", "sms", False))

    def test_falls_back_to_app_then_call_then_nothing(self):
        to_app = self.contact("Alba App", sms=False, mobile="+393331234568", paired=True)
        to_call = self.contact("Carlo Call", sms=False, phone="+390212345679")
        nobody = self.contact("Nessuno Raggiungibile", sms=False, email="n@example.com")
        self.plan(D(2026, 3, 2))
        app = self.planned(to_app)
        self.assertEqual((app.state, app.channel), ("planned", "app"))
        self.assertEqual(app.fallback_note, "SMS: No SMS consent")
        call = self.planned(to_call)
        self.assertEqual((call.state, call.channel), ("planned", "phone"))
        self.assertEqual(call.fallback_note.splitlines(),
                         ["SMS: No SMS consent", "App (Il Mio Ottico): The customer has no paired app"])
        none = self.planned(nobody)
        # Skipped only when none reaches, with the reason of the step's own channel.
        self.assertEqual((none.state, none.channel, none.skip_code, none.skip_reason),
                         ("skipped", "sms", "consent", "No SMS consent"))
        self.assertEqual(none.fallback_note.splitlines()[-1], "Phone callback: No phone number")
        # Planning again changes nothing.
        self.plan(D(2026, 3, 2))
        self.assertEqual((app.channel, call.channel, none.state), ("app", "phone", "skipped"))

    def test_invalid_or_landline_number_falls_back(self):
        """The number's validity is read in Python by the SMS rule: a landline
        in the mobile field goes to the next channel, in the same run."""
        partner = self.contact("Lino Fisso", mobile="+390212345673", phone="+390212345673")
        self.plan(D(2026, 3, 2))
        communication = self.planned(partner)
        self.assertEqual((communication.state, communication.channel), ("planned", "phone"))
        self.assertEqual(communication.fallback_note.splitlines(), [
            "SMS: Landline number, it cannot receive SMS: +390212345673",
            "App (Il Mio Ottico): The customer has no paired app"])
        # Fixed before the day: the sender goes back to SMS on the day.
        partner.mobile = "+393331234574"
        with freeze_time("2026-03-05 10:00:00"):
            self.Communication._cron_send_communications()
        self.assertEqual((communication.state, communication.channel, communication.fallback_note),
                         ("sent", "sms", False))
        self.assertEqual(communication.sms_number, "+393331234574")

    @freeze_time("2026-03-02 10:00:00")
    def test_decided_again_when_consent_changes_before_the_day(self):
        partner = self.contact("Elena Cambia", sms=False, mobile="+393331234569", phone="+390212345670")
        self.plan(D(2026, 3, 2))
        communication = self.planned(partner)
        self.assertEqual(communication.channel, "phone")
        # SMS consent given before the day: back to the step's own channel.
        partner.optical_consent_sms = True
        self.assertEqual((communication.state, communication.channel, communication.fallback_note),
                         ("planned", "sms", False))
        # Marketing consent withdrawn: no channel reaches (a call is marketing too).
        partner.optical_consent_marketing = False
        self.assertEqual((communication.state, communication.skip_code), ("skipped", "consent"))
        partner.optical_consent_marketing = True
        self.assertEqual((communication.state, communication.channel), ("planned", "sms"))

    def test_sender_decides_again_on_the_day(self):
        partner = self.contact("Franco Giorno", mobile="+393331234560", phone="+390212345671")
        self.plan(D(2026, 3, 2))
        communication = self.planned(partner)
        self.assertEqual(communication.channel, "sms")
        # Withdrawn in a way no rule re-applied (a bulk import): the sender sees it on the day.
        self.env.cr.execute("UPDATE res_partner SET optical_consent_sms = FALSE WHERE id = %s", [partner.id])
        partner.invalidate_recordset(["optical_consent_sms"])
        with freeze_time("2026-03-05 10:00:00"):  # 11:00 in Rome, inside the sending window
            self.Communication._cron_send_communications()
        self.assertEqual((communication.state, communication.channel), ("sent", "phone"))
        self.assertTrue(communication.activity_id)
        self.assertEqual(communication.fallback_note.splitlines(),
                         ["SMS: No SMS consent", "App (Il Mio Ottico): The customer has no paired app"])

    def test_quiet_hours_respected_on_the_alternative(self):
        """An e-mail falling back to an SMS on the day, before the sending
        window opens, waits for the window."""
        self.step.write({"channel": "email", "fallback_ids": [(5,), (0, 0, {"channel": "sms"})]})
        partner = self.contact("Gino Presto", mobile="+393331234561", email="gino@example.com")
        self.plan(D(2026, 3, 2))
        communication = self.planned(partner)
        self.assertEqual((communication.channel, communication.fallback_note), ("email", False))
        # The address is gone by the day (written where no rule looked).
        self.env.cr.execute("UPDATE res_partner SET email = NULL, email_normalized = NULL WHERE id = %s",
                            [partner.id])
        partner.invalidate_recordset(["email", "email_normalized"])
        with freeze_time("2026-03-05 06:00:00"):  # 7:00 in Rome: the window is closed
            self.Communication._cron_send_communications()
        self.assertEqual((communication.state, communication.channel), ("planned", "sms"))
        self.assertEqual(communication.fallback_note, "E-mail: No e-mail address")
        with freeze_time("2026-03-05 09:00:00"):  # 10:00 in Rome
            self.Communication._cron_send_communications()
        self.assertEqual((communication.state, communication.channel), ("sent", "sms"))
        self.assertTrue(communication.sms_id)

    def test_reach_table_shows_the_chain(self):
        self.contact("Alba App", sms=False, mobile="+393331234568", paired=True)
        self.contact("Nessuno", sms=False, email="n@example.com")
        reach = self.env["optical.crm.segment"]._reach(
            [("name", "in", ("Alba App", "Nessuno"))], channels=["sms"], chains=[self.step._optical_chain()])
        rows = {row[0]: row for row in reach["channels"]}
        self.assertEqual(rows["sms"][2], 0)
        chain = rows[("sms", "app", "phone")]
        self.assertEqual(chain[1], "SMS → App (Il Mio Ottico) → Phone callback")
        self.assertEqual((chain[2], chain[3]), (1, [("No SMS consent", 1)]))

    def test_cheapest_first_and_checks_at_save(self):
        self.step.action_fallback_cheapest_first()
        self.assertEqual(self.step._optical_chain(), ["app", "sms", "phone"])
        from odoo.exceptions import ValidationError
        with self.assertRaises(ValidationError):
            self.step.fallback_ids = [(0, 0, {"channel": "app"})]
        with self.assertRaises(ValidationError):
            # An SMS with link needs the page its link opens, as an alternative too.
            self.step.fallback_ids = [(0, 0, {"channel": "sms_link"})]
