from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.optical_crm_event import EVENT_TYPES, LENS_TYPES
from .optical_crm_analysis import shop_today_sql


class OpticalCrmKpiReport(models.Model):
    """The optician-CRM guide's figures, read from the trigger events: how
    often customers come back to buy (median days between two purchases),
    the average receipt, the pairs in use (glasses and contact-lens supplies
    delivered within the shop's pair life) and new against returning buyers.

    One row per active trigger event (birthdays left out); a purchase on the
    same day as another is the same visit, not a return after 0 days.
    """

    _name = "optical.crm.kpi.report"
    _description = "Shop KPIs"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "partner_id"
    _depends = {
        "optical.crm.event": ["partner_id", "company_id", "event_type", "event_date", "lens_type", "active",
                              "source", "amount", "is_purchase"],
        "res.partner": ["optical_shop_id"],
        "res.company": ["optical_pair_life_months", "optical_send_calendar_id"],
    }

    event_id = fields.Many2one("optical.crm.event", "Trigger event", readonly=True)
    date = fields.Date(readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    company_id = fields.Many2one("res.company", "Shop", readonly=True, help="The shop of the event.")
    customer_shop_id = fields.Many2one("res.company", "Customer's shop", readonly=True)
    event_type = fields.Selection(EVENT_TYPES, "Event", readonly=True)
    lens_type = fields.Selection(LENS_TYPES, "Lens type", readonly=True)
    is_purchase = fields.Boolean("Purchase", readonly=True)
    buyer_kind = fields.Selection([("new", "New customer"), ("returning", "Returning customer")],
                                  "Buyer", readonly=True, help="New: the customer's first purchase.")
    customer = fields.Integer("Customers", aggregator="count_distinct", readonly=True)
    buyer = fields.Integer("Customers who bought", aggregator="count_distinct", readonly=True)
    new_buyer = fields.Integer("New customers", aggregator="count_distinct", readonly=True,
                               help="Customers whose first purchase falls in the group.")
    returning_buyer = fields.Integer("Returning customers", aggregator="count_distinct", readonly=True,
                                     help="Customers who bought again in the group.")
    receipt = fields.Float("Average receipt", digits=(16, 2), aggregator="avg", readonly=True,
                           help="Average amount of the purchases that have one.")
    revenue = fields.Float(digits=(16, 2), aggregator="sum", readonly=True)
    return_days = fields.Float("Return frequency (median days)", digits=(16, 0), aggregator="avg", readonly=True,
                               help="Median number of days between a purchase and the customer's previous one.")
    pair_in_use = fields.Integer("Pairs in use", aggregator="sum", readonly=True,
                                 help="Glasses and contact-lens supplies delivered within the shop's pair life "
                                 "(months, in the settings), counted today.")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL(
            """CREATE OR REPLACE VIEW %(table)s AS (
                SELECT e.id, e.id AS event_id, e.event_date AS date, e.partner_id, e.company_id,
                       COALESCE(p.optical_shop_id, e.company_id) AS customer_shop_id,
                       e.event_type, e.lens_type, e.is_purchase,
                       CASE WHEN e.is_purchase THEN
                           CASE WHEN e.first_purchase_day = e.event_date THEN 'new' ELSE 'returning' END END
                           AS buyer_kind,
                       e.partner_id AS customer,
                       CASE WHEN e.is_purchase THEN e.partner_id END AS buyer,
                       CASE WHEN e.is_purchase AND e.first_purchase_day = e.event_date THEN e.partner_id END
                           AS new_buyer,
                       CASE WHEN e.is_purchase AND e.first_purchase_day < e.event_date THEN e.partner_id END
                           AS returning_buyer,
                       CASE WHEN e.is_purchase THEN NULLIF(e.amount, 0) END::float AS receipt,
                       CASE WHEN e.is_purchase THEN e.amount END::float AS revenue,
                       NULLIF(e.event_date - e.previous_purchase_day, 0)::float AS return_days,
                       CASE WHEN e.event_type IN ('glasses_delivery', 'lac_delivery')
                                 AND e.event_date > %(today)s - make_interval(
                                         months => COALESCE(co.optical_pair_life_months, 24))
                            THEN 1 ELSE 0 END AS pair_in_use
                  FROM (SELECT e.*,
                               CASE WHEN e.is_purchase THEN LAG(e.event_date) OVER purchases END
                                   AS previous_purchase_day,
                               CASE WHEN e.is_purchase THEN FIRST_VALUE(e.event_date) OVER purchases END
                                   AS first_purchase_day
                          FROM optical_crm_event e
                         WHERE e.active AND e.source <> 'birthday'
                        WINDOW purchases AS (PARTITION BY e.partner_id, e.is_purchase ORDER BY e.event_date, e.id)
                       ) e
                  LEFT JOIN res_partner p ON p.id = e.partner_id
                  LEFT JOIN res_company co ON co.id = e.company_id
                  LEFT JOIN resource_calendar shop_calendar ON shop_calendar.id = co.optical_send_calendar_id
                  LEFT JOIN res_partner shop_partner ON shop_partner.id = co.partner_id
            )""", table=SQL.identifier(self._table), today=shop_today_sql("shop_calendar", "shop_partner")))

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec == "return_days:avg":
            # The median: a few customers who come back after ten years do not drag it.
            return SQL("PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY %s)",
                       self._field_to_sql(self._table, "return_days", query))
        return super()._read_group_select(aggregate_spec, query)
