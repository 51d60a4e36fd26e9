"""Reading record files (YAML and CSV) into records that remember where they came from.

This is the input edge of the pipeline: it reads files and returns :class:`Record` objects whose
values are plain Python data (``dict``, ``list``, ``str``, ``int``, ``Decimal``, ``bool``) and
whose :attr:`Record.lines` map each field path to its line in the file, so that every later
problem can be reported at ``file:line``. Dates are kept as the text the curator wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from .csv_records import CsvMapping, CsvRow, csv_record, csv_rows, load_csv_mapping, read_csv_records
from .errors import ConfigError, RecordProblem, RecordSyntaxError
from .record import Record
from .resources import resource_dir

__all__ = [
    "Record", "RecordFolder", "CsvMapping", "CsvRow", "csv_layouts", "csv_record", "csv_rows", "read_records",
    "record_files", "load_csv_mapping",
]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    assert isinstance(node, yaml.ScalarNode)
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
        yield from read_csv_records(path, shown, mapping, fields)
    else:
        yield from _read_yaml(path, shown)


# --------------------------------------------------------------------------- the walker


def csv_layouts() -> dict[str, CsvMapping]:
    """The CSV column layouts of ``mappings/csv/``, by name: a CSV file uses the layout of its stem."""
    folder = resource_dir() / "mappings" / "csv"
    if not folder.is_dir():
        return {}
    return {p.stem: load_csv_mapping(p) for p in sorted(folder.glob("*.yaml"))}


class RecordFolder:
    """The one walker over a folder (or a file) of records.

    Paths are shown from the records folder's parent (``records/projects/x.yaml``). A walk
    collects every file that is not well-formed in :attr:`broken` (path → problems) instead of
    stopping, and later walks skip it, so one build reports every broken file at once.
    """

    def __init__(self, root: Path | str, *, layouts: dict[str, CsvMapping] | None = None):
        self.root = Path(root)
        self.files = record_files(self.root)
        self.layouts = csv_layouts() if layouts is None else layouts
        self.broken: dict[Path, list[RecordProblem]] = {}

    def display(self, path: Path) -> str:
        """``records/projects/x.yaml``: the path from the records folder's parent."""
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def read(self, path: Path, *, fields: frozenset[str] | None = None) -> Iterator[Record]:
        """The records of one file of the folder; a malformed file raises :class:`RecordSyntaxError`."""
        return read_records(path, display=self.display(path), csv_mappings=self.layouts, fields=fields)

    def records(self, *, fields: frozenset[str] | None = None) -> Iterator[Record]:
        """The records of every file (``fields``: see :func:`read_records`)."""
        for path in self.files:
            if path in self.broken:
                continue
            try:
                yield from self.read(path, fields=fields)
            except RecordSyntaxError as exc:
                self.broken[path] = exc.problems

    def items(self) -> Iterator[Record | CsvRow]:
        """Records of YAML files and raw rows of CSV files (turned into records by whoever maps them)."""
        for path in self.files:
            if path in self.broken:
                continue
            display = self.display(path)
            try:
                if path.suffix == ".csv" and path.stem in self.layouts:
                    rows = csv_rows(path, display, self.layouts[path.stem])
                    _, header = next(rows)
                    for line, row in rows:
                        yield CsvRow(display, path.stem, header, line, row)
                else:
                    yield from read_records(path, display=display, csv_mappings=self.layouts)
            except RecordSyntaxError as exc:
                self.broken[path] = exc.problems

    def problems(self) -> list[RecordProblem]:
        """The problems of the files that were not well-formed."""
        return [p for found in self.broken.values() for p in found]
