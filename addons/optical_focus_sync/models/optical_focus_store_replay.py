from collections import Counter

from odoo import models

from ..tools.answers import stored_answer
from ..tools.fingerprint import fingerprint, replay_key


class OpticalFocusStoreReplay(models.Model):
    """A replay (FOCUS sending again what Odoo has) answered from one lookup."""

    _inherit = "optical.focus.store"

    def _answer_replayed(self, records, results):
        """Answer the records of the batch that FOCUS sends again exactly as
        stored (same type, id and fingerprint: :mod:`..tools.fingerprint`),
        with one lookup on the records' unique index for the whole batch: the
        stored record's status, as the long way would give it for a version
        already received. Returns the positions left for the long way and the
        fingerprint of every record (None when it has none)."""
        keys, prints = _replay_keys(records)
        candidates = [position for position, key in enumerate(keys) if key and prints[position]]
        same = self.env["optical.focus.record"]._stored_as_sent(
            self, [keys[position] for position in candidates], [prints[position] for position in candidates])
        long_way = []
        for position, key in enumerate(keys):
            row = same.get(key) if key else None
            if row is None:
                long_way.append(position)
            else:
                results[position] = stored_answer(*row[:2], "unchanged", *row[2:])
        return long_way, prints


def _replay_keys(records):
    """The key (type, FOCUS id) and fingerprint of each record that may be
    a replay; a record sent twice in the batch has none (it goes the long
    way: the newest copy wins)."""
    keys = [replay_key(record) for record in records]
    copies = Counter(key for key in keys if key)
    prints = [fingerprint(record) if key else None for record, key in zip(records, keys, strict=True)]
    return [key if key and copies[key] == 1 else None for key in keys], prints
