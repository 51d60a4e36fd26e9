"""Project records of an import kept on disk, so that an import's memory does not grow with
its participations.

A CORDIS import makes one project record per project row and adds a participation (and its
funding statements and citation) for every organisation row. :class:`ProjectSpill` keeps the
project records and the participations in a temporary SQLite file instead of in memory and
gives the finished records back in id order, one at a time, for writing: the same records, in
the same order, as when they were all held in memory.
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

__all__ = ["ProjectSpill", "RowLog", "Spilled", "finished", "scratch_db"]


def scratch_db(prefix: str, name: str, *pragmas: str) -> tuple[tempfile.TemporaryDirectory[str], sqlite3.Connection]:
    """A SQLite file in a temporary folder of its own, written without a journal or syncs (it
    lives as long as the import)."""
    folder = tempfile.TemporaryDirectory(prefix=prefix)
    db = sqlite3.connect(Path(folder.name) / name)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", *pragmas):
        db.execute(f"PRAGMA {pragma}")
    return folder, db


class RowLog:
    """Items added under a key, kept in a table of a scratch SQLite file (inserted a couple of
    thousand at a time), and read back by key, each key's in the order they came."""

    def __init__(self, db: sqlite3.Connection, table: str) -> None:
        self._db, self._table = db, table
        db.execute(f"CREATE TABLE {table} (k TEXT, seq INTEGER, item BLOB)")
        self._rows: list[tuple[str, int, bytes]] = []
        self._seq = 0
        self._indexed = False

    def add(self, key: str, item: Any) -> None:
        self._seq += 1
        self._rows.append((key, self._seq, pickle.dumps(item, pickle.HIGHEST_PROTOCOL)))
        if len(self._rows) >= 2000:
            self.flush()

    def flush(self) -> None:
        self._db.executemany(f"INSERT INTO {self._table} VALUES (?, ?, ?)", self._rows)
        self._rows = []

    def ordered(self) -> Iterator[tuple[str, Any]]:
        self.flush()
        if not self._indexed:  # made once, when the items are first read
            self._db.execute(f"CREATE INDEX {self._table}_order ON {self._table} (k, seq)")
            self._indexed = True
        for key, blob in self._db.execute(f"SELECT k, item FROM {self._table} ORDER BY k, seq"):
            yield key, pickle.loads(blob)


class Spilled(Protocol):
    """Records of one type kept on disk and given back in id order for writing."""

    @property
    def columns(self) -> set[str] | None: ...  # their CSV columns, when collected as they came

    def __len__(self) -> int: ...

    def records(self) -> Iterator[dict[str, Any]]: ...

    def close(self) -> None: ...


class ProjectSpill:
    """Project records and their participations in a temporary SQLite file."""

    def __init__(self, columns: Callable[[dict[str, Any]], Iterable[str]] | None = None) -> None:
        """``columns`` gives the CSV columns of a record: with it, :attr:`columns` collects those
        of every finished record as they come, so that writing them as CSV needs one pass only."""
        self._columns_of = columns
        #: the columns of the finished records (None without ``columns``)
        self._columns: set[str] | None = set() if columns is not None else None
        self._dir, self._db = scratch_db("euproj-import-", "projects.sqlite")
        self._db.execute("CREATE TABLE project (id TEXT PRIMARY KEY, rec BLOB, at TEXT)")
        self._parts = RowLog(self._db, "part")  # the participations, by project
        self._count = 0
        self._last, self._last_at = "", ""  # the project last found, and where it came from

    @property
    def columns(self) -> set[str] | None:
        return self._columns

    def add(self, rec: dict[str, Any], at: str = "") -> None:
        """A new project record (its participants and funding may grow later), from the row ``at``."""
        self._db.execute("INSERT INTO project VALUES (?, ?, ?)",
                         (rec["id"], pickle.dumps(rec, pickle.HIGHEST_PROTOCOL), at))
        self._count += 1
        if self._columns_of is not None and self._columns is not None:
            self._columns.update(self._columns_of({k: v for k, v in rec.items() if not k.startswith("_") and v != []}))

    def first_at(self, rid: str) -> str | None:
        """Where the project ``rid`` came from (None when it has not come)."""
        if rid == self._last:  # the participations of a project usually come one after the other
            return self._last_at
        found = self._db.execute("SELECT at FROM project WHERE id = ?", (rid,)).fetchone()
        if found is None:
            return None
        self._last, self._last_at = rid, str(found[0])
        return self._last_at

    def participation(self, project: str, org: str, role: str, text: str, funding: list[dict[str, Any]],
                      citation: dict[str, str]) -> None:
        """One organisation row of ``project``: its role, funding statements and citation."""
        self._parts.add(project, (org, role, text, funding, citation))
        if self._columns is not None and (project == self._last or self.first_at(project) is not None):
            # what _apply makes non-empty
            self._columns.update(("participants", "funding", "sources") if funding else ("participants", "sources"))

    def __len__(self) -> int:
        return self._count

    def records(self) -> Iterator[dict[str, Any]]:
        """The finished project records, sorted by id (working keys and empty lists dropped)."""
        parts = self._parts.ordered()
        pending = next(parts, None)
        for rid, blob in self._db.execute("SELECT id, rec FROM project ORDER BY id"):
            rec = pickle.loads(blob)
            while pending is not None and pending[0] < rid:  # participations of no project: none are stored
                pending = next(parts, None)
            while pending is not None and pending[0] == rid:
                _apply(rec, *pending[1])
                pending = next(parts, None)
            yield finished(rec)

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()


def finished(rec: dict[str, Any]) -> dict[str, Any]:
    """The record as written: working keys and empty lists dropped."""
    for key in [k for k, v in rec.items() if k.startswith("_") or v == []]:
        del rec[key]
    return rec


def _apply(project: dict[str, Any], org: str, role: str, text: str, funding: list[dict[str, Any]],
           citation: dict[str, str]) -> None:
    existing = next((p for p in project["participants"] if p.get("organisation") == org), None)
    if existing is None:
        project["participants"].append({"organisation": org, "roles": [role], "text": text})
    else:
        if role not in existing["roles"]:
            existing["roles"].append(role)
        existing["text"] += f"; {text}"
    project["funding"].extend(funding)
    sources = project.setdefault("sources", [])
    if citation not in sources:
        sources.append(citation)
