from odoo import api, fields, models
from odoo.tools import SQL

from .optical_crm_communication import state_change_sql

# The skip codes that mean "not reachable on this channel": a step with
# alternatives tries its next channel instead (with the codes channels declare).
REACH_CODES = ("channel", "consent", "contact")


class OpticalCrmCommunicationFallback(models.Model):
    """Reach on another channel: a communication of a step with alternatives
    (``fallback_ids``) goes out on the first channel of the step's chain the
    customer can be reached on (the channel rules: available, consent; and
    the declaration's reach: a number, an address, a paired app). Decided in
    the planner's INSERT (``_channel_choice_sql``) and again by the rules
    (``_decide_channels``: consent changed, the sender on the day). The
    communication's ``channel`` is the channel used, ``fallback_note`` why
    the earlier ones were passed over; it is skipped only when none reaches,
    with the reason of the step's own channel. Steps without alternatives
    keep the rules as they are."""

    _inherit = "optical.crm.communication"

    fallback_note = fields.Text(
        "Channels passed over", readonly=True, copy=False,
        help="Why the step's channels before the one used could not reach the customer.")

    @api.model
    def _reach_codes(self):
        """Skip codes meaning the customer cannot be reached on the channel."""
        return set(REACH_CODES) | {code for channel in self._channel_registry().values()
                                   for code, _label in channel.skip_codes}

    @api.model
    def _reach_case_sql(self):
        """(code, reason) SQL on the row ``c`` and its customer ``p``: why the
        customer cannot be reached on ``c.channel`` (the rules about the
        channel, then the declaration's reach conditions), NULL when they can."""
        codes = self._reach_codes()
        conditions = [(condition, code, reason)
                      for condition, code, reason in self._skip_conditions() + self._contact_skip_conditions()
                      if code in codes]
        conditions += [(SQL("c.channel = %s AND %s", key, condition), "contact", reason)
                       for key, reach in self._reach_contact_conditions().items() for condition, reason in reach]
        code = SQL("CASE %s END", SQL(" ").join(SQL("WHEN %s THEN %s", c, code) for c, code, _r in conditions))
        reason = SQL("CASE %s END", SQL(" ").join(SQL("WHEN %s THEN %s", c, r) for c, _code, r in conditions))
        return code, reason

    @api.model
    def _channel_choice_sql(self, row, first):
        """A LATERAL subquery choosing the channel of the row ``row`` (an alias
        with the planner's columns, its customer joined as ``p``) among its
        step's chain: ``first`` (SQL, the step's channel) then the step's
        alternatives in order. Columns: ``channel`` (the first that reaches,
        NULL when none does), ``first_channel``, ``code`` and ``reason`` (why
        not the first), ``note`` (why the channels before the one chosen were
        passed over) and ``chain_length``."""
        r = SQL.identifier(row)
        code, reason = self._reach_case_sql()
        labels = dict(self._fields["channel"]._description_selection(self.env))
        label = SQL("CASE ch.channel %s ELSE ch.channel END", SQL(" ").join(
            SQL("WHEN %s THEN %s", key, value) for key, value in labels.items()))
        return SQL(
            """SELECT (ARRAY_AGG(w.channel ORDER BY w.ord) FILTER (WHERE w.code IS NULL))[1] AS channel,
                      (ARRAY_AGG(w.channel ORDER BY w.ord))[1] AS first_channel,
                      (ARRAY_AGG(w.code ORDER BY w.ord))[1] AS code,
                      (ARRAY_AGG(w.reason ORDER BY w.ord))[1] AS reason,
                      STRING_AGG(w.label || ': ' || w.reason, E'\\n' ORDER BY w.ord)
                          FILTER (WHERE w.code IS NOT NULL AND (w.chosen IS NULL OR w.ord < w.chosen)) AS note,
                      COUNT(*) AS chain_length
                 FROM (SELECT v.*, MIN(v.ord) FILTER (WHERE v.code IS NULL) OVER () AS chosen
                         FROM (SELECT ch.ord, ch.channel, %(label)s AS label, %(code)s AS code, %(reason)s AS reason
                                 FROM (SELECT 0::bigint AS ord, (%(first)s)::varchar AS channel
                                       UNION ALL
                                       SELECT ROW_NUMBER() OVER (ORDER BY f.sequence, f.id), f.channel
                                         FROM optical_crm_step_fallback f WHERE f.cycle_step_id = %(r)s.cycle_step_id
                                       UNION ALL
                                       SELECT ROW_NUMBER() OVER (ORDER BY f.sequence, f.id), f.channel
                                         FROM optical_crm_step_fallback f
                                        WHERE f.campaign_step_id = %(r)s.campaign_step_id) ch
                                CROSS JOIN LATERAL (
                                      SELECT %(r)s.partner_id, %(r)s.company_id, ch.channel,
                                             %(r)s.purpose,
                                             %(r)s.scheduled_date, %(r)s.source, %(r)s.priority, %(r)s.cycle_id,
                                             %(r)s.cycle_step_id, %(r)s.event_id, %(r)s.campaign_id,
                                             %(r)s.campaign_step_id) c) v) w""",
            r=r, first=first, label=label, code=code, reason=reason)

    @api.model
    def _has_fallback_sql(self, alias="c"):
        """SQL: the step of the communication ``alias`` has alternatives."""
        c = SQL.identifier(alias)
        return SQL(
            """(EXISTS (SELECT 1 FROM optical_crm_step_fallback f WHERE f.cycle_step_id = %s.cycle_step_id)
                OR EXISTS (SELECT 1 FROM optical_crm_step_fallback f WHERE f.campaign_step_id = %s.campaign_step_id))""",
            c, c)

    @api.model
    def _decide_channels(self, scope):
        """Choose again the channel of the pending communications ``c``
        matching ``scope`` whose step has alternatives: planned, or skipped
        because no channel reached and still ahead. One UPDATE; only the
        rows whose channel, note or state change are written."""
        codes = tuple(sorted(self._reach_codes()))
        first = SQL("COALESCE((SELECT s.channel FROM optical_crm_cycle_step s WHERE s.id = c.cycle_step_id), "
                    "(SELECT s.channel FROM optical_crm_campaign_step s WHERE s.id = c.campaign_step_id), c.channel)")
        self.env.cr.execute(SQL(
            """UPDATE optical_crm_communication t
                  SET channel = x.channel, fallback_note = x.note, state = x.state, skip_code = x.code,
                      skip_reason = x.reason, write_date = NOW() AT TIME ZONE 'UTC'
                 FROM (SELECT c.id, COALESCE(pick.channel, pick.first_channel) AS channel, pick.note,
                              CASE WHEN pick.channel IS NULL THEN 'skipped'
                                   WHEN c.state = 'skipped' THEN 'planned' ELSE c.state END AS state,
                              CASE WHEN pick.channel IS NULL THEN pick.code END AS code,
                              CASE WHEN pick.channel IS NULL THEN pick.reason END AS reason
                         FROM optical_crm_communication c
                         JOIN res_partner p ON p.id = c.partner_id
                        CROSS JOIN LATERAL (%(choice)s) pick
                        WHERE %(scope)s AND %(pending)s AND %(has_fallback)s) x
                WHERE t.id = x.id
                  AND (t.channel, t.fallback_note, t.state, t.skip_code, t.skip_reason)
                      IS DISTINCT FROM (x.channel, x.note, x.state, x.code, x.reason)
                  AND %(moves)s""",
            choice=self._channel_choice_sql("c", first), scope=scope,
            pending=self._reversible_sql(codes), has_fallback=self._has_fallback_sql(),
            moves=state_change_sql(SQL("t.state"), SQL("x.state"))))
        written = self.env.cr.rowcount
        if written:
            self.invalidate_model(["channel", "fallback_note", "state", "skip_code", "skip_reason"])
        return written
