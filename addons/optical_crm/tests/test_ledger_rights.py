import datetime

from odoo.tests import HttpCase, new_test_user, tagged

from .common import OpticalCrmCase, OpticalRpcMixin

COMMUNICATION = "optical.crm.communication"


@tagged("post_install", "-at_install", "optical_crm")
class TestLedgerRights(OpticalRpcMixin, OpticalCrmCase, HttpCase):
    """The ledger is written by the product: over JSON-RPC, the shop's
    assistant changes a communication only through its actions (take,
    outcome, postpone, give up, reassign), the owner also the day of a
    planned one; nobody rewrites what is sent, to whom, why, its state or
    its results (the reproductions of N2, 2026-12-07)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner_a = new_test_user(
            cls.env, "owner_a", groups="optical_crm.group_optical_crm_manager",
            company_id=cls.shop_a.id, company_ids=[cls.shop_a.id], name="Anna Owner A",
        )
        cls.berta = cls.customer("Berta Riservata", shop=cls.shop_b, mobile="+393472223344",
                                 email="berta@example.com")
        cls.nadia = cls.customer("Nadia Noconsent", consent=False, mobile="+393474440001",
                                 email="nadia@example.com")
        cls.today = cls.shop_a._optical_today()

        def communication(partner, channel, day, shop=None, **values):
            return cls.Communication.create({
                "partner_id": partner.id, "company_id": (shop or cls.shop_a).id, "channel": channel,
                "scheduled_date": day, "subject": "Hello", "body": "Hello %s" % partner.name, **values,
            })

        cls.sent_email = communication(cls.mario, "email", cls.today)
        cls.call_a = communication(cls.lucia, "phone", cls.today, purpose="service")
        cls.call_b = communication(cls.berta, "phone", cls.today, shop=cls.shop_b, purpose="service",
                                   body="Berta private note: diabetes, check retina")
        (cls.sent_email | cls.call_a | cls.call_b)._send_batch()
        cls.planned = communication(cls.lucia, "email", cls.today + datetime.timedelta(days=3))
        assert (cls.sent_email.state, cls.call_a.state, cls.call_b.state) == ("sent", "sent", "sent")
        assert cls.call_a.activity_id and cls.call_b.activity_id

    def snapshot(self, communication, *names):
        self.env.invalidate_all()
        return communication.read(list(names))[0]

    # -- N2: what an assistant sends is refused, nothing changes ------------

    def test_sent_email_is_not_put_back_to_planned(self):
        """Exactly once: a sent e-mail is never planned (and sent) again."""
        self.login("staff_a")
        self.assertRefused(COMMUNICATION, "write", [self.sent_email.id], {"state": "planned"})
        self.login("owner_a")
        self.assertRefused(COMMUNICATION, "write", [self.sent_email.id], {"state": "planned"})
        self.assertEqual(self.sent_email.state, "sent")

    def test_no_text_to_another_shop_customer(self):
        before = self.snapshot(self.planned, "partner_id", "body", "channel", "state", "cycle_step_id")
        self.login("staff_a")
        message = self.assertRefused(COMMUNICATION, "write", [self.planned.id], {
            "partner_id": self.berta.id, "body": "Phishing: http://evil.example/login", "cycle_step_id": False})
        self.assertIn("Customer", message)
        self.assertNotIn("Berta", message)
        self.assertEqual(self.snapshot(self.planned, "partner_id", "body", "channel", "state", "cycle_step_id"),
                         before)

    def test_no_consent_bypass(self):
        before = self.snapshot(self.planned, "partner_id", "purpose", "body")
        self.login("staff_a")
        self.assertRefused(COMMUNICATION, "write", [self.planned.id], {
            "partner_id": self.nadia.id, "purpose": "service", "body": "MEGA SALE 70% today only"})
        self.login("owner_a")
        self.assertRefused(COMMUNICATION, "write", [self.planned.id], {"purpose": "service"})
        self.assertEqual(self.snapshot(self.planned, "partner_id", "purpose", "body"), before)

    def test_results_are_not_forged(self):
        for login in ("staff_a", "owner_a"):
            self.login(login)
            self.assertRefused(COMMUNICATION, "write", [self.sent_email.id], {
                "state": "done", "opened": True, "purchased_after_contact": True})
        self.assertEqual(self.snapshot(self.sent_email, "state", "opened", "purchased_after_contact"),
                         {"id": self.sent_email.id, "state": "sent", "opened": False, "purchased_after_contact": False})

    def test_not_moved_to_another_shop(self):
        for login in ("staff_a", "owner_a"):
            self.login(login)
            self.assertRefused(COMMUNICATION, "write", [self.planned.id], {"company_id": self.shop_b.id})
        self.assertEqual(self.planned.company_id, self.shop_a)

    def test_nobody_writes_the_ledger_by_hand(self):
        """Created only by the planner, never deleted by hand (the planner
        would plan a deleted contact again)."""
        self.login("owner_a")
        self.assertRefused(COMMUNICATION, "create", {
            "partner_id": self.nadia.id, "company_id": self.shop_a.id, "channel": "email", "purpose": "service",
            "scheduled_date": str(self.today), "body": "MEGA SALE"})
        self.assertFalse(self.Communication.search([("partner_id", "=", self.nadia.id)]))
        self.assertRefused(COMMUNICATION, "unlink", [self.sent_email.id])
        self.login("staff_a")
        self.assertRefused(COMMUNICATION, "unlink", [self.sent_email.id])
        self.assertTrue(self.sent_email.exists())

    def test_owner_moves_only_a_planned_communication_to_another_day(self):
        new_day = str(self.today + datetime.timedelta(days=5))
        self.login("owner_a")
        self.rpc(COMMUNICATION, "write", [self.planned.id], {"scheduled_date": new_day})
        self.assertEqual(str(self.planned.scheduled_date), new_day)
        self.assertRefused(COMMUNICATION, "write", [self.sent_email.id], {"scheduled_date": new_day})
        self.assertEqual(self.sent_email.scheduled_date, self.today)
        # The assistant does not plan.
        self.login("staff_a")
        self.assertRefused(COMMUNICATION, "write", [self.planned.id], {"scheduled_date": str(self.today)})
        self.assertEqual(str(self.planned.scheduled_date), new_day)

    # -- another shop's callback ---------------------------------------------

    def test_another_shop_callback_stays_out_of_reach(self):
        activity_b = self.call_b.activity_id
        self.login("staff_a")
        self.assertRefused(COMMUNICATION, "write", [self.call_a.id], {"activity_id": activity_b.id})
        self.assertEqual(self.call_a.activity_id.res_id, self.lucia.id)
        self.assertRefused("mail.activity", "read", [activity_b.id], ["summary", "note"])
        self.assertRefused("mail.activity", "write", [activity_b.id], {"user_id": self.staff_a.id})
        self.assertRefused("mail.activity", "unlink", [activity_b.id])
        self.assertRefused("mail.activity", "action_feedback", [activity_b.id], feedback="done")
        self.assertTrue(activity_b.exists())
        self.assertEqual((activity_b.user_id, self.call_b.state), (self.staff_b, "sent"))
        self.assertNotIn(activity_b.id, self.rpc("mail.activity", "search", [("id", "=", activity_b.id)]))

    def test_own_callback_activity_stays_on_its_customer(self):
        activity = self.call_a.activity_id
        for values in ({"res_id": self.berta.id}, {"user_id": self.staff_a.id, "res_id": self.berta.id},
                       {"activity_type_id": self.env.ref("mail.mail_activity_data_todo").id}):
            self.login("staff_a")
            self.assertRefused("mail.activity", "write", [activity.id], values)
        self.assertEqual((activity.res_id, activity.activity_type_id, activity.user_id),
                         (self.lucia.id, self.env.ref("optical_crm.mail_activity_type_callback"), self.staff_a))
        self.assertEqual(self.call_a.activity_id, activity)

    def test_a_link_not_made_by_the_product_opens_nothing(self):
        """Even a link written behind the product's back (in the database)
        to a callback activity of another customer gives no access to it."""
        activity_b = self.call_b.activity_id
        self.env.cr.execute("UPDATE optical_crm_communication SET activity_id = %s WHERE id = %s",
                            (activity_b.id, self.call_a.id))
        self.login("staff_a")
        self.assertRefused("mail.activity", "read", [activity_b.id], ["note"])
        self.assertRefused("mail.activity", "unlink", [activity_b.id])
        self.assertTrue(activity_b.exists())
        self.assertEqual(self.call_b.state, "sent")
        self.assertEqual(self.rpc("mail.activity", "search", [("id", "=", activity_b.id)]), [])

    # -- what the assistant does: the call's actions --------------------------

    def test_assistant_works_the_call_list(self):
        call = self.call_a
        self.login("staff_a")
        self.rpc(COMMUNICATION, "action_callback_take", [call.id])
        self.assertEqual((call.user_id, call.activity_id.user_id), (self.staff_a, self.staff_a))
        # Reassigned from the form (user_id), to a colleague of the shop: the activity follows.
        self.rpc(COMMUNICATION, "web_save", [call.id], {"user_id": self.owner_a.id}, specification={})
        self.assertEqual((call.user_id, call.activity_id.user_id), (self.owner_a, self.owner_a))
        # Not to someone of another shop.
        self.assertRefused(COMMUNICATION, "write", [call.id], {"user_id": self.staff_b.id},
                           error="odoo.exceptions.UserError")
        self.assertEqual(call.user_id, self.owner_a)
        # The activity's own panel: the activity's assignee and date follow too.
        self.rpc("mail.activity", "write", [call.activity_id.id], {"user_id": self.staff_a.id})
        self.assertEqual(call.user_id, self.staff_a)
        later = str(self.today + datetime.timedelta(days=2))
        self.rpc(COMMUNICATION, "action_callback_postpone", [call.id], later, "At work")
        self.assertEqual((call.state, str(call.scheduled_date)), ("sent", later))
        self.rpc(COMMUNICATION, "action_callback_done", [call.id], "no_answer", "First try")
        self.assertEqual((call.state, call.callback_attempts), ("sent", 1))
        self.rpc(COMMUNICATION, "action_callback_done", [call.id], "reached", "Adapting well")
        self.assertEqual((call.state, call.callback_outcome, call.callback_note), ("done", "reached", "Adapting well"))

    def test_assistant_gives_up_a_call_through_the_dialog(self):
        self.login("staff_a")
        wizard_id = self.rpc("optical.crm.callback.wizard", "create", {
            "communication_ids": [(6, 0, [self.call_a.id])], "action": "give_up", "reason": "Moved abroad"})
        self.rpc("optical.crm.callback.wizard", "action_confirm", [wizard_id])
        self.assertEqual((self.call_a.state, self.call_a.skip_reason), ("cancelled", "Moved abroad"))

    def test_assistant_acts_only_on_own_shop_calls(self):
        for method, args in (("action_callback_take", ()), ("action_callback_done", ("reached", "x")),
                             ("action_callback_give_up", ("x",)),
                             ("action_callback_postpone", (str(self.today + datetime.timedelta(days=1)),))):
            self.login("staff_a")
            self.assertRefused(COMMUNICATION, method, [self.call_b.id], *args)
        self.assertEqual((self.call_b.state, self.call_b.user_id, self.call_b.callback_attempts),
                         ("sent", self.env["res.users"], 0))
