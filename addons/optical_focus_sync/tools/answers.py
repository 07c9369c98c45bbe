"""The answer FOCUS gets for each record of a batch: pure functions, no Odoo.

``{"type", "id", "status"}``, plus ``field`` and ``reason`` when the record was
not applied (waiting, error) or was ignored, and ``warnings`` ([{"field",
"reason"}]) for the optional values an applied record dropped.
"""

NOT_APPLIED = ("waiting", "error")


def answer(record_type, focus_id, status, field=None, reason=None, warnings=None):
    """The answer for one record: the one builder of every path."""
    result = {"type": record_type, "id": focus_id, "status": status}
    if field or status in NOT_APPLIED:
        result.update(field=field, reason=reason)
    if warnings:
        result["warnings"] = list(warnings)
    return result


def stored_answer(record_type, focus_id, status, state, warnings, error_field, error_message):
    """The answer for a stored record in ``state``: ``status`` when it is
    applied, else why not."""
    if state == "applied":
        return answer(record_type, focus_id, status, warnings=warnings)
    return answer(record_type, focus_id, "waiting" if state == "waiting" else "error", error_field, error_message)
