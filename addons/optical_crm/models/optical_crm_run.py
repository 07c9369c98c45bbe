from odoo import api, fields, models
from odoo.tools import SQL

JOBS = [("planner", "Planner"), ("sender", "Sender")]


class OpticalCrmRun(models.Model):
    """The last run of the planner and of the sender on each shop: one row
    per (shop, job), overwritten by each run, shown in the shop's settings.
    Kept apart from ``res.company`` so that the crons never write the shop's
    row that its owner may be editing."""

    _name = "optical.crm.run"
    _description = "Last run of a job on a shop"
    _order = "company_id, job"

    company_id = fields.Many2one("res.company", "Shop", required=True, index=True, ondelete="cascade")
    job = fields.Selection(JOBS, required=True)
    run_date = fields.Datetime("Last run", readonly=True)
    done_count = fields.Integer("Done", readonly=True, help="Planned (planner) or handed on (sender).")
    failed_count = fields.Integer("Failed", readonly=True,
                                  help="Cyclic activities and campaigns (planner) or communications (sender).")
    error = fields.Text(readonly=True)

    _sql_constraints = [
        ("company_job_uniq", "UNIQUE (company_id, job)", "One last run per shop and job."),
    ]

    @api.model
    def _record(self, company_id, job, run_date, done_count, failed_count, error=None):
        """Overwrite the last run of ``job`` on the shop: one upsert (two
        workers at once keep the later one)."""
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """INSERT INTO optical_crm_run (company_id, job, run_date, done_count, failed_count, error,
                                            create_uid, write_uid, create_date, write_date)
               VALUES (%(company)s, %(job)s, %(date)s, %(done)s, %(failed)s, %(error)s,
                       %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC')
               ON CONFLICT (company_id, job) DO UPDATE
                  SET run_date = EXCLUDED.run_date, done_count = EXCLUDED.done_count,
                      failed_count = EXCLUDED.failed_count, error = EXCLUDED.error,
                      write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date""",
            company=company_id, job=job, date=run_date, done=done_count, failed=failed_count, error=error,
            uid=self.env.uid))
        self.invalidate_model()
