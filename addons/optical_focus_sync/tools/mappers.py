"""FOCUS 10 record → Odoo values: pure functions, no Odoo import.

Every parser takes what FOCUS sent and returns a plain value, or raises
:class:`MappingError` naming the FOCUS field that is wrong and why. The
mappers refuse a record only when it has no usable meaning (no name, no
customer, an event without its own date); a bad optional value is dropped (or
kept as written, for a phone number that is possible but not valid) and named
in the record's ``warnings``: ``[{"field", "reason"}]``. A dropped value is left
out of the values, so what Odoo already holds for that field stays. The models
resolve what needs the database (province → state, sex → title) and write.
"""
import datetime
import math
import re

from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.it import codicefiscale

from odoo.addons.optical_crm.tools.phone import normalize_phone

RECORD_TYPES = ("cliente", "fornitura_lac", "occhiale", "optometria", "vendita")

# FOCUS field names of each record type (the interface contract).
FOCUS_FIELDS = {
    "cliente": (
        "cognome", "nome", "data_nascita", "sesso", "cellulare", "telefono", "email", "indirizzo", "cap",
        "citta", "provincia", "codice_fiscale", "consenso_marketing", "consenso_sms", "consenso_app",
        "data_creazione",
    ),
    "fornitura_lac": (
        "cliente", "data_inserimento", "data_consegna", "data_prossima_fornitura", "prodotto", "tipo_ricambio",
        "quantita",
    ),
    "occhiale": ("cliente", "data_inserimento", "data_consegna", "tipo_lente", "montatura", "importo"),
    "optometria": ("cliente", "data", "note"),
    "vendita": ("cliente", "data_consegna", "importo", "descrizione"),
}

# FOCUS lens types → optical.crm.event.lens_type; any other value is kept as "other".
LENS_TYPES = {
    "monofocale": "single_vision",
    "progressiva": "progressive",
    "bifocale": "bifocal",
    "office": "occupational",
}

# Event types each record type manages, with the FOCUS date field of each.
EVENT_DATE_FIELDS = {
    "cliente": {"new_customer": "data_creazione"},
    "fornitura_lac": {
        "lac_entry": "data_inserimento",
        "lac_delivery": "data_consegna",
        "lac_next_supply": "data_prossima_fornitura",
    },
    "occhiale": {"glasses_entry": "data_inserimento", "glasses_delivery": "data_consegna"},
    "optometria": {"optometry": "data"},
    "vendita": {"sale_delivery": "data_consegna"},
}

TRUE_WORDS = {"1", "true", "t", "s", "si", "sì", "y", "yes"}
FALSE_WORDS = {"0", "false", "f", "n", "no", ""}
SEXES = {"m": "M", "f": "F"}
EMAIL_RE = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Italian exports often write dates as 31/12/1980.
ITALIAN_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
PROVINCE_RE = re.compile(r"^[A-Z]{2}$")
ZIP_RE = re.compile(r"^\d{5}$")
DEFAULT_REGION = "IT"
MAX_AMOUNT = 10**9
# The longest whole number read as one (gatekeeper.MAX_INT_DIGITS): a longer one is a float.
MAX_ID_DIGITS = 30


class MappingError(ValueError):
    """A FOCUS record that cannot be mapped: ``field`` names the FOCUS field."""

    def __init__(self, field, reason):
        super().__init__("%s: %s" % (field, reason))
        self.field = field
        self.reason = reason


# ----------------------------------------------------------------------
# Field parsers
# ----------------------------------------------------------------------

def text(data, field, max_length=None):
    """A stripped string, or None when absent or blank."""
    value = data.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise MappingError(field, "expected text, got %s" % type(value).__name__)
    value = " ".join(str(value).split())
    if max_length and len(value) > max_length:
        raise MappingError(field, "longer than %d characters" % max_length)
    return value or None


def parse_date(data, field):
    """A ``YYYY-MM-DD`` (or Italian ``DD/MM/YYYY``) date, or None when absent or blank."""
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    italian = ITALIAN_DATE_RE.match(value.strip()) if isinstance(value, str) else None
    if not italian and (not isinstance(value, str) or not DATE_RE.match(value.strip())):
        raise MappingError(field, "%r is not a date in the form YYYY-MM-DD" % (value,))
    try:
        return _calendar_date(value, italian)
    except ValueError:
        raise MappingError(field, "%r is not a valid calendar date" % (value,)) from None


def _calendar_date(value, italian):
    """The date of a text in the form of a date (``italian``: its match as DD/MM/YYYY)."""
    if italian:
        day, month, year = (int(part) for part in italian.groups())
        return datetime.date(year, month, day)
    return datetime.date.fromisoformat(value.strip())


