"""Record files in CSV: each layout (``mappings/csv/*.yaml``) says which column becomes which field.

Reading a row into a record (:func:`csv_record`) is the costly part, so a parallel build reads
the rows cheaply in the parent (:func:`csv_rows`, as :class:`CsvRow`) and turns them into
records in its worker processes.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError, RecordProblem, RecordSyntaxError
from .record import Record
from .yamlread import first_bad_utf8

__all__ = ["CsvMapping", "CsvRow", "ListColumn", "csv_record", "csv_rows", "load_csv_mapping", "read_csv_records"]



@dataclass(frozen=True)
class ListColumn:
    """A column holding a list: split on ``split``; each item parsed by ``pattern`` into an
    object (named groups are its fields; ``item_split`` splits a group into a list; ``item_text``
    names the field that receives the item's own text, as its original wording)."""

    field: str
    split: str
    pattern: re.Pattern[str] | None
    item_splits: dict[str, str]
    item_text: str | None = None
    item_types: dict[str, str] = dataclasses.field(default_factory=dict)  # group → kind, from the layout's `types`


@dataclass(frozen=True)
class CsvMapping:
    """How the columns of one CSV layout become record fields (``mappings/csv/*.yaml``)."""

    name: str
    record_type: str
    scalars: dict[str, str]
    lists: dict[str, ListColumn]
    typed: dict[str, str]


def load_csv_mapping(path: Path) -> CsvMapping:
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the CSV column mapping: {exc}") from None
    if not isinstance(spec, dict) or "type" not in spec or "columns" not in spec:
        raise ConfigError(f"{path}: a CSV column mapping needs 'type' and 'columns'")
    scalars: dict[str, str] = {}
    lists: dict[str, ListColumn] = {}
    for column, target in spec["columns"].items():
        if isinstance(target, str):
            scalars[column] = target
        elif isinstance(target, dict) and "field" in target:
            pattern = target.get("pattern")
            lists[column] = ListColumn(
                target["field"],
                target.get("split", ";"),
                re.compile(pattern) if pattern else None,
                dict(target.get("item_split", {})),
                target.get("item_text"),
            )
        else:
            raise ConfigError(f"{path}: column '{column}' must map to a field path or {{field: …}}")
    typed = dict(spec.get("types", {}))
    for column, lc in lists.items():
        prefix = lc.field + "."
        lists[column] = ListColumn(lc.field, lc.split, lc.pattern, lc.item_splits, lc.item_text,
                                   {k[len(prefix):]: v for k, v in typed.items() if k.startswith(prefix)})
    return CsvMapping(path.stem, spec["type"], scalars, lists, typed)


def _coerce(kind: str | None, text: str) -> Any:
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            return text  # the checker reports it with its field
    if kind == "decimal":
        try:
            return Decimal(text)
        except Exception:
            return text
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.lower(), text)
    return text


_PATHS: dict[str, list[str]] = {}


def _put(data: dict, dotted: str, value: Any) -> None:
    """Set ``a.b.0.c`` in nested dicts and lists (a digit segment is a list position)."""
    keys = _PATHS.get(dotted)
    if keys is None:
        keys = _PATHS.setdefault(dotted, dotted.split("."))
    if len(keys) == 1:
        data[dotted] = value
        return
    cur: Any = data
    for k, nxt in zip(keys, keys[1:], strict=False):
        empty: Any = [] if nxt.isdigit() else {}
        if isinstance(cur, list):
            i = int(k)
            while len(cur) <= i:
                cur.append([] if nxt.isdigit() else {})
            cur = cur[i]
        else:
            cur = cur.setdefault(k, empty)
    last = keys[-1]
    if isinstance(cur, list):
        i = int(last)
        while len(cur) <= i:
            cur.append(None)
        cur[i] = value
    else:
        cur[last] = value


