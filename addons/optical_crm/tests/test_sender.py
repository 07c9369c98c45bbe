import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common import OpticalCrmCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm")
class TestSender(OpticalCrmCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cycle("optometry", [(0, "days", "phone", "service"), (0, "days", "email"), (0, "days", "export")])

    def test_due_communications_reach_their_channel_once(self):
        with freeze_time("2026-03-02 10:00:00"):
            self.event(self.mario, "optometry", D(2026, 3, 2))
            self.event(self.lucia, "optometry", D(2026, 3, 5))
            self.plan(D(2026, 3, 2))
            self.assertEqual(self.Communication._cron_send_communications(), 3)
            # A second run (or a second worker) finds nothing to send.
            self.assertEqual(self.Communication._cron_send_communications(), 0)
        call, email, export = (self.communications(partner_id=self.mario.id, channel=c)
                               for c in ("phone", "email", "export"))
        self.assertEqual({call.state, email.state, export.state}, {"sent"})
        # Lucia's exam is on the 5th: not due yet.
        self.assertEqual(set(self.communications(partner_id=self.lucia.id).mapped("state")), {"planned"})
        # The phone call is an activity of the callback type, on the customer, for the shop's caller.
        activity = call.activity_id
        self.assertEqual(activity.activity_type_id, self.env.ref("optical_crm.mail_activity_type_callback"))
        self.assertEqual((activity.res_model, activity.res_id), ("res.partner", self.mario.id))
        self.assertEqual(activity.user_id, self.staff_a)
        self.assertIn(activity, self.env["mail.activity"].with_user(self.staff_a).search(
            [("user_id", "=", self.staff_a.id)]))
        self.assertEqual(activity.summary, "Hello Mario")
        # Texts are personal.
        self.assertEqual(export.body, "Dear Mario Rossi, from Ottica Centrale")
        mail = self.env["mail.mail"].search([("res_id", "=", self.mario.id), ("model", "=", "res.partner")])
        self.assertEqual(mail.subject, "Hello Mario")
        self.assertIn(self.mario, mail.recipient_ids)

    def test_customer_language_not_installed_falls_back(self):
        traveller = self.customer("Hans Muller", email="hans@example.com")
        self.env.cr.execute("UPDATE res_partner SET lang = 'xx_XX' WHERE id = %s", [traveller.id])
        traveller.invalidate_recordset(["lang"])
        with freeze_time("2026-03-02 10:00:00"):
            self.event(traveller, "optometry", D(2026, 3, 2))
            self.plan(D(2026, 3, 2))
            self.Communication._cron_send_communications()
        export = self.communications(partner_id=traveller.id, channel="export")
        self.assertEqual((export.state, export.body), ("sent", "Dear Hans Muller, from Ottica Centrale"))

    def test_text_naming_only_the_shop_rendered_once_per_shop_and_language(self):
        from unittest.mock import patch
        self.env["res.lang"]._activate_lang("it_IT")
        step = self.cycle("glasses_delivery", [(0, "days", "export")]).step_ids
        step.update_field_translations("body", {"en_US": "See you at {{ object.company_id.name }}",
                                                "it_IT": "Ti aspettiamo da {{ object.company_id.name }}"})
        giorgio = self.customer("Giorgio Neri", lang="it_IT")
        nobody = self.customer("Senza Lingua", lang=False)  # the shop's language
        rita = self.customer("Rita Verdi", shop=self.shop_b, lang="it_IT")
        self.mario.lang, self.lucia.lang = "en_US", "it_IT"
        customers = self.mario | self.lucia | giorgio | nobody
        StepClass = type(step)
        original = StepClass._render_template
        rendered = []

        def spy(this, template_src, model, res_ids, *args, **kwargs):
            rendered.append((str(template_src), len(res_ids)))
            return original(this, template_src, model, res_ids, *args, **kwargs)

        with freeze_time("2026-03-02 10:00:00"):
            for customer in customers:
                self.event(customer, "glasses_delivery", D(2026, 3, 2))
            self.event(rita, "glasses_delivery", D(2026, 3, 2), shop=self.shop_b)
            self.plan(D(2026, 3, 2))
            self.plan(D(2026, 3, 2), shop=self.shop_b)
            with patch.object(StepClass, "_render_template", spy):
                self.assertEqual(self.Communication._cron_send_communications(), 5)
        texts = {c.partner_id: (c.subject, c.body) for c in self.communications(cycle_step_id=step.id)}
        self.assertEqual(texts, {
            self.mario: ("Hello Mario", "See you at Ottica Centrale"),
            self.lucia: ("Hello Lucia", "Ti aspettiamo da Ottica Centrale"),
            giorgio: ("Hello Giorgio", "Ti aspettiamo da Ottica Centrale"),
            nobody: ("Hello Senza", "See you at Ottica Centrale"),
            rita: ("Hello Rita", "Ti aspettiamo da Ottica del Corso"),
        })
        # The shop's text once per shop and language; the customer's name per customer.
        self.assertEqual(sorted(call for call in rendered if "company_id" in call[0]), [
            ("See you at {{ object.company_id.name }}", 1),
            ("Ti aspettiamo da {{ object.company_id.name }}", 1),
            ("Ti aspettiamo da {{ object.company_id.name }}", 1),
        ])
        self.assertIn(("Hello {{ object.first_name }}", 2), rendered)

    def test_email_without_address_is_skipped(self):
        silent = self.customer("Senza Email")
        with freeze_time("2026-03-02 10:00:00"):
            self.event(silent, "optometry", D(2026, 3, 2))
            self.plan(D(2026, 3, 2))
            self.Communication._cron_send_communications()
        email = self.communications(partner_id=silent.id, channel="email")
        self.assertEqual((email.state, email.skip_code, email.skip_reason), ("skipped", "contact", "No e-mail address"))

    def test_consent_revoked_after_planning_is_respected_when_sending(self):
        with freeze_time("2026-03-02 10:00:00"):
            self.event(self.mario, "optometry", D(2026, 3, 2))
            self.plan(D(2026, 3, 2))
            self.mario.optical_consent_marketing = False
            self.Communication._cron_send_communications()
        self.assertEqual(self.communications(partner_id=self.mario.id, channel="email").state, "skipped")
        self.assertEqual(self.communications(partner_id=self.mario.id, channel="phone").state, "sent")

    def test_sending_window_in_shop_time_zone(self):
        # Monday to Saturday, 9:00-20:00 Europe/Rome (UTC+1 in winter).
        self.assertTrue(self.shop_a.optical_send_calendar_id)
        self.assertTrue(self.shop_a._optical_in_send_window(datetime.datetime(2026, 3, 2, 8, 30)))
        self.assertFalse(self.shop_a._optical_in_send_window(datetime.datetime(2026, 3, 2, 7, 30)))
        self.assertFalse(self.shop_a._optical_in_send_window(datetime.datetime(2026, 3, 2, 19, 30)))
        self.assertFalse(self.shop_a._optical_in_send_window(datetime.datetime(2026, 3, 8, 10, 0)))  # Sunday

    def test_quiet_channel_waits_for_the_window(self):
        import dataclasses
        from unittest.mock import patch
        channels = [dataclasses.replace(channel, quiet_hours=True) if channel.key == "export" else channel
                    for channel in self.Communication._optical_channels()]
        with patch.object(type(self.Communication), "_optical_channels", return_value=channels):
            with freeze_time("2026-03-02 05:00:00"):  # 6:00 in Rome
                self.event(self.mario, "optometry", D(2026, 3, 2))
                self.plan(D(2026, 3, 2))
                self.Communication._cron_send_communications()
                export = self.communications(partner_id=self.mario.id, channel="export")
                self.assertEqual(export.state, "planned")
                self.assertEqual(self.communications(partner_id=self.mario.id, channel="phone").state, "sent")
            with freeze_time("2026-03-02 09:00:00"):
                self.Communication._cron_send_communications()
                self.assertEqual(export.state, "sent")

    def test_crons_are_registered(self):
        for xmlid, method in [("optical_crm.ir_cron_plan_communications", "_cron_plan_communications"),
                              ("optical_crm.ir_cron_send_communications", "_cron_send_communications")]:
            cron = self.env.ref(xmlid)
            self.assertIn(method, cron.code)
            self.assertEqual(cron.model_id.model, "optical.crm.communication")
