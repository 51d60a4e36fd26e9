"""Reading record files (YAML and CSV) into records that remember where they came from.

This is the input edge of the pipeline: it reads files and returns :class:`Record` objects whose
values are plain Python data (``dict``, ``list``, ``str``, ``int``, ``Decimal``, ``bool``) and
whose :attr:`Record.lines` map each field path to its line in the file, so that every later
problem can be reported at ``file:line``. Dates are kept as the text the curator wrote.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError, RecordProblem, RecordSyntaxError

__all__ = ["Record", "CsvMapping", "csv_record", "csv_rows", "read_records", "record_files", "load_csv_mapping"]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Record:
    """One curated record: its data and where each of its fields stands.

    ``lines`` maps a dotted field path (``"period.end"``, ``"participants.2.roles"``) to a
    1-based line; ``""`` is the record's own first line.
    """

    file: str
    data: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)
    #: problems found while reading (duplicate keys), reported with the record's checks
    read_problems: list[RecordProblem] = field(default_factory=list)

    @property
    def type(self) -> str | None:
        t = self.data.get("type")
        return t if isinstance(t, str) else None

    @property
    def id(self) -> str | None:
        i = self.data.get("id")
        return str(i) if i is not None else None

    @property
    def line(self) -> int:
        return self.lines.get("", 1)

    def line_of(self, path: str) -> int:
        """The line of a field, or of its nearest enclosing field that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rpartition(".")[0]
        return self.line

    def problem(self, path: str | None, message: str, hint: str | None = None) -> RecordProblem:
        return RecordProblem(
            self.file,
            self.line_of(path or ""),
            self.type,
            self.id,
            path or None,
            message,
            hint,
        )


# --------------------------------------------------------------------------- YAML

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if tag == _INT:
        digits = node.value.replace("_", "")
        try:
            return int(digits, 0)
        except ValueError:  # YAML 1.1 allows leading zeros
            return int(digits, 10)
    if tag == _FLOAT:
        return Decimal(node.value.replace("_", ""))
    if tag == _BOOL:
        return node.value.lower() in ("true", "yes", "on")
    if tag == _NULL:
        return None
    # strings, and timestamps kept as the curator wrote them
    return node.value


def _convert(node: yaml.Node, path: str, lines: dict[str, int], problems: list, file: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(_scalar(key_node)) if isinstance(key_node, yaml.ScalarNode) else "?"
            sub = f"{path}.{key}" if path else key
            if key in out:
                problems.append((key_node.start_mark.line + 1, sub, "duplicate field"))
            out[key] = _convert(value_node, sub, lines, problems, file)
            lines[sub] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, f"{path}.{i}" if path else str(i), lines, problems, file)
            for i, item in enumerate(node.value)
        ]
    return _scalar(node)


def _read_yaml(path: Path, display: str) -> Iterator[Record]:
    try:
        with path.open("rb") as fh:
            root = yaml.compose(fh, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        col = mark.column + 1 if mark else 1
        reason = exc.problem or exc.context or "malformed YAML"
        context = ""
        if exc.context and exc.context_mark and exc.problem:
            cm = exc.context_mark
            context = f" ({exc.context} that starts at line {cm.line + 1}, column {cm.column + 1})"
        raise RecordSyntaxError(
            [RecordProblem(display, line, None, None, None, f"malformed YAML at column {col}: {reason}{context}")]
        ) from None
    except yaml.YAMLError as exc:
        raise RecordSyntaxError([RecordProblem(display, 1, None, None, None, f"malformed YAML: {exc}")]) from None
    if root is None:
        return
    if not isinstance(root, yaml.SequenceNode):
        raise RecordSyntaxError(
            [RecordProblem(display, root.start_mark.line + 1, None, None, None,
                           "a record file must be a YAML list of records", "start each record with '- type: …'")]
        )
    for item in root.value:
        lines: dict[str, int] = {}
        dup: list = []
        data = _convert(item, "", lines, dup, display)
        if not isinstance(data, dict):
            raise RecordSyntaxError(
                [RecordProblem(display, item.start_mark.line + 1, None, None, None,
                               "each list item must be a record (a mapping with type and id)")]
            )
        record = Record(display, data, lines)
        record.read_problems = [record.problem(p, m) for _, p, m in dup]
        yield record


# --------------------------------------------------------------------------- CSV


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
    item_types: dict[str, str] = field(default_factory=dict)  # group → kind, from the layout's `types`


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
    part, which a parallel build does in its worker processes.
    """
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
                _put(obj, k, _coerce(spec.item_types.get(k), v) if isinstance(v, str) else v)
            items.append(obj)
        _put(data, spec.field, items)
        lines[spec.field] = line
    return Record(display, data, lines)


def _read_csv(path: Path, display: str, mapping: CsvMapping, fields: frozenset[str] | None = None) -> Iterator[Record]:
    rows = csv_rows(path, display, mapping)
    _, header = next(rows)
    for line, row in rows:
        yield csv_record(display, mapping, header, line, row, fields)


# --------------------------------------------------------------------------- files


def record_files(root: Path) -> list[Path]:
    """Every record file below ``root`` (``*.yaml``, ``*.yml``, ``*.csv``), in sorted order."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise ConfigError(f"records folder '{root}' does not exist")
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml", ".csv") and p.is_file())


def read_records(
    path: Path,
    *,
    display: str | None = None,
    csv_mappings: dict[str, CsvMapping] | None = None,
    fields: frozenset[str] | None = None,
) -> Iterator[Record]:
    """Yield the records of one file. Malformed files raise :class:`RecordSyntaxError`.

    ``fields`` limits what is read from CSV files to those top-level fields (a record of YAML
    is parsed whole anyway): the first pass of a build needs only ids and acyclic references.
    """
    shown = display or str(path)
    if path.suffix == ".csv":
        mapping = (csv_mappings or {}).get(path.stem)
        if mapping is None:
            raise RecordSyntaxError(
                [RecordProblem(shown, 1, None, None, None,
                               f"no column mapping for CSV file '{path.name}'",
                               f"add mappings/csv/{path.stem}.yaml")]
            )
        yield from _read_csv(path, shown, mapping, fields)
    else:
        yield from _read_yaml(path, shown)
