import datetime
import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.schedule import offset_days_bounds
from .optical_crm_batch_mixin import failure_text, insert_missing, may_commit
from .optical_crm_communication import state_moves_to_sql
from .optical_crm_event import BULK_ANALYZE_THRESHOLD

_logger = logging.getLogger(__name__)

# Step date in SQL: PostgreSQL's date + interval clamps the month end exactly
# like tools.schedule.step_date (relativedelta); the tests hold both together.
STEP_DATE_SQL = SQL(
    """(e.event_date + make_interval(
            years => CASE WHEN s.interval_unit = 'years' THEN s.interval_number ELSE 0 END,
            months => CASE WHEN s.interval_unit = 'months' THEN s.interval_number ELSE 0 END,
            weeks => CASE WHEN s.interval_unit = 'weeks' THEN s.interval_number ELSE 0 END,
            days => CASE WHEN s.interval_unit = 'days' THEN s.interval_number ELSE 0 END))::date"""
)

# The date the step ``xs`` of another cyclic activity falls on for the event ``e``.
OTHER_STEP_DATE_SQL = SQL(
    """(e.event_date + make_interval(
            years => CASE WHEN xs.interval_unit = 'years' THEN xs.interval_number ELSE 0 END,
            months => CASE WHEN xs.interval_unit = 'months' THEN xs.interval_number ELSE 0 END,
            weeks => CASE WHEN xs.interval_unit = 'weeks' THEN xs.interval_number ELSE 0 END,
            days => CASE WHEN xs.interval_unit = 'days' THEN xs.interval_number ELSE 0 END))::date"""
)

PLANNED_COLUMNS = SQL(
    """partner_id, company_id, channel, purpose, scheduled_date, source, priority,
       cycle_id, cycle_step_id, event_id, campaign_id, campaign_step_id"""
)


