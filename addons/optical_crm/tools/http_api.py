"""Conventions of the project's HTTP APIs (SMS gateway callbacks, the app's
API, the FOCUS sync) that need no Odoo: the Bearer token, and secrets kept
only as hashes and compared in constant time. The Odoo side (JSON errors and
bodies) is ``optical_crm/controllers/api.py``."""
import hashlib
import hmac


def bearer_token(header):
    """The token of an ``Authorization: Bearer <token>`` header, or ``""``."""
    if not header:
        return ""
    scheme, _sep, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return token.strip()


def hash_secret(secret, pepper=""):
    """The hash a secret is stored as: HMAC-SHA256 with a server-side pepper
    (the database secret) for short secrets a leaked table would give away
    offline (pairing codes), plain SHA-256 without one (long random tokens)."""
    if pepper:
        return hmac.new(pepper.encode(), secret.encode(), hashlib.sha256).hexdigest()
    return hashlib.sha256(secret.encode()).hexdigest()


def check_secret(secret, stored_hash, pepper=""):
    """Constant-time comparison of a presented secret with a stored hash."""
    if not secret or not stored_hash:
        return False
    return hmac.compare_digest(hash_secret(secret, pepper), stored_hash)


def same_secret(given, expected):
    """Constant-time comparison of a presented secret with a configured one;
    nothing configured accepts nothing."""
    if not given or not expected:
        return False
    # Bytes: a presented secret may hold any character (non-ASCII, lone surrogates from a URL).
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def text_problem(value):
    """Why the string ``value`` cannot be stored (PostgreSQL refuses a NUL
    character, UTF-8 a lone UTF-16 surrogate), or None."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone UTF-16 surrogate"
    return None
