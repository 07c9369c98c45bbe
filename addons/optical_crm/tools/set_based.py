"""Set-based writing: rows written by one ``INSERT … SELECT``."""
import psycopg2

from odoo.tools import SQL


def insert_rows(model, ids, rows):
    """Insert ``rows`` (dicts of field values as ``create`` takes them, of
    column fields) into the table of ``model`` with these ``ids``, each value
    converted as the ORM converts it, and the log columns as ``create``
    writes them. Returns the names of the columns written."""
    columns = sorted({name for row in rows for name in row} - {"id"})
    fields = model._fields
    model.env.cr.execute(SQL(
        """INSERT INTO %(table)s (id, %(columns)s, create_uid, create_date, write_uid, write_date)
           SELECT v.*, %(uid)s, %(now)s, %(uid)s, %(now)s FROM unnest(%(ids)s::int[], %(arrays)s)
               AS v(id, %(columns)s)""",
        table=SQL.identifier(model._table),
        columns=SQL(", ").join(SQL.identifier(name) for name in columns),
        ids=list(ids),
        arrays=SQL(", ").join(
            SQL("%s::%s[]", [fields[name].convert_to_column_insert(row[name], model, row) if name in row else None
                             for row in rows], SQL(fields[name].column_type[1]))
            for name in columns),
        uid=model.env.uid, now=model.env.cr.now(),
    ))
    return columns


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
