"""Reading record files (YAML and CSV) into records that remember where they came from.

This is the input edge of the pipeline: it reads files and returns :class:`Record` objects whose
values are plain Python data (``dict``, ``list``, ``str``, ``int``, ``Decimal``, ``bool``) and
whose :attr:`Record.lines` map each field path to its line in the file, so that every later
problem can be reported at ``file:line``. Dates are kept as the text the curator wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .csv_records import CsvMapping, CsvRow, csv_record, csv_rows, load_csv_mapping, read_csv_records
from .errors import ConfigError, RecordProblem, RecordSyntaxError
from .record import Record
from .resources import resource_dir
from .yamlread import YamlFileError, read_yaml_items

__all__ = [
    "Record", "RecordFolder", "CsvMapping", "CsvRow", "csv_layouts", "csv_record", "csv_rows", "read_records",
    "record_files", "load_csv_mapping",
]


# --------------------------------------------------------------------------- YAML


def _read_yaml(path: Path, display: str) -> Iterator[Record]:
    """The records of a YAML file, read under the limits of :mod:`euproj_rdf.yamlread`."""
    try:
        for item in read_yaml_items(path):
            if not isinstance(item.data, dict):
                raise RecordSyntaxError(
                    [RecordProblem(display, item.lines.get("", 1), None, None, None,
                                   "each list item must be a record (a mapping with type and id)")]
                )
            record = Record(display, item.data, item.lines)
            record.read_problems = [record.problem(p, m) for p, m in item.problems]
            yield record
    except YamlFileError as exc:
        raise RecordSyntaxError([RecordProblem(display, exc.line, None, None, None, exc.message, exc.hint)]) from None
    except OSError as exc:
        raise RecordSyntaxError([RecordProblem(display, 1, None, None, None, f"cannot read the file: {exc.strerror}")]) from None


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
