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


def test_cliente_without_any_name_is_refused():
    with pytest.raises(MappingError, match="missing") as error:
        mappers.map_cliente({"telefono": "02 1234567"})
    assert error.value.field == "cognome"


@pytest.mark.parametrize("field, value, key, message", [
    ("data_nascita", "31/02/1980", "birthdate", "not a valid calendar date"),
    ("data_nascita", "10-12-1985", "birthdate", "YYYY-MM-DD"),
    ("data_nascita", "1985-02-30", "birthdate", "not a valid calendar date"),
    ("cellulare", "12", "mobile", "not a valid phone number"),
    ("cellulare", "abc", "mobile", "not a phone number"),
    ("telefono", "+39 0", "phone", "phone number"),
    ("email", "mario.rossi@", "email", "not an e-mail address"),
    ("email", "mario.rossi.example.com", "email", "not an e-mail address"),
    ("codice_fiscale", "RSSMRA85T10A562X", "optical_fiscal_code", "not a valid fiscal code"),
    ("consenso_marketing", "forse", "optical_consent_marketing", "yes/no"),
    ("indirizzo", "Via " + "lunga " * 60, "street", "longer than 256"),
    ("cap", "2012", "zip", "five-digit"),
    ("citta", {"nome": "Milano"}, "city", "expected text"),
])
def test_cliente_bad_optional_value_is_dropped_and_named(field, value, key, message):
    result = mappers.map_cliente(dict(CLIENTE, **{field: value}))
    # The customer is kept; the bad value is left out, so Odoo keeps what it has.
    assert result["partner"]["name"] == "Mario Rossi"
    assert key not in result["partner"]
    assert [w["field"] for w in result["warnings"]] == [field]
    assert message in result["warnings"][0]["reason"]
    assert mappers.map_cliente(CLIENTE)["partner"][key] is not None


def test_cliente_bad_sex_province_and_creation_date_are_dropped():
    result = mappers.map_cliente(dict(CLIENTE, sesso="X", provincia="Milano", data_creazione="2020-13-01"))
    assert (result["sex"], result["province"]) == (None, None)
    # The new-customer event is left as it is in Odoo (not removed).
    assert result["events"] == {}
    assert [w["field"] for w in result["warnings"]] == ["sesso", "provincia", "data_creazione"]


def test_landline_of_a_possible_length_is_kept_as_written():
    result = mappers.map_cliente(dict(CLIENTE, telefono="036 7492492"))
    assert result["partner"]["phone"] == "036 7492492"
    assert result["warnings"] == [{"field": "telefono", "reason": "'036 7492492' is not a valid phone number, "
                                                                  "kept as written"}]


def test_italian_dates_are_read():
    result = mappers.map_cliente(dict(CLIENTE, data_nascita="10/12/1985", data_creazione="1/3/2020"))
    assert result["partner"]["birthdate"] == D(1985, 12, 10)
    assert result["events"]["new_customer"] == {"event_date": D(2020, 3, 1)}
    assert result["warnings"] == []


def test_overlong_name_is_shortened_not_refused():
    result = mappers.map_cliente(dict(CLIENTE, cognome="R" * 300, nome="Mario"))
    assert len(result["partner"]["name"]) <= 128 + len("Mario ")
    assert [w["field"] for w in result["warnings"]] == ["cognome"]


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
    ("optometria", {"cliente": "7", "data": "2026-02-31"}, "data"),
    ("vendita", {"cliente": True}, "cliente"),
])
def test_event_records_bad_field_is_named(record_type, data, field):
    with pytest.raises(MappingError) as error:
        mappers.map_record(record_type, data)
    assert error.value.field == field


@pytest.mark.parametrize("record_type, data, field", [
    ("occhiale", {"cliente": "7", "data_consegna": "2026-02-01", "importo": "tanti"}, "importo"),
    ("occhiale", {"cliente": "7", "data_consegna": "2026-02-01", "importo": 1e300}, "importo"),
    ("vendita", {"cliente": "7", "data_consegna": "2026-02-01", "importo": "NaN"}, "importo"),
    ("fornitura_lac", {"cliente": "7", "data_consegna": "2026-02-01", "quantita": "sei"}, "quantita"),
    ("optometria", {"cliente": "7", "data": "2026-02-01", "note": ["OD", "OS"]}, "note"),
])
def test_event_records_bad_optional_value_is_dropped_and_named(record_type, data, field):
    result = mappers.map_record(record_type, data)
    assert [w["field"] for w in result["warnings"]] == [field]
    event = next(event for event in result["events"].values() if event)
    assert field not in event["data"]
    assert event.get("amount", 0.0) == 0.0


def test_unknown_lens_type_and_decimal_comma():
    result = mappers.map_occhiale({"cliente": "7", "data_consegna": "2026-02-01", "tipo_lente": "lenticolare",
                                   "importo": "12,50"})
    delivery = result["events"]["glasses_delivery"]
    assert (delivery["lens_type"], delivery["amount"]) == ("other", 12.5)
    assert [w["field"] for w in result["warnings"]] == ["tipo_lente"]


def test_one_bad_date_leaves_that_event_and_keeps_the_others():
    result = mappers.map_fornitura_lac({"cliente": "7", "data_inserimento": "2026-01-10",
                                        "data_consegna": "2026-02-30", "data_prossima_fornitura": ""})
    assert result["events"]["lac_entry"]["event_date"] == D(2026, 1, 10)
    assert "lac_delivery" not in result["events"]
    assert result["events"]["lac_next_supply"] is None
    assert [w["field"] for w in result["warnings"]] == ["data_consegna"]


@pytest.mark.parametrize("value, reason", [
    (None, "missing"), ("  ", "missing"),
    # A 40-digit number arrives as a float (gatekeeper.MAX_INT_DIGITS): named as such, not "missing".
    (1e40, "1e+40 is not a FOCUS id: a text or a whole number is expected (send long numbers as text)"),
    # The same number read back from the stored payload (jsonb) is an integer of 41 digits.
    (10 ** 40, "1" + "0" * 40 + " is not a FOCUS id"), (-10 ** 30, "-1" + "0" * 30 + " is not a FOCUS id"),
    (1e308, "1e+308 is not a FOCUS id"), (-0.0, "-0.0 is not a FOCUS id"), (12.5, "12.5 is not a FOCUS id"),
    (True, "true is not a FOCUS id"), ([1], "a list is not a FOCUS id"), ({"id": 1}, "an object is not a FOCUS id"),
])
def test_an_unusable_focus_id_says_what_is_wrong(value, reason):
    record = {"type": "cliente", "id": value, "updated_at": "2026-02-01T10:00:00+01:00", "data": {"cognome": "R"}}
    with pytest.raises(MappingError) as error:
        mappers.parse_envelope(record)
    assert error.value.field == "id"
    assert str(error.value).startswith("id: " + reason)
    with pytest.raises(MappingError) as error:
        mappers.map_record("vendita", {"cliente": value, "data_consegna": "2026-01-02"})
    assert error.value.field == "cliente"
    assert str(error.value).startswith("cliente: " + reason)


def test_focus_ids_as_text_or_whole_numbers():
    record = {"type": "cliente", "id": 10 ** 29, "updated_at": "2026-02-01T10:00:00+01:00"}
    assert mappers.parse_envelope(record)[1] == "1" + "0" * 29
    assert mappers.parse_envelope(dict(record, id=" C-7 "))[1] == "C-7"
    assert mappers.map_record("vendita", {"cliente": 42, "data_consegna": "2026-01-02"})["customer"] == "42"
