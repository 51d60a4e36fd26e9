"""The records an import makes, the rows it rejects, and writing both out atomically.

:class:`Draft` collects records by type and id; :meth:`Draft.write` writes them as curated
YAML record files (one file per record type, records sorted by id, so the same input always
gives the same bytes) together with ``rejects.tsv`` into a fresh folder that replaces the
output folder only when everything is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from ..files import fresh_folder
from .read import Row
from .values import slug

__all__ = ["Draft", "Reject", "Rejects", "FILES"]

#: record type → the file it is written to (in this order)
FILES = {
    "source": "sources.yaml",
    "concept_scheme": "sources.yaml",
    "fund": "funds.yaml",
    "programme": "programmes.yaml",
    "theme": "themes.yaml",
    "organisation": "organisations.yaml",
    "project": "projects.yaml",
}


_SHARED = {"programme", "theme", "concept_scheme", "fund"}


@dataclass(frozen=True, order=True)
class Reject:
    file: str
    row: int
    column: str
    reason: str


@dataclass
class Rejects:
    """Rows (``column`` empty) and values that were not imported, with the reason."""

    items: list[Reject] = field(default_factory=list)
    rows: set[tuple[str, int]] = field(default_factory=set)

    def value(self, row: Row, column: str, reason: str) -> None:
        self.items.append(Reject(row.file, row.row, column, reason))

    def row(self, row: Row, column: str, reason: str) -> None:
        """The whole row is not imported."""
        self.items.append(Reject(row.file, row.row, column, f"row not imported: {reason}"))
        self.rows.add((row.file, row.row))

    def __len__(self) -> int:
        return len(self.items)

    def tsv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, delimiter="\t", lineterminator="\n")
        w.writerow(["file", "row", "column", "reason"])
        for r in sorted(set(self.items)):
            w.writerow([r.file, r.row, r.column, r.reason])
        return out.getvalue()


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    pass


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    text = format(value, "f")
    if "." not in text:
        return dumper.represent_int(int(text))
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


_Dumper.add_representer(Decimal, _decimal)


class Draft:
    """The records of one import, by type and id."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in FILES}
        self._source_ids: dict[str, str] = {}
        #: ids of the records folder by type: shared records (programmes, themes, schemes, funds)
        #: with such an id are referred to, not written again; new sources get other ids
        self.existing: dict[str, set[str]] = {t: set() for t in FILES}

    def get(self, rtype: str, rid: str) -> dict[str, Any] | None:
        return self.records[rtype].get(rid)

    def put(self, record: dict[str, Any]) -> dict[str, Any]:
        """Add a record, or return the one already there with the same type and id."""
        table = self.records[record["type"]]
        return table.setdefault(record["id"], record)

    def source(self, display: str, kind: str, publisher_text: str) -> str:
        """The id of the source record for an input file (made on first use)."""
        if display in self._source_ids:
            return self._source_ids[display]
        base = slug(f"{kind}-{Path(display).name}")
        sid, n = base, 2
        while sid in self.records["source"] or sid in self.existing["source"]:
            sid, n = f"{base}-{n}", n + 1
        self._source_ids[display] = sid
        self.put({"type": "source", "id": sid, "title": {"en": f"{publisher_text}: {Path(display).name}"},
                  "language": "en", "file": Path(display).name, "document_kind": "open-data export"})
        return sid

    def cite(self, record: dict[str, Any], row: Row) -> None:
        """Add the row as a source of the record (once)."""
        citation = {"document": self._source_ids[row.file], "text": _row_text(row)}
        sources = record.setdefault("sources", [])
        if citation not in sources:
            sources.append(citation)

    def counts(self) -> dict[str, int]:
        out = {}
        for t, v in self.records.items():
            n = len(set(v) - self.existing[t]) if t in _SHARED else len(v)
            if n:
                out[t] = n
        return out

    def write(self, out: Path, rejects: Rejects, extra: dict[str, str] | None = None) -> list[Path]:
        """Write the record files, ``rejects.tsv`` and ``extra`` (name → text) into ``out``, atomically."""
        texts: dict[str, list[str]] = {}
        for rtype, name in FILES.items():
            shared = self.existing[rtype] if rtype in _SHARED else set()
            recs = [self.records[rtype][k] for k in sorted(self.records[rtype]) if k not in shared]
            if recs:
                texts.setdefault(name, []).append(dump(recs))
        written = []
        with fresh_folder(out) as work:
            for name, parts in texts.items():
                (work / name).write_text("".join(parts), encoding="utf-8", newline="\n")
                written.append(out / name)
            (work / "rejects.tsv").write_text(rejects.tsv(), encoding="utf-8", newline="\n")
            written.append(out / "rejects.tsv")
            for name, text in sorted((extra or {}).items()):
                (work / name).write_text(text, encoding="utf-8", newline="\n")
                written.append(out / name)
        return written


def _row_text(row: Row) -> str:
    return f"sheet '{row.sheet}' row {row.row}" if row.sheet else f"row {row.row}"


def dump(records: Iterable[dict[str, Any]]) -> str:
    """Records as a YAML list, in a stable layout."""
    return yaml.dump(list(records), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100,
                     default_flow_style=False)
