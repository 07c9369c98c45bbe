import ast

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, split_every

from .optical_crm_step_mixin import CHANNELS

# The ledger moves forward only: the states a communication may go to from
# each state. Every change of ``state`` made in Python goes through
# ``_set_state`` (the set-based rules write only planned ↔ skipped and
# planned → cancelled, which this table allows).
STATE_TRANSITIONS = {
    "planned": frozenset({"sent", "skipped", "failed", "cancelled"}),
    # Planned again when the reason of the skip is gone before its day.
    "skipped": frozenset({"planned", "cancelled"}),
    "sent": frozenset({"done", "failed", "cancelled"}),
    # Delivered after all (a gateway answer that timed out).
    "failed": frozenset({"done"}),
    "done": frozenset(),
    "cancelled": frozenset(),
}

SKIP_CODES = [
    ("consent", "No consent"),
    ("pressure", "Contact pressure"),
    ("channel", "Channel not available"),
    ("contact", "No contact details"),
    ("holdout", "Control group"),
    ("other", "Other"),
]


class OpticalCrmCommunication(models.Model):
    """One planned or sent contact with one customer: the communication ledger.

    The planner (``optical_crm_communication_planner.py``) writes rows exactly
    once; the sender (``optical_crm_communication_sender.py``) hands them to
    their channel. This file holds the ledger itself, the rules that skip or
    cancel a row, and the phone callback outcomes.
    """

    _name = "optical.crm.communication"
    _inherit = ["optical.crm.batch.mixin"]
    _description = "Communication"
    _order = "scheduled_date desc, priority desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["partner_id.name"]

    partner_id = fields.Many2one("res.partner", "Customer", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", "Shop", required=True, index=True,
                                 default=lambda self: self.env.company)
    channel = fields.Selection(CHANNELS, required=True)
    purpose = fields.Selection([("service", "Service"), ("marketing", "Marketing")], required=True,
                               default="marketing")
    scheduled_date = fields.Date("Date", required=True, index=True)
    state = fields.Selection(
        [
            ("planned", "Planned"),
            ("sent", "Sent"),
            ("done", "Done"),
            ("skipped", "Skipped"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        default="planned", required=True, index=True,
    )
    skip_reason = fields.Char("Reason", help="Why the communication was skipped or cancelled.")
    skip_code = fields.Selection(SKIP_CODES, "Skip cause")
    failure_reason = fields.Char("Failure")
    source = fields.Selection(
        [("cycle", "Cyclic activity"), ("campaign", "Campaign"), ("supplier_campaign", "Supplier campaign"),
         ("manual", "Manual")],
        required=True, default="manual",
    )
    cycle_id = fields.Many2one("optical.crm.cycle", "Cyclic activity", index="btree_not_null", ondelete="set null")
    cycle_step_id = fields.Many2one("optical.crm.cycle.step", "Cycle step", index="btree_not_null",
                                    ondelete="set null")
    campaign_id = fields.Many2one("optical.crm.campaign", index="btree_not_null", ondelete="set null")
    campaign_step_id = fields.Many2one("optical.crm.campaign.step", "Campaign step", index="btree_not_null",
                                       ondelete="set null")
    # Indexed by the unique (event_id, cycle_step_id) index below.
    event_id = fields.Many2one("optical.crm.event", "Trigger event", ondelete="set null")
    event_type = fields.Selection(related="event_id.event_type")
    priority = fields.Integer(default=10)
    subject = fields.Char("Title")
    body = fields.Text("Text")
    sent_date = fields.Datetime("Sent on", index="btree_not_null", copy=False)
    opened = fields.Boolean(copy=False, help="The customer opened the landing page or read the app message.")
    opened_date = fields.Datetime("Opened on", copy=False)
    purchased_after_contact = fields.Boolean("Bought after contact", copy=False)
    purchase_event_id = fields.Many2one("optical.crm.event", "Purchase", ondelete="set null", copy=False,
                                        index="btree_not_null")
    partner_phone = fields.Char(related="partner_id.phone", string="Phone")
    partner_mobile = fields.Char(related="partner_id.mobile", string="Mobile")
    partner_email = fields.Char(related="partner_id.email", string="E-mail")
    first_name = fields.Char(compute="_compute_first_name", help="The customer's first name, for templates.")

    def init(self):
        # Exactly once: one row per (event, cycle step) and per (customer, campaign step).
        # The planner inserts with ON CONFLICT DO NOTHING against these.
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS optical_crm_communication_cycle_uniq "
            "ON optical_crm_communication (event_id, cycle_step_id) WHERE cycle_step_id IS NOT NULL"
        )
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS optical_crm_communication_campaign_uniq "
            "ON optical_crm_communication (partner_id, campaign_step_id) WHERE campaign_step_id IS NOT NULL"
        )
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS optical_crm_communication_due_idx "
            "ON optical_crm_communication (scheduled_date, id) WHERE state = 'planned'"
        )
        # The daily call list (open callbacks) in the order of its list view:
        # a few thousand rows among millions, read without scanning the date index.
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS optical_crm_communication_callback_idx "
            "ON optical_crm_communication (scheduled_date, priority DESC, id) "
            "WHERE channel = 'phone' AND state = 'sent'"
        )

    @api.depends("partner_id.name", "partner_id.optical_first_name")
    def _compute_first_name(self):
        for communication in self:
            communication.first_name = communication.partner_id._optical_first_name() if communication.partner_id else ""

    @api.depends("partner_id", "cycle_step_id", "campaign_step_id", "channel")
    def _compute_display_name(self):
        channels = dict(self._fields["channel"]._description_selection(self.env))
        for communication in self:
            step = communication.cycle_step_id or communication.campaign_step_id
            communication.display_name = "%s – %s" % (
                communication.partner_id.name or "", step.name or channels.get(communication.channel, ""))

    # ------------------------------------------------------------------
    # Helpers shared by cycles, campaigns and the planner
    # ------------------------------------------------------------------

    @api.model
    def _partner_domain(self, domain_text, field_label):
        """Parse a customer filter; a malformed one names the field."""
        try:
            domain = ast.literal_eval(domain_text or "[]")
        except (ValueError, SyntaxError) as error:
            raise ValidationError(self.env._("%(field)s: invalid filter (%(error)s)", field=field_label,
                                             error=error)) from error
        if not isinstance(domain, list):
            raise ValidationError(self.env._("%(field)s: the filter must be a list", field=field_label))
        try:
            # An unknown field or operator is found now, not by the planner on the day.
            self.env["res.partner"].with_context(active_test=False)._search(domain)
        except (ValueError, KeyError, TypeError, AssertionError) as error:
            raise ValidationError(self.env._("%(field)s: invalid filter (%(error)s)", field=field_label,
                                             error=error)) from error
        return domain

    @api.model
    def _channel_registry(self):
        """Channels this database can deliver, key → how.

        ``send``: name of a method receiving the due communications of that
        channel; it enqueues the delivery in the same transaction and leaves
        each one ``sent``, ``skipped`` or ``failed``.
        ``quiet_hours``: sent only inside the shop's sending window.
        Other modules add their channels by extending this method.
        """
        return {
            "phone": {"send": "_send_phone", "quiet_hours": False},
            "email": {"send": "_send_email", "quiet_hours": False},
            "export": {"send": "_send_export", "quiet_hours": False},
        }

    # ------------------------------------------------------------------
    # State changes: every write of ``state`` goes through these
    # ------------------------------------------------------------------

    def _set_state(self, state, **values):
        """Move the communications for which ``STATE_TRANSITIONS`` allows it
        to ``state``, writing ``values`` with it; the others (a late or
        repeated report, a second click) are left as they are. Returns the
        communications moved."""
        moving = self.filtered(lambda c: state in STATE_TRANSITIONS[c.state])
        if moving:
            moving.write(dict(values, state=state))
        return moving

    def _mark_sent(self, **values):
        """Handed to the channel (its queue, the call list, the export list)."""
        values.setdefault("sent_date", fields.Datetime.now())
        return self._set_state("sent", **values)

    def _mark_done(self, **values):
        return self._set_state("done", **values)

    def _mark_skipped(self, code, reason):
        return self._set_state("skipped", skip_code=code, skip_reason=reason)

    def _mark_failed(self, reason):
        return self._set_state("failed", failure_reason=reason)

    def _mark_cancelled(self, reason, code=False):
        return self._set_state("cancelled", skip_code=code, skip_reason=reason)

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
            self._write_per_row(["state", "skip_code", "skip_reason", *columns], chunk)
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
    def _apply_rules(self, scope):
        """Apply every sending rule to the communications ``c`` matching the
        SQL condition ``scope``, in a handful of set-based statements.

        Modules add channel rules by extending this method (blacklist, …).
        """
        self.env.flush_all()
        cr = self.env.cr
        _ = self.env._
        planned = SQL("c.state = 'planned' AND %s", scope)
        if self.env.context.get("optical_rows_just_planned"):
            # The planner's INSERT already left out what lost its reason and
            # skipped what may not go: only the rules across rows remain.
            self._apply_pressure_rule(scope)
            self.invalidate_model()
            return
        cancel = SQL("state = 'cancelled', write_date = NOW() AT TIME ZONE 'UTC'")
        cr.execute(SQL(
            "UPDATE optical_crm_communication c SET %s, skip_reason = %s FROM optical_crm_event e "
            "WHERE c.event_id = e.id AND NOT e.active AND %s",
            cancel, _("Trigger event cancelled"), planned))
        cr.execute(SQL(
            "UPDATE optical_crm_communication c SET %s, skip_reason = %s FROM optical_crm_cycle cy "
            "WHERE c.cycle_id = cy.id AND NOT cy.active AND %s",
            cancel, _("Cyclic activity archived"), planned))
        cr.execute(SQL(
            "UPDATE optical_crm_communication c SET %s, skip_reason = %s FROM optical_crm_campaign ca "
            "WHERE c.campaign_id = ca.id AND ca.state = 'cancelled' AND %s",
            cancel, _("Campaign cancelled"), planned))
        cr.execute(SQL(
            """UPDATE optical_crm_communication c SET %s, skip_reason = %s
                 FROM optical_crm_event e, optical_crm_cycle cy
                WHERE c.event_id = e.id AND c.cycle_id = cy.id AND cy.supersede AND %s AND %s""",
            cancel, _("Superseded by a newer event"), planned, self.env["optical.crm.event"]._superseded_sql("e")))
        skip_code, skip_reason = self._skip_case_sql()
        # A contact still ahead that was skipped by these conditions goes back
        # to planned when none holds any more (consent given, module installed,
        # control group made smaller).
        cr.execute(SQL(
            """UPDATE optical_crm_communication c SET state = 'planned', skip_code = NULL, skip_reason = NULL
                 FROM (SELECT c.id, %s AS code
                         FROM optical_crm_communication c JOIN res_partner p ON p.id = c.partner_id
                        WHERE c.state = 'skipped' AND %s AND %s) x
                WHERE c.id = x.id AND x.code IS NULL""",
            skip_code, self._reversible_sql(self._skip_condition_codes()), scope))
        cr.execute(SQL(
            """UPDATE optical_crm_communication c SET state = 'skipped', skip_code = x.code, skip_reason = x.reason
                 FROM (SELECT c.id, %s AS code, %s AS reason
                         FROM optical_crm_communication c JOIN res_partner p ON p.id = c.partner_id
                        WHERE %s) x
                WHERE c.id = x.id AND x.code IS NOT NULL""",
            skip_code, skip_reason, planned))
        self._apply_pressure_rule(scope)
        self.invalidate_model()

    @api.model
    def _channel_consent_fields(self):
        """Marketing consent a customer must have given for each channel (all
        of them, the most general first). Channel modules add theirs."""
        return {channel: ("optical_consent_marketing",) for channel in ("phone", "email", "export")}

    @api.model
    def _consent_reasons(self):
        """{consent field: the reason a contact is skipped without it}."""
        return {"optical_consent_marketing": self.env._("No marketing consent")}

    @api.model
    def _skip_conditions(self):
        """Why a pending contact may not go ahead: (condition, skip_code,
        reason) triples, the first that matches wins. Conditions are SQL on
        the communication ``c`` and its customer ``p``; the planner evaluates
        them while inserting, ``_apply_rules`` again later. Modules add theirs."""
        _ = self.env._
        conditions = [(SQL("c.channel NOT IN %s", tuple(self._channel_registry())), "channel",
                       _("Channel not available: its module is not installed"))]
        reasons = self._consent_reasons()
        # An address on Odoo's e-mail blacklist (the customer unsubscribed) revokes e-mail consent.
        conditions.append((
            SQL("""c.purpose = 'marketing' AND c.channel = 'email' AND EXISTS (
                     SELECT 1 FROM mail_blacklist bl WHERE bl.active AND bl.email = p.email_normalized)"""),
            "consent", _("Unsubscribed from e-mails (blacklisted address)")))
        for channel, consent_fields in self._channel_consent_fields().items():
            # The most specific missing consent is the reason given.
            for consent_field in reversed(consent_fields):
                conditions.append((
                    SQL("c.purpose = 'marketing' AND c.channel = %s AND p.%s IS NOT TRUE",
                        channel, SQL.identifier(consent_field)),
                    "consent", reasons[consent_field]))
        return conditions

    @api.model
    def _reach_contact_conditions(self):
        """{channel: [(SQL condition on the customer ``p``, reason)]}: what a
        customer lacks to be reached on the channel at all (no address, no
        app). Counted by the segments' reach; modules add their channels."""
        _ = self.env._
        return {
            "phone": [(SQL("COALESCE(p.phone, '') = '' AND COALESCE(p.mobile, '') = ''"), _("No phone number"))],
            "email": [(SQL("COALESCE(p.email_normalized, '') = ''"), _("No e-mail address"))],
        }

    @api.model
    def _skip_condition_codes(self):
        """The skip codes the SQL conditions give: undone by ``_apply_rules``
        when no condition holds any more."""
        return {code for _condition, code, _reason in self._skip_conditions() + self._holdout_skip_conditions()}

    @api.model
    def _skip_case_sql(self):
        """(skip_code, skip_reason) SQL expressions: NULL when the contact may go ahead.
        The control group comes last, after every rule modules add."""
        conditions = self._skip_conditions() + self._holdout_skip_conditions()
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
            """SELECT c.id, c.partner_id, c.company_id, c.scheduled_date, c.priority, c.state
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
        accepted_ids, rejected_ids = [], []
        for key, rows in rows_by_key.items():
            max_contacts, period = limits[key]
            if len(rows) <= max_contacts:
                accepted_ids.extend(r[0] for r in rows if r[5] == "skipped")
                continue
            fixed = [r[3] for r in rows if r[5] in ("sent", "done")]
            candidates = [(r[0], r[3], r[4]) for r in rows if r[5] in ("planned", "skipped")]
            accepted, rejected = select_within_pressure(fixed, candidates, max_contacts, period)
            accepted_ids.extend(accepted)
            rejected_ids.extend(rejected)
        if rejected_ids:
            cr.execute(SQL(
                "UPDATE optical_crm_communication SET state = 'skipped', skip_code = 'pressure', skip_reason = %s "
                "WHERE id IN %s AND state = 'planned'",
                self.env._("Contact pressure: a higher-priority contact is planned in the same period"),
                tuple(rejected_ids)))
        if accepted_ids:
            cr.execute(SQL(
                "UPDATE optical_crm_communication SET state = 'planned', skip_code = NULL, skip_reason = NULL "
                "WHERE id IN %s AND state = 'skipped' AND skip_code = 'pressure'",
                tuple(accepted_ids)))

    # ------------------------------------------------------------------
    # Rendering
    # ------------------------------------------------------------------

    def _rendered_texts(self):
        """{id: (subject, body)} rendered from the step's templates, in the
        customer's language, one rendering call per step and field. Texts
        already rendered (sent communications) are kept as they were sent."""
        result = {c.id: (c.subject, c.body) for c in self if c.state != "planned" and (c.subject or c.body)}
        pending = self.filtered(lambda c: c.id not in result)
        for step_field in ("cycle_step_id", "campaign_step_id"):
            for step, communications in pending.filtered(step_field).grouped(step_field).items():
                rendered = {
                    field: communications._render_step_field(step, field) if step[field] else {}
                    for field in ("subject", "body")
                }
                for communication in communications:
                    result[communication.id] = (
                        rendered["subject"].get(communication.id) or step.name,
                        rendered["body"].get(communication.id) or "",
                    )
        for communication in pending.filtered(lambda c: c.id not in result):
            result[communication.id] = (communication.subject, communication.body)
        return result

    def _render_step_field(self, step, field):
        """{id: text}: ``field`` of ``step`` rendered for these communications,
        in each customer's language and with dates and times in each shop's
        time zone, whatever the channel. Templates are written by shop owners
        only (access rights); staff who export or send render them without
        being template editors."""
        result = {}
        for company, communications in self.grouped("company_id").items():
            result.update(step.sudo().with_context(optical_render_tz=company._optical_tz().zone)._render_field(
                field, communications.ids, compute_lang=True))
        return result

    def _render_texts(self):
        """Store the rendered subject and body on each communication."""
        texts = self._rendered_texts()
        self._write_per_row(["subject", "body"], [(cid, subject, body) for cid, (subject, body) in texts.items()])

    # ------------------------------------------------------------------
    # Channels delivered by this module
    # ------------------------------------------------------------------

    def _send_email(self):
        without_email = self.filtered(lambda c: not c.partner_id.email)
        without_email._mark_skipped("contact", self.env._("No e-mail address"))
        to_send = self - without_email
        to_send._render_texts()
        # Rendered in the shop's layout (optical_crm_communication_email.py).
        mails = self.env["mail.mail"].sudo().create(to_send._email_values())
        to_send._mark_sent()
        return mails

    def _send_export(self):
        """Listed for export to another tool (WhatsApp, letters): rendered, ready."""
        self._render_texts()
        self._mark_sent()
