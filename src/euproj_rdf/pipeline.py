"""The one orchestration function: records → checked → mapped → validated → dump.

:func:`build` is what the CLI, the tests and the benchmarks call. It streams: records are
checked and mapped in batches of about ``batch_triples`` triples, each batch validated with SHACL
and spilled as sorted N-Triples, so memory depends on the batch size, not on the input size. When any record has a problem it
raises :class:`~euproj_rdf.errors.RecordError`; when the graph does not conform it returns a
report with ``written=False``. In both cases nothing is written to the output folder.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .checks import RecordIndex, check_record, index_records
from .errors import RecordError, RecordProblem, RecordSyntaxError
from .export import ChunkWriter, merge_sorted, write_dump
from .mapping import RDF_TYPE, Mapper, compile_mapping
from .records import Record, load_csv_mapping, read_records, record_files
from .resources import CONCEPTS_FILE, SHAPES_FILE, concept_notations, default_schema, resource, resource_dir
from .schema import Schema
from .validation import ValidationReport, load_shapes, validate_lines

__all__ = ["DEFAULT_BASE_IRI", "BuildResult", "build", "check"]

DEFAULT_BASE_IRI = "https://w3id.org/euproj/id/"

#: progress(stage, done, total) — total is None when unknown
Progress = Callable[[str, int, "int | None"], None]


@dataclass
class BuildResult:
    """What a build did: counts, the validation report, and the files written (if any)."""

    report: ValidationReport
    records: Counter = field(default_factory=Counter)
    triples: int = 0
    written: bool = False
    turtle: Path | None = None
    ntriples: Path | None = None
    seconds: float = 0.0

    @property
    def conforms(self) -> bool:
        return self.report.conforms


def _display(path: Path, root: Path) -> str:
    """``records/projects/x.yaml``: the path from the records folder's parent."""
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


class _Locator:
    """Maps a focus-node IRI back to the record (file, line, field) that produced it."""

    def __init__(self, mapper: Mapper, schema: Schema):
        self.mapper = mapper
        self.by_iri: dict[str, Record] = {}
        # IRI segment under a record → (field name, how its items are keyed)
        self.segments: dict[str, str] = {}
        for spec in list(schema.records.values()) + list(schema.objects.values()):
            for f in spec.fields.values():
                for template in f.iri:
                    seg = template.replace("{parent}/", "").split("/", 1)[0]
                    self.segments.setdefault(seg, f.name)

    def add(self, record: Record) -> None:
        self.by_iri[self.mapper.record_iri(record.type, record.id)] = record

    def clear(self) -> None:
        self.by_iri.clear()

    def __call__(self, focus: str) -> tuple[str, int, str] | None:
        iri = focus
        rest: list[str] = []
        while iri and iri not in self.by_iri:
            iri, _, seg = iri.rpartition("/")
            rest.insert(0, seg)
        rec = self.by_iri.get(iri)
        if rec is None:
            return None  # a record of another batch, present only as context
        label = f"{rec.type} '{rec.id}'"
        path = self._field_path(rec, rest)
        return rec.file, rec.line_of(path) if path else rec.line, label + (f" ({path})" if path else "")

    def _field_path(self, rec: Record, rest: list[str]) -> str:
        if not rest:
            return ""
        name = self.segments.get(rest[0])
        if name is None:
            return ""
        if len(rest) == 1:
            return name
        key = rest[1]
        items = rec.data.get(name)
        if isinstance(items, list):
            if key.isdigit():
                return f"{name}.{int(key) - 1}"
            if key.startswith("group-") and key[6:].isdigit():
                return f"{name}.{int(key[6:]) - 1}"
            for i, item in enumerate(items):
                if isinstance(item, dict) and key in (str(v) for v in item.values()):
                    return f"{name}.{i}"
        return name


class _Batch:
    """Records mapped but not yet validated: their lines, and what they refer to."""

    def __init__(self, mapper: Mapper, locator: _Locator):
        self.mapper = mapper
        self.locator = locator
        self.records: set[tuple[str, str]] = set()
        self.refs: set[tuple[str, str]] = set()
        self.lines: list[str] = []

    def add(self, rec: Record, data: dict) -> None:
        self.locator.add(rec)
        self.records.add((rec.type, rec.id))
        self.lines.extend(self.mapper.map_record(data, self.refs))

    def context(self) -> list[str]:
        """The type triples of the records referred to from other batches (sh:class needs them)."""
        return [
            f"<{self.mapper.record_iri(t, i)}> <{RDF_TYPE}> <{c}> ."
            for t, i in sorted(self.refs - self.records)
            for c in self.mapper.record_classes[t]
        ]

    def clear(self) -> None:
        self.locator.clear()
        self.records, self.refs, self.lines = set(), set(), []