class OpticalCrmCommunicationPlanner(models.Model):
    """The planner: writes every communication due within each shop's horizon,
    exactly once, in one INSERT … SELECT per cyclic activity and campaign."""

    _inherit = "optical.crm.communication"

    @api.model
    def _cron_plan_communications(self):
        """Plan every shop, each on its own: a shop, a cyclic activity or a
        campaign that fails is rolled back alone, recorded where its owner
        looks, and the rest is planned (and committed per shop outside
        tests)."""
        for company in self.env["res.company"].sudo().search([]):  # pylint: disable=no-search-all  # every shop: a handful of rows
            self._cron_plan_company(company)
            if may_commit(self.env):
                # Each shop is its own transaction: another shop's failure later in the run loses nothing planned.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        _result, error = self._run_isolated(self.sudo()._update_purchases)
        if error is not None:
            _logger.error("Planner: 'bought after contact' not updated: %s", error)

    @api.model
    def _cron_plan_company(self, company):
        """Plan one shop over its catch-up days and planning horizon, in a
        savepoint: whatever fails, the shop's failure is recorded on its last
        run and the next shop is planned. Returns the number planned."""
        now = fields.Datetime.now()
        today = company._optical_today()
        date_from = today - datetime.timedelta(days=max(company.optical_catchup_days, 0))
        date_to = today + datetime.timedelta(days=max(company.optical_horizon_days, 0))
        failures = []
        result, error = self._run_isolated(self.sudo()._plan_company, company.sudo(), date_from, date_to, failures)
        errors = [failure_text(self.env, error)] if error is not None else []
        errors += ["%s: %s" % (unit.display_name, failure_text(self.env, unit_error)) for unit, unit_error in failures]
        # The planner's own bookkeeping on the shop's last run.
        self.env["optical.crm.run"].sudo()._record(
            company.id, "planner", now, result or 0, len(failures) + (error is not None), "\n".join(errors) or None)
        return result or 0

    @api.model
    def _plan_company(self, company, date_from, date_to, failures=None):
        """Plan for one shop every step falling within [date_from, date_to].

        Safe to run again at any time, and by two workers at once: the unique
        indexes make every (event, step) and (customer, campaign step) a
        single row, and an insert that collides with another worker's rows
        skips them (``insert_missing``).

        Each cyclic activity and campaign is planned in a savepoint: one that
        fails (a filter that no longer runs on today's data, …) is rolled
        back alone, flagged on its form for its owner (and added to
        ``failures`` as ``(record, error)``), and the others are planned.
        """
        failures = [] if failures is None else failures
        self.env["optical.crm.campaign"].sudo()._update_states()
        self.env.flush_all()
        # The rules run on what this run adds; what was planned before had them
        # applied then, again whenever its customer or event changed, and again
        # by the sender on the day.
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM optical_crm_communication")
        last_id = self.env.cr.fetchone()[0]
        # Set-based statements with large rule expressions over many rows: JIT
        # compiling (and optimising) them costs more than running them. Their
        # hash joins and sorts hold a shop's customers and events: in memory
        # rather than spilled in batches to temporary files (4 MB by default).
        self.env.cr.execute("SET LOCAL jit = off")
        self.env.cr.execute("SET LOCAL work_mem = '64MB'")
        cycles = self.env["optical.crm.cycle"].sudo().search([
            ("company_id", "in", (False, company.id)), ("step_ids", "!=", False),
        ])
        planned = 0
        birthday_cycles = cycles.filtered(lambda c: c.event_type == "birthday")
        if birthday_cycles:
            low, high = offset_days_bounds(
                [(s.interval_number, s.interval_unit) for s in birthday_cycles.step_ids])
            self.env["optical.crm.event"]._generate_birthday_events(
                date_from - datetime.timedelta(days=high), date_to - datetime.timedelta(days=low), company.ids)
        campaigns = self.env["optical.crm.campaign"].sudo().search([
            # A supplier's offer is never planned itself: the shops that joined plan their own copy.
            ("company_id", "=", company.id), ("state", "in", ("scheduled", "running")), ("is_offer", "=", False),
            ("date_start", "<=", date_to), ("date_end", ">=", date_from),
        ])
        units = [(cycle, self._plan_cycle, (cycle, company, date_from, date_to)) for cycle in cycles]
        units += [(campaign, self._plan_campaign, (campaign, date_from, date_to)) for campaign in campaigns]
        for record, plan, args in units:
            count, error = self._run_isolated(plan, *args)
            if error is None:
                planned += count
                record._plan_succeeded(company)
            else:
                failures.append((record, error))
                record._plan_failed(company, error)
        self._apply_rules(SQL("c.company_id = %s AND c.id > %s", company.id, last_id), just_planned=True)
        self.env.cr.execute("SET LOCAL jit TO DEFAULT")
        self.env.cr.execute("SET LOCAL work_mem TO DEFAULT")
        _logger.info("Planner: %s communications planned for %s up to %s (%s failed)",
                     planned, company.name, date_to, len(failures))
        return planned

    @api.model
    def _plan_cycle(self, cycle, company, date_from, date_to):
        low, high = offset_days_bounds([(s.interval_number, s.interval_unit) for s in cycle.step_ids])
        domain = cycle._partner_filter_domain(company)
        partner_filter = SQL()
        if domain:
            query = self.env["res.partner"].with_context(active_test=False)._search(domain)
            partner_filter = SQL("AND e.partner_id IN %s", query.subselect())
        supersede_filter = SQL()
        if cycle.supersede:
            supersede_filter = SQL("AND NOT %s", self.env["optical.crm.event"]._superseded_sql("e"))
        lens_filter = SQL("AND e.lens_type = %s", cycle.lens_type) if cycle.lens_type else SQL()
        fallback = bool(cycle.step_ids.fallback_ids)
        return self._insert_planned(SQL(
            """SELECT e.partner_id, e.company_id, s.channel, s.purpose, d.day AS scheduled_date, 'cycle' AS source,
                      %(priority)s AS priority, s.cycle_id, s.id AS cycle_step_id, e.id AS event_id,
                      NULL::int AS campaign_id, NULL::int AS campaign_step_id
                 FROM optical_crm_cycle_step s
                 JOIN optical_crm_event e
                   ON e.company_id = %(company)s AND e.event_type = %(event_type)s AND e.active
                  -- the event dates that can reach the window, widened for month-end clamping
                  AND e.event_date BETWEEN %(event_from)s AND %(event_to)s
                 CROSS JOIN LATERAL (SELECT %(step_date)s AS day) d
                WHERE s.cycle_id = %(cycle)s AND d.day BETWEEN %(from)s AND %(to)s
                  %(lens_filter)s %(partner_filter)s %(supersede_filter)s
                  -- already planned: skip in bulk (an anti-join), the unique index guards the race
                  AND NOT EXISTS (SELECT 1 FROM optical_crm_communication x
                                   WHERE x.event_id = e.id AND x.cycle_step_id = s.id)
                  -- another cyclic activity already contacts the customer for this event on this
                  -- step's day (its step falls on the same day): contacted once (an anti-join)
                  AND NOT EXISTS (SELECT 1 FROM optical_crm_communication x
                                    JOIN optical_crm_cycle_step xs ON xs.id = x.cycle_step_id
                                   WHERE x.event_id = e.id AND x.cycle_id <> s.cycle_id
                                     AND x.state NOT IN ('skipped', 'cancelled')
                                     AND %(other_step_date)s = d.day)""",
            priority=cycle.priority, company=company.id,
            event_type=cycle.event_type, step_date=STEP_DATE_SQL, cycle=cycle.id,
            other_step_date=OTHER_STEP_DATE_SQL,
            event_from=date_from - datetime.timedelta(days=high + 3),
            event_to=date_to - datetime.timedelta(days=low - 3),
            lens_filter=lens_filter, partner_filter=partner_filter, supersede_filter=supersede_filter,
            **{"from": date_from, "to": date_to},
        ), fallback=fallback)

    @api.model
    def _insert_planned(self, select, fallback=False):
        """Insert the rows of ``select`` (PLANNED_COLUMNS) as communications,
        each already skipped with its reason when a rule forbids it: the
        rules are evaluated in the same statement instead of updating rows
        just written. With ``fallback`` (a step of the rows has
        alternatives), each row of such a step takes the first channel of its
        chain that reaches the customer, in the same statement
        (``_channel_choice_sql``), and is skipped only when none does.
        Returns the number of rows written."""
        skip_code, skip_reason = self._skip_case_sql(contact=True)
        if fallback:
            chosen = SQL(
                """SELECT r.partner_id, r.company_id,
                          CASE WHEN pick.chain_length > 1 THEN COALESCE(pick.channel, r.channel)
                               ELSE r.channel END AS channel,
                          r.purpose, r.scheduled_date, r.source, r.priority, r.cycle_id, r.cycle_step_id,
                          r.event_id, r.campaign_id, r.campaign_step_id,
                          COALESCE(pick.chain_length > 1 AND pick.channel IS NULL, FALSE) AS unreachable,
                          pick.code AS reach_code, pick.reason AS reach_reason,
                          CASE WHEN pick.chain_length > 1 THEN pick.note END AS fallback_note
                     FROM (%(select)s) r
                     JOIN res_partner p ON p.id = r.partner_id
                    CROSS JOIN LATERAL (SELECT %(first_code)s AS code FROM (SELECT r.*) c) first
                     -- the chain is looked at only when the step's own channel does not reach the customer
                     -- (OFFSET 0: the condition gates the subquery instead of filtering its result)
                     LEFT JOIN LATERAL (SELECT x.* FROM (%(choice)s) x WHERE first.code IS NOT NULL OFFSET 0) pick
                            ON TRUE""",
                select=select, first_code=self._reach_case_sql()[0],
                choice=self._channel_choice_sql("r", SQL("r.channel")))
        else:
            chosen = SQL(
                """SELECT r.*, FALSE AS unreachable, NULL::varchar AS reach_code, NULL::varchar AS reach_reason,
                          NULL::text AS fallback_note
                     FROM (%(select)s) r""", select=select)
        code = SQL("CASE WHEN c.unreachable THEN c.reach_code ELSE %s END", skip_code)
        reason = SQL("CASE WHEN c.unreachable THEN c.reach_reason ELSE %s END", skip_reason)
        values = self._planned_values_sql()
        # The verdict is computed once per row (OFFSET 0 keeps the subquery
        # from being inlined into each of its uses), its reason only for the
        # rows it skips.
        written = insert_missing(self.env.cr, SQL(
            """INSERT INTO optical_crm_communication
                      (%(columns)s, state, skip_code, skip_reason, fallback_note, %(value_columns)s
                       create_uid, write_uid, create_date, write_date)
               SELECT v.partner_id, v.company_id, v.channel, v.purpose, v.scheduled_date, v.source, v.priority,
                      v.cycle_id, v.cycle_step_id, v.event_id, v.campaign_id, v.campaign_step_id,
                      CASE WHEN v.skip_code IS NULL THEN 'planned' ELSE 'skipped' END,
                      v.skip_code, v.skip_reason, v.fallback_note, %(value_names)s
                      %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
                 FROM (SELECT c.*, CASE WHEN c.skip_code IS NOT NULL THEN (
                                      SELECT %(skip_reason)s FROM res_partner p WHERE p.id = c.partner_id) END
                                   AS skip_reason
                         FROM (SELECT c.*, %(skip_code)s AS skip_code %(value_exprs)s
                                 FROM (%(chosen)s) c
                                 JOIN res_partner p ON p.id = c.partner_id AND p.active
                               OFFSET 0) c) v""",
            columns=PLANNED_COLUMNS, skip_code=code, skip_reason=reason, uid=self.env.uid, chosen=chosen,
            value_columns=SQL("").join(SQL("%s, ", SQL.identifier(name)) for name in values),
            value_names=SQL("").join(SQL("v.%s, ", SQL.identifier(name)) for name in values),
            value_exprs=SQL("").join(SQL(", %s AS %s", expression, SQL.identifier(name))
                                     for name, expression in values.items()),
        ))
        if written > BULK_ANALYZE_THRESHOLD:
            # Fresh statistics: the next statements join this table at its real size.
            self.env.cr.execute("ANALYZE optical_crm_communication")
        return written

    @api.model
    def _planned_values_sql(self):
        """{column: SQL on the planned row ``c`` and its customer ``p``}:
        more columns the planner's INSERT writes; modules add theirs."""
        return {}

    @api.model
    def _plan_campaign(self, campaign, date_from, date_to):
        query = self.env["res.partner"]._search(campaign._target_domain())
        return self._insert_planned(SQL(
            """SELECT tp.id AS partner_id, ca.company_id, s.channel, s.purpose,
                      (ca.date_start + s.day_offset) AS scheduled_date,
                      CASE WHEN ca.is_supplier_campaign THEN 'supplier_campaign' ELSE 'campaign' END AS source,
                      ca.priority, NULL::int AS cycle_id, NULL::int AS cycle_step_id, NULL::int AS event_id,
                      ca.id AS campaign_id, s.id AS campaign_step_id
                 FROM optical_crm_campaign ca
                 JOIN optical_crm_campaign_step s ON s.campaign_id = ca.id
                 JOIN res_partner tp ON tp.id IN %(partners)s
                WHERE ca.id = %(campaign)s
                  AND (ca.date_start + s.day_offset) BETWEEN GREATEST(%(from)s, ca.date_start)
                                                         AND LEAST(%(to)s, ca.date_end)
                  AND NOT EXISTS (SELECT 1 FROM optical_crm_communication x
                                   WHERE x.partner_id = tp.id AND x.campaign_step_id = s.id)""",
            partners=query.subselect(), campaign=campaign.id,
            **{"from": date_from, "to": date_to},
        ), fallback=bool(campaign.step_ids.fallback_ids))

    @api.model
    def _reschedule_events(self, events):
        """Move the pending steps of events whose date changed; a step whose
        new date has already passed (beyond the catch-up) is cancelled."""
        if not events:
            return
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """UPDATE optical_crm_communication c SET scheduled_date = %(step_date)s,
                      write_date = NOW() AT TIME ZONE 'UTC'
                 FROM optical_crm_event e, optical_crm_cycle_step s
                WHERE c.event_id = e.id AND c.cycle_step_id = s.id AND c.state IN ('planned', 'skipped')
                  AND e.id IN %(events)s""",
            step_date=STEP_DATE_SQL, events=tuple(events.ids)))
        self.env.cr.execute(SQL(
            """UPDATE optical_crm_communication c SET state = 'cancelled', skip_reason = %(reason)s
                 FROM res_company co
                WHERE c.company_id = co.id AND c.state = 'planned' AND %(cancellable)s AND c.event_id IN %(events)s
                  AND c.scheduled_date < %(today)s - co.optical_catchup_days""",
            cancellable=state_moves_to_sql("cancelled"),
            today=self.env["res.company"]._optical_today_sql(SQL("c.company_id")),
            reason=self.env._("Event moved: the step's date has passed"), events=tuple(events.ids)))
        self.invalidate_model()

    @api.model
    def _update_purchases(self):
        """'Bought after contact': the first purchase event of the customer in
        the shop's purchase window after a contact. One statement; contacts
        sent in the last window (plus catch-up) are looked at again, as
        purchases can arrive late. A customer of the control group is looked
        at from the day the contact would have been sent, so that both groups
        are measured alike."""
        self.env.flush_all()
        # Each shop's today, for the communication ``c`` (of both the inner and the outer query).
        today = self.env["res.company"]._optical_today_sql(SQL("c.company_id"))
        self.env.cr.execute(SQL(
            """UPDATE optical_crm_communication c
                  SET purchased_after_contact = TRUE, purchase_event_id = x.event_id
                 FROM (SELECT DISTINCT ON (c.id) c.id AS communication_id, e.id AS event_id
                         FROM (SELECT c.id, c.partner_id, c.company_id,
                                      CASE WHEN c.state = 'skipped' THEN c.scheduled_date
                                           ELSE c.sent_date::date END AS contact_day
                                 FROM optical_crm_communication c
                                WHERE c.purchase_event_id IS NULL
                                  AND (c.state IN ('sent', 'done')
                                       OR (c.state = 'skipped' AND c.skip_code = 'holdout'
                                           AND c.scheduled_date <= %(today)s))) c
                         JOIN res_company co ON co.id = c.company_id
                         JOIN optical_crm_event e
                           ON e.partner_id = c.partner_id AND e.is_purchase AND e.active
                          AND e.event_date >= c.contact_day
                          AND e.event_date <= c.contact_day + co.optical_purchase_window_days
                        WHERE c.contact_day >= %(today)s::date - co.optical_purchase_window_days
                                               - co.optical_catchup_days - 1
                        ORDER BY c.id, e.event_date, e.id) x
                WHERE c.id = x.communication_id""", today=today))
        self.invalidate_model(["purchased_after_contact", "purchase_event_id"])
        return self.env.cr.rowcount
