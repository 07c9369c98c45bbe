from odoo.tests import tagged
from odoo.tests.common import JsonRpcException

from .common import OpticalRpcCase


@tagged("post_install", "-at_install", "optical_crm")
class TestCustomerCard(OpticalRpcCase):
    """Shop staff look after their shop's customers through the customer card, as the browser does it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.env.ref("optical_crm.res_partner_view_form_customer")
        cls.foreign = cls.customer("Carla Corso", shop=cls.shop_b)

    def test_a_link_to_a_customer_opens_the_customer_card(self):
        self.login(self.staff_a)
        action = self.rpc("res.partner", "get_formview_action", [self.mario.id])
        self.assertEqual(action["views"], [[self.card.id, "form"]])
        # A company (a supplier) keeps Odoo's contact form.
        supplier = self.env["res.partner"].create({"name": "Lens maker", "is_company": True})
        action = self.rpc("res.partner", "get_formview_action", [supplier.id])
        self.assertNotEqual(action["views"][0][0], self.card.id)

    def test_staff_create_a_customer_of_their_shop(self):
        self.login(self.staff_a)
        action = self.env.ref("optical_crm.res_partner_action_optical_customers")
        # The Customers action's defaults, as its form sends them.
        partner_id = self.rpc("res.partner", "create", [{"name": "Nuova Cliente", "mobile": "+393330000001"}],
                              context={"default_is_company": False, "default_company_id": self.shop_a.id})
        partner = self.env["res.partner"].browse(partner_id)
        self.assertEqual(partner.optical_shop_id, self.shop_a)
        self.assertIn("allowed_company_ids", action.context)

    def test_staff_change_consents_and_write_in_the_chatter(self):
        self.login(self.staff_a)
        self.rpc("res.partner", "write", [self.mario.id], {"optical_consent_sms": False})
        self.assertFalse(self.mario.optical_consent_sms)
        self.rpc("res.partner", "message_post", [self.mario.id], body="Prefers a call after 5 pm",
                 message_type="comment", subtype_xmlid="mail.mt_note")
        self.assertTrue(self.mario.message_ids.filtered(lambda m: "after 5 pm" in str(m.body)))
        # Another shop's customer stays out of reach.
        self.assertRefused("res.partner", "write", [self.foreign.id], {"optical_consent_sms": False})
        self.assertTrue(self.foreign.optical_consent_sms)
        with self.assertRaises(JsonRpcException):
            self.rpc("res.partner", "message_post", [self.foreign.id], body="Hello",
                     message_type="comment", subtype_xmlid="mail.mt_note")
        self.assertFalse(self.foreign.message_ids.filtered(lambda m: "Hello" in str(m.body)))

    def test_staff_cannot_hand_a_customer_to_another_shop(self):
        self.login(self.staff_a)
        self.assertRefused("res.partner", "write", [self.mario.id], {"company_id": self.shop_b.id}, error=None,
                           message="Mario Rossi: you can only assign a customer to a shop you work in.")
        self.assertEqual((self.mario.company_id, self.mario.optical_shop_id), (self.shop_a, self.shop_a))
        with self.assertRaises(JsonRpcException):
            self.rpc("res.partner", "create", [{"name": "Sneaky", "company_id": self.shop_b.id}])
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Sneaky")]))

    def test_no_pre_ticked_e_mail_to_a_customer_without_e_mail_consent(self):
        no_email = self.customer("Chiara Esposito", consent=False, email="chiara@example.com")
        suggested = no_email.with_user(self.owner)._message_get_suggested_recipients()
        self.assertNotIn(no_email.id, [recipient.get("partner_id") for recipient in suggested])
        # A customer who accepts e-mail is still suggested.
        suggested = self.mario.with_user(self.owner)._message_get_suggested_recipients()
        self.assertIn(self.mario.id, [recipient.get("partner_id") for recipient in suggested])

    def test_staff_and_owners_start_on_their_call_list(self):
        callbacks = self.env.ref("optical_crm.optical_crm_communication_action_callback")
        self.assertEqual((self.staff_a.action_id.id, self.owner.action_id.id), (callbacks.id, callbacks.id))
        # A home action the user chose is kept.
        chosen = self.env.ref("optical_crm.res_partner_action_optical_customers")
        self.staff_b.action_id = chosen.id
        self.staff_b.write({"company_ids": [(4, self.shop_a.id)]})
        self.assertEqual(self.staff_b.action_id.id, chosen.id)

    def test_a_customer_following_their_card_is_e_mailed_only_with_e_mail_consent(self):
        no_email = self.customer("Chiara Esposito", consent=False, email="chiara@example.com")
        for customer, emailed in ((no_email, False), (self.mario, True)):
            customer.message_subscribe(partner_ids=customer.ids)
            reply = customer.with_user(self.owner).message_post(
                body="Your lenses are ready", message_type="comment", subtype_xmlid="mail.mt_comment")
            self.assertEqual(customer in reply.notification_ids.res_partner_id, emailed, customer.name)
        # Named as a recipient, she is e-mailed: the shop chose to.
        reply = no_email.with_user(self.owner).message_post(
            body="Your invoice", message_type="comment", subtype_xmlid="mail.mt_comment", partner_ids=no_email.ids)
        self.assertIn(no_email, reply.notification_ids.res_partner_id)
