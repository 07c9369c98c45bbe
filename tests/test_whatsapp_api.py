"""WhatsApp's Cloud API conventions, no Odoo: signatures, bodies, notifications."""
from conftest import load_tool

whatsapp_api = load_tool("optical_crm_whatsapp", "whatsapp_api")


def test_signature_is_hmac_sha256_of_the_raw_body():
    raw = b'{"object":"whatsapp_business_account"}'
    header = whatsapp_api.signature(raw, "secret")
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert whatsapp_api.signature_valid(raw, header, "secret")
    assert whatsapp_api.signature_valid(raw, header.upper().replace("SHA256=", "sha256="), "secret")
    assert not whatsapp_api.signature_valid(raw + b" ", header, "secret")
    assert not whatsapp_api.signature_valid(raw, header, "other")
    assert not whatsapp_api.signature_valid(raw, header, "")
    assert not whatsapp_api.signature_valid(raw, "", "secret")


def test_template_payload():
    payload = whatsapp_api.template_payload("+393331112233", "promo", "it", ["Mario", None], "ref-1",
                                            "https://example.com/a.png")
    assert payload["biz_opaque_callback_data"] == "ref-1"
    assert payload["template"]["components"] == [
        {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://example.com/a.png"}}]},
        {"type": "body", "parameters": [{"type": "text", "text": "Mario"}, {"type": "text", "text": "-"}]}]
    assert "components" not in whatsapp_api.template_payload("+39", "hello", "it", [], "r")["template"]


def test_body_variables():
    assert whatsapp_api.body_variables("Ciao {{1}}, da {{ 2 }} il {{3}} {{1}}") == [1, 2, 3]
    assert whatsapp_api.body_variables("") == []


def test_webhook_changes_skip_malformed_parts():
    payload = {"entry": [None, {"id": "W", "changes": [{"field": "messages", "value": {"a": 1}}, {"value": 3}]}]}
    assert whatsapp_api.webhook_changes(payload) == [("W", "messages", {"a": 1})]
    assert whatsapp_api.webhook_changes([]) == []
