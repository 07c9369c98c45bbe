from odoo import models


class OpticalCrmAnalysis(models.Model):
    """The results count what the SMS cost: segments sent times the shop's
    price per segment, stored on the communication when it is sent (the SMS
    channel's ``cost_sql``, read by core's ``_channel_cost_sql``)."""

    _inherit = "optical.crm.analysis"
    _depends = {"optical.crm.communication": ["sms_cost"]}
