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


def test_meta_buttons_in_metas_order():
    components = [
        {"type": "BODY", "text": "Ciao {{1}}"},
        {"type": "BUTTONS", "buttons": [
            {"type": "PHONE_NUMBER", "text": "Chiama", "phone_number": "+390212345678"},
            {"type": "URL", "text": "Prenota", "url": "https://ottica.example/l/{{1}}", "example": ["x"]},
            {"type": "QUICK_REPLY", "text": "No grazie"}, {"type": "COPY_CODE"}, None]},
    ]
    assert whatsapp_api.meta_buttons(components) == [
        {"type": "phone_number", "text": "Chiama", "url": "", "phone_number": "+390212345678"},
        {"type": "url", "text": "Prenota", "url": "https://ottica.example/l/{{1}}", "phone_number": ""},
        {"type": "quick_reply", "text": "No grazie", "url": "", "phone_number": ""},
        {"type": "other", "text": "", "url": "", "phone_number": ""}]
    assert whatsapp_api.meta_buttons(None) == []


def test_url_suffix_is_the_link_after_the_fixed_start():
    url = "https://ottica.example/l/{{1}}"
    assert whatsapp_api.url_suffix(url, "https://ottica.example/l/tok3n") == "tok3n"
    assert whatsapp_api.url_suffix(url, "https://other.example/l/tok3n") is None
    assert whatsapp_api.url_suffix(url, "https://ottica.example/l/") is None
    assert whatsapp_api.url_suffix(url, "") is None
    assert whatsapp_api.url_suffix(url, "centro") == "centro"
    assert whatsapp_api.url_suffix("https://ottica.example/", "https://ottica.example/x") is None


def test_button_components_follow_the_body():
    payload = whatsapp_api.template_payload("+39", "promo", "it", ["Mario"], "r",
                                            buttons=[whatsapp_api.url_button_component(1, "tok3n")])
    assert payload["template"]["components"][1:] == [
        {"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": "tok3n"}]}]