def csv_rows(path: Path, display: str, mapping: CsvMapping) -> Iterator[tuple[int, list[str]]]:
    """The rows of a CSV record file as ``(line, cells)``, after checking its header.

    Cheap (the C csv reader): turning rows into records (:func:`csv_record`) is the costly
    part, which a parallel build does in its worker processes. A byte that is not UTF-8 is
    reported at its line and column.
    """
    try:
        yield from _csv_rows(path, display, mapping)
    except UnicodeDecodeError:
        line, col, byte = first_bad_utf8(path) or (1, 1, 0)
        raise RecordSyntaxError(
            [RecordProblem(display, line, None, None, None, f"byte 0x{byte:02X} at column {col} is not UTF-8",
                           "save the file as UTF-8")]
        ) from None
    except OSError as exc:
        raise RecordSyntaxError([RecordProblem(display, 1, None, None, None, f"cannot read the file: {exc.strerror}")]) from None


def _csv_rows(path: Path, display: str, mapping: CsvMapping) -> Iterator[tuple[int, list[str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        unknown = [c for c in header if c not in mapping.scalars and c not in mapping.lists]
        if unknown:
            raise RecordSyntaxError(
                [RecordProblem(display, 1, mapping.record_type, None, unknown[0],
                               f"unknown column '{unknown[0]}'",
                               f"map it in mappings/csv/{mapping.name}.yaml")]
            )
        yield 0, header
        start = reader.line_num + 1
        for row in reader:
            if row:  # a blank line is no record
                yield start, row
            start = reader.line_num + 1


def csv_record(display: str, mapping: CsvMapping, header: list[str], line: int, row: list[str],
               fields: frozenset[str] | None = None) -> Record:
    """One CSV row as a record (list columns split and parsed); bad cells raise RecordSyntaxError."""
    data: dict[str, Any] = {"type": mapping.record_type}
    lines: dict[str, int] = {"": line}
    if len(row) > len(header):
        raise RecordSyntaxError(
            [RecordProblem(display, line, mapping.record_type, None, None, "more cells than columns in this row")]
        )
    for column, value in zip(header, row, strict=False):
        if not value:
            continue
        if column in mapping.scalars:
            target = mapping.scalars[column]
            if fields is not None and target.split(".", 1)[0] not in fields:
                continue
            _put(data, target, _coerce(mapping.typed.get(target), value))
            lines[target] = line
            continue
        spec = mapping.lists[column]
        if fields is not None and spec.field.split(".", 1)[0] not in fields:
            continue
        items: list[Any] = []
        for raw in value.split(spec.split):
            raw = raw.strip()
            if not raw:
                continue
            if spec.pattern is None:
                items.append(raw)
                continue
            m = spec.pattern.fullmatch(raw)
            if not m:
                raise RecordSyntaxError(
                    [RecordProblem(display, line, mapping.record_type, data.get("id"), spec.field,
                                   f"cannot read '{raw}' in column '{column}'",
                                   f"expected the pattern {spec.pattern.pattern}")]
                )
            obj: dict[str, Any] = {spec.item_text: raw} if spec.item_text else {}
            for k, v in m.groupdict().items():
                if v is None:
                    continue
                if k in spec.item_splits:
                    v = [x for x in v.split(spec.item_splits[k]) if x]
                elif k in spec.item_types:
                    v = _coerce(spec.item_types[k], v)
                if "." in k:
                    _put(obj, k, v)
                else:
                    obj[k] = v
            items.append(obj)
        _put(data, spec.field, items)
        lines[spec.field] = line
    return Record(display, data, lines)


def read_csv_records(path: Path, display: str, mapping: CsvMapping,
                     fields: frozenset[str] | None = None) -> Iterator[Record]:
    """The records of a CSV file, one a row."""
    rows = csv_rows(path, display, mapping)
    _, header = next(rows)
    for line, row in rows:
        yield csv_record(display, mapping, header, line, row, fields)


@dataclass(frozen=True)
class CsvRow:
    """A CSV row not yet turned into a record (that is done in the worker processes)."""

    display: str
    mapping: str
    header: list[str]
    line: int
    row: list[str]

    def record(self, mappings: dict[str, CsvMapping]) -> Record:
        """The row as a record; a cell that cannot be read raises :class:`RecordSyntaxError`."""
        return csv_record(self.display, mappings[self.mapping], self.header, self.line, self.row)
