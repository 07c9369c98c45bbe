import datetime

from odoo import api, fields, models, sql_db
from odoo.tools import SQL

from ..tools.pairing import rate_limit_key


class OpticalAppPairingAttempt(models.Model):
    """A pairing attempt, remembered per network (an IPv4 address, an IPv6
    /64: one machine has a whole /64) for a while so that codes cannot be
    guessed: too many in the window from one network, or from all of them
    together, → HTTP 429. The attempt is counted *before* its code is
    checked (:meth:`_reserve`), under a lock, so that parallel guesses cannot
    all pass the check at once; a right code gives its slot back."""

    _name = "optical.app.pairing.attempt"
    _description = "Wrong app pairing code"
    _order = "id desc"
    _log_access = False

    address = fields.Char(required=True, index=True)
    attempt_date = fields.Datetime(required=True, index=True, default=fields.Datetime.now)

    @api.model
    def _limits(self):
        param = self.env["ir.config_parameter"]._optical_param
        return param("optical_crm_app.pairing_max_wrong"), param("optical_crm_app.pairing_window_minutes")

    @api.model
    def _is_blocked(self, address):
        """Whether a pairing attempt from ``address`` would be refused now."""
        return self._over_limit(self.env.cr, rate_limit_key(address))

    @api.model
    def _over_limit(self, cr, key):
        max_wrong, minutes = self._limits()
        max_global = self.env["ir.config_parameter"]._optical_param("optical_crm_app.pairing_max_wrong_global")
        self.env.flush_all()
        cr.execute(SQL(
            """SELECT count(*) FILTER (WHERE address = %s), count(*)
                 FROM optical_app_pairing_attempt WHERE attempt_date >= %s""",
            key, fields.Datetime.now() - datetime.timedelta(minutes=minutes)))
        own, total = cr.fetchone()
        return own >= max_wrong or total >= max_global

    @api.model
    def _reserve(self, address):
        """Count an attempt from ``address`` before its code is checked:
        its id, or None when the address (or every address together) is over
        the limit. One attempt at a time takes the lock, and its count sees
        every attempt committed before it."""

        def reserve(cr):
            cr.execute(SQL("SELECT pg_advisory_xact_lock(hashtext(%s))", self._name))
            key = rate_limit_key(address)
            if self._over_limit(cr, key):
                return None
            cr.execute(SQL("INSERT INTO optical_app_pairing_attempt (address, attempt_date) VALUES (%s, %s) "
                           "RETURNING id", key, fields.Datetime.now()))
            return cr.fetchone()[0]

        return self._in_own_transaction(reserve)

    @api.model
    def _release(self, attempt_id):
        """The code was right: the attempt does not count."""
        self._in_own_transaction(lambda cr: cr.execute(SQL(
            "DELETE FROM optical_app_pairing_attempt WHERE id = %s", attempt_id)))

    @api.model
    def _in_own_transaction(self, function):
        """``function(cr)`` in a READ COMMITTED transaction of its own,
        committed at once: a request's own snapshot is older than the lock it
        waits for, it would not see the attempts committed meanwhile. In
        tests, the test's transaction (nothing may be committed there)."""
        if self.env.registry.in_test_mode():
            result = function(self.env.cr)
            self.invalidate_model()
            return result
        with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute(SQL("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
            result = function(cr)
            # Counted for concurrent requests now, whatever this request does next.
            cr.commit()  # pylint: disable=invalid-commit
            return result

    @api.autovacuum
    def _gc_attempts(self):
        _max_wrong, minutes = self._limits()
        self.sudo().search([
            ("attempt_date", "<", fields.Datetime.now() - datetime.timedelta(minutes=minutes)),
        ]).unlink()
