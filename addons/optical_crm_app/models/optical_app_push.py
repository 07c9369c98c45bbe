import datetime
import logging

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.optical_crm.models.optical_crm_batch_mixin import failure_text

from ..tools.push_api import PushError, PushProvider

_logger = logging.getLogger(__name__)

PUSH_TEXT_LENGTH = 180


class OpticalAppPush(models.Model):
    """The push queue: one row per (message, device), pushed by its cron
    after the transaction that created the message, exactly once: the row
    is locked while pushed, and a retry (even after a crash between the push
    and the commit) carries the same idempotency key."""

    _name = "optical.app.push"
    _inherit = ["optical.crm.batch.mixin", "optical.crm.shop.mixin"]
    _description = "App push notification"
    _order = "id desc"
    _check_company_auto = True

    message_id = fields.Many2one("optical.app.message", required=True, index=True, ondelete="cascade")
    device_id = fields.Many2one("optical.app.device", required=True, index=True, ondelete="cascade",
                                context={"active_test": False})
    partner_id = fields.Many2one(related="message_id.partner_id", store=True)
    company_id = fields.Many2one("res.company", "Shop", required=True, index=True)
    state = fields.Selection(
        [("pending", "Pending"), ("sent", "Pushed"), ("failed", "Failed"), ("cancelled", "Cancelled")],
        default="pending", required=True, index=True, readonly=True)
    attempts = fields.Integer(readonly=True)
    next_attempt_date = fields.Datetime("Next attempt", default=fields.Datetime.now, index=True, readonly=True)
    sent_date = fields.Datetime("Pushed on", readonly=True)
    last_error = fields.Char("Error", readonly=True)
    idempotency_key = fields.Char(compute="_compute_idempotency_key", store=True, readonly=True)

    _sql_constraints = [
        ("message_device_uniq", "UNIQUE (message_id, device_id)", "A message is pushed once to each device."),
    ]

    @api.depends("message_id", "device_id")
    def _compute_idempotency_key(self):
        database_uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        for push in self:
            push.idempotency_key = "optical-app-%s-m%s-d%s" % (database_uuid, push.message_id.id, push.device_id.id)

    @api.model
    def _push_provider_class(self):
        """The provider class: another push service (a vendor SDK) plugs in
        here with a class of the same shape (``send(token, title, body, data,
        idempotency_key)``, raising ``PushError``)."""
        return PushProvider

    @api.model
    def _provider(self):
        """The configured push provider, or None when push is not set up."""
        param = self.env["ir.config_parameter"]._optical_param
        url = param("optical_crm_app.push_url")
        if not url:
            return None
        return self._push_provider_class()(
            url,
            api_key=param("optical_crm_app.push_api_key"),
            timeout=param("optical_crm_app.push_timeout"),
            retries=param("optical_crm_app.push_retries"),
            backoff=param("optical_crm_app.push_backoff"),
        )

    @api.model
    def _cron_process_push_queue(self, batch_size=None):
        """Push the pending notifications of shops whose sending window is
        open now, in bounded batches locked with SKIP LOCKED (core's
        locked-batch loop), committing per batch outside tests: what was
        pushed stays recorded as pushed even if a later batch crashes (a
        retry would reuse the idempotency key anyway). A batch that fails is
        pushed again row by row (same keys: the service delivers each once),
        and a push that still fails is ``failed`` with its reason."""
        provider = self._provider()
        if provider is None:
            _logger.info("App push: no push service configured (optical_crm_app.push_url)")
            return 0
        batch_size = batch_size or self.env["ir.config_parameter"]._optical_param("optical_crm_app.push_batch_size")
        now = fields.Datetime.now()
        open_shops = tuple(company.id for company in self.env["res.company"].sudo().search([])
                           if company._optical_in_send_window(now))
        if not open_shops:
            return 0
        # Every row taken leaves 'pending' or moves its next attempt past ``now``.
        return self._process_locked_batches(
            due=SQL("t.state = 'pending' AND t.next_attempt_date <= %s AND t.company_id IN %s", now, open_shops),
            order=SQL("t.next_attempt_date, t.id"),
            process=lambda pushes: pushes._push(provider),
            on_row_error=lambda push, error: push.write({
                "state": "failed", "attempts": push.attempts + 1, "last_error": failure_text(self.env, error)[:250]}),
            batch_size=batch_size,
        )

    def _push(self, provider):
        """Push each notification of the batch, then record the outcomes
        together: the values of each row (attempts, error, next attempt) in
        one bulk UPDATE, each new state in one write."""
        max_attempts = self.env["ir.config_parameter"]._optical_param("optical_crm_app.push_max_attempts")
        now = fields.Datetime.now()
        cancelled = sent = failed = self.browse()
        rows = []  # (id, attempts, last_error, next_attempt_date)
        for push in self:
            device = push.device_id.sudo()
            if not device.active or not device.push_token:
                cancelled |= push
                continue
            message = push.message_id
            try:
                provider.send(
                    device.push_token, message.title, (message.body or "")[:PUSH_TEXT_LENGTH],
                    data={"message_id": message.id, "link_url": message.link_url or None},
                    idempotency_key=push.idempotency_key)
            except PushError as error:
                attempts = push.attempts + 1
                next_attempt = push.next_attempt_date
                if error.permanent or attempts >= max_attempts:
                    failed |= push
                else:
                    next_attempt = now + datetime.timedelta(minutes=5 * 2 ** attempts)
                if error.token_invalid:
                    device.push_token = False
                rows.append((push.id, attempts, str(error)[:250], next_attempt))
                _logger.warning("App push %s failed: %s", push.idempotency_key, error)
            else:
                sent |= push
                rows.append((push.id, push.attempts + 1, None, push.next_attempt_date))
        self._write_per_row(["attempts", "last_error", "next_attempt_date"], rows)
        cancelled.write({"state": "cancelled", "last_error": self.env._("Device revoked or without push token")})
        failed.write({"state": "failed"})
        sent.write({"state": "sent", "sent_date": now})
