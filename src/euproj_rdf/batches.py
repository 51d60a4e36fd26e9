"""The batch runner: records checked → mapped → validated → spilled, one batch at a time.

A batch is a group of records of about ``batch_triples`` triples. :func:`run_batch` checks each
record, maps the batch, validates it with every shape (together with the type triples of what
it refers to, so each focus node meets every shape) and spills its sorted N-Triples lines to a
chunk file. :class:`BatchRunner` runs batches in this process or in a pool of forked worker
processes, keeps at most two batches a worker in flight (backpressure: memory stays bounded
however many records there are), sizes the batches from the triples they gave so far, and
merges runs of chunk files in the background.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import threading
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Any

from .checks import RecordIndex, check_record
from .csv_records import CsvMapping, CsvRow
from .derived import merge_titles, shortcut_lines, write_titles
from .errors import RecordProblem, RecordSyntaxError
from .export import MERGE_FAN_IN, merge_files, write_chunk
from .locate import Locator
from .mapping import Mapper
from .outputs import forget_locks
from .privacy import scan_record
from .profile import Profile
from .record import Record
from .resources import used_concepts
from .schema import Schema
from .stats import Facts, Tally
from .validation import ShaclResult, batch_store, validate_store
from .vocab import COUNTRY, RDF_TYPE

__all__ = ["BatchContext", "BatchResult", "BatchRunner", "run_batch", "tuned_collector"]

Item = Record | CsvRow


@dataclass
class BatchContext:
    """What every batch needs, built once (and inherited by forked worker processes)."""

    schema: Schema
    index: RecordIndex
    concepts: dict[str, frozenset[str]]
    mapper: Mapper
    shapes: Any
    profile: Profile | None
    layouts: dict[str, CsvMapping]
    concept_lines: list[str]
    validate: bool
    workdir: Path
    #: concepts of concepts-import.ttl → their lines: in every batch's validation, in the dump when used
    extra_concepts: dict[str, list[str]] = field(default_factory=dict)
    facts: Facts = field(default_factory=Facts)


@dataclass
class BatchResult:
    """What one batch gave: its chunk file (None when any record had a problem), the SHACL results
    located at their records, the problems, and counts."""

    chunk: Path | None
    results: list[ShaclResult]
    problems: list[RecordProblem]
    counts: Counter[str]
    triples: int
    records: int
    syntax: list[RecordProblem] = field(default_factory=list)  # rows of CSV that could not be read
    extras: frozenset[str] = frozenset()  # concepts of concepts-import.ttl the batch uses
    privacy: list[RecordProblem] = field(default_factory=list)  # personal data in free text
    tally: Tally = field(default_factory=Tally)  # the batch's statistics
    titles: Path | None = None  # the batch's (display title, project) pairs, for the title ranks


class _MappedBatch:
    """Records mapped but not yet validated: their lines (with the derived shortcuts of
    :mod:`euproj_rdf.derived`), and what they refer to."""

    def __init__(self, mapper: Mapper, locator: Locator, facts: Facts):
        self.mapper = mapper
        self.locator = locator
        self.facts = facts
        self._org = "<" + mapper.record_iri("organisation", "")
        self.records: set[tuple[str, str]] = set()
        self.refs: set[tuple[str, str]] = set()
        self.lines: list[str] = []
        self.titles: list[tuple[str, str, list[str]]] = []  # (display title, project IRI, list keys)
        self._known: dict[str, tuple[str, ...]] = {}  # participant → its countries, once looked up

    def add(self, rec: Record, data: dict[str, Any]) -> None:
        key = (str(rec.type), str(rec.id))  # a checked record has both
        self.locator.add(self.mapper.record_iri(*key), rec)
        self.records.add(key)
        lines = self.mapper.map_record(data, self.refs)
        if key[0] == "project":
            lines += shortcut_lines(f"<{self.mapper.record_iri(*key)}>", lines, self._countries, self.titles)
        self.lines.extend(lines)

    def _countries(self, participant: str) -> tuple[str, ...]:
        found = self._known.get(participant)
        if found is None:
            found = self._known[participant] = tuple(
                COUNTRY + c for c in self.facts.countries.get(participant[len(self._org):-1], ())
            ) if participant.startswith(self._org) else ()
        return found

    def context(self) -> list[str]:
        """The type triples of the records referred to from other batches (sh:class needs them)."""
        return [
            f"<{self.mapper.record_iri(t, i)}> <{RDF_TYPE}> <{c}> ."
            for t, i in sorted(self.refs - self.records)
            for c in self.mapper.record_classes[t]
        ]


def run_batch(ctx: BatchContext, items: list[Item], chunk: Path) -> BatchResult:
    """Check, map and validate one batch of records; spill its sorted lines to ``chunk``."""
    batch = _MappedBatch(ctx.mapper, Locator(ctx.schema), ctx.facts)
    problems: list[RecordProblem] = []
    syntax: list[RecordProblem] = []
    counts: Counter[str] = Counter()
    personal: list[RecordProblem] = []
    tally = Tally()
    for item in items:
        try:
            rec = item.record(ctx.layouts) if isinstance(item, CsvRow) else item
        except RecordSyntaxError as exc:
            syntax.extend(exc.problems)
            continue
        data, found = check_record(rec, ctx.schema, ctx.index, ctx.concepts)
        if found or data is None:
            problems.extend(found)
            continue
        counts[data["type"]] += 1
        personal.extend(scan_record(rec, ctx.schema))
        tally.add(data, ctx.facts)
        if not problems and not syntax:
            batch.add(rec, data)
    if problems or syntax:
        return BatchResult(None, [], problems, counts, 0, len(items), syntax, privacy=personal)
    results: list[ShaclResult] = []
    lines = batch.lines
    if batch.records and (ctx.validate or ctx.profile is not None):
        store = batch_store(lines + batch.context() + ctx.concept_lines
                            + [line for extra in ctx.extra_concepts.values() for line in extra],
                            lenient=True)  # lines this package wrote
        if ctx.validate:
            results = validate_store(store, ctx.shapes, locate=batch.locator)
        if ctx.profile is not None:
            lines = lines + ctx.profile.entailed(lines) + ctx.profile.constructed(store)
    write_chunk(lines, chunk)
    return BatchResult(chunk, results, [], counts, len(lines), len(items),
                       extras=used_concepts(lines, ctx.extra_concepts) if ctx.extra_concepts else frozenset(),
                       privacy=personal, tally=tally,
                       titles=write_titles(batch.titles, chunk.with_suffix(".titles")) if batch.titles else None)


def weight(item: Item) -> int:
    """How much work an item is: a record weighs as many fields as it has."""
    return 1 + (len(item.row) if isinstance(item, CsvRow) else len(item.lines))


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


#: the context of the batches in a worker process: set once by the pool's initializer, from the
#: parent's object inherited through fork (never pickled: the compiled mapping holds closures)
_WORKER_CONTEXT: BatchContext | None = None

#: seconds an interrupted build waits for its pool to stop before leaving its threads to the exit
TERMINATE_WAIT = 5.0


def _start_worker(ctx: BatchContext) -> None:
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = ctx
    # interrupts are the parent's to handle (it stops the pool and cleans up); the locks of the
    # parent's scratch folders are the parent's alone (outputs.forget_locks)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    forget_locks()


def _work(items: list[Item], chunk: Path) -> BatchResult:
    assert _WORKER_CONTEXT is not None, "a worker of a BatchRunner's pool"
    return run_batch(_WORKER_CONTEXT, items, chunk)


def _merge(chunks: list[Path], target: Path) -> Path:
    merge_files(chunks, target)
    return target


class BatchRunner:
    """Runs the batches of a build, in this process (``workers=1``) or in forked workers.

    Use as a context manager; :meth:`run` yields each batch's result in order of completion and
    :meth:`chunks` gives the chunk files to merge into the dump (the concept schemes' included).
    """

    def __init__(self, ctx: BatchContext, *, workers: int, batch_triples: int):
        self.ctx = ctx
        self.workers = workers
        self.batch_triples = batch_triples
        self.per_unit = 4.0  # the most triples a unit of weight gave in a batch so far
        self.submitted = 0
        self._chunks: list[Path] = [write_chunk(list(ctx.concept_lines), ctx.workdir / "concepts.nt")]
        self._merges: list[AsyncResult[Path]] = []
        self._pool: Pool | None = None
        self._extras: set[str] = set()
        self._titles: list[Path] = []  # the batches' title files not merged yet
        self._title_runs: list[Path] = []  # merged runs of them

    def __enter__(self) -> BatchRunner:
        if self.workers > 1:
            self._pool = multiprocessing.get_context("fork").Pool(
                self.workers, initializer=_start_worker, initargs=(self.ctx,))
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        if kind is None:
            pool.close()
            pool.join()
            return
        # interrupted or failed: stop the batches still running. Pool.terminate can block for
        # good when its task thread was in the middle of sending a big batch to a worker that it
        # has just killed (the pipe never drains); it kills the workers before it waits for that
        # thread, so after a bounded wait the handler threads (daemons) are left to the exit.
        stopper = threading.Thread(target=pool.terminate, name="stop-batches", daemon=True)
        stopper.start()
        stopper.join(TERMINATE_WAIT)
        if not stopper.is_alive():
            pool.join()

    def _budget(self) -> float:
        """The weight of a batch of about ``batch_triples`` triples (a batch of organisations
        gives fewer triples than one of projects of the same weight)."""
        return max(1.0, self.batch_triples / self.per_unit)

    def _groups(self, items: Iterable[Item]) -> Iterator[tuple[list[Item], int]]:
        group: list[Item] = []
        total = 0
        for item in items:
            group.append(item)
            total += weight(item)
            if total >= self._budget():
                yield group, total
                group, total = [], 0
        if group:
            yield group, total

    def _next_chunk(self) -> Path:
        self.submitted += 1
        return self.ctx.workdir / f"batch-{self.submitted:06d}.nt"

    def _done(self, res: BatchResult, group_weight: int) -> BatchResult:
        self.per_unit = max(self.per_unit, res.triples / group_weight)
        self._extras |= res.extras
        if res.chunk is not None:
            self._chunks.append(res.chunk)
        if self._pool is not None and len(self._chunks) >= MERGE_FAN_IN + 1:
            # merge runs of chunks in the background, keeping open files and the final merge small
            run, self._chunks = self._chunks[:MERGE_FAN_IN], self._chunks[MERGE_FAN_IN:]
            target = self.ctx.workdir / f"merged-{len(self._merges):05d}.nt"
            self._merges.append(self._pool.apply_async(_merge, (run, target)))
        if res.titles is not None:
            self._titles.append(res.titles)
            if len(self._titles) >= MERGE_FAN_IN:  # merged in runs as they come: few files are left
                run_path = self.ctx.workdir / f"titles-{self.submitted:06d}.json"
                self._title_runs.append(merge_titles(self._titles, run_path))
                self._titles = []
        return res

    def run(self, items: Iterable[Item]) -> Iterator[BatchResult]:
        """Every batch's result; at most two batches a worker wait in the pool at any time."""
        pool = self._pool
        pending: deque[tuple[AsyncResult[BatchResult], int]] = deque()
        for group, group_weight in self._groups(items):
            if pool is None:
                yield self._done(run_batch(self.ctx, group, self._next_chunk()), group_weight)
                continue
            pending.append((pool.apply_async(_work, (group, self._next_chunk())), group_weight))
            while len(pending) > 2 * self.workers or (pending and pending[0][0].ready()):
                future, w = pending.popleft()
                yield self._done(future.get(), w)
        while pending:
            future, w = pending.popleft()
            yield self._done(future.get(), w)

    def chunks(self) -> list[Path]:
        """The chunk files of every batch run so far, once the background merges are done."""
        extra = []
        if self._extras:  # the imported concepts the records use
            lines = sorted({line for c in self._extras for line in self.ctx.extra_concepts[c]})
            extra.append(write_chunk(lines, self.ctx.workdir / "concepts-import.nt"))
        return self._chunks + extra + [m.get() for m in self._merges]

    def titles(self) -> list[Path]:
        """The title files of every batch run so far (for :func:`~euproj_rdf.derived.rank_chunks`)."""
        return self._title_runs + self._titles
