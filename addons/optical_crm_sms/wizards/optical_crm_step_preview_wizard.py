import datetime

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.optical_crm.tools.phone import normalize_mobile

from ..models.optical_crm_step_mixin import SMS_CHANNELS, TOKEN_LENGTH
from ..tools.sms_segments import sms_length


class OpticalCrmStepPreviewWizard(models.TransientModel):
    """SMS steps: the text as the customer's phone shows it (with a personal
    link of the real length), the landing page it opens, and a test SMS to
    the owner's own mobile through the shop's gateway (``sms.sms``)."""

    _inherit = "optical.crm.step.preview.wizard"

    # The product's own page template, its texts escaped or sanitized (as the public page).
    landing_html = fields.Html("Landing page", compute="_compute_rendered", sanitize=False)
    sms_segments = fields.Integer("SMS segments", compute="_compute_rendered")

    def _preview_communication(self):
        communication = super()._preview_communication()
        step = self._step()
        if step.channel == "sms_link":
            page = step.landing_page_id
            # A link of the real length (the test SMS is not a communication: its link opens no page).
            communication.update({
                "landing_page_id": page.id,
                "landing_token": "x" * TOKEN_LENGTH,
                "landing_expiry": fields.Datetime.now() + datetime.timedelta(days=page.validity_days or 30),
            })
        return communication

    def _render_extra(self, communication, texts):
        values = super()._render_extra(communication, texts)
        step = self._step()
        if step.channel not in SMS_CHANNELS:
            return values
        body = (texts["body"] or "").strip()
        if step.channel == "sms_link":
            url = communication.landing_url
            if url not in body:
                # As the sender: no link placeholder in the text, the link is appended.
                body = ("%s %s" % (body, url)).strip()
            page = step.landing_page_id
            if page:
                page_values = page._landing_values(communication)
                page_values["image_url"] = page.image and "/web/image/optical.crm.landing.page/%s/image" % page.id
                values["landing_html"] = Markup(self.env["ir.qweb"]._render("optical_crm_sms.landing_page", page_values))
        values["body"] = body
        values["sms_segments"] = sms_length(body).segments
        return values

    def _test_channels(self):
        return dict(super()._test_channels(), **dict.fromkeys(SMS_CHANNELS, self._send_test_sms))

    def _test_recipient(self):
        if self._step().channel in SMS_CHANNELS:
            return self.env.user.partner_id.mobile or ""
        return super()._test_recipient()

    def _send_test_sms(self, texts):
        """The test SMS through the shop's gateway (Odoo's ``sms.sms`` queue),
        to the owner's own mobile: an ``sms.sms`` of no communication."""
        owner = self.env.user.partner_id
        country = self.company_id.partner_id.country_id.code or "IT"
        number = normalize_mobile(owner.mobile or owner.phone, country)
        if number.error:
            raise UserError(self.env._(
                "Send a test: your contact card has no mobile number an SMS can reach (%(number)s).",
                number=owner.mobile or owner.phone or self.env._("none")))
        # sudo: Odoo's SMS queue is not the owner's to write; the text was rendered as the owner.
        self.env["sms.sms"].sudo().create({"number": number.e164, "body": texts["body"], "partner_id": owner.id})
        self.env.ref("sms.ir_cron_sms_scheduler_action").sudo()._trigger()
        return number.e164

