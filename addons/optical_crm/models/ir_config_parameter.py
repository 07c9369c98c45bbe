import logging

from odoo import api, models

from ..tools.http_client import DEFAULT_BACKOFF, DEFAULT_RETRIES, DEFAULT_TIMEOUT

_logger = logging.getLogger(__name__)


class IrConfigParameter(models.Model):
    """The project's system parameters and their defaults, in one place.

    Every module lists the parameters it reads with their default in
    ``_optical_param_defaults`` (extending it with ``super()``) and reads them
    with ``_optical_param(key)``: the value comes back with the default's
    type, and a value that is not of that type is logged and replaced by the
    default instead of breaking a cron or a route."""

    _inherit = "ir.config_parameter"

    @api.model
    def _optical_param_defaults(self):
        return {
            # Rows the sender takes per locked batch.
            "optical_crm.send_batch_size": 500,
        }

    @api.model
    def _optical_http_defaults(self, prefix):
        """The timeout/retries/backoff parameters of an outside service, with
        the shared defaults of ``tools/http_client.py``."""
        return {
            "%s_timeout" % prefix: DEFAULT_TIMEOUT,
            "%s_retries" % prefix: DEFAULT_RETRIES,
            "%s_backoff" % prefix: DEFAULT_BACKOFF,
        }

    @api.model
    def _optical_param(self, key):
        default = self._optical_param_defaults()[key]
        value = self.sudo().get_param(key)
        if value is None or value is False or value == "":
            return default
        if isinstance(default, str) or default is None:
            return value
        try:
            return type(default)(value)
        except (TypeError, ValueError):
            _logger.warning("System parameter %s is not a %s: %r; using %r",
                            key, type(default).__name__, value, default)
            return default
