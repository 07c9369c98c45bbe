from odoo import api, models
from odoo.tools import SQL


class OpticalCrmAnalysis(models.Model):
    """The results count what the SMS cost: segments sent times the shop's
    price per segment, stored on the communication when it is sent."""

    _inherit = "optical.crm.analysis"
    _depends = {"optical.crm.communication": ["sms_cost"]}

    @api.model
    def _channel_cost_sql(self):
        return SQL("%s + COALESCE(c.sms_cost, 0)", super()._channel_cost_sql())
