"""FOCUS record → Odoo values: the mappers of optical_focus_sync, without Odoo."""
import datetime

import pytest
from conftest import load_tool

mappers = load_tool("optical_focus_sync", "mappers")
MappingError = mappers.MappingError
D = datetime.date

CLIENTE = {
    "cognome": "ROSSI",
    "nome": "MARIO",
    "data_nascita": "1985-12-10",
    "sesso": "M",
    "cellulare": "347 123 4567",
    "telefono": "02 1234567",
    "email": "Mario.Rossi@Example.com",
    "indirizzo": "Via Roma  1",
    "cap": "20121",
    "citta": "MILANO",
    "provincia": "mi",
    "codice_fiscale": "rssmra85t10a562s",
    "consenso_marketing": "S",
    "consenso_sms": True,
    "consenso_app": 0,
    "data_creazione": "2020-03-01",
}


def test_cliente_maps_partner_values():
    result = mappers.map_cliente(CLIENTE)
    partner = result["partner"]
    assert partner["name"] == "Mario Rossi"
    assert partner["optical_first_name"] == "Mario"
    assert partner["mobile"] == "+393471234567"
    assert partner["phone"] == "+39021234567"
    assert partner["email"] == "mario.rossi@example.com"
    assert partner["street"] == "Via Roma 1"
    assert partner["zip"] == "20121"
    assert partner["city"] == "Milano"
    assert partner["birthdate"] == D(1985, 12, 10)
    assert partner["optical_fiscal_code"] == "RSSMRA85T10A562S"
    assert (partner["optical_consent_marketing"], partner["optical_consent_sms"],
            partner["optical_consent_app"]) == (True, True, False)
    assert result["province"] == "MI"
    assert result["sex"] == "M"
    assert result["events"] == {"new_customer": {"event_date": D(2020, 3, 1)}}


def test_cliente_minimal_has_no_event_and_empty_values():
    result = mappers.map_cliente({"cognome": "Bianchi"})
    assert result["partner"]["name"] == "Bianchi"
    assert result["partner"]["mobile"] is False
    assert result["partner"]["optical_consent_marketing"] is False
    assert result["events"] == {"new_customer": None}
    assert result["province"] is None


def test_mixed_case_names_are_kept():
    assert mappers.map_cliente({"cognome": "De Luca", "nome": "Anna Maria"})["partner"]["name"] == "Anna Maria De Luca"


@pytest.mark.parametrize("field, value, message", [
    ("cognome", None, "missing"),
    ("data_nascita", "10/12/1985", "YYYY-MM-DD"),
    ("data_nascita", "1985-02-30", "not a valid calendar date"),
    ("data_creazione", "2020-13-01", "not a valid calendar date"),
    ("cellulare", "12", "not a valid phone number"),
    ("cellulare", "abc", "not a phone number"),
    ("telefono", "+39 0", "phone number"),
    ("email", "mario.rossi@", "not an e-mail address"),
    ("codice_fiscale", "RSSMRA85T10A562X", "not a valid fiscal code"),
    ("consenso_marketing", "forse", "yes/no"),
    ("sesso", "X", "not M or F"),
    ("provincia", "Milano", "two-letter"),
    ("cap", "2012", "five-digit"),
])
def test_cliente_bad_field_is_named(field, value, message):
    data = dict(CLIENTE, **{field: value})
    if field == "cognome":
        data.pop("nome")
    with pytest.raises(MappingError, match=message) as error:
        mappers.map_cliente(data)
    assert error.value.field == field


def test_fornitura_lac_gives_three_events():
    result = mappers.map_fornitura_lac({
        "cliente": 42, "data_inserimento": "2026-01-10", "data_consegna": "2026-01-15",
        "data_prossima_fornitura": "2026-04-15", "prodotto": "Acuvue Oasys", "tipo_ricambio": "quindicinale",
        "quantita": "6",
    })
    assert result["customer"] == "42"
    events = result["events"]
    assert events["lac_entry"]["event_date"] == D(2026, 1, 10)
    assert events["lac_delivery"]["event_date"] == D(2026, 1, 15)
    assert events["lac_next_supply"]["event_date"] == D(2026, 4, 15)
    assert events["lac_delivery"]["description"] == "Acuvue Oasys"
    assert events["lac_delivery"]["data"] == {"prodotto": "Acuvue Oasys", "tipo_ricambio": "quindicinale",
                                              "quantita": 6}


