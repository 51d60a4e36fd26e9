"""The records an import makes, the rows it rejects, and writing both out atomically.

:class:`Draft` collects records by type and id; :meth:`Draft.write` writes them as curated
YAML record files (one file per record type, records sorted by id, so the same input always
gives the same bytes) together with ``rejects.tsv`` into a fresh folder that replaces the
output folder only when everything is written.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..export import Background
from ..files import fresh_folder
from .read import Row
from .spill import Spilled
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
    "organisation_facts": "facts.yaml",
    "fund_facts": "facts.yaml",
    "programme_facts": "facts.yaml",
}


_SHARED = {"programme", "theme", "concept_scheme", "fund"}  # referred to when the records folder has them


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


class Draft:
    """The records of one import, by type and id."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in FILES}
        self._source_ids: dict[str, str] = {}
        #: ids of the records folder by type: shared records (programmes, themes, schemes, funds)
        #: with such an id are referred to, not written again; new sources get other ids
        self.existing: dict[str, set[str]] = {t: set() for t in FILES}
        #: record types kept on disk (:mod:`.spill`) rather than in ``records``
        self.spilled: dict[str, Spilled] = {}

    def close(self) -> None:
        """Let go of the records kept on disk."""
        for spill in self.spilled.values():
            spill.close()
        self.spilled.clear()

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

    def citation(self, row: Row) -> dict[str, str]:
        return {"document": self._source_ids[row.file], "text": _row_text(row)}

    def cite(self, record: dict[str, Any], row: Row) -> None:
        """Add the row as a source of the record (once)."""
        citation = self.citation(row)
        sources = record.setdefault("sources", [])
        if citation not in sources:
            sources.append(citation)

    def counts(self) -> dict[str, int]:
        out = {}
        for t, v in self.records.items():
            n = len(set(v) - self.existing[t]) if t in _SHARED else len(v)
            n += len(self.spilled[t]) if t in self.spilled else 0
            if n:
                out[t] = n
        return out

    def write(self, out: Path, rejects: Rejects, extra: dict[str, str] | None = None, *,
              as_csv: bool = False) -> list[Path]:
        """Write the record files, ``rejects.tsv`` and ``extra`` (name → text) into ``out``, atomically.

        ``as_csv`` writes projects and organisations as CSV in the layouts of
        ``mappings/csv/imported-*.yaml`` (the build reads them in parallel: for big imports).
        """
        written: list[Path] = []
        spilled = [t for t in FILES if t in self.spilled and len(self.spilled[t])]
        with fresh_folder(out) as work, ExitStack() as writers:
            # the record types kept on disk are written side by side: all but the last by a
            # forked process each (a spill is used by one process only from here on; each type
            # has a file of its own)
            ahead = {t: writers.enter_context(Background(
                _write_spilled, work, FILES[t], self.spilled[t], as_csv and t in CSV_FILES, t)) for t in spilled[:-1]}
            names = {t: _write_spilled(work, FILES[t], self.spilled[t], as_csv and t in CSV_FILES, t)
                     for t in spilled[-1:]}
            for rtype, name in FILES.items():  # one type at a time: its text is let go once written
                shared = self.existing[rtype] if rtype in _SHARED else set()
                recs = [self.records[rtype][k] for k in sorted(self.records[rtype]) if k not in shared]
                if rtype in spilled:
                    name = names[rtype] if rtype in names else ahead[rtype].result()
                    if out / name not in written:
                        written.append(out / name)
                    continue
                if not recs:
                    continue
                if as_csv and rtype in CSV_FILES:
                    name, text = CSV_FILES[rtype] + ".csv", csv_text(recs)
                else:
                    text = dump(recs)
                with (work / name).open("a", encoding="utf-8", newline="\n") as fh:
                    fh.write(text)
                del text
                if out / name not in written:
                    written.append(out / name)
            (work / "rejects.tsv").write_text(rejects.tsv(), encoding="utf-8", newline="\n")
            written.append(out / "rejects.tsv")
            for name, extra_text in sorted((extra or {}).items()):
                (work / name).write_text(extra_text, encoding="utf-8", newline="\n")
                written.append(out / name)
        return written


