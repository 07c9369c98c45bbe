import json
import logging

from odoo import http
from odoo.http import request

from odoo.addons.optical_crm.controllers.api import json_response
from odoo.addons.optical_crm.tools.http_api import same_secret

from ..tools.whatsapp_api import signature_valid, webhook_changes

_logger = logging.getLogger(__name__)
# Meta's notifications are small; anything bigger is not one.
MAX_BODY_BYTES = 3 * 1024 * 1024


class WhatsappWebhook(http.Controller):
    """Meta's webhook for the shops' WhatsApp numbers: the verification
    handshake (GET) and the signed notifications (POST)."""

    @http.route("/optical_crm_whatsapp/webhook", type="http", auth="public", methods=["GET"], csrf=False,
                save_session=False)
    def verify(self, **params):
        token = params.get("hub.verify_token") or ""
        if params.get("hub.mode") == "subscribe" and token:
            # sudo: the public handshake compares the token with every account's (constant time).
            accounts = request.env["optical.crm.whatsapp.account"].sudo().search([])  # pylint: disable=no-search-all
            if any(same_secret(token, account.verify_token or "") for account in accounts):
                return request.make_response(params.get("hub.challenge") or "",
                                             headers=[("Content-Type", "text/plain")])
        return request.make_response("Forbidden", headers=[("Content-Type", "text/plain")], status=403)

    @http.route("/optical_crm_whatsapp/webhook", type="http", auth="public", methods=["POST"], csrf=False,
                save_session=False)
    def notify(self, **_params):
        raw = request.httprequest.get_data(cache=False)
        accounts = self._signed_accounts(raw, request.httprequest.headers.get("X-Hub-Signature-256"))
        if accounts is None:
            return json_response({"error": "invalid signature"}, status=401)
        payload, changes = accounts
        Communication = request.env["optical.crm.communication"].sudo()
        for account, field, value in changes:
            if field == "message_template_status_update":
                request.env["optical.crm.whatsapp.template"].sudo()._apply_meta_status(account, value)
                continue
            for status in value.get("statuses") or []:
                if isinstance(status, dict):
                    Communication._whatsapp_apply_status(account, status)
            for message in value.get("messages") or []:
                if isinstance(message, dict):
                    request.env["res.partner"].sudo()._optical_whatsapp_inbound(account, message)
        return json_response({"status": "ok"})

    def _signed_accounts(self, raw, header):
        """``(payload, [(account, field, value)])`` when the body is signed
        with the app secret of every account it names (by phone number id,
        or by business account id for template notifications); else None."""
        if not raw or len(raw) > MAX_BODY_BYTES or not header:
            return None
        try:
            payload = json.loads(raw)
        except ValueError:
            return None
        # sudo: the public webhook finds the accounts a notification names, then checks its signature.
        Account = request.env["optical.crm.whatsapp.account"].sudo()
        changes = []
        for entry_id, field, value in webhook_changes(payload):
            phone_number_id = (value.get("metadata") or {}).get("phone_number_id")
            if phone_number_id:
                account = Account._by_phone_number_id(phone_number_id)
            else:
                account = Account.search([("business_account_id", "=", entry_id)], limit=1) if entry_id else Account
            if not account:
                return None
            changes.append((account, field, value))
        if not changes:
            return None
        for account in {account for account, _field, _value in changes}:
            if not signature_valid(raw, header, account.app_secret or ""):
                return None
        return payload, changes
