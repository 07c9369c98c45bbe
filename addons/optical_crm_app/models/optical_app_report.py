from odoo import fields, models, tools
from odoo.tools import SQL

from odoo.addons.optical_crm.models.optical_crm_communication import SOURCES
from odoo.addons.optical_crm.models.optical_crm_step_mixin import PURPOSES


class OpticalAppReport(models.Model):
    """Analysis of the app channel: app messages sent, read in the app, and
    purchases after them, read straight from the communication ledger."""

    _name = "optical.app.report"
    _description = "App messages analysis"
    _auto = False
    _order = "sent_date desc"

    communication_id = fields.Many2one("optical.crm.communication", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    company_id = fields.Many2one("res.company", "Shop", readonly=True)
    source = fields.Selection(SOURCES, readonly=True)
    purpose = fields.Selection(PURPOSES, readonly=True)
    cycle_id = fields.Many2one("optical.crm.cycle", "Cyclic activity", readonly=True)
    campaign_id = fields.Many2one("optical.crm.campaign", readonly=True)
    sent_date = fields.Datetime("Sent on", readonly=True)
    is_read = fields.Boolean("Read", readonly=True)
    purchased_after_contact = fields.Boolean("Bought after contact", readonly=True)
    sent_count = fields.Integer("App messages sent", readonly=True, aggregator="sum")
    read_count = fields.Integer("Read in the app", readonly=True, aggregator="sum")
    purchase_count = fields.Integer("Purchases after", readonly=True, aggregator="sum")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL(
            """CREATE OR REPLACE VIEW %s AS (
                SELECT c.id, c.id AS communication_id, c.partner_id, c.company_id, c.source, c.purpose,
                       c.cycle_id, c.campaign_id, c.sent_date,
                       COALESCE(c.opened, FALSE) AS is_read,
                       COALESCE(c.purchased_after_contact, FALSE) AS purchased_after_contact,
                       1 AS sent_count,
                       CASE WHEN c.opened THEN 1 ELSE 0 END AS read_count,
                       CASE WHEN c.purchased_after_contact THEN 1 ELSE 0 END AS purchase_count
                  FROM optical_crm_communication c
                 WHERE c.channel = 'app' AND c.state IN ('sent', 'done')
            )""", SQL.identifier(self._table)))
