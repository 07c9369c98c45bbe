import logging
import threading

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class OpticalCrmCommunication(models.Model):
    """The sender: hands the due communications to their channel, in bounded
    batches locked with SKIP LOCKED so that two workers never take the same
    row, committing per batch outside tests so a crash loses nothing done."""

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
        done = batches = 0
        while max_batches is None or batches < max_batches:
            self.env.cr.execute(SQL(
                """SELECT c.id FROM optical_crm_communication c
                     JOIN (VALUES %(shops)s) AS shop(company_id, today, window_open) ON shop.company_id = c.company_id
                    WHERE c.state = 'planned' AND c.scheduled_date <= shop.today
                      AND (shop.window_open OR c.channel NOT IN %(quiet)s)
                    ORDER BY c.scheduled_date, c.priority DESC, c.id
                    LIMIT %(limit)s
                    FOR UPDATE OF c SKIP LOCKED""",
                shops=shop_values, quiet=quiet_channels, limit=batch_size))
            ids = [row[0] for row in self.env.cr.fetchall()]
            if not ids:
                break
            self.sudo().browse(ids)._send_batch(registry)
            done += len(ids)
            batches += 1
            remaining = self.sudo().search_count([("state", "=", "planned"), ("scheduled_date", "<=", fields.Date.today())])
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
            if not getattr(threading.current_thread(), "testing", False):
                # Each batch is its own transaction: what was handed to a channel
                # stays handed even if a later batch crashes.
                self.env.cr.commit()
        return done

    def _send_batch(self, registry=None):
        registry = registry or self._channel_registry()
        self._apply_rules(SQL("c.id IN %s", tuple(self.ids)))
        due = self.filtered(lambda c: c.state == "planned")
        for channel, communications in due.grouped("channel").items():
            getattr(communications, registry[channel]["send"])()
        _logger.info("Sender: %s communications handed to their channel, %s skipped or cancelled",
                     len(due), len(self) - len(due))
