import datetime

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from .common import OpticalCrmCase

D = datetime.date
TODAY = D(2026, 3, 9)


@tagged("post_install", "-at_install", "optical_crm")
@freeze_time("2026-03-09 09:00:00")
class TestMenus(OpticalCrmCase):
    """Each menu action opened with its default filters, as the staff member
    who uses it: what they see, and that every count opens what it counts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.assistant = new_test_user(
            cls.env, "menu_assistant", groups="optical_crm.group_optical_crm_user", email=False,
            company_id=cls.shop_a.id, company_ids=[cls.shop_a.id], name="Sara Assistant",
        )
        # What the database already holds (demo data) is out of these screens.
        cls.env["optical.crm.communication"].search([("state", "in", ("planned", "sent"))]).write(
            {"state": "cancelled"})
        cls.cycle("glasses_delivery", [(1, "weeks", "phone", "service"), (2, "weeks", "export")])
        cls.anna = cls.customer("Anna Neri")
        cls.corso = cls.customer("Cliente Corso", shop=cls.shop_b)

    def setUp(self):
        super().setUp()
        for partner in (self.mario, self.lucia, self.anna):
            self.event(partner, "glasses_delivery", D(2026, 3, 2))
        self.event(self.corso, "glasses_delivery", D(2026, 3, 2), shop=self.shop_b)
        self.plan(TODAY)
        self.plan(TODAY, shop=self.shop_b)
        self.Communication._cron_send_communications()
        calls = self.communications(channel="phone", state="sent")
        self.assertEqual(len(calls), 4)
        self.call_of = {call.partner_id: call for call in calls}
        self.call_of[self.lucia].with_user(self.assistant).action_callback_postpone(D(2026, 3, 12))
        self.call_of[self.anna].with_user(self.staff_a).action_callback_take()
        # A planned contact the sender has not made yet (overdue) and a sent e-mail.
        self.overdue = self.Communication.create({
            "partner_id": self.mario.id, "company_id": self.shop_a.id, "channel": "export",
            "scheduled_date": D(2026, 3, 8), "state": "planned"})
        self.sent_email = self.Communication.create({
            "partner_id": self.lucia.id, "company_id": self.shop_a.id, "channel": "email",
            "scheduled_date": D(2026, 3, 9), "state": "sent"})

    def test_phone_callbacks(self):
        calls = "optical_crm.optical_crm_communication_action_callback"
        # Mine and unassigned, due today or earlier: Mario's call (Lucia's is postponed, Anna's taken).
        self.assertEqual(self.action_records(calls, self.assistant), self.call_of[self.mario])
        self.assertEqual(self.action_records(calls, self.staff_a), self.call_of[self.mario] | self.call_of[self.anna])
        # One click to every call of the shop; never another shop's.
        self.assertEqual(self.action_records(calls, self.assistant, my_callbacks=0, due=0),
                         self.call_of[self.mario] | self.call_of[self.lucia] | self.call_of[self.anna])
        self.assertEqual(self.action_records(calls, self.staff_b), self.call_of[self.corso])

    def test_customers_to_contact(self):
        seen = self.action_records("optical_crm.optical_crm_communication_action_to_contact", self.assistant)
        self.assertIn(self.overdue, seen, "overdue contacts are shown")
        self.assertNotIn(self.sent_email, seen, "a sent e-mail is not someone to contact")
        self.assertIn(self.call_of[self.lucia], seen, "a postponed call shows on its day")
        self.assertEqual(set(seen.mapped("contact_status")), {"Planned", "Open call"})
        self.assertEqual(self.call_of[self.mario].contact_status, "Open call")
        self.assertFalse(seen.filtered(lambda c: c.company_id != self.shop_a))
        planned_exports = self.communications(channel="export", state="planned").filtered(
            lambda c: c.company_id == self.shop_a and c.scheduled_date <= D(2026, 3, 16))
        self.assertEqual(seen, planned_exports | self.communications(channel="phone", state="sent").filtered(
            lambda c: c.company_id == self.shop_a))

    def test_customers(self):
        seen = self.action_records("optical_crm.res_partner_action_optical_customers", self.assistant)
        self.assertIn(self.mario, seen)
        self.assertNotIn(self.corso, seen, "another shop's customer")
        self.assertNotIn(self.assistant.partner_id, seen, "staff are not customers")
        # A number is found however it was typed.
        Partner = self.env["res.partner"].with_user(self.assistant)
        self.assertEqual(Partner.search([("optical_phone_search", "ilike", "333 111-2233")]), self.mario)
        self.assertFalse(Partner.search([("optical_phone_search", "ilike", "33")]), "too short to mean a number")
        mario = self.mario.with_user(self.assistant)
        self.assertEqual(mario.optical_open_call_id, self.call_of[self.mario])
        self.assertEqual(mario.optical_next_communication_id.scheduled_date, D(2026, 3, 8))

    def test_counts_open_what_they_count(self):
        # The customer's Communications button.
        action = self.mario.with_user(self.assistant).action_view_optical_communications()
        self.assertEqual(len(self.action_records(action, self.assistant)),
                         self.mario.with_user(self.assistant).optical_communication_count)
        # A cyclic activity's and a campaign's Communications button, as the owner.
        cycle = self.call_of[self.mario].cycle_id.with_user(self.owner)
        self.assertEqual(len(self.action_records(cycle.action_view_communications(), self.owner)),
                         cycle.communication_count)
        campaign = self.env["optical.crm.campaign"].create({
            "name": "San Valentino", "date_start": D(2026, 3, 1), "date_end": D(2026, 3, 31),
            "partner_domain": str([("id", "in", (self.mario | self.lucia | self.anna).ids)]),
            "step_ids": [(0, 0, {"name": "Offer", "day_offset": 0, "channel": "export"}),
                         (0, 0, {"name": "Reminder", "day_offset": 20, "channel": "export"})],
        })
        campaign.action_schedule()
        with freeze_time("2026-03-21 09:00:00"):
            self.plan(D(2026, 3, 21))
        campaign = campaign.with_user(self.owner)
        self.assertTrue(campaign.communication_count)
        self.assertEqual(len(self.action_records(campaign.action_view_communications(), self.owner)),
                         campaign.communication_count)
