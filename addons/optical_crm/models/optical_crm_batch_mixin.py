import logging
import threading

import psycopg2

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def may_commit(env):
    """Whether a long job may commit between its batches: never in a test
    (its transaction is rolled back at the end), whether the test calls the
    job itself or through an HTTP request. The one test-mode guard of the
    project."""
    return not (getattr(threading.current_thread(), "testing", False) or env.registry.in_test_mode())


def insert_missing(cr, statement):
    """Run ``statement``, an ``INSERT … SELECT`` of the rows its anti-joins
    found missing, and return the number of rows written. A plain INSERT:
    ``ON CONFLICT`` costs about a quarter of the insert itself. Should
    another worker have written some of the same rows meanwhile (a unique
    index refuses them), the INSERT runs again with ``ON CONFLICT DO
    NOTHING``: nothing for the rows this transaction sees, a serialization
    failure for those it does not (the transaction is then retried, as for
    any concurrent write)."""
    try:
        with cr.savepoint(flush=False):
            cr.execute(statement, log_exceptions=False)
            return cr.rowcount
    except psycopg2.errors.UniqueViolation:
        cr.execute(SQL("%s ON CONFLICT DO NOTHING", statement))
        return cr.rowcount


def first_line(error):
    """The first line of what ``error`` says ("" when it says nothing)."""
    return (str(error).strip().splitlines() or [""])[0]


def failure_text(env, error):
    """What went wrong, in a shop owner's words where the cause is known
    (the first line of the error otherwise), for a record's failure reason."""
    if isinstance(error, UserError):
        return str(error.args[0] if error.args else error)
    detail = first_line(error) or type(error).__name__
    if isinstance(error, psycopg2.errors.UniqueViolation):
        return env._("Saved twice: Odoo refused a duplicate (%(detail)s)", detail=detail)
    if isinstance(error, psycopg2.DataError):
        return env._("A value does not fit its field: %(detail)s", detail=detail)
    if isinstance(error, psycopg2.IntegrityError):
        return env._("Odoo refused the change: %(detail)s", detail=detail)
    if isinstance(error, (IndexError, RecursionError)):
        return env._("The filter is too deeply nested")
    return env._("Unexpected error: %(detail)s", detail=detail)


class OpticalCrmBatchMixin(models.AbstractModel):
    """Set-based work on the rows of a queue-like table, written once:

    - :meth:`_process_locked_batches`: the cron loop taking bounded batches
      of due rows with ``FOR UPDATE SKIP LOCKED`` (two workers never take the
      same row), reporting ``ir.cron._notify_progress`` and committing per
      batch outside tests;
    - :meth:`_write_per_row`: different values on many rows in one
      ``UPDATE … FROM (VALUES …)`` instead of one UPDATE per row;
    - :meth:`_run_isolated`, :meth:`_batch_else_each` and
      :meth:`_process_isolated`: one unit of work
      (a shop, a cycle, a batch, a row) in a savepoint, so that its failure
      is rolled back alone and the run goes on: a batch that fails is
      processed again row by row, and a row that still fails is recorded as
      failed. The isolation of every cron of the project and of every path
      of the FOCUS sync.
    """

    _name = "optical.crm.batch.mixin"
    _description = "Batches of rows (locked cron loop, bulk per-row update)"

    @api.model
    def _run_isolated(self, work, *args):
        """``work(*args)`` in a savepoint: ``(result, None)``, or ``(None,
        error)`` after rolling back what it did. Concurrency errors and a
        lost connection (serialization, lock, …: ``OperationalError``) are
        raised: the whole transaction is retried, a row is not failed for
        another worker's write. A statement cancelled for its time fails
        its unit."""
        try:
            with self.env.cr.savepoint():
                return work(*args), None
        except Exception as error:  # noqa: BLE001 - one unit's failure must not stop the others
            if isinstance(error, psycopg2.OperationalError) and not isinstance(error, psycopg2.errors.QueryCanceled):
                raise
            _logger.warning("%s: %s failed, rolled back alone: %s", self._name, getattr(work, "__name__", work),
                            error, exc_info=True)
            return None, error

    @api.model
    def _batch_else_each(self, items, batch, one, refused):
        """``batch(items)`` in a savepoint; should it fail, ``one(item)``
        (``batch`` itself when ``one`` is None) for each item in a savepoint
        of its own, and ``refused(item, error)`` for an item that fails alone.
        A single item is not given again to the work that just failed on it.
        Errors are caught as :meth:`_run_isolated` catches them.

        Returns ``(True, result of batch)``, or ``(False, [result of one or
        of refused, for each item in order])``."""
        result, error = self._run_isolated(batch, items)
        if error is None:
            return True, result
        if one is None and len(items) == 1:
            outcomes = [(items[0], None, error)]
        else:
            outcomes = [(item, *self._run_isolated(one or batch, item)) for item in items]
        return False, [result if error is None else refused(item, error) for item, result, error in outcomes]

    @api.model
    def _process_isolated(self, records, process, on_row_error):
        """``process(records)`` as one batch in a savepoint; if it fails,
        ``process(record)`` for each record in its own savepoint, and
        ``on_row_error(record, error)`` for a record that fails alone (it
        must take the record out of the work still due, e.g. mark it
        failed). Returns what ``process`` returned for each batch or record
        that succeeded."""
        if not records:
            return []
        failed = object()

        def refused(record, error):
            self._row_failed(record, error, on_row_error)
            return failed

        whole, results = self._batch_else_each(records, process, None, refused)
        return [results] if whole else [result for result in results if result is not failed]

    @api.model
    def _row_failed(self, record, error, on_row_error):
        """Record the failure of one row; False if even that fails (the row
        then stays due, and the loop's guard ends the run on it)."""
        _logger.warning("%s: record %s failed alone: %s", record._name, record.id, error)
        return self._run_isolated(on_row_error, record, error)[1] is None

    @api.model
    def _process_locked_batches(self, due, process, batch_size, order=None, joins=None, max_batches=None,
                                on_row_error=None):
        """Take the rows ``t`` of this model's table matching the SQL
        condition ``due`` (``joins``: extra ``JOIN`` clauses it may use), in
        batches of ``batch_size`` in ``order``, each locked with SKIP LOCKED,
        and call ``process(records)`` on each batch (as superuser).

        ``process`` must take every row it gets out of ``due`` (or move it
        past the run's ``now``), else the loop would take it again: a batch of
        rows all seen before ends the loop with a warning. ``remaining``
        counts only the due rows, i.e. what this loop would still process.
        With ``on_row_error``, a batch that fails is processed again row by
        row (:meth:`_process_isolated`). Returns the number of rows
        processed."""
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
            if on_row_error:
                self._process_isolated(self.sudo().browse(ids), process, on_row_error)
            else:
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
