import datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import OpticalCrmCase, OpticalRpcMixin
from .common_tour import OpticalTourCase

DAY = datetime.timedelta(days=1)


class PreviewCase(OpticalCrmCase):
    """A shop whose owner works in that shop only, an e-mail step in Italian
    and an Italian customer with a progressive pair delivered a week ago."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("it_IT")
        cls.env["ir.module.module"].search([("name", "=", "optical_crm")])._update_translations(
            ["it_IT"], overwrite=True)
        cls.owner_a = new_test_user(
            cls.env, "owner_a", groups="optical_crm.group_optical_crm_manager", email="anna@ottica.example",
            company_id=cls.shop_a.id, company_ids=[cls.shop_a.id], name="Anna Titolare", lang="en_US")
        cls.today = cls.shop_a._optical_today()
        cls.follow_up = cls.cycle(
            "glasses_delivery", [(1, "weeks", "email", "marketing")], shop=cls.shop_a, lens_type="progressive")
        cls.step = cls.follow_up.step_ids
        cls.step.write({
            "subject": "Hello {{ object.first_name }}",
            "body": "Your glasses of {{ object.event_date_text }}, from {{ object.company_id.name }}",
        })
        cls.step.with_context(lang="it_IT").write({
            "subject": "Ciao {{ object.first_name }}",
            "body": "I tuoi occhiali del {{ object.event_date_text }}, da {{ object.company_id.name }}",
        })
        cls.lucia.lang = "it_IT"
        cls.delivery = cls.event(cls.lucia, "glasses_delivery", cls.today - 7 * DAY, lens_type="progressive")
        cls.stranger = cls.customer("Carla Verdi", shop=cls.shop_b, email="carla@example.com")

    def wizard(self, user, partner, step=None):
        return self.env["optical.crm.step.preview.wizard"].with_user(user).with_context(
            allowed_company_ids=user.company_ids.ids).create({
                "cycle_step_id": (step or self.step).id, "partner_id": partner.id})

    def counts(self):
        """Everything that counts contacts: the ledger, the analysis, the shop's indicators."""
        self.env.flush_all()
        return {model: self.env[model].search_count([]) for model in (
            "optical.crm.communication", "optical.crm.analysis", "optical.crm.kpi.report")}


@tagged("post_install", "-at_install", "optical_crm")
class TestStepPreview(PreviewCase):

    def test_preview_renders_as_the_customer_without_writing(self):
        before = self.counts()
        wizard = self.wizard(self.owner_a, self.lucia)
        self.assertFalse(wizard.error)
        self.assertEqual(wizard.event_id, self.delivery)
        self.assertEqual(wizard.lang, "it_IT")
        self.assertEqual(wizard.subject, "Ciao Lucia")
        self.assertEqual(wizard.body, "I tuoi occhiali del %s, da Ottica Centrale" % self.shop_date(
            self.today - 7 * DAY))
        # The e-mail in the shop's layout, in Italian.
        self.assertIn("I tuoi occhiali del", wizard.body_html)
        self.assertIn("Ottica Centrale", wizard.body_html)
        self.assertIn('lang="it-IT"', wizard.body_html)
        self.assertEqual(self.counts(), before)
        self.assertFalse(self.env["mail.mail"].search([("subject", "like", "Lucia")]))

    def test_preview_of_a_customer_of_another_shop_is_refused(self):
        with self.assertRaises(AccessError):
            self.wizard(self.owner_a, self.stranger)

    def test_test_send_counts_nowhere(self):
        self.shop_a.write({"optical_pressure_max": 1, "optical_pressure_period_days": 30})
        before = self.counts()
        wizard = self.wizard(self.owner_a, self.lucia)
        wizard.action_send_test()
        self.assertEqual(self.counts(), before)
        mail = self.env["mail.mail"].search([("email_to", "like", "anna@ottica.example")])
        self.assertEqual(len(mail), 1)
        # Marked as a test in the customer's language, which the texts are in.
        self.assertEqual(mail.subject, "[PROVA] Ciao Lucia")
        self.assertIn("[PROVA]", mail.body_html)
        self.assertIn("[PROVA]", "\n".join(self.owner_a.partner_id.message_ids.mapped("body")))
        # The customer's real contact is planned as if no test had been sent (contact pressure 1).
        self.plan(self.today)
        self.assertEqual(self.communications(partner_id=self.lucia.id).mapped("state"), ["planned"])

    def test_assistant_cannot_send_a_test(self):
        wizard = self.wizard(self.staff_a, self.lucia)
        self.assertEqual(wizard.subject, "Ciao Lucia")
        with self.assertRaises(AccessError):
            wizard.action_send_test()
        self.assertFalse(self.env["mail.mail"].search([("subject", "like", "Lucia")]))

    def test_campaign_step_preview(self):
        campaign = self.env["optical.crm.campaign"].create({
            "name": "San Valentino", "company_id": self.shop_a.id, "date_start": self.today,
            "date_end": self.today + 30 * DAY, "step_ids": [(0, 0, {
                "name": "Offer", "day_offset": 0, "channel": "export",
                "body": "Ciao {{ object.first_name }}, da {{ object.company_id.name }}"})]})
        wizard = self.env["optical.crm.step.preview.wizard"].with_user(self.owner_a).create({
            "campaign_step_id": campaign.step_ids.id, "partner_id": self.lucia.id})
        self.assertEqual((wizard.subject, wizard.body), ("Offer", "Ciao Lucia, da Ottica Centrale"))
        self.assertFalse(wizard.body_html)
        with self.assertRaisesRegex(UserError, "cannot be sent as a test"):
            wizard.action_send_test()

    def test_step_button_opens_the_preview(self):
        action = self.step.with_user(self.owner_a).action_preview()
        self.assertEqual(action["res_model"], "optical.crm.step.preview.wizard")
        self.assertEqual(action["context"], {"default_cycle_step_id": self.step.id})