def parse_updated_at(value):
    """FOCUS ``updated_at`` (ISO 8601) → naive UTC datetime, to the second."""
    if not isinstance(value, str) or not value.strip():
        raise MappingError("updated_at", "missing: an ISO date and time is required")
    raw = value.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(raw)
    except ValueError:
        raise MappingError("updated_at", "%r is not an ISO date and time" % (value,)) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def parse_bool(data, field):
    value = data.get(field)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise MappingError(field, "%r is not a yes/no value (true/false, S/N, 1/0)" % (value,))


def parse_amount(data, field):
    """A decimal amount, Italian (``1.234,50``) or plain (``1234.50``)."""
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise MappingError(field, "%r is not an amount" % (value,))
    amount = _amount_of_text(value, field) if isinstance(value, str) else value
    if not math.isfinite(amount) or abs(amount) >= MAX_AMOUNT:
        raise MappingError(field, "%r is not a plausible amount" % (value,))
    return float(amount)


def _amount_of_text(value, field):
    """An amount written as text: Italian (``1.234,50 €``) or plain."""
    raw = value.strip().replace("€", "").replace(" ", "")
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    try:
        return float(raw)
    except ValueError:
        raise MappingError(field, "%r is not an amount" % (value,)) from None


def parse_int(data, field):
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise MappingError(field, "%r is not a whole number" % (value,))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise MappingError(field, "%r is not a whole number" % (value,)) from None


def parse_phone(data, field, region=DEFAULT_REGION):
    """A phone number in E.164 (``+39…``); numbers without prefix are Italian."""
    value = text(data, field)
    if not value:
        return None
    number = normalize_phone(value, region)
    if number.error == "unreadable":
        raise MappingError(field, "%r is not a phone number" % (value,))
    if number.error:
        raise MappingError(field, "%r is not a valid phone number" % (value,))
    return number.e164


def parse_phone_as_written(data, field, region=DEFAULT_REGION):
    """:func:`parse_phone`, but a number of a possible length that does not
    validate (``036 7492492``: an unknown area code) is kept as written, as
    Odoo keeps a number typed on a contact, and returned with the reason:
    ``(value, reason or None)``. Anything that cannot be a number raises."""
    try:
        return parse_phone(data, field, region), None
    except MappingError as error:
        value = text(data, field)
        if normalize_phone(value, region).error != "invalid":
            raise
        return value, "%s, kept as written" % error.reason


def parse_email(data, field):
    value = text(data, field)
    if not value:
        return None
    value = value.lower()
    if not EMAIL_RE.match(value):
        raise MappingError(field, "%r is not an e-mail address" % (value,))
    return value


def parse_fiscal_code(data, field):
    """An Italian fiscal code (codice fiscale), checked and upper-cased."""
    value = text(data, field)
    if not value:
        return None
    try:
        return codicefiscale.validate(value)
    except StdnumValidationError as error:
        raise MappingError(field, "%r is not a valid fiscal code (%s)" % (value, error.message)) from None


def person_name(value):
    """FOCUS often keeps names in capitals: ``ROSSI`` → ``Rossi``."""
    if value and value.isupper():
        return value.title()
    return value


# ----------------------------------------------------------------------
# Envelope
# ----------------------------------------------------------------------

