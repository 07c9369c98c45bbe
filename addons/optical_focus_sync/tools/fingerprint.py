"""The fingerprint of a FOCUS record as received: pure functions, no Odoo.

A full replay (FOCUS sending again what Odoo already has) must cost one
indexed lookup per record and no write. The fingerprint is a digest of the
whole record exactly as FOCUS sent it (type, id, updated_at, data, deleted,
in a canonical JSON form): when an incoming record's fingerprint equals the
one stored with that record, it is byte for byte the version already
received and checked, so its answer is the stored record's status, without
checking, parsing or mapping it again.
"""
import hashlib
import json


def fingerprint(record):
    """Hex digest of ``record`` (the JSON object FOCUS sent), or None when
    it cannot be serialised (it will then be checked the long way)."""
    try:
        text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        return None
    return hashlib.blake2b(text.encode("ascii"), digest_size=16).hexdigest()


def replay_key(record):
    """``(type, FOCUS id)`` under which ``record`` would be stored, or None
    when the record is not well-formed enough to be looked up (it will be
    refused the long way). Mirrors the id normalisation of
    ``mappers.parse_envelope``."""
    if not isinstance(record, dict):
        return None
    record_type, focus_id = record.get("type"), record.get("id")
    if not isinstance(record_type, str) or isinstance(focus_id, bool) or not isinstance(focus_id, (str, int)):
        return None
    focus_id = str(focus_id).strip()
    if not focus_id or len(focus_id) > 64 or not _storable(record_type) or not _storable(focus_id):
        return None
    return record_type, focus_id


def _storable(text):
    """Whether PostgreSQL can take ``text`` as a parameter (no NUL, no lone surrogate)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
