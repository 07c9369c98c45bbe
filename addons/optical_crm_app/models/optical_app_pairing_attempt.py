import datetime

from odoo import api, fields, models



class OpticalAppPairingAttempt(models.Model):
    """A wrong pairing code, remembered per network address for a while so
    that codes cannot be guessed: too many in the window → HTTP 429."""

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
        max_wrong, minutes = self._limits()
        since = fields.Datetime.now() - datetime.timedelta(minutes=minutes)
        return self.sudo().search_count(
            [("address", "=", address), ("attempt_date", ">=", since)], limit=max_wrong) >= max_wrong

    @api.model
    def _record(self, address):
        self.sudo().create({"address": address})

    @api.autovacuum
    def _gc_attempts(self):
        _max_wrong, minutes = self._limits()
        self.sudo().search([
            ("attempt_date", "<", fields.Datetime.now() - datetime.timedelta(minutes=minutes)),
        ]).unlink()
