"""FOCUS 10 record → Odoo values: pure functions, no Odoo import.

Every function takes what FOCUS sent and returns plain values, or raises
:class:`MappingError` naming the FOCUS field that is wrong and why. The models
resolve what needs the database (province → state, sex → title) and write.
"""
import datetime
import math
import re

import phonenumbers
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.it import codicefiscale

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
PROVINCE_RE = re.compile(r"^[A-Z]{2}$")
ZIP_RE = re.compile(r"^\d{5}$")
DEFAULT_REGION = "IT"
MAX_AMOUNT = 10**9


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
    """A ``YYYY-MM-DD`` date, or None when absent or blank."""
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or not DATE_RE.match(value.strip()):
        raise MappingError(field, "%r is not a date in the form YYYY-MM-DD" % (value,))
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise MappingError(field, "%r is not a valid calendar date" % (value,)) from None


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
    amount = value
    if isinstance(value, str):
        raw = value.strip().replace("€", "").replace(" ", "")
        if "," in raw:
            raw = raw.replace(".", "").replace(",", ".")
        try:
            amount = float(raw)
        except ValueError:
            raise MappingError(field, "%r is not an amount" % (value,)) from None
    if not math.isfinite(amount) or abs(amount) >= MAX_AMOUNT:
        raise MappingError(field, "%r is not a plausible amount" % (value,))
    return float(amount)


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
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise MappingError(field, "%r is not a phone number" % (value,)) from None
    if not phonenumbers.is_valid_number(number):
        raise MappingError(field, "%r is not a valid phone number" % (value,))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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

def parse_envelope(record):
    """Check one record of a batch: ``{"type", "id", "updated_at", "data", "deleted"}``.

    Returns ``(type, id, updated_at, deleted, data)``.
    """
    if not isinstance(record, dict):
        raise MappingError("record", "expected an object, got %s" % type(record).__name__)
    record_type = record.get("type")
    if record_type not in RECORD_TYPES:
        raise MappingError("type", "%r is not a FOCUS record type (%s)" % (record_type, ", ".join(RECORD_TYPES)))
    focus_id = record.get("id")
    if isinstance(focus_id, bool) or not isinstance(focus_id, (str, int)) or not str(focus_id).strip():
        raise MappingError("id", "missing: every record needs its FOCUS id")
    focus_id = str(focus_id).strip()
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

def map_cliente(data):
    """``cliente`` → partner values, with what needs the database apart.

    Returns ``{"partner": {...}, "province": "MI" | None, "sex": "M" | "F" | None,
    "events": {"new_customer": {...} | None}}``.
    """
    last_name = person_name(text(data, "cognome", 128))
    first_name = person_name(text(data, "nome", 128))
    if not last_name and not first_name:
        raise MappingError("cognome", "missing: a customer needs a last or first name")
    sex = text(data, "sesso")
    if sex and sex.lower() not in SEXES:
        raise MappingError("sesso", "%r is not M or F" % (sex,))
    province = text(data, "provincia")
    if province:
        province = province.upper()
        if not PROVINCE_RE.match(province):
            raise MappingError("provincia", "%r is not a two-letter province code" % (province,))
    zip_code = text(data, "cap")
    if zip_code and not ZIP_RE.match(zip_code):
        raise MappingError("cap", "%r is not a five-digit postcode" % (zip_code,))
    birthdate = parse_date(data, "data_nascita")
    created = parse_date(data, "data_creazione")
    partner = {
        "name": " ".join(part for part in (first_name, last_name) if part),
        "optical_first_name": first_name or False,
        "mobile": parse_phone(data, "cellulare") or False,
        "phone": parse_phone(data, "telefono") or False,
        "email": parse_email(data, "email") or False,
        "street": text(data, "indirizzo", 256) or False,
        "zip": zip_code or False,
        "city": person_name(text(data, "citta", 128)) or False,
        "birthdate": birthdate or False,
        "optical_fiscal_code": parse_fiscal_code(data, "codice_fiscale") or False,
        "optical_consent_marketing": parse_bool(data, "consenso_marketing"),
        "optical_consent_sms": parse_bool(data, "consenso_sms"),
        "optical_consent_app": parse_bool(data, "consenso_app"),
    }
    return {
        "partner": partner,
        "province": province,
        "sex": SEXES[sex.lower()] if sex else None,
        "events": {"new_customer": {"event_date": created} if created else None},
    }


def _customer(data):
    customer = data.get("cliente")
    if isinstance(customer, bool) or not isinstance(customer, (str, int)) or not str(customer).strip():
        raise MappingError("cliente", "missing: the FOCUS id of the customer is required")
    return str(customer).strip()


def _events(record_type, data, values):
    """One event per date field: the date's values, or None when the date is absent."""
    events = {}
    for event_type, date_field in EVENT_DATE_FIELDS[record_type].items():
        event_date = parse_date(data, date_field)
        events[event_type] = dict(values, event_date=event_date) if event_date else None
    return events


def _extra(data, fields):
    """FOCUS details kept in the event's data, for templates."""
    return {field: data[field] for field in fields if data.get(field) not in (None, "")}


def map_fornitura_lac(data):
    product = text(data, "prodotto", 256)
    extra = _extra(data, ("prodotto", "tipo_ricambio"))
    quantity = parse_int(data, "quantita")
    if quantity is not None:
        extra["quantita"] = quantity
    values = {"description": product or False, "data": extra}
    return {"customer": _customer(data), "events": _events("fornitura_lac", data, values)}


def map_occhiale(data):
    lens = text(data, "tipo_lente")
    frame = text(data, "montatura", 256)
    values = {
        "lens_type": LENS_TYPES.get(lens.lower(), "other") if lens else False,
        "description": frame or False,
        "amount": parse_amount(data, "importo") or 0.0,
        "data": _extra(data, ("tipo_lente", "montatura", "importo")),
    }
    return {"customer": _customer(data), "events": _events("occhiale", data, values)}


def map_optometria(data):
    note = text(data, "note")
    values = {
        "description": (note[:250] + "…") if note and len(note) > 251 else (note or False),
        "data": _extra(data, ("note",)),
    }
    return {"customer": _customer(data), "events": _events("optometria", data, values)}


def map_vendita(data):
    values = {
        "description": text(data, "descrizione", 256) or False,
        "amount": parse_amount(data, "importo") or 0.0,
        "data": _extra(data, ("descrizione", "importo")),
    }
    return {"customer": _customer(data), "events": _events("vendita", data, values)}


MAPPERS = {
    "cliente": map_cliente,
    "fornitura_lac": map_fornitura_lac,
    "occhiale": map_occhiale,
    "optometria": map_optometria,
    "vendita": map_vendita,
}


def map_record(record_type, data):
    """Map the ``data`` of a FOCUS record of ``record_type``."""
    if record_type not in MAPPERS:
        raise MappingError("type", "%r is not a FOCUS record type (%s)" % (record_type, ", ".join(RECORD_TYPES)))
    return MAPPERS[record_type](data)
