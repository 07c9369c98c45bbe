import logging
import threading

from odoo import api, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def may_commit(env):
    """Whether a long job may commit between its batches: never in a test
    (its transaction is rolled back at the end), whether the test calls the
    job itself or through an HTTP request. The one test-mode guard of the
    project."""
    return not (getattr(threading.current_thread(), "testing", False) or env.registry.in_test_mode())


class OpticalCrmBatchMixin(models.AbstractModel):
    """Set-based work on the rows of a queue-like table, written once:

    - :meth:`_process_locked_batches`: the cron loop taking bounded batches
      of due rows with ``FOR UPDATE SKIP LOCKED`` (two workers never take the
      same row), reporting ``ir.cron._notify_progress`` and committing per
      batch outside tests;
    - :meth:`_write_per_row`: different values on many rows in one
      ``UPDATE … FROM (VALUES …)`` instead of one UPDATE per row.
    """

    _name = "optical.crm.batch.mixin"
    _description = "Batches of rows (locked cron loop, bulk per-row update)"

    @api.model
    def _process_locked_batches(self, due, process, batch_size, order=None, joins=None, max_batches=None):
        """Take the rows ``t`` of this model's table matching the SQL
        condition ``due`` (``joins``: extra ``JOIN`` clauses it may use), in
        batches of ``batch_size`` in ``order``, each locked with SKIP LOCKED,
        and call ``process(records)`` on each batch (as superuser).

        ``process`` must take every row it gets out of ``due`` (or move it
        past the run's ``now``), else the loop would take it again: a batch of
        rows all seen before ends the loop with a warning. ``remaining``
        counts only the due rows, i.e. what this loop would still process.
        Returns the number of rows processed."""
        order = order or SQL("t.id")
        joins = joins or SQL()
        table = SQL.identifier(self._table)
        done = batches = 0
        seen = set()
        while max_batches is None or batches < max_batches:
            self.env.flush_all()
            self.env.cr.execute(SQL(
                "SELECT t.id FROM %s t %s WHERE %s ORDER BY %s LIMIT %s FOR UPDATE OF t SKIP LOCKED",
                table, joins, due, order, batch_size))
            ids = [row[0] for row in self.env.cr.fetchall()]
            if not ids:
                break
            if seen.issuperset(ids):
                _logger.warning("%s: %s rows still due after being processed; stopping this run", self._name, len(ids))
                break
            seen.update(ids)
            process(self.sudo().browse(ids))
            done += len(ids)
            batches += 1
            self.env.flush_all()
            self.env.cr.execute(SQL("SELECT COUNT(*) FROM %s t %s WHERE %s", table, joins, due))
            self.env["ir.cron"]._notify_progress(done=done, remaining=self.env.cr.fetchone()[0])
            if may_commit(self.env):
                # Each batch is its own transaction: what was handed on stays
                # recorded even if a later batch crashes.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return done

    def _write_per_row(self, columns, rows, where=None):
        """Write different values on many rows in one UPDATE … FROM
        unnest(…) instead of one UPDATE per row. ``rows`` are (id, value, …) tuples
        in the order of ``columns`` (stored, non-relational-table columns).
        ``where``: an SQL condition on the row ``t`` and its new values ``v``;
        a row not matching it is left as it is.
        Like any SQL write, it bypasses the ORM: only for columns no stored
        computed field or tracking depends on."""
        if not rows:
            return
        self.env.flush_all()
        # One array parameter per column (unnest), not one SQL fragment per
        # value: building the statement costs nothing next to running it.
        arrays = SQL(", ").join(
            SQL("%s::%s[]", [row[index] for row in rows], SQL(column_type))
            for index, column_type in enumerate(
                ["int4"] + [self._fields[name].column_type[1] for name in columns]))
        self.env.cr.execute(SQL(
            "UPDATE %s t SET %s, write_uid = %s, write_date = NOW() AT TIME ZONE 'UTC' "
            "FROM unnest(%s) AS v(id, %s) WHERE t.id = v.id AND %s",
            SQL.identifier(self._table),
            SQL(", ").join(SQL("%s = v.%s", SQL.identifier(name), SQL.identifier(name)) for name in columns),
            self.env.uid,
            arrays,
            SQL(", ").join(SQL.identifier(name) for name in columns),
            where or SQL("TRUE"),
        ))
        self.browse([row[0] for row in rows]).invalidate_recordset(columns + ["write_uid", "write_date"])
