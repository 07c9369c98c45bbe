import logging

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class OpticalCrmCommunication(models.Model):
    """The sender: hands the due communications to their channel, in bounded
    batches locked with SKIP LOCKED so that two workers never take the same
    row, committing per batch outside tests so a crash loses nothing done
    (core's locked-batch loop, ``optical_crm_batch_mixin.py``)."""

    _inherit = "optical.crm.communication"

    @api.model
    def _cron_send_communications(self, batch_size=None, max_batches=None):
        batch_size = batch_size or self.env["ir.config_parameter"]._optical_param("optical_crm.send_batch_size")
        registry = self._channel_registry()
        quiet_channels = tuple(key for key, channel in registry.items() if channel.get("quiet_hours")) or ("",)
        now = fields.Datetime.now()
        # Per shop: its today, and whether its sending window is open now.
        shops = [
            (company.id, company._optical_today(), company._optical_in_send_window(now))
            for company in self.env["res.company"].sudo().search([])
        ]
        shop_values = SQL(", ").join(SQL("(%s, %s::date, %s)", *shop) for shop in shops)
        return self._process_locked_batches(
            joins=SQL("JOIN (VALUES %s) AS shop(company_id, today, window_open) ON shop.company_id = t.company_id",
                      shop_values),
            due=SQL("t.state = 'planned' AND t.scheduled_date <= shop.today "
                    "AND (shop.window_open OR t.channel NOT IN %s)", quiet_channels),
            order=SQL("t.scheduled_date, t.priority DESC, t.id"),
            process=lambda communications: communications._send_batch(registry),
            batch_size=batch_size, max_batches=max_batches,
        )

    def _send_batch(self, registry=None):
        registry = registry or self._channel_registry()
        self._apply_rules(SQL("c.id IN %s", tuple(self.ids)))
        due = self.filtered(lambda c: c.state == "planned")
        for channel, communications in due.grouped("channel").items():
            getattr(communications, registry[channel]["send"])()
        _logger.info("Sender: %s communications handed to their channel, %s skipped or cancelled",
                     len(due), len(self) - len(due))
