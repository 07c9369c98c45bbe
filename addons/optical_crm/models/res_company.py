import datetime

import pytz

from odoo import api, fields, models
from odoo.tools import SQL, format_date


class ResCompany(models.Model):
    _inherit = "res.company"

    def _default_optical_send_calendar(self):
        return self.env.ref("optical_crm.resource_calendar_sending_window", raise_if_not_found=False)

    optical_horizon_days = fields.Integer(
        "Planning horizon (days)",
        default=7,
        help="Communications due within this many days are planned ahead, so that sending goes "
        "on while the shop-management server is switched off.",
    )
    optical_catchup_days = fields.Integer(
        "Catch-up (days)",
        default=3,
        help="A step whose date passed less than this many days ago (its trigger event arrived late) "
        "is still planned, for today.",
    )
    optical_callback_user_id = fields.Many2one(
        "res.users",
        "Callback user",
        help="Shop user who receives the phone callbacks in the activity list.",
    )
    optical_callback_max_attempts = fields.Integer(
        "Callback attempts",
        default=3,
        help="How many times a call that got no answer is tried before giving up.",
    )
    optical_pressure_max = fields.Integer(
        "Max marketing contacts",
        default=0,
        help="Maximum number of marketing contacts per customer in the period; 0 means no limit.",
    )
    optical_pressure_period_days = fields.Integer("Pressure period (days)", default=30)
    optical_purchase_window_days = fields.Integer(
        "Purchase window (days)",
        default=30,
        help="A purchase within this many days after a contact counts as 'bought after contact'.",
    )
    optical_call_minutes = fields.Float(
        "Minutes per call", default=5.0,
        help="Average time a callback takes, attempts with no answer included: the cost of calls in the analysis.",
    )
    optical_call_hourly_cost = fields.Float(
        "Staff hourly cost", default=0.0,
        help="What an hour of the staff's time costs the shop: the cost of calls in the analysis.",
    )
    optical_pair_life_months = fields.Integer(
        "Pair life (months)", default=24,
        help="Glasses and contact-lens supplies delivered within this many months count as pairs in use.",
    )
    optical_send_calendar_id = fields.Many2one(
        "resource.calendar",
        "Sending window",
        default=lambda self: self._default_optical_send_calendar(),
        help="Days and hours (in the window's time zone) in which SMS and app notifications may be "
        "sent. Empty: any time.",
    )

    # The planner's and sender's last run on this shop (optical.crm.run), for its settings.
    optical_plan_last_date = fields.Datetime("Planner's last run", compute="_compute_optical_last_runs")
    optical_plan_last_planned = fields.Integer("Planned", compute="_compute_optical_last_runs")
    optical_plan_last_failed = fields.Integer("Failed to plan", compute="_compute_optical_last_runs")
    optical_plan_last_error = fields.Text("Planner's errors", compute="_compute_optical_last_runs")
    optical_send_last_date = fields.Datetime("Sender's last run", compute="_compute_optical_last_runs")
    optical_send_last_sent = fields.Integer("Handed on", compute="_compute_optical_last_runs")
    optical_send_last_failed = fields.Integer("Failed to send", compute="_compute_optical_last_runs")

    def _compute_optical_last_runs(self):
        # The product's bookkeeping, readable by whoever reads the shop's settings.
        runs = self.env["optical.crm.run"].sudo().search([("company_id", "in", self.ids)])
        by_key = {(run.company_id.id, run.job): run for run in runs}
        for company in self:
            plan = by_key.get((company.id, "planner"))
            send = by_key.get((company.id, "sender"))
            company.optical_plan_last_date = plan.run_date if plan else False
            company.optical_plan_last_planned = plan.done_count if plan else 0
            company.optical_plan_last_failed = plan.failed_count if plan else 0
            company.optical_plan_last_error = plan.error if plan else False
            company.optical_send_last_date = send.run_date if send else False
            company.optical_send_last_sent = send.done_count if send else 0
            company.optical_send_last_failed = send.failed_count if send else 0

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        # With a second shop, "the single shop" no longer decides a customer's shop.
        self.env["res.partner"]._optical_update_shops()
        return companies

    def write(self, vals):
        res = super().write(vals)
        if "active" in vals:
            self.env["res.partner"]._optical_update_shops()
        return res

    def unlink(self):
        res = super().unlink()
        self.env["res.partner"]._optical_update_shops()
        return res

    def _optical_lang(self):
        """The shop's language when installed, else the database's default
        language (the one new contacts get), else the first installed one."""
        self.ensure_one()
        installed = [code for code, _name in self.env["res.lang"].get_installed()]
        default = self.env["ir.default"].sudo()._get("res.partner", "lang")
        for lang in (self.partner_id.lang, default, self.env.context.get("lang"), "en_US"):
            if lang in installed:
                return lang
        return installed[0] if installed else "en_US"

    def _optical_tz(self):
        self.ensure_one()
        return pytz.timezone(self.optical_send_calendar_id.tz or self.partner_id.tz or "Europe/Rome")

    def _optical_today(self):
        """Today's date in the shop's time zone: the one "today" of the
        product (planner, rules, rescheduling, purchases, sender, calls),
        whoever runs it — the cron user in UTC, a user in another zone."""
        self.ensure_one()
        return datetime.datetime.now(pytz.utc).astimezone(self._optical_tz()).date()

    @api.model
    def _optical_today_sql(self, company_column):
        """SQL: :meth:`_optical_today` of the shop in ``company_column``, for
        set-based statements over several shops (never ``CURRENT_DATE``, the
        database server's date)."""
        companies = self.sudo().with_context(active_test=False).search([])  # pylint: disable=no-search-all  # every shop: a handful of rows
        return SQL(
            "(SELECT shop_today.today FROM (VALUES %s) AS shop_today(company_id, today) "
            "WHERE shop_today.company_id = %s)",
            SQL(", ").join(SQL("(%s, %s::date)", company.id, company._optical_today()) for company in companies),
            company_column)

    def _optical_format_date(self, date):
        """A date as the shop writes it, in its language's date format
        (staff- and customer-facing texts, exports)."""
        self.ensure_one()
        return format_date(self.env, date, lang_code=self._optical_lang()) if date else ""

    def _optical_in_send_window(self, now=None):
        """Whether ``now`` (aware or naive UTC datetime) is inside the shop's sending window."""
        self.ensure_one()
        calendar = self.optical_send_calendar_id
        if not calendar:
            return True
        now = now or fields.Datetime.now()
        if now.tzinfo is None:
            now = pytz.utc.localize(now)
        intervals = calendar._attendance_intervals_batch(now, now + datetime.timedelta(minutes=1))[False]
        return any(start <= now < stop for start, stop, _meta in intervals)
