from odoo import api, models
from odoo.tools import SQL, split_every

from .optical_crm_communication import state_change_sql, state_moves_to_sql


class OpticalCrmCommunicationRules(models.Model):
    """The rules of the ledger: cancel what lost its reason, skip what may
    not be sent (consent, channel, control group, contact pressure, what
    modules add), and plan again what was skipped when the reason is gone
    before its day. Set-based: a few statements per call, whatever the
    number of rows."""

    _inherit = "optical.crm.communication"

    # ------------------------------------------------------------------
    # Plan again when the reason is gone
    # ------------------------------------------------------------------

    @api.model
    def _reversible_sql(self, codes, alias="c"):
        """The rows a skip rule looks at again: planned, or skipped by this
        rule (one of ``codes``) and still ahead, so that they are planned
        again when the reason is gone before their day."""
        c = SQL.identifier(alias)
        return SQL(
            "(%s.state = 'planned' OR (%s.state = 'skipped' AND %s.skip_code IN %s AND %s.scheduled_date >= %s))",
            c, c, c, tuple(codes), c, self.env["res.company"]._optical_today_sql(SQL("%s.company_id", c)))

    @api.model
    def _replan_or_skip(self, verdicts, columns=()):
        """Write a rule's verdicts on the rows it looked at again, in one bulk
        UPDATE: ``verdicts`` are ``(id, (state, skip_code, skip_reason,
        *old), verdict, new)`` where ``verdict`` is ``(skip_code,
        skip_reason)`` or None and ``old``/``new`` are the values of the
        rule's own ``columns``. A row with a verdict is skipped with it, a
        skipped row without one is planned again; unchanged rows are not
        written."""
        changes = []
        for row_id, (state, code, reason, *old), verdict, new in verdicts:
            if verdict:
                if (state, code, reason, *old) != ("skipped", *verdict, *new):
                    changes.append((row_id, "skipped", *verdict, *new))
            elif state == "skipped" or tuple(old) != tuple(new):
                changes.append((row_id, "planned", None, None, *new))
        for chunk in split_every(5000, changes):
            # Forward only, also against a row moved since it was read (sent meanwhile).
            self._write_per_row(["state", "skip_code", "skip_reason", *columns], chunk,
                                where=state_change_sql(SQL("t.state"), SQL("v.state")))
        return len(changes)

    def _cancel_planned(self, domain, reason):
        planned = self.sudo().search(domain + [("state", "=", "planned")])
        planned._mark_cancelled(reason)
        # A cancelled contact may free a place under the contact pressure limit.
        self._apply_rules_for_partners(planned.partner_id)
        return planned

    @api.model
    def _apply_rules_for_partners(self, partners):
        """Re-apply the rules to the pending contacts of these customers, after
        something changed for them (consent, an event archived or added)."""
        if partners:
            self._apply_rules(SQL("c.partner_id IN %s", tuple(partners.ids)))

    # ------------------------------------------------------------------
    # Rules: cancel what lost its reason, skip what may not be sent
    # ------------------------------------------------------------------

    @api.model
    def _apply_rules(self, scope, just_planned=False):
        """Apply every sending rule to the communications ``c`` matching the
        SQL condition ``scope``, in a handful of set-based statements.

        What lost its reason is cancelled first (``_cancel_lost_reason``),
        then the channel of a step with alternatives is chosen again
        (``_decide_channels``), then the channels' own rules run
        (``_apply_contact_rules``: the SMS numbers), then the other rules.
        ``just_planned``: ``scope`` holds only rows the planner's INSERT just
        wrote, with their channels chosen and the per-row rules applied; only
        the rules across rows remain.
        """
        self.env.flush_all()
        cr = self.env.cr
        planned = SQL("c.state = 'planned' AND %s", scope)
        if just_planned:
            # The planner's INSERT chose the channels, left out what lost its
            # reason and skipped what may not go: only the rules across rows remain.
            self._apply_household_rule(scope)
            self._apply_pressure_rule(scope)
            self.invalidate_model()
            return
        # What lost its reason is cancelled before a channel's rule may skip it.
        self._cancel_lost_reason(scope)
        self._decide_channels(scope)
        self._apply_contact_rules(scope)
        # Again: a skipped contact the channels' rules just planned again may have lost its reason.
        self._cancel_lost_reason(scope)
        skip_code, skip_reason = self._skip_case_sql()
        # A contact still ahead that was skipped by these conditions goes back
        # to planned when none holds any more (consent given, module installed,
        # control group made smaller).
        cr.execute(SQL(
            """UPDATE optical_crm_communication c SET state = 'planned', skip_code = NULL, skip_reason = NULL
                 FROM (SELECT c.id, %s AS code
                         FROM optical_crm_communication c JOIN res_partner p ON p.id = c.partner_id
                        WHERE c.state = 'skipped' AND %s AND %s) x
                WHERE c.id = x.id AND x.code IS NULL AND %s""",
            skip_code, self._reversible_sql(self._skip_condition_codes()), scope, state_moves_to_sql("planned")))
        cr.execute(SQL(
            """UPDATE optical_crm_communication c SET state = 'skipped', skip_code = x.code, skip_reason = x.reason
                 FROM (SELECT c.id, %s AS code, %s AS reason
                         FROM optical_crm_communication c JOIN res_partner p ON p.id = c.partner_id
                        WHERE %s) x
                WHERE c.id = x.id AND x.code IS NOT NULL AND %s""",
            skip_code, skip_reason, planned, state_moves_to_sql("skipped")))
        # One per household before contact pressure: a contact left to a household member frees no place.
        self._apply_household_rule(scope)
        self._apply_pressure_rule(scope)
        self.invalidate_model()

    @api.model
    def _cancel_lost_reason(self, scope):
        """Cancel, with the reason, the planned communications ``c`` matching
        ``scope`` that lost their reason: their trigger event archived, their
        cyclic activity archived or their campaign cancelled, or superseded
        by a newer event. The one place where these contacts are cancelled:
        archiving or cancelling only asks the rules to look again."""
        cr = self.env.cr
        _ = self.env._
        cancel = SQL("state = 'cancelled', write_date = NOW() AT TIME ZONE 'UTC'")
        # Every state UPDATE matches only rows that may move to its state.
        cancellable = SQL("c.state = 'planned' AND %s AND %s", scope, state_moves_to_sql("cancelled"))
        cr.execute(SQL(
            "UPDATE optical_crm_communication c SET %s, skip_reason = %s FROM optical_crm_event e "
            "WHERE c.event_id = e.id AND NOT e.active AND %s",
            cancel, _("Trigger event cancelled"), cancellable))
        cr.execute(SQL(
            "UPDATE optical_crm_communication c SET %s, skip_reason = %s FROM optical_crm_cycle cy "
            "WHERE c.cycle_id = cy.id AND NOT cy.active AND %s",
            cancel, _("Cyclic activity archived"), cancellable))
        cr.execute(SQL(
            "UPDATE optical_crm_communication c SET %s, skip_reason = %s FROM optical_crm_campaign ca "
            "WHERE c.campaign_id = ca.id AND ca.state = 'cancelled' AND %s",
            cancel, _("Campaign cancelled"), cancellable))
        cr.execute(SQL(
            """UPDATE optical_crm_communication c SET %s, skip_reason = %s
                 FROM optical_crm_event e, optical_crm_cycle cy
                WHERE c.event_id = e.id AND c.cycle_id = cy.id AND cy.supersede AND %s AND %s""",
            cancel, _("Superseded by a newer event"), cancellable, self.env["optical.crm.event"]._superseded_sql("e")))
        # The cancelled rows are read again from the database.
        self.invalidate_model(["state", "skip_reason"])

    @api.model
    def _apply_contact_rules(self, scope):
        """The channels' own rules on the communications ``c`` matching
        ``scope`` (the SMS number): channel modules extend it. They run after
        the channel is chosen and before the other rules, so that a contact
        that cannot go does not take the place of another under the contact
        pressure limit. The planner's INSERT applies them through
        ``_skip_conditions`` instead."""

    @api.model
    def _skip_conditions(self):
        """Why a pending contact may not go ahead: (condition, skip_code,
        reason) triples, the first that matches wins. Conditions are SQL on
        the communication ``c`` and its customer ``p``; the planner evaluates
        them while inserting, ``_apply_rules`` again later. Modules add theirs;
        each channel's consent comes from its declaration (``Channel.consent``)."""
        _ = self.env._
        conditions = [(SQL("c.channel NOT IN %s", tuple(self._channel_registry())), "channel",
                       _("Channel not available: its module is not installed"))]
        # An address on Odoo's e-mail blacklist (the customer unsubscribed) revokes e-mail consent.
        conditions.append((
            SQL("""c.purpose = 'marketing' AND c.channel = 'email' AND EXISTS (
                     SELECT 1 FROM mail_blacklist bl WHERE bl.active AND bl.email = p.email_normalized)"""),
            "consent", _("Unsubscribed from e-mails (blacklisted address)")))
        for channel in self._channel_registry().values():
            # The most specific missing consent is the reason given.
            for consent_field, reason in reversed(channel.consent):
                conditions.append((
                    SQL("c.purpose = 'marketing' AND c.channel = %s AND p.%s IS NOT TRUE",
                        channel.key, SQL.identifier(consent_field)),
                    "consent", _(reason)))
        return conditions

    @api.model
    def _reach_contact_conditions(self):
        """{channel: [(SQL condition on the customer ``p``, reason)]}: what a
        customer lacks to be reached on the channel at all (no address, no
        app), from each channel's declaration (``Channel.reach``)."""
        _ = self.env._
        return {key: [(condition, _(reason)) for condition, reason in channel.reach]
                for key, channel in self._channel_registry().items() if channel.reach}

    @api.model
    def _skip_condition_codes(self):
        """The skip codes the SQL conditions give: undone by ``_apply_rules``
        when no condition holds any more."""
        return {code for _condition, code, _reason in self._skip_conditions() + self._holdout_skip_conditions()}

    @api.model
    def _contact_skip_conditions(self):
        """The channels' own rules on the customer's contact details, as
        ``_skip_conditions`` triples (an SMS number that cannot receive SMS):
        evaluated by the planner's INSERT, by the choice of a channel in a
        fallback chain and by ``_apply_contact_rules``, which undoes their
        skips; their reasons name the customer's detail, so a reach table
        counts by the channel's ``reach`` instead. Channel modules add theirs."""
        return []

    @api.model
    def _skip_case_sql(self, contact=False):
        """(skip_code, skip_reason) SQL expressions: NULL when the contact may go ahead.
        ``contact``: the channels' own rules (``_contact_skip_conditions``) too,
        after the others. The control group comes last, after every rule modules add."""
        conditions = self._skip_conditions() + (self._contact_skip_conditions() if contact else []) \
            + self._holdout_skip_conditions()
        code = SQL("CASE %s END", SQL(" ").join(SQL("WHEN %s THEN %s", c, code) for c, code, _r in conditions))
        reason = SQL("CASE %s END", SQL(" ").join(SQL("WHEN %s THEN %s", c, r) for c, _code, r in conditions))
        return code, reason

    def _apply_pressure_rule(self, scope):
        """At most N marketing contacts per customer in any period: only the
        customers who could exceed it are loaded, the choice is made by
        ``tools.pressure`` (higher priority first) and written back in bulk."""
        from ..tools.pressure import select_within_pressure

        cr = self.env.cr
        today = self.env["res.company"]._optical_today_sql(SQL("c.company_id"))
        # Candidates: planned marketing rows in scope, plus rows skipped for
        # pressure still ahead (a cancelled rival may free their place).
        cr.execute(SQL(
            """SELECT c.partner_id, c.company_id, co.optical_pressure_max, co.optical_pressure_period_days
                 FROM optical_crm_communication c
                 JOIN res_company co ON co.id = c.company_id
                WHERE co.optical_pressure_max > 0 AND c.purpose = 'marketing' AND %s AND %s
                GROUP BY 1, 2, 3, 4""",
            self._reversible_sql(["pressure"]), scope))
        groups = cr.fetchall()
        if not groups:
            return
        # Keep only customers whose contacts (made in the last period and candidates) exceed the max.
        cr.execute(SQL(
            """SELECT c.id, c.partner_id, c.company_id, c.scheduled_date, c.priority, c.state, c.skip_code,
                      c.skip_reason
                 FROM optical_crm_communication c
                 JOIN res_company co ON co.id = c.company_id
                WHERE (c.partner_id, c.company_id) IN %s AND c.purpose = 'marketing'
                  AND (c.state IN ('planned', 'sent', 'done')
                       OR (c.state = 'skipped' AND c.skip_code = 'pressure'))
                  AND c.scheduled_date >= %s - co.optical_pressure_period_days""",
            tuple((g[0], g[1]) for g in groups), today))
        rows_by_key = {}
        for row in cr.fetchall():
            rows_by_key.setdefault((row[1], row[2]), []).append(row)
        limits = {(g[0], g[1]): (g[2], g[3]) for g in groups}
        reason = self.env._("Contact pressure: a higher-priority contact is planned in the same period")
        verdicts = []
        for key, rows in rows_by_key.items():
            max_contacts, period = limits[key]
            pending = [r for r in rows if r[5] in ("planned", "skipped")]
            rejected = set()
            if len(rows) > max_contacts:
                fixed = [r[3] for r in rows if r[5] in ("sent", "done")]
                rejected = set(select_within_pressure(
                    fixed, [(r[0], r[3], r[4]) for r in pending], max_contacts, period)[1])
            # Rejected: skipped for pressure (one already skipped keeps its reason);
            # accepted: planned, again if it was skipped for pressure.
            verdicts.extend(
                (r[0], (r[5], r[6], r[7]), ("pressure", r[7] if r[5] == "skipped" else reason) if r[0] in rejected
                 else None, ())
                for r in pending)
        self._replan_or_skip(verdicts)
