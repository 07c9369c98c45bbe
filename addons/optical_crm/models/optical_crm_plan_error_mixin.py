from odoo import fields, models

from .optical_crm_batch_mixin import failure_text

PLAN_ERROR_ACTIVITY = "optical_crm.mail_activity_type_plan_error"


class OpticalCrmPlanErrorMixin(models.AbstractModel):
    """A cyclic activity or campaign the planner could not plan: when, why,
    how many runs in a row, shown on its form and list, with a to-do for its
    responsible (else the shop's owners); cleared, with the to-do, by the
    first run that plans it."""

    _name = "optical.crm.plan.error.mixin"
    _inherit = ["mail.activity.mixin"]
    _description = "Planning failures on a form"

    plan_error = fields.Text("Planning failed", readonly=True, copy=False,
                             help="Why the planner could not plan this in its last run; the rest was planned.")
    plan_error_date = fields.Datetime("Planning failed on", readonly=True, copy=False)
    plan_error_count = fields.Integer("Failed runs", readonly=True, copy=False,
                                      help="Planner runs in a row that failed on this.")
    plan_error_company_id = fields.Many2one("res.company", "Failed for shop", readonly=True, copy=False)

    def _plan_failed(self, company, error):
        """Record that planning this for ``company`` failed with ``error``."""
        self.ensure_one()
        # The planner's own bookkeeping (sudo): the cron writes it, whoever owns the record.
        record = self.sudo()
        reason = failure_text(self.env, error)
        record.write({
            "plan_error": self.env._("Shop %(shop)s: %(reason)s", shop=company.name, reason=reason),
            "plan_error_date": fields.Datetime.now(),
            "plan_error_count": record.plan_error_count + 1,
            "plan_error_company_id": company.id,
        })
        if record.activity_search([PLAN_ERROR_ACTIVITY]):
            return
        users = record.user_id or self.env["res.users"].sudo().search([
            ("company_ids", "in", company.id),
            ("groups_id", "in", self.env.ref("optical_crm.group_optical_crm_manager").id),
            ("share", "=", False),
        ])
        for user in users:
            record.activity_schedule(
                PLAN_ERROR_ACTIVITY, summary=self.env._("Planning failed: %(name)s", name=record.display_name),
                note=reason, user_id=user.id)

    def _plan_succeeded(self, company):
        """Clear a failure recorded for ``company`` (or for no shop left)."""
        failed = self.sudo().filtered(lambda r: r.plan_error and r.plan_error_company_id in (company, company.browse()))
        if not failed:
            return
        failed.activity_unlink([PLAN_ERROR_ACTIVITY])
        failed.write({"plan_error": False, "plan_error_date": False, "plan_error_count": 0,
                      "plan_error_company_id": False})