def _write_spilled(work: Path, name: str, spill: Spilled, as_csv: bool, rtype: str) -> str:
    """Write the records kept on disk in chunks, never all as one text (CSV: in one pass over the
    records; when the spill did not collect the columns as the records came, the rows wait in a
    scratch file while their columns are collected)."""
    if as_csv:
        name = CSV_FILES[rtype] + ".csv"
        with (work / name).open("a", encoding="utf-8", newline="\n") as fh:
            if spill.columns is not None:
                columns = csv_columns([spill.columns])
                rows = csv.writer(fh, lineterminator="\n")
                rows.writerow(columns)
                known = frozenset(columns)
                for rec in spill.records():
                    row = csv_row(rec)
                    if not row.keys() <= known:  # as csv.DictWriter, which checks it more slowly
                        raise ValueError(f"dict contains fields not in fieldnames: {sorted(row.keys() - known)}")
                    rows.writerow([row.get(c, "") for c in columns])
                return name
            with tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n") as scratch:
                seen: set[str] = set()
                for rec in spill.records():
                    row = csv_row(rec)
                    seen.update(row)
                    scratch.write(json.dumps(row, ensure_ascii=False) + "\n")
                scratch.seek(0)
                w = csv.DictWriter(fh, fieldnames=csv_columns([seen]), lineterminator="\n")
                w.writeheader()
                for line in scratch:
                    w.writerow(json.loads(line))
        return name
    with (work / name).open("a", encoding="utf-8", newline="\n") as fh:
        chunk: list[dict[str, Any]] = []
        for rec in spill.records():
            chunk.append(rec)
            if len(chunk) == 1000:
                fh.write(dump(chunk))
                chunk = []
        fh.write(dump(chunk))
    return name


def _row_text(row: Row) -> str:
    return f"sheet '{row.sheet}' row {row.row}" if row.sheet else f"row {row.row}"


_PLAIN = re.compile(r"^[a-z][a-z0-9-]*$")
_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _scalar(value: Any) -> str:
    """A YAML scalar: plain for ids and codes, else a double-quoted (JSON) string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text
    text = str(value)
    if _PLAIN.match(text) and text not in _WORDS:
        return text
    return json.dumps(text, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _emit(value: Any, indent: str, out: list[str]) -> None:
    """Block-style YAML of a mapping or list whose first line continues the current one."""
    if isinstance(value, dict):
        first = True
        for k, v in value.items():
            lead = "" if first else indent
            first = False
            if isinstance(v, (dict, list)) and v:
                out.append(f"{lead}{k}:\n{indent}  " if isinstance(v, dict) else f"{lead}{k}:\n{indent}")
                _emit(v, indent + "  " if isinstance(v, dict) else indent, out)
            else:
                out.append(f"{lead}{k}: {_scalar(v) if not isinstance(v, (dict, list)) else '[]' if isinstance(v, list) else '{}'}\n")
    else:
        first = True
        for item in value:
            out.append("- " if first else f"{indent}- ")
            first = False
            if isinstance(item, (dict, list)):
                _emit(item, indent + "  ", out)
            else:
                out.append(_scalar(item) + "\n")


def dump(records: Iterable[dict[str, Any]]) -> str:
    """Records as a YAML list, in a stable layout (what yaml.safe_load reads back unchanged)."""
    out: list[str] = []
    for rec in records:
        out.append("- ")
        _emit(rec, "  ", out)
    return "".join(out)


#: record type → the CSV file and layout (mappings/csv/<stem>.yaml) of ``--as csv``
CSV_FILES = {"project": "imported-projects", "organisation": "imported-organisations"}


def _cell(value: Any) -> str:
    if type(value) is str:  # most cells
        return value
    return _scalar(value) if isinstance(value, (Decimal, int, bool)) else str(value)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def csv_row(rec: dict[str, Any]) -> dict[str, str]:
    """A project or organisation record as the cells of its CSV layout."""
    row: dict[str, str] = {}
    for key, value in rec.items():
        if key == "type":
            continue
        if key in ("title", "description", "name"):
            for lang, text in value.items():
                row[f"{key}_{lang}"] = text
        elif key == "programme":
            row["programme"] = value["id"]
            if "text" in value:
                row["programme_text"] = value["text"]
        elif key == "period":
            for k, col in (("start", "start"), ("end", "end"), ("text", "period_text")):
                if k in value:
                    row[col] = value[k]
        elif key == "website":
            row["website"] = value["url"]
            if "text" in value:
                row["website_text"] = value["text"]
        elif key in ("themes", "territory", "alt_names"):
            row[key] = "\n".join(_one_line(v) for v in value)
        elif key == "participants":
            row[key] = "\n".join(f"{p['organisation']} {'+'.join(p['roles'])} {_one_line(p['text'])}" for p in value)
        elif key == "funding":
            lines = []
            for f in value:
                parts = [f["kind"], _cell(f["amount"]), f["currency"]]
                if "rate" in f:
                    parts.append(f"rate={_cell(f['rate'])}")
                if "fund" in f:
                    parts.append(f"fund={f['fund']}")
                if "recipients" in f:
                    parts.append(f"to={'+'.join(f['recipients'])}")
                lines.append(" ".join(parts) + " " + _one_line(f["text"]))
            row[key] = "\n".join(lines)
        elif key == "sources":
            row[key] = "\n".join(f"{c['document']} {_one_line(c['text'])}" for c in value)
        else:
            row[key] = _cell(value)
    return row


def csv_columns(rows: Iterable[Iterable[str]]) -> list[str]:
    seen: set[str] = set()
    for r in rows:
        seen.update(r)
    return ["id"] + sorted(c for c in seen if c != "id")


def csv_text(records: list[dict[str, Any]]) -> str:
    rows = [csv_row(r) for r in records]
    columns = csv_columns(rows)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue()