def _csv_mappings() -> dict:
    folder = resource_dir() / "mappings" / "csv"
    if not folder.is_dir():
        return {}
    return {p.stem: load_csv_mapping(p) for p in sorted(folder.glob("*.yaml"))}


def _iter_records(files: list[Path], root: Path, csv_mappings: dict, broken: dict[Path, list]) -> Iterator[Record]:
    """The records of every file; a file that is not well-formed goes into ``broken`` instead."""
    for path in files:
        if path in broken:
            continue
        try:
            yield from read_records(path, display=_display(path, root), csv_mappings=csv_mappings)
        except RecordSyntaxError as exc:
            broken[path] = exc.problems


def build(
    records: Path | str = "records",
    out_dir: Path | str | None = "dist",
    *,
    base_iri: str = DEFAULT_BASE_IRI,
    include_personal_data: bool = False,
    batch_triples: int = 50_000,
    progress: Progress | None = None,
    validate: bool = True,
) -> BuildResult:
    """Check, map and validate the records; write ``euproj.ttl`` and ``euproj.nt`` into ``out_dir``.

    ``validate=False`` skips SHACL (records are still checked): for benchmarks that need a large
    graph quickly, never for a dump that is published.

    With ``out_dir=None`` nothing is written (that is ``euproj-rdf validate``). Raises
    :class:`RecordError` listing every record problem; returns a result whose ``report`` holds
    the SHACL results and whose ``written`` says whether the dump was written (only when the
    graph conforms).
    """
    started = time.perf_counter()
    root = Path(records)
    schema = default_schema()
    concepts = concept_notations()
    shapes = load_shapes(resource(SHAPES_FILE))
    mapper = compile_mapping(schema, base_iri=base_iri, include_personal_data=include_personal_data)
    csv_mappings = _csv_mappings()
    files = record_files(root)
    tick = progress or (lambda stage, done, total: None)

    # Pass 1: every id, so references can be checked in one streaming pass.
    broken: dict[Path, list[RecordProblem]] = {}
    index = RecordIndex()
    problems = index_records(_iter_records(files, root, csv_mappings, broken), index, schema)
    if broken:
        problems += [p for found in broken.values() for p in found]
    n_records = sum(len(v) for v in index.ids.values())

    concept_lines = _concept_lines()
    report = ValidationReport()
    result = BuildResult(report=report)
    locator = _Locator(mapper, schema)
    batch = _Batch(mapper, locator)

    with tempfile.TemporaryDirectory(prefix="euproj-build-") as work:
        chunks = ChunkWriter(Path(work))
        chunks.add(concept_lines)

        def flush() -> None:
            if batch.records:
                lines = batch.lines
                if validate:
                    report.results.extend(validate_lines(lines + batch.context() + concept_lines, shapes, locate=locator))
                chunks.add(lines)
                batch.clear()

        done = 0
        for rec in _iter_records(files, root, csv_mappings, broken):
            data, found = check_record(rec, schema, index, concepts)
            done += 1
            if found or data is None:
                problems.extend(found)
                continue
            result.records[data["type"]] += 1
            if problems:
                continue  # keep checking, but map nothing once anything is wrong
            batch.add(rec, data)
            if len(batch.lines) >= batch_triples:
                flush()
                tick("build", done, n_records)
        if broken:
            raise RecordSyntaxError(problems)
        if problems:
            raise RecordError(problems)
        flush()
        tick("build", done, n_records)
        report.results.sort()
        if report.conforms and out_dir is not None:
            tick("write", 0, None)
            result.turtle, result.ntriples, result.triples = write_dump(chunks, Path(out_dir))
            result.written = True
        else:
            chunks.flush()
            result.triples = _count_lines(chunks)
    result.seconds = time.perf_counter() - started
    return result


def _count_lines(chunks: ChunkWriter) -> int:
    return sum(1 for _ in merge_sorted(chunks.chunks))


def _concept_lines() -> list[str]:
    """The concept schemes (roles, kinds, flags…) as N-Triples: they are part of the dump."""
    triples = ox.parse(path=str(resource(CONCEPTS_FILE)), format=ox.RdfFormat.TURTLE)
    return sorted(str(t) + " ." for t in triples)


def check(records: Path | str = "records", *, base_iri: str = DEFAULT_BASE_IRI, batch_triples: int = 50_000,
          progress: Progress | None = None) -> BuildResult:
    """Run every check of :func:`build` without writing anything."""
    return build(records, None, base_iri=base_iri, batch_triples=batch_triples, progress=progress)