def test_missing_date_means_no_event():
    events = mappers.map_fornitura_lac({"cliente": "1", "data_inserimento": "2026-01-10", "data_consegna": ""})["events"]
    assert events["lac_delivery"] is None and events["lac_next_supply"] is None
    assert events["lac_entry"]["event_date"] == D(2026, 1, 10)


@pytest.mark.parametrize("focus, odoo", [
    ("progressiva", "progressive"),
    ("PROGRESSIVA", "progressive"),
    ("monofocale", "single_vision"),
    ("bifocale", "bifocal"),
    ("office", "occupational"),
    ("lenticolare", "other"),
    ("", False),
])
def test_occhiale_lens_types(focus, odoo):
    result = mappers.map_occhiale({"cliente": "7", "data_consegna": "2026-02-01", "tipo_lente": focus,
                                   "importo": "1.250,50", "montatura": "Ray-Ban RB5154"})
    delivery = result["events"]["glasses_delivery"]
    assert delivery["lens_type"] == odoo
    assert delivery["amount"] == 1250.5
    assert delivery["description"] == "Ray-Ban RB5154"
    assert result["events"]["glasses_entry"] is None


def test_optometria_and_vendita():
    exam = mappers.map_optometria({"cliente": "7", "data": "2026-02-01", "note": "OD -1.25"})
    assert exam["events"]["optometry"]["description"] == "OD -1.25"
    sale = mappers.map_vendita({"cliente": "7", "data_consegna": "2026-02-03", "importo": 49.9,
                                "descrizione": "Occhiali da sole"})
    assert sale["events"]["sale_delivery"]["amount"] == 49.9
    assert sale["events"]["sale_delivery"]["description"] == "Occhiali da sole"


@pytest.mark.parametrize("record_type, data, field", [
    ("occhiale", {"data_consegna": "2026-02-01"}, "cliente"),
    ("occhiale", {"cliente": "7", "data_consegna": "01-02-2026"}, "data_consegna"),
    ("occhiale", {"cliente": "7", "importo": "tanti"}, "importo"),
    ("occhiale", {"cliente": "7", "importo": 1e300}, "importo"),
    ("vendita", {"cliente": "7", "importo": "NaN"}, "importo"),
    ("fornitura_lac", {"cliente": "7", "quantita": "sei"}, "quantita"),
    ("optometria", {"cliente": "7", "data": "2026-02-31"}, "data"),
    ("vendita", {"cliente": True}, "cliente"),
])
def test_event_records_bad_field_is_named(record_type, data, field):
    with pytest.raises(MappingError) as error:
        mappers.map_record(record_type, data)
    assert error.value.field == field


def test_envelope():
    record_type, focus_id, updated_at, deleted, data = mappers.parse_envelope(
        {"type": "cliente", "id": 12, "updated_at": "2026-03-01T10:00:00.123+01:00", "data": {"nome": "A"}})
    assert (record_type, focus_id, deleted, data) == ("cliente", "12", False, {"nome": "A"})
    assert updated_at == datetime.datetime(2026, 3, 1, 9, 0, 0)
    assert mappers.parse_envelope({"type": "vendita", "id": "v1", "updated_at": "2026-03-01 10:00:00Z",
                                   "deleted": True})[3] is True


@pytest.mark.parametrize("record, field", [
    ({"type": "fattura", "id": "1", "updated_at": "2026-03-01T10:00:00"}, "type"),
    ({"type": "cliente", "id": "", "updated_at": "2026-03-01T10:00:00"}, "id"),
    ({"type": "cliente", "id": "1", "updated_at": "ieri"}, "updated_at"),
    ({"type": "cliente", "id": "1"}, "updated_at"),
    ({"type": "cliente", "id": "1", "updated_at": "2026-03-01T10:00:00", "data": []}, "data"),
    ({"type": "cliente", "id": "1", "updated_at": "2026-03-01T10:00:00", "deleted": "yes"}, "deleted"),
    ("cliente", "record"),
])
def test_envelope_errors_name_the_field(record, field):
    with pytest.raises(MappingError) as error:
        mappers.parse_envelope(record)
    assert error.value.field == field


def test_focus_fields_cover_the_contract():
    assert set(mappers.FOCUS_FIELDS) == set(mappers.RECORD_TYPES) == set(mappers.MAPPERS)
    assert len(mappers.FOCUS_FIELDS["cliente"]) == 16
