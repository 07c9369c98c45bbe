from odoo import api, models
from odoo.tools import SQL

from odoo.addons.optical_crm.tools.phone import normalize_mobile

from .optical_crm_step_mixin import SMS_CHANNELS


class OpticalCrmCommunicationSmsHousehold(models.Model):
    """One per household on SMS: customers whose mobile numbers are the same
    number (``+39 333 1234567``, ``3331234567`` and ``0039 333 1234567``
    alike, read in the shop's country) get one SMS of a campaign step."""

    _inherit = "optical.crm.communication"

    @api.model
    def _household_key_sql(self):
        # The number the SMS goes to, in E.164, as the number rule stored it (normalize_mobile).
        keys = super()._household_key_sql()
        keys.update({channel: SQL("c.sms_number") for channel in SMS_CHANNELS})
        return keys

    @api.model
    def _household_keys(self, channel, partner_ids, company):
        if channel not in SMS_CHANNELS:
            return super()._household_keys(channel, partner_ids, company)
        if not partner_ids:
            return {}
        country_code = company._optical_sms_country_code()
        self.env["res.partner"].flush_model(["mobile"])
        self.env.cr.execute(SQL(
            "SELECT id, mobile FROM res_partner WHERE id IN %s AND COALESCE(mobile, '') != ''", tuple(partner_ids)))
        numbers = {partner_id: normalize_mobile(mobile, country_code) for partner_id, mobile in self.env.cr.fetchall()}
        return {partner_id: number.e164 for partner_id, number in numbers.items() if not number.error}
