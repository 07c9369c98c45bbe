import base64
from urllib.parse import urlencode

from odoo import api, fields, models
from odoo.tools import format_datetime


class OpticalAppPairingWizard(models.TransientModel):
    """Shows a freshly generated pairing code and its QR code.

    The clear code travels only in the action's context, from the button to
    this dialog: nothing here is saved, the database keeps only its hash."""

    _name = "optical.app.pairing.wizard"
    _description = "Pair the app"

    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    pairing_code = fields.Char("Pairing code", compute="_compute_pairing")
    expiry = fields.Datetime("Valid until", compute="_compute_pairing")
    qr_value = fields.Char("QR content", compute="_compute_pairing")
    qr_image = fields.Binary("QR code", compute="_compute_pairing")
    validity = fields.Char(compute="_compute_pairing",
                           help="The code's validity as one sentence, in the user's time zone and date format.")

    @api.depends("partner_id")
    @api.depends_context("optical_app_pairing_code", "optical_app_pairing_expiry")
    def _compute_pairing(self):
        code = self.env.context.get("optical_app_pairing_code") or ""
        expiry = self.env.context.get("optical_app_pairing_expiry")
        for wizard in self:
            base_url = (wizard.partner_id.company_id or self.env.company).get_base_url()
            wizard.pairing_code = code
            wizard.expiry = expiry or False
            wizard.validity = wizard.expiry and self.env._(
                "Valid once, until %(when)s.",
                when=format_datetime(self.env, wizard.expiry, tz=self.env.user.tz, dt_format="short"))
            # The app reads the server and the code from the QR code in one go.
            wizard.qr_value = code and "ilmioottico://pair?%s" % urlencode({"server": base_url, "code": code})
            wizard.qr_image = code and base64.b64encode(
                self.env["ir.actions.report"].barcode("QR", wizard.qr_value, width=240, height=240))
