"""Organisations of an import kept on disk, so that an import's memory does not grow with the
organisations it meets.

The :class:`~.reconcile.Reconciler` finds an organisation by its keys (PIC, VAT number, Kohesio
entity, normalised name + country + city), compares it with others of the same normalised name
and country, and merges every row that names it into one record. :class:`OrgStore` keeps all of
that in a temporary SQLite file: the keys, the organisations of each normalised name and
country, and — for each organisation — what each of its rows says, in the order the rows came.
The records are made when they are written, in id order, by replaying those rows on each one:
the same records, in the same order, as when they were merged in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

from .spill import RowLog, finished, scratch_db

__all__ = ["Known", "OrgStore"]


class Known(NamedTuple):
    """An organisation a key leads to: its id, the label it was first met with, and whether it
    is a record of the records folder."""

    id: str
    label: str
    curated: bool


#: how many found keys :meth:`OrgStore.find` keeps in memory (then it starts again)
FOUND_KEYS = 20_000


def _key(parts: Sequence[str]) -> str:
    return "\x1f".join(parts)


class OrgStore:
    """Keys, name groups and the rows of each organisation in a temporary SQLite file."""

    columns = None  # the CSV columns are read from the records when they are written

    def __init__(self, merge: Callable[[dict[str, Any] | None, tuple[Any, ...]], dict[str, Any]]) -> None:
        """``merge(record or None, row facts)`` gives the record after one more of its rows."""
        self._merge = merge
        self._dir, self._db = scratch_db("euproj-orgs-", "organisations.sqlite", "temp_store=FILE", "cache_size=-8000")
        # sig: all the keys and the name group of the row that made the key (see find)
        self._db.execute("CREATE TABLE key (k TEXT PRIMARY KEY, id TEXT, label TEXT, curated INTEGER, sig TEXT)"
                         " WITHOUT ROWID")
        self._db.execute("CREATE TABLE loose (k TEXT, id TEXT, label TEXT, curated INTEGER)")
        self._db.execute("CREATE INDEX loose_k ON loose (k)")
        self._db.execute("CREATE TABLE org (id TEXT PRIMARY KEY) WITHOUT ROWID")
        self._facts = RowLog(self._db, "fact")  # what each row says of its organisation
        self._count = 0
        self._sig = ""
        # keys found lately and their rows (a key's row never changes once made): an organisation
        # of many rows is looked up in SQLite once in a while, not for each row
        self._found: dict[str, tuple[str, str, int, str | None]] = {}

    # ----------------------------------------------------------------- keys

    def find(self, keys: Sequence[Sequence[str]], group: Sequence[str] | None = None
             ) -> tuple[Known | None, list[str], bool]:
        """The organisation of the first of ``keys`` that is known; the keys that may not be
        known yet (those before it, which are not, and those after it, not looked up); and
        whether an earlier row with the same keys and name group (``group``) made that key: then
        the other keys are known and the organisation is in that group already (the rows of
        that group's other organisations that came since were compared with it)."""
        texts = [_key(k) for k in keys]
        self._sig = "\x1e".join([*texts, _key(group) if group is not None else ""])
        for i, text in enumerate(texts):  # one key at a time: most rows are found by their first
            row = self._found.get(text)
            if row is None:
                row = self._db.execute("SELECT id, label, curated, sig FROM key WHERE k = ?", (text,)).fetchone()
                if row is not None:
                    if len(self._found) >= FOUND_KEYS:
                        self._found.clear()
                    self._found[text] = row
            if row is not None:
                del texts[i]
                return Known(row[0], row[1], bool(row[2])), texts, row[3] == self._sig
        return None, texts, False

    def add_keys(self, texts: Sequence[str], known: Known) -> None:
        """Let the keys (as the last :meth:`find` gives the unknown ones) lead to ``known`` unless
        they lead elsewhere."""
        self._db.executemany("INSERT OR IGNORE INTO key VALUES (?, ?, ?, ?, ?)",
                             [(t, known.id, known.label, int(known.curated), self._sig) for t in texts])

    def set_key(self, key: Sequence[str], known: Known) -> None:
        """Let ``key`` lead to ``known`` unless it leads elsewhere (no row made it)."""
        self._db.execute("INSERT OR IGNORE INTO key VALUES (?, ?, ?, ?, NULL)",
                         (_key(key), known.id, known.label, int(known.curated)))

    # ----------------------------------------------------------------- name groups

    def group(self, key: Sequence[str]) -> list[Known]:
        """The organisations met under a normalised name and country, in the order they came."""
        rows = self._db.execute("SELECT id, label, curated FROM loose WHERE k = ? ORDER BY rowid", (_key(key),))
        return [Known(i, label, bool(c)) for i, label, c in rows]

    def join(self, key: Sequence[str], known: Known) -> None:
        self._db.execute("INSERT INTO loose VALUES (?, ?, ?, ?)", (_key(key), known.id, known.label, int(known.curated)))

    # ----------------------------------------------------------------- records

    def has(self, rid: str) -> bool:
        return self._db.execute("SELECT 1 FROM org WHERE id = ?", (rid,)).fetchone() is not None

    def add(self, rid: str, facts: tuple[Any, ...], new: bool | None = None) -> None:
        """One more row of the organisation ``rid`` (its record is made by the first); ``new``
        says whether it is the first, when the caller knows."""
        if new or (new is None and not self.has(rid)):
            self._db.execute("INSERT INTO org VALUES (?)", (rid,))
            self._count += 1
        self._facts.add(rid, facts)

    def __len__(self) -> int:
        return self._count

    def records(self) -> Iterator[dict[str, Any]]:
        """The organisation records, sorted by id (empty lists dropped)."""
        rec: dict[str, Any] | None = None
        current = None
        for rid, facts in self._facts.ordered():
            if rid != current:
                if rec is not None:
                    yield finished(rec)
                rec, current = None, rid
            rec = self._merge(rec, facts)
        if rec is not None:
            yield finished(rec)

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

