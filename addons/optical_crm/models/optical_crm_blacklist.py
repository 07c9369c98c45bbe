import psycopg2

from odoo import api, models
from odoo.tools import SQL


class OpticalCrmBlacklist(models.AbstractModel):
    """Adding to Odoo's blacklists (``mail.blacklist``, ``phone.blacklist``)
    when the same address may arrive twice at once: an e-mail's unsubscribe
    button and the mail client's one-click, two STOPs from two gateway
    workers."""

    _name = "optical.crm.blacklist"
    _description = "Blacklist additions safe against concurrent requests"

    @api.model
    def _add_once(self, blacklist, column, value, add):
        """``add()``, Odoo's ``_add`` of ``value`` to ``blacklist`` (a new
        entry, or one active again, with its chatter message), safe when a
        concurrent request adds ``value`` too. Both requests see no row and
        insert one; the second then fails on the unique ``column``. That is a
        concurrency error, not a bad request: PostgreSQL is made to raise it
        as one (the row, committed after this transaction began, is invisible
        to it), and Odoo runs the request again, which finds the entry."""
        try:
            with self.env.cr.savepoint():
                return add()
        except psycopg2.errors.UniqueViolation as error:
            if error.diag.table_name != blacklist._table:
                raise
        # Under Odoo's REPEATABLE READ: "could not serialize access", retried by Odoo.
        # (Under READ COMMITTED the row is seen, nothing is inserted, and add() finds it.)
        self.env.cr.execute(SQL(
            """INSERT INTO %(table)s (%(column)s, active, create_uid, write_uid, create_date, write_date)
               VALUES (%(value)s, TRUE, %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC')
               ON CONFLICT (%(column)s) DO NOTHING""",
            table=SQL.identifier(blacklist._table), column=SQL.identifier(column), value=value, uid=self.env.uid))
        return add()
