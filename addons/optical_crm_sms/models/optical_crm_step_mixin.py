import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.optical_crm.tools.channels import ondelete, selection

from ..tools.channels import SMS_DECLARATIONS
from ..tools.sms_segments import sms_length

SMS_CHANNELS = tuple(channel.key for channel in SMS_DECLARATIONS)
# Added after core's phone channel; uninstalling the module removes its steps
# and communications with the rest of its data.
SMS_CHANNEL_SELECTION = [("phone",), *selection(*SMS_DECLARATIONS), ("email",)]
SMS_CHANNEL_ONDELETE = ondelete(*SMS_DECLARATIONS)
LINK_PLACEHOLDER = "{{ object.landing_url }}"
LINK_PLACEHOLDER_PATTERN = re.compile(r"\{\{\s*object\.landing_url\s*\}\}")
PLACEHOLDER_PATTERN = re.compile(r"\{\{.*?\}\}", re.S)
# Typical length of what a placeholder becomes (a first name, a date…), for the estimate.
PLACEHOLDER_SAMPLE = "x" * 10
TOKEN_LENGTH = 32  # secrets.token_urlsafe(24): 192 bits


class OpticalCrmStepMixin(models.AbstractModel):
    _inherit = "optical.crm.step.mixin"

    channel = fields.Selection(selection_add=SMS_CHANNEL_SELECTION, ondelete=SMS_CHANNEL_ONDELETE)

    landing_page_id = fields.Many2one(
        "optical.crm.landing.page", "Landing page", ondelete="restrict",
        help="The page the personal link of an SMS with link opens.",
    )
    uses_sms = fields.Boolean("Sent by SMS", compute="_compute_sms_length")
    sms_encoding = fields.Selection(
        [("gsm7", "GSM-7 (plain characters)"), ("ucs2", "UCS-2 (special characters or emoji)")],
        "SMS alphabet", compute="_compute_sms_length",
    )
    sms_characters = fields.Integer("SMS characters", compute="_compute_sms_length")
    sms_segments = fields.Integer(
        "SMS segments", compute="_compute_sms_length",
        help="Estimated SMS billed per customer, placeholders counted as 10 characters and the link at its "
        "real length.",
    )
    sms_cost_estimate = fields.Float("Estimated cost per customer", digits=(12, 4), compute="_compute_sms_length")

    @api.constrains("channel", "body", "landing_page_id")
    def _check_sms_step(self):
        """An SMS step that could only fail on the day is refused at save: an
        SMS without text (the gateway refuses it), an SMS with link without
        the page its link opens."""
        for step in self.filtered(lambda s: set(s._optical_chain()) & set(SMS_CHANNELS)):
            if not (step.body or "").strip():
                raise ValidationError(self.env._(
                    "Text: the SMS step %(step)s has no text to send.", step=step.name))
            if "sms_link" in step._optical_chain() and not step.landing_page_id:
                raise ValidationError(self.env._(
                    "Landing page: the SMS with link step %(step)s needs the page its link opens.", step=step.name))

    def _check_chain(self):
        result = super()._check_chain()
        self._check_sms_step()
        return result

    @api.depends("body", "channel")
    def _compute_sms_length(self):
        link_sample = "%s/l/%s" % (self.env.company.get_base_url(), "x" * TOKEN_LENGTH)
        for step in self:
            step.uses_sms = step.channel in SMS_CHANNELS
            if not step.uses_sms:
                step.sms_encoding = False
                step.sms_characters = step.sms_segments = step.sms_cost_estimate = 0
                continue
            text = step._sms_sample_text(link_sample)
            length = sms_length(text)
            company = step.company_id or self.env.company
            step.sms_encoding = length.encoding
            step.sms_characters = length.units
            step.sms_segments = length.segments
            step.sms_cost_estimate = length.segments * company.optical_sms_cost_per_segment

    def _sms_sample_text(self, link_sample):
        """The step's text as a customer would get it, for the estimate."""
        text = self.body or ""
        if self.channel == "sms_link" and not LINK_PLACEHOLDER_PATTERN.search(text):
            text = ("%s %s" % (text.rstrip(), LINK_PLACEHOLDER)).strip()
        text = LINK_PLACEHOLDER_PATTERN.sub(link_sample, text)
        return PLACEHOLDER_PATTERN.sub(PLACEHOLDER_SAMPLE, text)

    def _render_lang(self, res_ids, engine="inline_template"):
        # An SMS goes out in the customer's language even when the step sets no
        # language template: the rendering record is the communication.
        if self.lang or self.channel not in SMS_CHANNELS:
            return super()._render_lang(res_ids, engine=engine)
        communications = self.env["optical.crm.communication"].browse(res_ids)
        return {communication.id: communication.partner_id._optical_lang() for communication in communications}
