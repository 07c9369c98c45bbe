import ast

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL, mute_logger

from .optical_crm_step_mixin import CHANNELS, PURPOSES

# Where a communication comes from.
SOURCES = [("cycle", "Cyclic activity"), ("campaign", "Campaign"), ("supplier_campaign", "Supplier campaign"),
           ("manual", "Manual")]

# The ledger moves forward only: the states a communication may go to from
# each state. Every change of ``state`` made in Python goes through
# ``_set_state``; every SQL UPDATE of ``state`` has ``state_moves_to_sql`` (or
# ``state_change_sql``) in its WHERE, so it cannot match a row this table
# does not let move (the tests hold the SQL to this table).
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


def state_moves_to_sql(target, alias="c"):
    """SQL: the communication ``alias`` is in a state that may move to ``target``."""
    sources = tuple(sorted(state for state, targets in STATE_TRANSITIONS.items() if target in targets))
    return SQL("%s.state IN %s", SQL.identifier(alias), sources) if sources else SQL("FALSE")


def state_change_sql(old, new):
    """SQL: the state ``old`` (an SQL expression) may become ``new`` (one,
    row by row): the same state, or a move ``STATE_TRANSITIONS`` allows."""
    moves = tuple((state, target) for state, targets in sorted(STATE_TRANSITIONS.items()) for target in sorted(targets))
    return SQL("(%s = %s OR (%s, %s) IN %s)", old, new, old, new, moves)


# What a user changes on a communication over RPC: who makes a call (the
# call list's "Take", the form's Callback tab). Everything else is written by
# the product: the planner and the rules, the sender, the channels' reports,
# and the call's actions (outcome, postpone, give up), which check the user
# may act on the call first.
STAFF_WRITABLE_FIELDS = frozenset({"user_id"})
# What an owner's screens also edit on a communication not handed over yet.
OWNER_PLANNED_WRITABLE_FIELDS = frozenset({"scheduled_date"})

# The row's part in the results (``analysis_contact``): 1 contacted, the
# message went out (a call once it was made); 2 held out for the control
# group; 0 neither (planned, skipped, failed, a call not made).
ANALYSIS_CONTACT_SQL = SQL(
    "CASE WHEN (channel = 'phone' AND COALESCE(callback_attempts, 0) > 0) "
    "OR (channel <> 'phone' AND state IN ('sent', 'done')) THEN 1 "
    "WHEN state = 'skipped' AND skip_code = 'holdout' THEN 2 ELSE 0 END")

# A customer filter tried at save, or counted on a form, gives up after this
# long: a filter too slow for a form is refused rather than run on the day.
FILTER_TIMEOUT_MS = 5000

SKIP_CODES = [
    ("consent", "No consent"),
    ("pressure", "Contact pressure"),
    ("channel", "Channel not available"),
    ("contact", "No contact details"),
    ("holdout", "Control group"),
    ("goal_reached", "Goal reached"),
    ("household", "Same household"),
    ("other", "Other"),
]


