"""Core's conventions of the HTTP APIs that need no Odoo: Bearer tokens and hashed secrets."""
import hashlib

from conftest import load_tool

http_api = load_tool("optical_crm", "http_api")


def test_bearer_token():
    assert http_api.bearer_token("Bearer abc") == "abc"
    assert http_api.bearer_token("bearer  abc ") == "abc"
    assert http_api.bearer_token("Basic abc") == ""
    assert http_api.bearer_token("Bearer") == ""
    assert http_api.bearer_token(None) == ""


def test_hash_and_check_with_pepper():
    hashed = http_api.hash_secret("ABCD2345", "pepper")
    assert hashed != "ABCD2345" and len(hashed) == 64
    assert http_api.check_secret("ABCD2345", hashed, "pepper")
    assert not http_api.check_secret("ABCD2346", hashed, "pepper")
    assert not http_api.check_secret("ABCD2345", hashed, "other")
    assert not http_api.check_secret("ABCD2345", hashed)
    assert not http_api.check_secret("", hashed, "pepper")
    assert not http_api.check_secret("ABCD2345", False, "pepper")


def test_hash_without_pepper_is_sha256():
    # FOCUS tokens issued before keep working: their stored hash is a plain SHA-256.
    token = "x" * 43
    assert http_api.hash_secret(token) == hashlib.sha256(token.encode()).hexdigest()
    assert http_api.check_secret(token, hashlib.sha256(token.encode()).hexdigest())


def test_same_secret():
    assert http_api.same_secret("k3y", "k3y")
    assert not http_api.same_secret("k3y", "k3Y")
    # Whatever a URL or a header carries is refused, never an error.
    assert not http_api.same_secret("\xff\x00é", "k3y")
    assert not http_api.same_secret("\ud800", "k3y")
    assert not http_api.same_secret("", "")
    assert not http_api.same_secret("k3y", "")
    assert not http_api.same_secret(None, "k3y")


def test_text_problem_names_what_cannot_be_stored():
    assert http_api.text_problem("Rossi è ok 😀") is None
    assert "NUL" in http_api.text_problem("a\x00b")
    assert "surrogate" in http_api.text_problem("a\ud800")
