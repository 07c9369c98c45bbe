from odoo import api, models
from odoo.tools import SQL

from .optical_crm_step_mixin import SMS_CHANNELS


class OpticalCrmCommunicationSmsHousehold(models.Model):
    """One per household on SMS: customers whose mobile numbers are the same
    number (``+39 333 1234567``, ``3331234567`` and ``0039 333 1234567``
    alike, read in the shop's country) get one SMS of a campaign step."""

    _inherit = "optical.crm.communication"

    @api.model
    def _household_key_sql(self):
        # The number the SMS goes to, in E.164 (the customer's ``optical_sms_number``).
        keys = super()._household_key_sql()
        keys.update({channel: SQL("c.sms_number") for channel in SMS_CHANNELS})
        return keys

    @api.model
    def _household_keys(self, channel, partner_ids, company):
        if channel not in SMS_CHANNELS:
            return super()._household_keys(channel, partner_ids, company)
        if not partner_ids:
            return {}
        self.env["res.partner"].flush_model(["optical_sms_number", "optical_sms_status"])
        self.env.cr.execute(SQL(
            "SELECT id, optical_sms_number FROM res_partner WHERE id IN %s AND optical_sms_status = 'ok'",
            tuple(partner_ids)))
        return dict(self.env.cr.fetchall())
