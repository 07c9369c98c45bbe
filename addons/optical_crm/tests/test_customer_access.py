import datetime

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import OpticalRpcCase


@tagged("post_install", "-at_install", "optical_crm")
class TestCustomerAccess(OpticalRpcCase):
    """A customer belongs to one shop, also when they have no company: the
    other shops' staff neither see, message nor take them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Staff create and edit contacts, as Odoo's default user template lets them.
        (cls.staff_a | cls.staff_b).write({"groups_id": [(4, cls.env.ref("base.group_partner_manager").id)]})
        Partner = cls.env["res.partner"]
        # Customers as Odoo creates them (no company): their shop comes from their events.
        cls.bruno = Partner.create({"name": "Bruno Segreto", "mobile": "+393471112233",
                                    "email": "bruno.segreto@example.com", "street": "Via Segreta 1"})
        cls.anna = Partner.create({"name": "Anna Verdi", "mobile": "+393471114455"})
        cls.nora = Partner.create({"name": "Nora Nuova", "mobile": "+393471116677"})
        today = cls.shop_a._optical_today()
        cls.event(cls.bruno, "optometry", today - datetime.timedelta(days=30), shop=cls.shop_b)
        cls.event(cls.anna, "optometry", today - datetime.timedelta(days=30))
        # Shop B's call note in Bruno's chatter, shop A's in Anna's.
        cls.bruno.with_user(cls.staff_b).message_post(body="Bruno: private call note", message_type="comment",
                                                       subtype_xmlid="mail.mt_note")
        cls.anna.with_user(cls.staff_a).message_post(body="Anna: adapting well", message_type="comment",
                                                      subtype_xmlid="mail.mt_note")

    def test_shops_of_the_customers(self):
        self.assertEqual(self.bruno.optical_shop_id, self.shop_b)
        self.assertEqual(self.anna.optical_shop_id, self.shop_a)
        self.assertFalse(self.nora.optical_shop_id, "no company, no event, two shops: no shop yet")
        self.assertFalse(self.bruno.company_id | self.anna.company_id | self.nora.company_id)

    def test_other_shop_customer_is_not_visible(self):
        self.login(self.staff_a)
        fields = ["name", "mobile", "email", "street", "optical_shop_id"]
        self.assertEqual(self.rpc("res.partner", "search_read", [("id", "=", self.bruno.id)], fields=fields), [])
        self.assertEqual(self.rpc("res.partner", "search_read", [("name", "ilike", "Segreto")], fields=fields), [])
        self.assertEqual(self.rpc("res.partner", "name_search", "Segreto"), [])
        self.assertRefused("res.partner", "read", [self.bruno.id], fields)
        self.assertRefused("res.partner", "web_read", [self.bruno.id], {"email": {}})
        self.assertRefused("res.partner", "write", [self.bruno.id], {"email": "giulia@example.com"})
        self.assertEqual(self.bruno.email, "bruno.segreto@example.com")
        # Her own customer and the customer of no shop yet are there.
        found = self.rpc("res.partner", "search_read", [("id", "in", (self.anna | self.nora).ids)], fields=["name"])
        self.assertEqual({row["id"] for row in found}, {self.anna.id, self.nora.id})

    def test_other_shop_chatter_is_not_visible(self):
        self.login(self.staff_a)
        messages = self.rpc("mail.message", "search_read",
                            [("model", "=", "res.partner"), ("res_id", "=", self.bruno.id)], fields=["body"])
        self.assertEqual(messages, [])
        # The chatter as the web client loads it.
        chatter = self.make_jsonrpc_request("/mail/thread/messages", {"thread_model": "res.partner",
                                                                      "thread_id": self.bruno.id})
        self.assertEqual(chatter["messages"], [])
        self.assertFalse([row for row in self.rpc("mail.message", "search_read", [("body", "ilike", "private call")],
                                                  fields=["body"])])
        self.assertRefused("res.partner", "message_post", [self.bruno.id], body="Hello from shop A",
                           message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertNotIn("Hello from shop A", "".join(self.bruno.message_ids.mapped("body")))
        # Her own customer's chatter is there, and she writes in it.
        messages = self.rpc("mail.message", "search_read",
                            [("model", "=", "res.partner"), ("res_id", "=", self.anna.id)], fields=["body"])
        self.assertIn("Anna: adapting well", "".join(row["body"] for row in messages))
        chatter = self.make_jsonrpc_request("/mail/thread/messages", {"thread_model": "res.partner",
                                                                      "thread_id": self.anna.id})
        self.assertTrue(chatter["messages"])
        self.rpc("res.partner", "message_post", [self.anna.id], body="Called back", message_type="comment",
                 subtype_xmlid="mail.mt_note")
        self.assertIn("Called back", "".join(self.anna.message_ids.mapped("body")))

    def test_event_never_takes_another_shop_customer(self):
        self.login(self.staff_a)
        events = self.Event.search_count([("partner_id", "=", self.bruno.id)])
        self.assertRefused("optical.crm.event", "create", {
            "partner_id": self.bruno.id, "event_type": "glasses_delivery", "event_date": str(self.shop_today()),
            "lens_type": "progressive", "company_id": self.shop_a.id})
        self.assertEqual(self.bruno.optical_shop_id, self.shop_b)
        self.assertEqual(self.Event.search_count([("partner_id", "=", self.bruno.id)]), events)
        # Nor by giving her own event to him.
        own = self.event(self.anna, "optometry", self.shop_today() - datetime.timedelta(days=2))
        self.assertRefused("optical.crm.event", "write", [own.id], {"partner_id": self.bruno.id})
        self.assertEqual((own.partner_id, self.bruno.optical_shop_id), (self.anna, self.shop_b))

    def test_redated_event_never_takes_a_customer_back(self):
        """A customer who went from shop A to shop B: shop A's old event stays
        shop A's, but re-dating or reviving it does not take them back."""
        carla = self.env["res.partner"].create({"name": "Carla Migrante"})
        old = self.event(carla, "optometry", self.shop_today() - datetime.timedelta(days=60))
        self.event(carla, "optometry", self.shop_today() - datetime.timedelta(days=10), shop=self.shop_b)
        self.assertEqual(carla.optical_shop_id, self.shop_b)
        self.login(self.staff_a)
        self.assertRefused("optical.crm.event", "write", [old.id], {"event_date": str(self.shop_today())})
        self.assertEqual((old.event_date, carla.optical_shop_id),
                         (self.shop_today() - datetime.timedelta(days=60), self.shop_b))
        # A change that does not move the customer is hers to make.
        self.rpc("optical.crm.event", "write", [old.id], {"description": "Checked",
                                                          "event_date": str(self.shop_today() - datetime.timedelta(days=50))})
        self.assertEqual((old.description, carla.optical_shop_id), ("Checked", self.shop_b))

    def test_customer_of_no_shop_is_visible_to_both_and_claimed_by_an_event(self):
        for user in (self.staff_a, self.staff_b):
            self.login(user)
            self.assertEqual(self.rpc("res.partner", "search_read", [("id", "=", self.nora.id)], fields=["name"]),
                             [{"id": self.nora.id, "name": "Nora Nuova"}])
        self.login(self.staff_a)
        self.rpc("optical.crm.event", "create", {
            "partner_id": self.nora.id, "event_type": "glasses_delivery", "event_date": str(self.shop_today()),
            "lens_type": "progressive", "company_id": self.shop_a.id})
        self.assertEqual(self.nora.optical_shop_id, self.shop_a)
        self.login(self.staff_b)
        self.assertEqual(self.rpc("res.partner", "search_read", [("id", "=", self.nora.id)], fields=["name"]), [])

    def test_customer_created_from_customers_menu_gets_the_user_shop(self):
        for user, shop in ((self.staff_a, self.shop_a), (self.staff_b, self.shop_b)):
            self.login(user)
            action = self.make_jsonrpc_request("/web/action/load", {
                "action_id": "optical_crm.res_partner_action_optical_customers"})
            # The web client evaluates the action's context with the user's.
            context = dict(self.rpc_context, **safe_eval(action["context"], self.rpc_context))
            defaults = self.rpc("res.partner", "onchange", [], {}, [], {"company_id": {}, "is_company": {}},
                                context=context)
            self.assertEqual(defaults["value"]["company_id"], shop.id)
            partner_id = self.rpc("res.partner", "web_save", [], {"name": "Nuovo %s" % user.login},
                                  specification={"display_name": {}}, context=context)[0]["id"]
            partner = self.env["res.partner"].browse(partner_id)
            self.assertEqual((partner.company_id, partner.optical_shop_id), (shop, shop))
        other = self.env["res.partner"].search([("name", "=", "Nuovo %s" % self.staff_a.login)])
        self.assertEqual(self.rpc("res.partner", "search_read", [("id", "=", other.id)], fields=["name"]), [],
                         "shop B's staff do not see shop A's new customer")

    def test_own_customers_are_worked_as_before(self):
        """The call list of the assistant's own customer of no company: the
        call, its note in the chatter, a new event."""
        self.cycle("glasses_delivery", [(1, "weeks", "phone", "service")])
        self.event(self.anna, "glasses_delivery", self.shop_today() - datetime.timedelta(days=7), lens_type="progressive")
        self.plan(self.shop_today())
        self.Communication._cron_send_communications()
        call = self.communications(partner_id=self.anna.id, channel="phone")
        self.assertEqual(call.state, "sent")
        self.login(self.staff_a)
        rows = self.rpc("optical.crm.communication", "search_read", [("partner_id", "=", self.anna.id)],
                        fields=["partner_id", "state"])
        self.assertEqual([(row["partner_id"][0], row["state"]) for row in rows], [(self.anna.id, "sent")])
        activities = self.rpc("mail.activity", "search_read", [("res_model", "=", "res.partner"),
                                                               ("res_id", "=", self.anna.id)], fields=["res_name"])
        self.assertEqual([row["res_name"] for row in activities], ["Anna Verdi"])
        self.rpc("optical.crm.communication", "action_callback_done", [call.id], "reached", "Happy with them")
        self.assertEqual(call.state, "done")
        self.assertIn("Happy with them", "".join(self.anna.message_ids.mapped("body")))
        self.rpc("optical.crm.event", "create", {
            "partner_id": self.anna.id, "event_type": "optometry", "event_date": str(self.shop_today()),
            "company_id": self.shop_a.id})
        self.assertEqual(self.Event.search_count([("partner_id", "=", self.anna.id), ("event_type", "=", "optometry")]),
                         2)
        # Shop B's staff see none of it.
        self.login(self.staff_b)
        self.assertEqual(self.rpc("mail.activity", "search_read", [("res_model", "=", "res.partner"),
                                                                   ("res_id", "=", self.anna.id)], fields=["id"]), [])

    def test_owner_of_both_shops_sees_both(self):
        self.login(self.owner)
        found = self.rpc("res.partner", "search_read", [("id", "in", (self.anna | self.bruno).ids)], fields=["name"])
        self.assertEqual({row["id"] for row in found}, {self.anna.id, self.bruno.id})
        # With only shop A open, shop B's customer is hidden, and Odoo offers to open shop B.
        self.assertRefused("res.partner", "read", [self.bruno.id], ["name"],
                           context={"allowed_company_ids": [self.shop_a.id]})
        self.assertEqual(self.bruno._get_redirect_suggested_company(), self.shop_b)

    def test_colleagues_and_shops_stay_visible(self):
        """Partners Odoo shows everywhere (users, shops) are not customers."""
        self.login(self.staff_a)
        ids = (self.staff_b.partner_id | self.owner.partner_id | self.shop_b.partner_id).ids
        found = self.rpc("res.partner", "search_read", [("id", "in", ids)], fields=["name"])
        self.assertEqual({row["id"] for row in found}, set(ids))
