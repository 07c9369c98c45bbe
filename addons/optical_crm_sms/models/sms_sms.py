import logging

from odoo import api, fields, models, tools

from ..tools.sms_gateway import HttpSmsGateway

_logger = logging.getLogger(__name__)


class SmsSms(models.Model):
    """Odoo's SMS queue with a pluggable provider: the system parameter
    ``optical_crm_sms.provider`` = ``http`` routes ``_send`` to the shop's
    HTTP gateway (``tools/sms_gateway.py``); anything else keeps Odoo's IAP."""

    _inherit = "sms.sms"

    # Gateway answers and delivery report statuses → sms.sms states, as Odoo maps IAP's.
    HTTP_TO_SMS_STATE_SUCCESS = {
        "accepted": "pending",
        "queued": "pending",
        "sent": "pending",
        "buffered": "pending",
        "delivered": "sent",
    }
    HTTP_TO_SMS_FAILURE_TYPE = {
        "timeout": "sms_server",
        "server_error": "sms_server",
        "connection_error": "sms_server",
        "invalid": "sms_number_missing",
        "rejected": "unknown",
        "failed": "unknown",
        "undelivered": "unknown",
        "not_delivered": "unknown",
        "expired": "unknown",
    }

    optical_communication_id = fields.Many2one(
        "optical.crm.communication", "Communication", index="btree_not_null", ondelete="set null", readonly=True)

    @api.model
    def _optical_provider(self):
        return self.env["ir.config_parameter"].sudo().get_param("optical_crm_sms.provider", "iap")

    @api.model
    def _optical_gateway(self):
        params = self.env["ir.config_parameter"].sudo()
        return HttpSmsGateway(
            params.get_param("optical_crm_sms.gateway_url"),
            params.get_param("optical_crm_sms.gateway_api_key"),
            timeout=float(params.get_param("optical_crm_sms.gateway_timeout", 10)),
            max_attempts=int(params.get_param("optical_crm_sms.gateway_attempts", 3)),
            backoff=float(params.get_param("optical_crm_sms.gateway_backoff", 1)),
            batch_size=int(params.get_param("optical_crm_sms.gateway_batch_size", 100)),
            workers=int(params.get_param("optical_crm_sms.gateway_workers", 4)),
        )

    def send(self, *args, **kwargs):
        # Quiet hours: an SMS of a shop whose sending window is closed stays in
        # the queue for the next window, even if the queue runs now.
        return super(SmsSms, self - self._optical_outside_window()).send(*args, **kwargs)

    def _optical_outside_window(self):
        now = fields.Datetime.now()
        held = self.browse()
        optical = self.filtered("optical_communication_id")
        for company, sms in optical.grouped(lambda s: s.optical_communication_id.company_id).items():
            if not company._optical_in_send_window(now):
                held |= sms
        return held

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        if self._optical_provider() != "http":
            return super()._send(unlink_failed=unlink_failed, unlink_sent=unlink_sent, raise_exception=raise_exception)
        default_sender = self.env.company._optical_sms_sender()
        messages = [{
            "to": sms.number,
            "text": sms.body,
            "sender": sms.optical_communication_id.company_id._optical_sms_sender()
            if sms.optical_communication_id else default_sender,
            "reference": sms.uuid,
        } for sms in self]
        try:
            results = self._optical_gateway().send_batch(messages)
        except Exception as error:  # noqa: BLE001 - a misconfigured gateway fails the batch, never the queue
            _logger.warning("SMS gateway: batch of %s SMS failed: %s", len(self), error)
            if raise_exception:
                raise
            results = [(sms.uuid, "connection_error", str(error)) for sms in self]
        self.sudo()._optical_apply_results(results, unlink_failed=unlink_failed, unlink_sent=unlink_sent)

    def _optical_apply_results(self, results, unlink_failed=False, unlink_sent=True):
        """Write the gateway's answers (reference, state, detail) on the SMS,
        their trackers and their communications, one write per state."""
        by_uuid = {sms.uuid: sms for sms in self.with_context(sms_skip_msg_notification=True)}
        for (state, detail), group in tools.groupby(results, key=lambda result: (result[1], result[2])):
            sms = self.browse([by_uuid[result[0]].id for result in group if result[0] in by_uuid])
            sms = sms.with_context(sms_skip_msg_notification=True)
            sms._optical_set_state(state, detail, unlink_failed=unlink_failed, unlink_sent=unlink_sent)
        self.mail_message_id._notify_message_notification_update()

    def _optical_set_state(self, provider_state, detail=False, unlink_failed=False, unlink_sent=False):
        if success_state := self.HTTP_TO_SMS_STATE_SUCCESS.get(provider_state):
            self.sms_tracker_id._action_update_from_sms_state(success_state)
            self.write({"state": success_state, "failure_type": False, "to_delete": unlink_sent})
            self.optical_communication_id._sms_update_from_delivery(success_state)
            return success_state
        failure_type = self.HTTP_TO_SMS_FAILURE_TYPE.get(provider_state, "unknown")
        if failure_type != "unknown":
            self.sms_tracker_id._action_update_from_sms_state("error", failure_type=failure_type)
        else:
            self.sms_tracker_id._action_update_from_provider_error(provider_state)
        self.write({"state": "error", "failure_type": failure_type, "to_delete": unlink_failed})
        reason = self.env._("SMS gateway: %(state)s", state=provider_state)
        if detail:
            reason = "%s (%s)" % (reason, detail)
        self.optical_communication_id._sms_update_from_delivery("error", reason)
        return "error"

    @api.model
    def _optical_delivery_report(self, reference, status):
        """Apply one delivery report; returns the new state, or ``None`` for
        an unknown reference."""
        communications = self.env["optical.crm.communication"].sudo().search([("sms_reference", "=", reference)])
        sms = self.sudo().search([("uuid", "=", reference)])
        if not communications and not sms:
            return None
        if sms:
            state = sms._optical_set_state(status, unlink_failed=sms.to_delete, unlink_sent=sms.to_delete)
            sms.mail_message_id._notify_message_notification_update()
            return state
        # The SMS itself was already garbage-collected: the ledger still is.
        if state := self.HTTP_TO_SMS_STATE_SUCCESS.get(status):
            communications._sms_update_from_delivery(state)
            return state
        communications._sms_update_from_delivery(
            "error", self.env._("SMS gateway: %(state)s", state=status))
        return "error"
