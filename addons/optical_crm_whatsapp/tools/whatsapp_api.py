"""WhatsApp Business Platform, Cloud API: what needs no Odoo.

- :func:`template_payload` / :func:`text_payload`: Meta's message bodies;
- :func:`signature_valid`: the ``X-Hub-Signature-256`` of a webhook post;
- :func:`webhook_changes`: the changes of a notification, flattened;
- :class:`CloudApi`: the calls (send, template list) through the project's
  HTTP client (``optical_crm/tools/http_client.py``), built so that nothing
  is posted twice by a retry: the Cloud API de-duplicates nothing.
"""
import hashlib
import hmac
import re

from odoo.addons.optical_crm.tools.http_api import same_secret
from odoo.addons.optical_crm.tools.http_client import (
    DEFAULT_BACKOFF,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    bearer_header,
    get_json,
    post_json,
    retrying_session,
)

VARIABLE_RE = re.compile(r"\{\{\s*(\d+)\s*\}\}")
# Meta's template statuses (upper case in its API) → ours.
META_STATUS = {
    "APPROVED": "approved", "PENDING": "pending", "IN_APPEAL": "pending", "REJECTED": "rejected",
    "PAUSED": "paused", "DISABLED": "disabled", "PENDING_DELETION": "disabled", "DELETED": "disabled",
    "ARCHIVED": "disabled", "LIMIT_EXCEEDED": "paused", "FLAGGED": "approved", "REINSTATED": "approved",
}
META_CATEGORY = {"MARKETING": "marketing", "UTILITY": "utility"}


def body_variables(body):
    """The numbers of the variables ``{{1}}``, ``{{2}}``… of a template's body, sorted."""
    return sorted({int(number) for number in VARIABLE_RE.findall(body or "")})


def meta_buttons(components):
    """The buttons of a template as Meta lists them (its ``BUTTONS``
    component): [{"type": "url"|"phone_number"|"quick_reply"|"other", "text",
    "url", "phone_number"}], in Meta's order (a button's index)."""
    buttons = []
    for component in components or []:
        if not isinstance(component, dict) or (component.get("type") or "").upper() != "BUTTONS":
            continue
        for button in component.get("buttons") or []:
            if not isinstance(button, dict):
                continue
            kind = (button.get("type") or "").lower()
            buttons.append({
                "type": kind if kind in ("url", "phone_number", "quick_reply") else "other",
                "text": button.get("text") or "", "url": button.get("url") or "",
                "phone_number": button.get("phone_number") or "",
            })
    return buttons


def url_suffix(url, value):
    """What fills the ``{{1}}`` at the end of a URL button's registered
    ``url``: for a link (``value`` with ``://``), its part after the URL's
    fixed start, so that the button opens it; any other value as it is.
    None when the button has no variable, nothing fills it, or the link does
    not begin with the fixed start."""
    match = VARIABLE_RE.search(url or "")
    if not match or not value:
        return None
    if "://" not in value:
        return value
    prefix = url[:match.start()]
    if not value.startswith(prefix) or len(value) == len(prefix):
        return None
    return value[len(prefix):]


def url_button_component(index, suffix):
    """The ``button`` component filling a dynamic URL button (``index``: its place among the template's buttons)."""
    return {"type": "button", "sub_type": "url", "index": str(index),
            "parameters": [{"type": "text", "text": suffix}]}


def template_payload(to, name, language, parameters, reference, header_image_url=None, buttons=()):
    """Meta's template message: ``parameters`` fill the body's variables in
    order; ``buttons``: the ``button`` components (``url_button_component``)."""
    components = []
    if header_image_url:
        components.append({"type": "header", "parameters": [{"type": "image", "image": {"link": header_image_url}}]})
    if parameters:
        components.append({"type": "body", "parameters": [
            {"type": "text", "text": str(value or "-")} for value in parameters]})
    components.extend(buttons)
    template = {"name": name, "language": {"code": language}}
    if components:
        template["components"] = components
    return {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "template",
        "template": template, "biz_opaque_callback_data": reference,
    }


def text_payload(to, body, reference):
    """A free text message (only inside the customer-service window)."""
    return {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
        "text": {"preview_url": False, "body": body}, "biz_opaque_callback_data": reference,
    }


def signature(raw_body, app_secret):
    """``sha256=<hex>``: the header Meta sends with a notification."""
    return "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def signature_valid(raw_body, header, app_secret):
    """The header is the HMAC-SHA256 of the raw body with ``app_secret`` (constant time)."""
    if not app_secret or not header:
        return False
    return same_secret(header.strip().lower(), signature(raw_body, app_secret))


def webhook_changes(payload):
    """[(entry id, field, value)] of a notification; anything malformed is left out."""
    changes = []
    if not isinstance(payload, dict):
        return changes
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        for change in entry.get("changes") or []:
            if isinstance(change, dict) and isinstance(change.get("value"), dict):
                changes.append((str(entry.get("id") or ""), change.get("field") or "messages", change["value"]))
    return changes


def error_text(response):
    """Meta's error of a refused call, as a reason: ``message (code)``."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return ""
    details = (error.get("error_data") or {}).get("details") or ""
    text = " ".join(part for part in (error.get("message"), details) if part)
    return "%s (%s)" % (text, error.get("code")) if error.get("code") else text


class CloudApi:
    """The calls of one WhatsApp account. ``post_message`` returns
    ``(outcome, message id, reason)`` with outcome ``ok``, ``rejected``
    (Meta refused it: it is not sent), ``retry_later`` (not processed: rate
    limit or unavailable after the retries) or ``unknown`` (a timeout or a
    broken connection after the request left: it may have been sent)."""

    def __init__(self, api_url, access_token, timeout=DEFAULT_TIMEOUT,
                 retries=DEFAULT_RETRIES, backoff=DEFAULT_BACKOFF, sleep=None):
        self.api_url = (api_url or "").rstrip("/")
        self.timeout = timeout
        self.session = retrying_session(
            retries=retries, backoff=backoff, sleep=sleep, headers=bearer_header(access_token),
            url=self.api_url, deduplicated=False)

    def close(self):
        self.session.close()

    def post_message(self, phone_number_id, payload):
        result = post_json(
            self.session, "%s/%s/messages" % (self.api_url, phone_number_id), payload, timeout=self.timeout)
        if result.outcome == "ok":
            try:
                message_id = result.response.json()["messages"][0]["id"]
            except (ValueError, KeyError, IndexError, TypeError):
                return "unknown", None, "answer without a message id: %s" % result.response.text[:200]
            return "ok", message_id, ""
        if result.outcome == "rejected":
            return "rejected", None, error_text(result.response) or result.detail
        if result.outcome == "server_error":
            return "retry_later", None, error_text(result.response) or result.detail
        # A connection refused never reached Meta; any other failure may have.
        if result.outcome == "connection_error" and "refused" in result.detail.lower():
            return "retry_later", None, result.detail
        return "unknown", None, result.detail

    def templates(self, business_account_id):
        """Every message template of the account (Meta's dicts), following
        the pages; raises ``ValueError`` with the reason when a call fails."""
        url = "%s/%s/message_templates" % (self.api_url, business_account_id)
        params = {"fields": "name,language,status,category,components,rejected_reason", "limit": 100}
        templates = []
        for _page in range(100):
            result = get_json(self.session, url, params=params, timeout=self.timeout)
            if result.outcome != "ok":
                raise ValueError(error_text(result.response) if result.response is not None else result.detail)
            answer = result.response.json()
            templates.extend(answer.get("data") or [])
            url = (answer.get("paging") or {}).get("next")
            params = None
            if not url:
                break
        return templates
