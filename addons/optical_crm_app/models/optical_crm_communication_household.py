from odoo import api, models
from odoo.tools import SQL

# A customer's device, as one household member's: the push token of the app
# installation (the same phone paired by several customers gives them one).
# Of several devices, the first token is the customer's address.
APP_DEVICE_KEY_SQL = """(SELECT min(d.push_token) FROM optical_app_device d
                          WHERE d.partner_id = %s AND d.active AND d.push_token IS NOT NULL)"""


class OpticalCrmCommunicationAppHousehold(models.Model):
    """One per household on the app: customers paired on the same device get
    one app message of a campaign step."""

    _inherit = "optical.crm.communication"

    @api.model
    def _household_key_sql(self):
        return dict(super()._household_key_sql(), app=SQL(APP_DEVICE_KEY_SQL, SQL("p.id")))

    @api.model
    def _household_keys(self, channel, partner_ids, company):
        if channel != "app":
            return super()._household_keys(channel, partner_ids, company)
        if not partner_ids:
            return {}
        self.env["optical.app.device"].flush_model(["partner_id", "active", "push_token"])
        self.env.cr.execute(SQL(
            "SELECT p.id, %s FROM res_partner p WHERE p.id IN %s", SQL(APP_DEVICE_KEY_SQL, SQL("p.id")),
            tuple(partner_ids)))
        return {partner_id: key for partner_id, key in self.env.cr.fetchall() if key}
