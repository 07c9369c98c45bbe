"""Set-based writes: rows written by one ``INSERT … SELECT FROM unnest``
or one ``UPDATE … WHERE id = ANY``, where SQL writes what the ORM would."""
from odoo.models import MAGIC_COLUMNS
from odoo.tools import SQL


def plain_columns(model, names, many2one=True):
    """Whether every field of ``names`` is a stored column whose value SQL
    may write as the ORM writes it: not computed, without inverse, neither
    translated nor company-dependent, not a log column; a many2one only with
    ``many2one`` (a write of one must go through ``write``'s bookkeeping of
    what it points to)."""
    return all(
        (field := model._fields.get(name)) and field.store and field.column_type and not field.compute
        and not field.inverse and not field.translate and not field.company_dependent
        and name not in MAGIC_COLUMNS and (many2one or not field.relational)
        for name in names)


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


def update_same(records, vals):
    """Write the same ``vals`` (column fields, as ``write`` takes them) on
    ``records`` in one ``UPDATE … WHERE id = ANY``, each value converted as
    the ORM converts it, and the log columns as ``write`` writes them."""
    fields = records._fields
    records.env.cr.execute(SQL(
        "UPDATE %s SET %s, write_uid = %s, write_date = %s WHERE id = ANY(%s)",
        SQL.identifier(records._table),
        SQL(", ").join(SQL("%s = %s", SQL.identifier(name), fields[name].convert_to_column_insert(value, records))
                       for name, value in sorted(vals.items())),
        records.env.uid, records.env.cr.now(), list(records.ids)))
