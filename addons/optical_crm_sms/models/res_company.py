import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

SENDER_PATTERN = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9]{3,11}$|^\+?[0-9]{3,16}$")


class ResCompany(models.Model):
    _inherit = "res.company"

    optical_sms_cost_per_segment = fields.Float(
        "SMS cost per segment", digits=(12, 4), default=0.0,
        help="What the SMS reseller charges for one SMS segment (160 plain characters, 70 with "
        "special characters or emoji), in the shop's currency.",
    )
    optical_sms_sender = fields.Char(
        "SMS sender", size=16,
        help="Name (3 to 11 letters or digits) or number the customer sees as sender. Empty: the shop's name.",
    )

    @api.constrains("optical_sms_sender")
    def _check_optical_sms_sender(self):
        for company in self.filtered("optical_sms_sender"):
            if not SENDER_PATTERN.match(company.optical_sms_sender):
                raise ValidationError(self.env._(
                    "SMS sender: %(sender)r must be 3 to 11 letters or digits, or a phone number.",
                    sender=company.optical_sms_sender))

    def _optical_sms_sender(self):
        self.ensure_one()
        return self.optical_sms_sender or re.sub(r"[^A-Za-z0-9]", "", self.name or "")[:11]

    def _optical_sms_country_code(self):
        """The region phone numbers of this shop's customers are read in."""
        self.ensure_one()
        return self.country_id.code or "IT"
