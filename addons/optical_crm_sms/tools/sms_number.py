"""A customer's SMS-ability, read once from their mobile with the project's
one phone tool (``optical_crm.tools.phone.normalize_mobile``)."""

# Stored on the customer (``res.partner.optical_sms_status``); the planner's
# and the rules' SQL read it as they read consent.
SMS_STATUSES = [
    ("ok", "Can receive SMS"),
    ("missing", "No mobile number"),
    ("invalid", "Invalid mobile number"),
    ("landline", "Landline"),
    ("blacklist", "On the phone blacklist (STOP)"),
]


def sms_status(number, blacklisted):
    """The SMS status of ``number`` (a ``normalize_mobile`` result);
    ``blacklisted``: the E.164 numbers on the phone blacklist."""
    if number.error in ("missing", "landline"):
        return number.error
    if number.error:
        return "invalid"
    return "blacklist" if number.e164 in blacklisted else "ok"
