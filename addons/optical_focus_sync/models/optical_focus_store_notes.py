import datetime

from odoo import fields, models, sql_db
from odoo.tools import SQL


class OpticalFocusStoreNotes(models.Model):
    """Call notes and outcomes back to FOCUS (``GET /optical_focus_sync/v1/notes``)."""

    _inherit = "optical.focus.store"

    def _notes_horizon(self):
        """The newest moment (naive UTC, whole second) before which every
        note is committed, as seen from a fresh connection: the start of the
        oldest transaction still running in this database (other than this
        request's), else now, minus ``optical_focus_sync.notes_lag_seconds``
        for clocks of Odoo servers that differ. A note is dated when it is
        written, inside a transaction that started before: a note not yet
        committed is never older than the horizon."""
        lag = self.env["ir.config_parameter"]._optical_param("optical_focus_sync.notes_lag_seconds")
        self.env.cr.execute(SQL("SELECT pg_backend_pid()"))
        own_pid = self.env.cr.fetchone()[0]
        with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute(SQL(
                """SELECT LEAST(NOW(), MIN(xact_start)) AT TIME ZONE 'UTC'
                     FROM pg_stat_activity
                    WHERE datname = current_database() AND backend_type = 'client backend'
                      AND pid NOT IN (pg_backend_pid(), %s)""", own_pid))
            horizon = cr.fetchone()[0]
        if horizon is None:  # min() of nothing: LEAST ignores it, but be explicit
            horizon = fields.Datetime.now()
        return horizon.replace(microsecond=0) - datetime.timedelta(seconds=lag)

    def _notes_since(self, since):
        """Callback outcomes and notes recorded from ``since`` (naive UTC,
        included) up to the horizon (excluded) for the customers of this
        store: ``{FOCUS customer id: [note, …]}``, oldest first. Returns
        ``(until, notes)``: ``until`` is the next ``since``. A note recorded
        in the same second as a poll, or committed after a poll that started
        before it, is in the next answer (:meth:`_notes_horizon`)."""
        self.ensure_one()
        until = max(self._notes_horizon(), since)
        # Read from a snapshot taken after the horizon: what committed before
        # it is all there.
        with self.env.registry.cursor() as cr:
            return until, self.with_env(self.env(cr=cr))._notes_between(since, until)

    def _notes_between(self, since, until):
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """SELECT c.id, r.focus_id
                 FROM optical_crm_communication c
                 JOIN optical_focus_record r
                   ON r.partner_id = c.partner_id AND r.record_type = 'cliente' AND r.store_id = %s
                WHERE c.company_id = %s AND c.outcome_date >= %s AND c.outcome_date < %s
                ORDER BY c.outcome_date, c.id""",
            self.id, self.company_id.id, since, until))
        rows = self.env.cr.fetchall()
        communications = self.env["optical.crm.communication"].browse({row[0] for row in rows})
        lang = self.company_id._optical_lang()
        communications = communications.with_context(lang=lang)
        by_id = {communication.id: communication for communication in communications}
        outcomes = dict(communications._fields["callback_outcome"]._description_selection(communications.env))
        channels = dict(communications._fields["channel"]._description_selection(communications.env))
        attempt_outcomes = dict(self.env["optical.crm.callback.attempt"].with_context(lang=lang)
                                ._fields["outcome"]._description_selection(communications.env))
        labels = {"outcome": outcomes, "channel": channels, "attempt": attempt_outcomes}
        notes = {}
        for communication_id, focus_id in rows:
            notes.setdefault(focus_id, []).append(_note(by_id[communication_id], labels))
        return notes


def _note(communication, labels):
    """One note for FOCUS: a communication's outcome and its call attempts."""
    step = communication.cycle_step_id or communication.campaign_step_id
    return {
        "communication_id": communication.id,
        "date": communication.outcome_date.isoformat(),
        "outcome": communication.callback_outcome or None,
        "outcome_label": labels["outcome"].get(communication.callback_outcome) or None,
        "note": communication.callback_note or None,
        "attempts": communication.callback_attempts,
        "state": communication.state,
        "channel": communication.channel,
        "channel_label": labels["channel"].get(communication.channel),
        "step": step.name or None,
        "cycle": communication.cycle_id.name or None,
        "campaign": communication.campaign_id.name or None,
        "scheduled_date": fields.Date.to_string(communication.scheduled_date),
        # Every attempt at the call with its own note, oldest first.
        "call_attempts": [{
            "date": attempt.create_date.isoformat(),
            "outcome": attempt.outcome,
            "outcome_label": labels["attempt"].get(attempt.outcome),
            "note": attempt.note or None,
            "by": attempt.user_id.name,
        } for attempt in communication.callback_attempt_ids.sorted("id")],
    }