@tagged("post_install", "-at_install", "optical_crm")
class TestOverlappingCycles(OpticalCrmCase):
    """Defect 4 of the 2026-12-07 review: a second cyclic activity on the same
    event and lens put back on today's call list a customer reached that
    morning and one who asked to be called later."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.shop_a._optical_today()
        cls.follow_up = cls.cycle("glasses_delivery", [(1, "weeks", "phone", "service")], lens_type="progressive")
        cls.follow_up.name = "Follow-up progressive glasses"
        cls.chiara = cls.customer("Chiara Ricci", mobile="+393337778899", email="chiara@example.com")
        for partner in (cls.mario, cls.lucia, cls.chiara):
            cls.event(partner, "glasses_delivery", cls.today - 7 * DAY, lens_type="progressive")

    def test_second_cycle_does_not_call_again(self):
        self.plan(self.today)
        self.Communication._cron_send_communications()
        calls = {c.partner_id: c for c in self.communications(cycle_id=self.follow_up.id)}
        self.assertEqual(len(calls), 3)
        calls[self.mario].with_user(self.staff_a).action_callback_done("reached", "Happy with them")
        calls[self.chiara].with_user(self.staff_a).action_callback_postpone(self.today + 2 * DAY, "At work")
        # Later that morning the owner saves a second cyclic activity on the same event and lens.
        welcome = self.env["optical.crm.cycle"].with_user(self.owner).create({
            "name": "Welcome progressive glasses", "event_type": "glasses_delivery", "lens_type": "progressive",
            "step_ids": [
                (0, 0, {"name": "Call", "interval_number": 7, "interval_unit": "days", "channel": "phone",
                        "purpose": "service", "body": "How are the glasses?"}),
                (0, 0, {"name": "Tips", "interval_number": 6, "interval_unit": "days", "channel": "export",
                        "purpose": "service", "body": "Tips"}),
            ]})
        # Saving says so, naming the other activity.
        note = welcome.message_ids.filtered(lambda m: "Follow-up progressive glasses" in (m.body or ""))
        self.assertTrue(note, welcome.message_ids.mapped("body"))
        self.plan(self.today)
        self.Communication._cron_send_communications()
        planned = self.communications(cycle_id=welcome.id)
        # The call on the same day is not planned again, for anyone the first activity has.
        self.assertFalse(planned.filtered(lambda c: c.channel == "phone"))
        # The step on another day goes.
        self.assertEqual(planned.partner_id, self.mario | self.lucia | self.chiara)
        self.assertEqual(set(planned.mapped("channel")), {"export"})
        call_list = self.action_records("optical_crm.optical_crm_communication_action_callback", self.staff_a)
        self.assertNotIn(self.mario, call_list.partner_id)
        self.assertNotIn(self.chiara, call_list.filtered(lambda c: c.scheduled_date <= self.today).partner_id)

    def test_two_cycles_planned_together_contact_once(self):
        second = self.cycle("glasses_delivery", [(7, "days", "phone", "service")], lens_type="progressive")
        self.plan(self.today)
        self.assertEqual(len(self.communications(partner_id=self.mario.id)), 1)
        self.assertFalse(self.communications(cycle_id=second.id))

    def test_cancelled_contact_leaves_the_day_to_the_other_cycle(self):
        self.plan(self.today)
        self.follow_up.active = False
        second = self.cycle("glasses_delivery", [(7, "days", "phone", "service")], lens_type="progressive")
        self.plan(self.today)
        self.assertEqual(self.communications(cycle_id=second.id).partner_id, self.mario | self.lucia | self.chiara)

    def test_form_warns_while_editing(self):
        form = Form(self.env["optical.crm.cycle"].with_user(self.owner).with_context(lang="en_US"))
        form.name = "Welcome"
        form.event_type = "glasses_delivery"
        with self.assertLogs("odoo.tests.form.onchange") as warning:
            form.lens_type = "progressive"
        self.assertIn("Follow-up progressive glasses", "\n".join(warning.output))
        # Another lens type covers other events: no warning.
        with self.assertNoLogs("odoo.tests.form.onchange"):
            form.lens_type = "single_vision"


@tagged("post_install", "-at_install", "optical_crm")
class TestStepPreviewRpc(OpticalRpcMixin, HttpCase, PreviewCase):
    """Through the door a browser uses."""

    def wizard_id(self, login, partner):
        self.login(login)
        return self.rpc("optical.crm.step.preview.wizard", "create", [{
            "cycle_step_id": self.step.id, "partner_id": partner.id}])[0]

    def test_owner_previews_and_sends_a_test(self):
        before = self.counts()
        wizard_id = self.wizard_id("owner_a", self.lucia)
        self.login("owner_a")
        values = self.rpc("optical.crm.step.preview.wizard", "read", [wizard_id],
                          ["subject", "body", "body_html", "error"])[0]
        self.assertEqual(values["subject"], "Ciao Lucia")
        self.assertFalse(values["error"])
        action = self.rpc("optical.crm.step.preview.wizard", "action_send_test", [wizard_id])
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(self.counts(), before)
        self.assertTrue(self.env["mail.mail"].search([
            ("email_to", "like", "anna@ottica.example"), ("subject", "=", "[PROVA] Ciao Lucia")]))

    def test_assistant_cannot_send_a_test(self):
        wizard_id = self.wizard_id("staff_a", self.lucia)
        self.login("staff_a")
        self.assertRefused("optical.crm.step.preview.wizard", "action_send_test", [wizard_id])
        self.assertFalse(self.env["mail.mail"].search([("subject", "like", "Lucia")]))

    def test_preview_of_a_customer_of_another_shop_is_refused(self):
        self.login("owner_a")
        self.assertRefused("optical.crm.step.preview.wizard", "create", [{
            "cycle_step_id": self.step.id, "partner_id": self.stranger.id}])
        self.assertFalse(self.env["optical.crm.step.preview.wizard"].search([("partner_id", "=", self.stranger.id)]))


@tagged("post_install", "-at_install", "optical_crm", "optical_crm_tour")
class TestStepPreviewTour(OpticalTourCase):
    """In the browser: the owner opens a step of a cyclic activity, previews
    it for a customer and sends herself a test."""

    def test_owner_previews_a_step(self):
        shop = self.env.company
        shop.name = "Ottica Tour"
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"].search([("name", "=", "optical_crm")])._update_translations(
            ["it_IT"], overwrite=True)
        new_test_user(self.env, "preview_owner", groups="optical_crm.group_optical_crm_manager",
                      company_id=shop.id, company_ids=[shop.id], name="Anna Titolare", email="anna@tour.example")
        self.env["res.partner"].create({"name": "Tour Lucia Bianchi", "company_id": shop.id, "lang": "it_IT"})
        cycle = self.env["optical.crm.cycle"].create({
            "name": "Tour welcome", "event_type": "optometry", "company_id": shop.id,
            "step_ids": [(0, 0, {"name": "Tour welcome call", "interval_number": 1, "channel": "email",
                                 "subject": "Ciao {{ object.first_name }}",
                                 "body": "Benvenuta da {{ object.company_id.name }}"})]})
        self.start_tour("/odoo/action-optical_crm.optical_crm_cycle_action/%s" % cycle.id,
                        "optical_crm_step_preview_tour", login="preview_owner", timeout=180)
        self.assertTrue(self.env["mail.mail"].search([
            ("email_to", "like", "anna@tour.example"), ("subject", "=", "[PROVA] Ciao Tour")]))
        self.assertFalse(cycle.communication_ids)