def focus_id_value(value, field, required):
    """A FOCUS id as text: a text or a whole number of at most
    :data:`MAX_ID_DIGITS` digits. Anything else is named for what it is, not
    called missing: a number with a decimal point or an exponent (``1e308``,
    ``-0.0``), or a whole number too long to be read as one (it arrives as
    ``1e+40``, and from the stored payload as 1 and 40 zeros)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise MappingError(field, "missing: %s" % required)
    if isinstance(value, float) or (
            isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) > MAX_ID_DIGITS):
        raise MappingError(field, "%r is not a FOCUS id: a text or a whole number is expected (send long numbers "
                                  "as text)" % value)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise MappingError(field, "%s is not a FOCUS id: a text or a whole number is expected"
                           % _json_kind(value))
    return str(value).strip()


def _json_kind(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return {dict: "an object", list: "a list"}.get(type(value), type(value).__name__)


def parse_envelope(record):
    """Check one record of a batch: ``{"type", "id", "updated_at", "data", "deleted"}``.

    Returns ``(type, id, updated_at, deleted, data)``.
    """
    if not isinstance(record, dict):
        raise MappingError("record", "expected an object, got %s" % type(record).__name__)
    record_type = record.get("type")
    if record_type not in RECORD_TYPES:
        raise MappingError("type", "%r is not a FOCUS record type (%s)" % (record_type, ", ".join(RECORD_TYPES)))
    focus_id = focus_id_value(record.get("id"), "id", "every record needs its FOCUS id")
    if len(focus_id) > 64:
        raise MappingError("id", "longer than 64 characters")
    updated_at = parse_updated_at(record.get("updated_at"))
    data = record.get("data")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise MappingError("data", "expected an object, got %s" % type(data).__name__)
    deleted = record.get("deleted", data.get("deleted", False))
    if not isinstance(deleted, bool):
        raise MappingError("deleted", "%r is not true or false" % (deleted,))
    return record_type, focus_id, updated_at, deleted, data


# ----------------------------------------------------------------------
# Mappers, one per record type
# ----------------------------------------------------------------------

class Warnings(list):
    """The warnings of one record: ``[{"field", "reason"}]``, in field order."""

    def add(self, field, reason):
        self.append({"field": field, "reason": reason})

    def optional(self, parse, data, field, *args):
        """``parse(data, field, *args)``, or :data:`DROPPED` with a warning."""
        try:
            return parse(data, field, *args)
        except MappingError as error:
            self.add(error.field, "%s: dropped" % error.reason)
            return DROPPED


# A bad optional value: left out of the values written, so Odoo keeps what it has.
DROPPED = object()


def _put(values, key, value):
    if value is not DROPPED:
        values[key] = value


def _shortened(warnings, data, field, max_length):
    """Text cut to ``max_length`` (with a warning) rather than lost."""
    value = warnings.optional(text, data, field)
    if value not in (None, DROPPED) and len(value) > max_length:
        warnings.add(field, "longer than %d characters: shortened" % max_length)
        value = value[:max_length - 1] + "…"
    return value


def map_cliente(data):
    """``cliente`` → partner values, with what needs the database apart.

    Returns ``{"partner": {...}, "province": "MI" | None, "sex": "M" | "F" | None,
    "events": {"new_customer": {...} | None}, "warnings": [...]}``; a value
    left out of ``partner`` (or of ``events``) was dropped: Odoo keeps its own.
    """
    warnings = Warnings()
    first_name, last_name = _names(warnings, data)
    sex = _checked(warnings, data, "sesso", lambda value: value.lower() in SEXES, "%r is not M or F: dropped")
    province = _checked(warnings, data, "provincia", PROVINCE_RE.match,
                        "%r is not a two-letter province code: dropped", str.upper)
    zip_code = _checked(warnings, data, "cap", ZIP_RE.match, "%r is not a five-digit postcode: dropped")
    partner = {
        "name": " ".join(part for part in (first_name, last_name) if part),
        "optical_first_name": first_name or False,
    }
    _put_phones(partner, warnings, data)
    _put_contact(partner, warnings, data, zip_code)
    created = warnings.optional(parse_date, data, "data_creazione")
    return {
        "partner": partner,
        "province": _kept(province),
        "sex": SEXES[sex.lower()] if _kept(sex) else None,
        "events": {} if created is DROPPED else {"new_customer": {"event_date": created} if created else None},
        "warnings": warnings,
    }


def _names(warnings, data):
    """The first and last name of a customer; one of them is required."""
    last_name = _kept(person_name(_shortened(warnings, data, "cognome", 128)))
    first_name = _kept(person_name(_shortened(warnings, data, "nome", 128)))
    if not last_name and not first_name:
        raise MappingError("cognome", "missing: a customer needs a last or first name")
    return first_name, last_name


def _kept(value):
    """``value``, or None when it was dropped."""
    return None if value is DROPPED else value


def _checked(warnings, data, field, valid, message, normalize=None):
    """The text of ``field`` (``normalize``-d), :data:`DROPPED` with a warning
    (``message`` % value) when ``valid(value)`` says it is not one."""
    value = warnings.optional(text, data, field)
    if value in (None, DROPPED):
        return value
    value = normalize(value) if normalize else value
    if not valid(value):
        warnings.add(field, message % (value,))
        return DROPPED
    return value


def _put_phones(partner, warnings, data):
    """The mobile and the landline: a number that does not validate is kept as written, with a warning."""
    for key, field in (("mobile", "cellulare"), ("phone", "telefono")):
        number = warnings.optional(parse_phone_as_written, data, field)
        if number is not DROPPED:
            number, reason = number
            if reason:
                warnings.add(field, reason)
            partner[key] = number or False


def _put_contact(partner, warnings, data, zip_code):
    """E-mail, address, birth date, fiscal code and consents of a customer."""
    _put(partner, "email", _or_false(warnings.optional(parse_email, data, "email")))
    _put(partner, "street", _or_false(warnings.optional(text, data, "indirizzo", 256)))
    _put(partner, "zip", _or_false(zip_code))
    city = warnings.optional(text, data, "citta", 128)
    _put(partner, "city", _or_false(person_name(city) if city is not DROPPED else city))
    _put(partner, "birthdate", _or_false(warnings.optional(parse_date, data, "data_nascita")))
    _put(partner, "optical_fiscal_code", _or_false(warnings.optional(parse_fiscal_code, data, "codice_fiscale")))
    for key, field in (("optical_consent_marketing", "consenso_marketing"), ("optical_consent_sms", "consenso_sms"),
                       ("optical_consent_app", "consenso_app")):
        _put(partner, key, warnings.optional(parse_bool, data, field))


def _or_false(value):
    return value if value is DROPPED else (value or False)


def _customer(data):
    return focus_id_value(data.get("cliente"), "cliente", "the FOCUS id of the customer is required")


def _events(record_type, data, values, warnings):
    """One event per date field: the date's values, or None when the date is
    absent; a bad date leaves its event out (as it is in Odoo) with a warning.
    A record whose every date is bad has no event of its own date: refused."""
    events, bad = {}, []
    for event_type, date_field in EVENT_DATE_FIELDS[record_type].items():
        try:
            event_date = parse_date(data, date_field)
        except MappingError as error:
            bad.append(error)
            continue
        events[event_type] = dict(values, event_date=event_date) if event_date else None
    if bad and not any(events.values()):
        raise bad[0]
    for error in bad:
        warnings.add(error.field, "%s: this event is left as it was" % error.reason)
    return events


def _extra(data, fields):
    """FOCUS details kept in the event's data, for templates."""
    return {field: data[field] for field in fields if data.get(field) not in (None, "")}


