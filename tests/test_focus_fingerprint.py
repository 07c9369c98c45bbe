"""A FOCUS record sent again exactly as stored is recognised by its fingerprint."""
from conftest import load_tool

fingerprint = load_tool("optical_focus_sync", "fingerprint")


def record(**overrides):
    base = {"type": "cliente", "id": "C1", "updated_at": "2026-02-01T10:00:00+01:00",
            "data": {"cognome": "Rossi", "nome": "Anna", "importo": "12,50"}}
    base.update(overrides)
    return base


def test_same_record_same_fingerprint_whatever_the_key_order():
    shuffled = {"data": {"importo": "12,50", "nome": "Anna", "cognome": "Rossi"},
                "updated_at": "2026-02-01T10:00:00+01:00", "id": "C1", "type": "cliente"}
    assert fingerprint.fingerprint(record()) == fingerprint.fingerprint(shuffled)


def test_any_change_changes_the_fingerprint():
    base = fingerprint.fingerprint(record())
    changed = [
        record(updated_at="2026-02-01T10:00:01+01:00"),
        record(id="C2"),
        record(type="occhiale"),
        record(deleted=True),
        record(data={"cognome": "Rossi", "nome": "Anna", "importo": "12,51"}),
        record(data={"cognome": "Rossi", "nome": "Anna", "importo": 12.5}),
        record(data={"cognome": "Rossi", "nome": "Anna"}),
    ]
    digests = {fingerprint.fingerprint(item) for item in changed}
    assert base not in digests
    assert len(digests) == len(changed)


def test_what_cannot_be_stored_still_has_a_fingerprint_or_none():
    # NaN and lone surrogates are serialised (never equal to a stored record's).
    assert fingerprint.fingerprint(record(data={"importo": float("nan")}))
    assert fingerprint.fingerprint(record(data={"nome": "\udc80"}))
    deep = []
    for _level in range(100_000):
        deep = [deep]
    assert fingerprint.fingerprint(record(data={"x": deep})) is None


def test_replay_key_mirrors_the_envelope():
    assert fingerprint.replay_key(record(id=" 77 ")) == ("cliente", "77")
    assert fingerprint.replay_key(record(id=77)) == ("cliente", "77")
    assert fingerprint.replay_key(record(id=True)) is None
    assert fingerprint.replay_key(record(id="")) is None
    assert fingerprint.replay_key(record(id="x" * 65)) is None
    assert fingerprint.replay_key(record(type=None)) is None
    assert fingerprint.replay_key(["not", "a", "record"]) is None


def test_no_key_postgresql_cannot_take():
    # Looked up as query parameters: NUL and lone surrogates would fail the whole batch.
    assert fingerprint.replay_key(record(id="C\x001")) is None
    assert fingerprint.replay_key(record(id="C\udc801")) is None
    assert fingerprint.replay_key(record(type="cli\x00ente")) is None
