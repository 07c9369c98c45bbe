import datetime

from markupsafe import Markup

from odoo import api, fields, models, sql_db
from odoo.tools import SQL

from ..tools.pairing import rate_limit_key, rate_limit_network


class OpticalAppPairingAttempt(models.Model):
    """A pairing attempt, remembered for a while so that codes cannot be
    guessed. Too many in the window from one address (an IPv4 address, an
    IPv6 /64: one machine has a whole /64) or from one network (an IPv6 /48)
    → HTTP 429 for that address or network only. Many from everywhere
    together block nobody (an attacker with a few networks would lock every
    customer out): the shops' owners are alerted, once per window. A wrong
    code names no shop, so there is no limit per shop.

    The attempt is counted *before* its code is checked (:meth:`_reserve`),
    under a lock, so that parallel guesses cannot all pass the check at once;
    a right code gives its slot back."""

    _name = "optical.app.pairing.attempt"
    _description = "Wrong app pairing code"
    _order = "id desc"
    _log_access = False

    address = fields.Char(required=True, index=True)
    network = fields.Char(index=True)
    attempt_date = fields.Datetime(required=True, index=True, default=fields.Datetime.now)

    @api.model
    def _limits(self):
        param = self.env["ir.config_parameter"]._optical_param
        return param("optical_crm_app.pairing_max_wrong"), param("optical_crm_app.pairing_window_minutes")

    @api.model
    def _is_blocked(self, address):
        """Whether a pairing attempt from ``address`` would be refused now."""
        return self._over_limit(self._counts(self.env.cr, address))

    @api.model
    def _counts(self, cr, address):
        """Attempts in the window: ``(from the address, from its network,
        from everywhere, networks)``."""
        _max_wrong, minutes = self._limits()
        self.env.flush_all()
        cr.execute(SQL(
            """SELECT count(*) FILTER (WHERE address = %s), count(*) FILTER (WHERE network = %s),
                      count(*), count(DISTINCT COALESCE(network, address))
                 FROM optical_app_pairing_attempt WHERE attempt_date >= %s""",
            rate_limit_key(address), rate_limit_network(address),
            fields.Datetime.now() - datetime.timedelta(minutes=minutes)))
        return cr.fetchone()

    @api.model
    def _over_limit(self, counts):
        max_wrong, _minutes = self._limits()
        max_network = self.env["ir.config_parameter"]._optical_param("optical_crm_app.pairing_max_wrong_network")
        return counts[0] >= max_wrong or counts[1] >= max_network

    @api.model
    def _reserve(self, address):
        """Count an attempt from ``address`` before its code is checked:
        its id, or None when the address or its network is over the limit.
        One attempt at a time takes the lock, and its count sees every
        attempt committed before it; the one that brings everywhere's count
        to the alert level alerts the owners."""

        def reserve(cr):
            cr.execute(SQL("SELECT pg_advisory_xact_lock(hashtext(%s))", self._name))
            counts = self._counts(cr, address)
            if self._over_limit(counts):
                return None
            cr.execute(SQL(
                "INSERT INTO optical_app_pairing_attempt (address, network, attempt_date) VALUES (%s, %s, %s) "
                "RETURNING id", rate_limit_key(address), rate_limit_network(address), fields.Datetime.now()))
            attempt_id = cr.fetchone()[0]
            max_global = self.env["ir.config_parameter"]._optical_param("optical_crm_app.pairing_max_wrong_global")
            if counts[2] + 1 >= max_global:
                _own, _network, total, networks = self._counts(cr, address)
                self.with_env(self.env(cr=cr))._alert_owners(total, networks)
            return attempt_id

        return self._in_own_transaction(reserve)

    @api.model
    def _alert_owners(self, count, networks):
        """Tell the owners of every shop, once per window, that many wrong
        codes arrive from many networks: an activity on their shop."""
        _max_wrong, minutes = self._limits()
        activity_type = self.env.ref("optical_crm_app.mail_activity_type_pairing_alert")
        # sudo: the pairing route is public; the alert is the product's own bookkeeping.
        Activity = self.env["mail.activity"].sudo().with_context(active_test=False)
        if Activity.search_count([
                ("activity_type_id", "=", activity_type.id),
                ("create_date", ">=", fields.Datetime.now() - datetime.timedelta(minutes=minutes))], limit=1):
            return
        owners = self.env.ref("optical_crm.group_optical_crm_manager").sudo().users.filtered(
            lambda user: user.active and not user.share)
        # The e-mail telling each owner is queued, not sent by this public request.
        Activity = Activity.with_context(mail_notify_force_send=False)
        for owner in owners:
            lang_env = self.with_context(lang=owner.lang).env
            Activity.with_context(lang=owner.lang).create({
                "activity_type_id": activity_type.id,
                "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                "res_id": owner.company_id.partner_id.id,
                "user_id": owner.id,
                "summary": lang_env._("App pairing: many wrong codes"),
                "note": Markup("<p>%s</p>") % lang_env._(
                    "%(count)s wrong pairing codes in the last %(minutes)s minutes, from %(networks)s networks: "
                    "someone may be guessing codes. Pairing stays open for your customers; each address or "
                    "network that tries too many codes is blocked on its own.",
                    count=count, minutes=minutes, networks=networks),
            })

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