def _amount(warnings, data, field, extra):
    amount = warnings.optional(parse_amount, data, field)
    if amount is DROPPED:
        extra.pop(field, None)
        return 0.0
    return amount or 0.0


def map_fornitura_lac(data):
    warnings = Warnings()
    customer = _customer(data)
    product = _shortened(warnings, data, "prodotto", 256)
    extra = _extra(data, ("prodotto", "tipo_ricambio"))
    quantity = warnings.optional(parse_int, data, "quantita")
    if quantity not in (None, DROPPED):
        extra["quantita"] = quantity
    values = {"description": product if product not in (None, DROPPED) else False, "data": extra}
    return {"customer": customer, "events": _events("fornitura_lac", data, values, warnings), "warnings": warnings}


def map_occhiale(data):
    warnings = Warnings()
    customer = _customer(data)
    lens = warnings.optional(text, data, "tipo_lente")
    lens_type = False
    if lens not in (None, DROPPED):
        lens_type = LENS_TYPES.get(lens.lower(), "other")
        if lens.lower() not in LENS_TYPES:
            warnings.add("tipo_lente", "%r is not a known lens type (%s): kept as other" % (
                lens, ", ".join(LENS_TYPES)))
    frame = _shortened(warnings, data, "montatura", 256)
    extra = _extra(data, ("tipo_lente", "montatura", "importo"))
    values = {
        "lens_type": lens_type,
        "description": frame if frame not in (None, DROPPED) else False,
        "amount": _amount(warnings, data, "importo", extra),
        "data": extra,
    }
    return {"customer": customer, "events": _events("occhiale", data, values, warnings), "warnings": warnings}


def map_optometria(data):
    warnings = Warnings()
    customer = _customer(data)
    note = warnings.optional(text, data, "note")
    note = None if note is DROPPED else note
    values = {
        "description": (note[:250] + "…") if note and len(note) > 251 else (note or False),
        "data": _extra(data, ("note",)) if note else {},
    }
    return {"customer": customer, "events": _events("optometria", data, values, warnings), "warnings": warnings}


def map_vendita(data):
    warnings = Warnings()
    customer = _customer(data)
    description = _shortened(warnings, data, "descrizione", 256)
    extra = _extra(data, ("descrizione", "importo"))
    values = {
        "description": description if description not in (None, DROPPED) else False,
        "amount": _amount(warnings, data, "importo", extra),
        "data": extra,
    }
    return {"customer": customer, "events": _events("vendita", data, values, warnings), "warnings": warnings}


MAPPERS = {
    "cliente": map_cliente,
    "fornitura_lac": map_fornitura_lac,
    "occhiale": map_occhiale,
    "optometria": map_optometria,
    "vendita": map_vendita,
}


def map_record(record_type, data):
    """Map the ``data`` of a FOCUS record of ``record_type``: its values and
    ``"warnings"`` (the optional values dropped), or :class:`MappingError`."""
    if record_type not in MAPPERS:
        raise MappingError("type", "%r is not a FOCUS record type (%s)" % (record_type, ", ".join(RECORD_TYPES)))
    return MAPPERS[record_type](data)
