"""FOCUS export files → batch records (optical_focus_sync/tools/import_file.py)."""
from conftest import load_tool

import_file = load_tool("optical_focus_sync", "import_file")
mappers = load_tool("optical_focus_sync", "mappers")


def test_json_lines_keeps_going_after_a_bad_line():
    content = (
        b'{"type": "cliente", "id": "1", "updated_at": "2026-01-01T00:00:00", "data": {"cognome": "Rossi"}}\n'
        b"\n"
        b"{not json}\n"
        b"[1, 2]\n"
        b'{"type": "vendita", "id": "9", "updated_at": "2026-01-01T00:00:00", "data": {"cliente": "1"}}\n'
    )
    rows = list(import_file.read_json_lines(content))
    assert [line for line, _record in rows] == [1, 3, 4, 5]
    assert rows[0][1]["data"] == {"cognome": "Rossi"}
    assert isinstance(rows[1][1], import_file.FileLineError) and "not valid JSON" in str(rows[1][1])
    assert isinstance(rows[2][1], import_file.FileLineError)
    assert rows[3][1]["type"] == "vendita"


def test_csv_semicolon_latin1():
    content = ("id;updated_at;cognome;nome;citta;deleted\n"
               "1;2026-01-01T10:00:00;Rossi;Mario;Forlì;\n"
               "2;2026-01-01T10:00:00;Bianchi;;;S\n").encode("latin-1")
    rows = list(import_file.read_csv(content, "cliente", mappers.FOCUS_FIELDS["cliente"]))
    assert rows[0] == (2, {"type": "cliente", "id": "1", "updated_at": "2026-01-01T10:00:00",
                           "data": {"cognome": "Rossi", "nome": "Mario", "citta": "Forlì"}})
    assert rows[1][1]["deleted"] is True
    assert rows[1][1]["data"] == {"cognome": "Bianchi"}


def test_csv_bad_header_and_short_row():
    rows = list(import_file.read_csv(b"id,updated_at,colore\n1,2026-01-01,rosso\n", "vendita",
                                     mappers.FOCUS_FIELDS["vendita"]))
    assert len(rows) == 1 and rows[0][1].field == "header" and "colore" in rows[0][1].reason
    rows = list(import_file.read_csv(b"updated_at,cliente\n", "vendita", mappers.FOCUS_FIELDS["vendita"]))
    assert "missing column(s) id" in rows[0][1].reason
    rows = list(import_file.read_csv(b"id,updated_at,cliente\n1,2026-01-01\n2,2026-01-01,5\n", "vendita",
                                     mappers.FOCUS_FIELDS["vendita"]))
    assert rows[0][1].field == "line" and rows[0][0] == 2
    assert rows[1][1]["data"] == {"cliente": "5"}