class OpticalCrmCommunication(models.Model):
    """One planned or sent contact with one customer: the communication ledger.

    One model, a class per concern: this file is the ledger itself (its
    fields, indexes and state changes, forward only); the rules that skip,
    cancel and plan again are ``optical_crm_communication_rules.py``; the
    planner (``…_planner.py``) writes rows exactly once; the sender
    (``…_sender.py``) renders them and hands them to their channel; the
    phone callbacks are ``…_callback.py``, e-mail ``…_email.py`` and the
    control group ``…_holdout.py``. Channel modules add their channels and
    skip codes with ``selection_add``.
    """

    _name = "optical.crm.communication"
    _inherit = ["optical.crm.batch.mixin", "optical.crm.shop.mixin"]
    _description = "Communication"
    _order = "scheduled_date desc, priority desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["partner_id.name"]

    partner_id = fields.Many2one("res.partner", "Customer", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", "Shop", required=True, index=True,
                                 default=lambda self: self.env.company)
    channel = fields.Selection(CHANNELS, required=True)
    purpose = fields.Selection(PURPOSES, required=True, default="marketing")
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
    source = fields.Selection(SOURCES, required=True, default="manual")
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
    # PostgreSQL generates the column from the row (ANALYSIS_CONTACT_SQL) on every write, the ORM's and the
    # planner's and sender's set-based UPDATEs alike; the results (optical.crm.analysis) read it in SQL.
    analysis_contact = fields.Integer(
        "Part in the results", readonly=True, copy=False, aggregator=None,
        help="1: contacted; 2: held out for the control group; 0: neither. Written by the database.")

    def _auto_init(self):
        # Odoo cannot convert a generated column: one of another type is dropped, then made again below.
        if self._analysis_contact_column() not in (None, ("integer", "s")):
            self.env.cr.execute("ALTER TABLE optical_crm_communication DROP COLUMN analysis_contact CASCADE")
        result = super()._auto_init()
        if self._analysis_contact_column() != ("integer", "s"):
            # A view reading it (the results) is dropped with it and made again by its own init().
            self.env.cr.execute(SQL(
                "ALTER TABLE optical_crm_communication DROP COLUMN IF EXISTS analysis_contact CASCADE, "
                "ADD COLUMN analysis_contact integer GENERATED ALWAYS AS (%s) STORED", ANALYSIS_CONTACT_SQL))
        return result

    def _analysis_contact_column(self):
        """The type of ``analysis_contact``'s column and whether PostgreSQL
        generates it (``"s"``), or None when it has none."""
        rows = self.env.execute_query(SQL(
            "SELECT format_type(atttypid, atttypmod), attgenerated FROM pg_attribute "
            "WHERE attrelid = to_regclass('optical_crm_communication') AND attname = 'analysis_contact' "
            "AND NOT attisdropped"))
        return tuple(rows[0]) if rows else None

    def init(self):
        # Exactly once: one row per (event, cycle step) and per (customer, campaign step).
        # The planner's inserts skip what another worker wrote meanwhile against these (insert_missing).
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
    # Who writes the ledger
    # ------------------------------------------------------------------

    def write(self, vals):
        if not self.env.su:
            self._check_user_write(vals)
        return super().write(vals)

    def _check_user_write(self, vals):
        """A user (not the product) changes only who makes a call; an owner
        also the date of a communication not handed over yet. What is sent,
        to whom, why, its state and its results are the product's."""
        # The shop's record rules first: no other shop's call is named below.
        self.check_access("write")
        _ = self.env._
        allowed = set(STAFF_WRITABLE_FIELDS)
        if self.env.user.has_group("optical_crm.group_optical_crm_manager"):
            allowed |= OWNER_PLANNED_WRITABLE_FIELDS
        refused = sorted(set(vals) - allowed)
        if refused:
            labels = ", ".join(self._fields[name]._description_string(self.env) if name in self._fields else name
                               for name in refused)
            raise AccessError(_(
                "%(fields)s of %(communication)s cannot be changed by hand: the cyclic activities, campaigns and "
                "the call's own buttons (outcome, postpone, give up) write them.",
                fields=labels, communication=self[:1].sudo().display_name))
        handed_over = self.filtered(lambda c: c.state != "planned")
        if handed_over and OWNER_PLANNED_WRITABLE_FIELDS & set(vals):
            states = dict(self._fields["state"]._description_selection(self.env))
            raise AccessError(_(
                "Date: %(communication)s is %(state)s; only a planned communication can be moved to another day.",
                communication=handed_over[:1].sudo().display_name, state=states[handed_over[:1].state]))

    # ------------------------------------------------------------------
    # Helpers shared by cycles, campaigns and the planner
    # ------------------------------------------------------------------

    @api.model
    def _partner_domain(self, domain_text, field_label):
        """Parse a customer filter; a malformed one names the field."""
        try:
            domain = ast.literal_eval(domain_text or "[]")
        except (ValueError, SyntaxError, MemoryError, RecursionError) as error:
            raise ValidationError(self.env._("%(field)s: invalid filter (%(error)s)", field=field_label,
                                             error=error)) from error
        if not isinstance(domain, list):
            raise ValidationError(self.env._("%(field)s: the filter must be a list", field=field_label))
        try:
            # An unknown field or operator is found now, not by the planner on the day.
            self.env["res.partner"].with_context(active_test=False)._search(domain)
        except (IndexError, RecursionError) as error:
            raise ValidationError(self.env._("%(field)s: the filter is nested too deeply", field=field_label)) from error
        except (ValueError, KeyError, TypeError, AssertionError) as error:
            raise ValidationError(self.env._("%(field)s: invalid filter (%(error)s)", field=field_label,
                                             error=error)) from error
        return domain

    @api.model
    def _check_partner_filter(self, domain_text, field_label):
        """Parse a customer filter and run it once (at save): a filter that
        compiles but fails in the database (a text compared with a date, …)
        or takes too long is refused now, naming the field, instead of
        failing the planner on the day. Run as the user saving it."""
        domain = self._partner_domain(domain_text, field_label)
        self._try_partner_query(
            lambda: self.env["res.partner"].with_context(active_test=False).search_count(domain, limit=1),
            field_label)
        return domain

    @api.model
    def _try_partner_query(self, work, field_label):
        """``work()`` (a query on customers built from a user's filter) in a
        savepoint with a statement timeout: a database error, a timeout or a
        filter nested too deeply becomes a ``ValidationError`` naming the
        field, and the transaction goes on. For save checks and for the
        counters of a form, which must open whatever the filter."""
        cr = self.env.cr
        cr.execute("SHOW statement_timeout")
        previous = cr.fetchone()[0]
        try:
            # No flush and no cache clearing: this may run inside a compute or a constraint.
            with cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                cr.execute("SELECT set_config('statement_timeout', %s, true)", [str(FILTER_TIMEOUT_MS)])
                result = work()
                cr.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
            return result
        except psycopg2.errors.QueryCanceled as error:
            raise ValidationError(self.env._(
                "%(field)s: the filter takes too long to run (more than %(seconds)s seconds)",
                field=field_label, seconds=FILTER_TIMEOUT_MS // 1000)) from error
        except psycopg2.Error as error:
            detail = (str(error).strip().splitlines() or [""])[0]
            raise ValidationError(self.env._("%(field)s: the filter does not run (%(error)s)", field=field_label,
                                             error=detail)) from error
        except (IndexError, RecursionError) as error:
            raise ValidationError(self.env._("%(field)s: the filter is nested too deeply", field=field_label)) from error

    # ------------------------------------------------------------------
    # State changes: every write of ``state`` goes through these
    # ------------------------------------------------------------------

    def _set_state(self, state, per_row=None, **values):
        """Move the communications for which ``STATE_TRANSITIONS`` allows it
        to ``state``, writing ``values`` with it; the others (a late or
        repeated report, a second click) are left as they are. Returns the
        communications moved.

        ``per_row``: ``(columns, rows)``, values different on each row
        (``(id, value, …)`` as ``_write_per_row`` takes them, for columns no
        stored computed field depends on), written in the same single UPDATE
        as the state: a sender's batch is one statement, not one for its
        texts and another for its state."""
        if not self.env.su:
            # Called by the product on the user's behalf (an outcome, an export):
            # the user must be allowed to act on these communications.
            self.check_access("write")
        moving = self.filtered(lambda c: state in STATE_TRANSITIONS[c.state])
        if not moving:
            return moving
        if per_row is None:
            # The ledger's own bookkeeping: the move was checked just above,
            # and a user never writes ``state`` (see ``_check_user_write``).
            moving.sudo().write(dict(values, state=state))
            return moving
        columns, rows = per_row
        common = dict(values, state=state)
        moving_ids = set(moving.ids)
        moving._write_per_row([*columns, *common], [
            (*row, *common.values()) for row in rows if row[0] in moving_ids],
            where=state_change_sql(SQL("t.state"), SQL("v.state")))
        # What depends on the state (the call an activity stands for) is computed again.
        moving.modified([*columns, *common])
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
