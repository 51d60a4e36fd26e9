"""The one orchestration function: records → checked → mapped → validated → dump.

:func:`build` is what the CLI, the tests and the benchmarks call. It streams: records are
checked and mapped in batches of about ``batch_triples`` triples, each batch validated with SHACL
and spilled as sorted N-Triples, so memory depends on the batch size, not on the input size. When any record has a problem it
raises :class:`~euproj_rdf.errors.RecordError`; when the graph does not conform it returns a
report with ``written=False``. In both cases nothing is written to the output folder.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .checks import RecordIndex, check_record, index_records
from .errors import RecordError, RecordProblem, RecordSyntaxError
from .export import MERGE_FAN_IN, merge_files, merge_sorted, write_chunk, write_dump
from .mapping import Mapper, compile_mapping
from .records import Record, csv_record, csv_rows, load_csv_mapping, read_records, record_files
from .profile import Profile, load_profile
from .resources import ALIGNMENT_FILE, CONCEPTS_FILE, SHAPES_FILE, concept_notations, default_schema, resource, resource_dir
from .schema import Schema
from .validation import ValidationReport, batch_store, load_shapes, validate_store
from .vocab import DATA, RDF_TYPE

__all__ = ["DEFAULT_BASE_IRI", "BuildResult", "build", "check", "tuned_collector"]

DEFAULT_BASE_IRI = DATA

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


def _iter_records(files: list[Path], root: Path, csv_mappings: dict, broken: dict[Path, list],
                  fields: frozenset[str] | None = None) -> Iterator[Record]:
    """The records of every file; a file that is not well-formed goes into ``broken`` instead."""
    for path in files:
        if path in broken:
            continue
        try:
            yield from read_records(path, display=_display(path, root), csv_mappings=csv_mappings, fields=fields)
        except RecordSyntaxError as exc:
            broken[path] = exc.problems


@dataclass(frozen=True)
class _CsvRow:
    """A CSV row not yet turned into a record (that is done in the worker processes)."""

    display: str
    mapping: str
    header: list[str]
    line: int
    row: list[str]


def _iter_items(files: list[Path], root: Path, csv_mappings: dict, broken: dict[Path, list]) -> Iterator[Record | _CsvRow]:
    """Records of YAML files, raw rows of CSV files; an unreadable file goes into ``broken``."""
    for path in files:
        if path in broken:
            continue
        display = _display(path, root)
        try:
            if path.suffix == ".csv" and path.stem in csv_mappings:
                rows = csv_rows(path, display, csv_mappings[path.stem])
                _, header = next(rows)
                for line, row in rows:
                    yield _CsvRow(display, path.stem, header, line, row)
            else:
                yield from read_records(path, display=display, csv_mappings=csv_mappings)
        except RecordSyntaxError as exc:
            broken[path] = exc.problems


@contextmanager
def tuned_collector() -> Iterator[None]:
    """Garbage collection for a build: what exists now is frozen, collections are rarer.

    The index and the compiled mapping live to the end: frozen, the collector no longer scans
    them (nor, in a forked worker, writes to and so copies their pages). Records and N-Triples
    lines hold no reference cycles, so a collection every 100 000 allocations is plenty; with
    the defaults the collector took a sixth of a build.
    """
    gc.collect()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@dataclass
class _Context:
    """What every batch needs, built once (and inherited by forked worker processes)."""

    schema: Schema
    index: RecordIndex
    concepts: dict
    mapper: Mapper
    shapes: object
    profile: Profile | None
    csv_mappings: dict
    concept_lines: list[str]
    validate: bool
    workdir: Path


@dataclass
class _BatchResult:
    chunk: Path | None
    results: list
    problems: list[RecordProblem]
    counts: Counter
    triples: int
    records: int
    syntax: list[RecordProblem]  # rows of CSV that could not be read


_CONTEXT: _Context | None = None  # set in the parent before the worker processes fork
_BATCH_IDS = itertools.count()


def _run_batch(items: list[Record | _CsvRow]) -> _BatchResult:
    """Check, map and validate one batch of records; spill its sorted lines to a chunk file."""
    ctx = _CONTEXT
    assert ctx is not None
    locator = _Locator(ctx.mapper, ctx.schema)
    batch = _Batch(ctx.mapper, locator)
    problems: list[RecordProblem] = []
    syntax: list[RecordProblem] = []
    counts: Counter = Counter()
    for item in items:
        if isinstance(item, _CsvRow):
            try:
                rec = csv_record(item.display, ctx.csv_mappings[item.mapping], item.header, item.line, item.row)
            except RecordSyntaxError as exc:
                syntax.extend(exc.problems)
                continue
        else:
            rec = item
        data, found = check_record(rec, ctx.schema, ctx.index, ctx.concepts)
        if found or data is None:
            problems.extend(found)
            continue
        counts[data["type"]] += 1
        if not problems and not syntax:
            batch.add(rec, data)
    if problems or syntax:
        return _BatchResult(None, [], problems, counts, 0, len(items), syntax)
    results = []
    lines = batch.lines
    if batch.records and (ctx.validate or ctx.profile is not None):
        store = batch_store(lines + batch.context() + ctx.concept_lines)
        if ctx.validate:
            results = validate_store(store, ctx.shapes, locate=locator)
        if ctx.profile is not None:
            lines = lines + ctx.profile.entailed(lines) + ctx.profile.constructed(store)
    chunk = write_chunk(lines, ctx.workdir / f"batch-{os.getpid()}-{next(_BATCH_IDS):06d}.nt")
    return _BatchResult(chunk, results, [], counts, len(lines), len(items), [])


def _merge_task(chunks: list[Path], target: Path) -> Path:
    merge_files(chunks, target)
    return target


def _weight(item: Record | _CsvRow) -> int:
    return 1 + (len(item.row) if isinstance(item, _CsvRow) else len(item.lines))


def _groups(items: Iterator[Record | _CsvRow], budget: Callable[[], float]) -> Iterator[tuple[list, int]]:
    """Items in groups of about ``budget()`` weight (a record weighs as many fields as it has)."""
    group: list = []
    weight = 0
    for item in items:
        group.append(item)
        weight += _weight(item)
        if weight >= budget():
            yield group, weight
            group, weight = [], 0
    if group:
        yield group, weight


def build(
    records: Path | str = "records",
    out_dir: Path | str | None = "dist",
    *,
    base_iri: str = DEFAULT_BASE_IRI,
    include_personal_data: bool = False,
    batch_triples: int = 50_000,
    progress: Progress | None = None,
    validate: bool = True,
    workers: int | None = None,
    profile: str = "base",
) -> BuildResult:
    """Check, map and validate the records; write ``euproj.ttl`` and ``euproj.nt`` into ``out_dir``.

    Records are handled in batches of about ``batch_triples`` triples by ``workers`` processes
    (default: one per core; 1 runs everything in this process): each batch is checked, mapped,
    validated with every shape and spilled as a sorted chunk, and the chunks are merged into
    the dump. Memory depends on the batch size and the number of records, not on the triples.

    ``profile="aligned"`` also writes the EURIO, schema.org and W3C ORG types and properties
    that ``ontology/alignment.ttl`` derives from ours (:mod:`euproj_rdf.profile`).

    ``validate=False`` skips SHACL (records are still checked): for benchmarks that need a large
    graph quickly, never for a dump that is published.

    With ``out_dir=None`` nothing is written (that is ``euproj-rdf validate``). Raises
    :class:`RecordError` listing every record problem; returns a result whose ``report`` holds
    the SHACL results and whose ``written`` says whether the dump was written (only when the
    graph conforms).
    """
    global _CONTEXT
    started = time.perf_counter()
    root = Path(records)
    schema = default_schema()
    concepts = concept_notations()
    shapes = load_shapes(resource(SHAPES_FILE))
    aligned = load_profile(profile, resource(ALIGNMENT_FILE))
    mapper = compile_mapping(schema, base_iri=base_iri, include_personal_data=include_personal_data)
    csv_mappings = _csv_mappings()
    files = record_files(root)
    tick = progress or (lambda stage, done, total: None)
    workers = max(1, workers if workers is not None else (os.cpu_count() or 1))

    # Pass 1: every id, so references can be checked in one streaming pass.
    broken: dict[Path, list[RecordProblem]] = {}
    index = RecordIndex()
    pass1_fields = frozenset({"id"} | {f.name for spec in schema.records.values()
                                       for f in spec.fields.values() if f.acyclic})
    problems = index_records(_iter_records(files, root, csv_mappings, broken, pass1_fields), index, schema)
    n_records = sum(len(v) for v in index.ids.values())

    report = ValidationReport()
    result = BuildResult(report=report)

    with tempfile.TemporaryDirectory(prefix="euproj-build-") as work, tuned_collector():
        workdir = Path(work)
        concept_lines = _concept_lines()
        chunks = [write_chunk(list(concept_lines), workdir / "concepts.nt")]
        _CONTEXT = _Context(schema, index, concepts, mapper, shapes, aligned, csv_mappings, concept_lines, validate, workdir)
        pool = None
        if workers > 1:
            pool = multiprocessing.get_context("fork").Pool(workers)
        try:
            # batch weight for about batch_triples triples: the most triples a unit of weight
            # gave in a batch so far (a batch of organisations gives fewer than one of projects)
            per_unit = [4.0]

            def budget() -> float:
                return max(1.0, batch_triples / per_unit[0])

            done = 0
            merges: list = []

            def collect(res: _BatchResult, weight: int) -> None:
                nonlocal done
                done += res.records
                per_unit[0] = max(per_unit[0], res.triples / weight)
                problems.extend(res.problems)
                syntax.extend(res.syntax)
                for rtype, n in res.counts.items():
                    result.records[rtype] += n
                report.results.extend(res.results)
                if res.chunk is not None:
                    chunks.append(res.chunk)
                if pool is not None and len(chunks) >= MERGE_FAN_IN + 1:
                    # merge runs of chunks in the background, keeping open files and the final merge small
                    run, chunks[:] = chunks[:MERGE_FAN_IN], chunks[MERGE_FAN_IN:]
                    target = workdir / f"merged-{len(merges):05d}.nt"
                    merges.append(pool.apply_async(_merge_task, (run, target)))
                tick("build", done, n_records)

            pending: deque = deque()
            syntax: list[RecordProblem] = []
            for group, weight in _groups(_iter_items(files, root, csv_mappings, broken), budget):
                if pool is None:
                    collect(_run_batch(group), weight)
                    continue
                pending.append((pool.apply_async(_run_batch, (group,)), weight))
                while len(pending) > 2 * workers or (pending and pending[0][0].ready()):
                    future, w = pending.popleft()
                    collect(future.get(), w)
            while pending:
                future, w = pending.popleft()
                collect(future.get(), w)
            chunks.extend(m.get() for m in merges)
        finally:
            if pool is not None:
                pool.close()
                pool.join()
            _CONTEXT = None
        if broken or syntax:
            raise RecordSyntaxError(problems + syntax + [p for found in broken.values() for p in found])
        if problems:
            raise RecordError(problems)
        report.results.sort()
        if report.conforms and out_dir is not None:
            tick("write", 0, None)
            result.turtle, result.ntriples, result.triples = write_dump(chunks, Path(out_dir))
            result.written = True
        else:
            result.triples = sum(1 for _ in merge_sorted(chunks))
    result.seconds = time.perf_counter() - started
    return result


def _concept_lines() -> list[str]:
    """The concept schemes (roles, kinds, flags…) as N-Triples: they are part of the dump."""
    triples = ox.parse(path=str(resource(CONCEPTS_FILE)), format=ox.RdfFormat.TURTLE)
    return sorted(str(t) + " ." for t in triples)


def check(records: Path | str = "records", *, base_iri: str = DEFAULT_BASE_IRI, batch_triples: int = 50_000,
          progress: Progress | None = None, workers: int | None = None) -> BuildResult:
    """Run every check of :func:`build` without writing anything."""
    return build(records, None, base_iri=base_iri, batch_triples=batch_triples, progress=progress, workers=workers)
