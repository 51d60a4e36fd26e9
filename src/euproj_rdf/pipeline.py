"""The one orchestration function: records → checked → mapped → validated → dump.

:func:`build` is what the CLI, the tests and the benchmarks call. It streams: a first pass
indexes every id (so references are checked in one pass), then the batch runner
(:mod:`euproj_rdf.batches`) checks, maps and validates the records in batches of about
``batch_triples`` triples and spills each as sorted N-Triples, so memory depends on the batch
size, not on the input size. When any record has a problem it raises
:class:`~euproj_rdf.errors.RecordError`; when the graph does not conform it returns a report
with ``written=False``. In both cases nothing is written to the output folder.
"""

from __future__ import annotations

import enum
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import derived
from .batches import BatchContext, BatchResult, BatchRunner, tuned_collector
from .checks import RecordIndex, index_records
from .errors import RecordError, RecordProblem, RecordSyntaxError
from .export import Background, merge_sorted, write_chunk, write_dump
from .iris import absolute_iri
from .mapping import compile_mapping
from .outputs import check_output, mark, scratch, writing
from .profile import load_profile
from .records import RecordFolder
from .resources import (
    ALIGNMENT_FILE,
    SHAPES_FILE,
    concept_lines,
    concept_notations,
    default_schema,
    extra_concept_lines,
    resource,
)
from .schema import Schema
from .stats import Facts, Tally, link_fields
from .stats_check import VERIFY_UP_TO, verify_statistics
from .stats_write import cube_lines, write_statistics
from .validation import ValidationReport, load_shapes
from .vocab import DATA

__all__ = ["DEFAULT_BASE_IRI", "BuildProfile", "BuildResult", "build", "check", "tuned_collector"]

DEFAULT_BASE_IRI = DATA

#: progress(stage, done, total) — total is None when unknown
Progress = Callable[[str, int, "int | None"], None]


class BuildProfile(str, enum.Enum):
    """What a build writes: our vocabulary only, or also the terms the alignment derives."""

    base = "base"
    aligned = "aligned"


@dataclass
class BuildResult:
    """What a build did: counts, the validation report, and the files written (if any)."""

    report: ValidationReport
    records: Counter[str] = field(default_factory=Counter)
    triples: int = 0
    written: bool = False
    turtle: Path | None = None
    ntriples: Path | None = None
    statistics: tuple[Path, Path] | None = None  # the statistics graph: Turtle, N-Triples
    statistics_triples: int = 0
    seconds: float = 0.0
    fail_on: str = "violation"
    privacy: list[RecordProblem] = field(default_factory=list)  # personal data found in free text (warnings)

    @property
    def conforms(self) -> bool:
        """True when the build passes: no result at least as severe as ``fail_on``."""
        return not self.report.fails(self.fail_on)


#: triples a batch holds (about): each worker validates one batch at a time, so this sets the
#: workers' memory. At 100 000 projects 30 000 takes about the same time as 50 000 and 40 MB less in
#: each worker (benchmarks/README.md, "The build with the statistics and the shortcuts").
BATCH_TRIPLES = 30_000


def _no_progress(stage: str, done: int, total: int | None) -> None:
    """A progress callback that shows nothing."""


def _index(folder: RecordFolder, schema: Schema, facts: Facts) -> tuple[RecordIndex, list[RecordProblem]]:
    """Pass 1: every id (and the acyclic references), so references are checked in one pass;
    ``facts`` notes what the statistics need of organisations and programmes."""
    index = RecordIndex()
    fields = frozenset({"id"} | Facts.FIELDS | {f.name for spec in schema.records.values()
                                                for f in spec.fields.values() if f.acyclic})
    return index, index_records(facts.watch(folder.records(fields=fields)), index, schema)


def _refuse(folder: RecordFolder, problems: list[RecordProblem], syntax: list[RecordProblem]) -> None:
    """Raise the records' problems, if any: files or rows not well-formed first."""
    if folder.broken or syntax:
        raise RecordSyntaxError(problems + syntax + folder.problems())
    if problems:
        raise RecordError(problems)


def build(
    records: Path | str = "records",
    out_dir: Path | str | None = "dist",
    *,
    base_iri: str = DEFAULT_BASE_IRI,
    include_personal_data: bool = False,
    batch_triples: int = BATCH_TRIPLES,
    progress: Progress | None = None,
    validate: bool = True,
    workers: int | None = None,
    profile: BuildProfile | str = BuildProfile.base,
    fail_on: str = "violation", force: bool = False, strict_privacy: bool = False, verify: bool | None = None,
) -> BuildResult:
    """Check, map and validate the records; write ``euproj.ttl`` and ``euproj.nt`` into ``out_dir``.

    Batches of about ``batch_triples`` triples go to ``workers`` processes (default: one per
    core; 1 runs everything here). ``profile="aligned"`` also writes the EURIO, schema.org and
    W3C ORG terms of ``ontology/alignment.ttl`` (:mod:`euproj_rdf.profile`). ``validate=False``
    skips SHACL (records are still checked): for benchmarks, never for a published dump. The
    statistics graph (:mod:`euproj_rdf.stats`) is written beside the dump; ``verify`` recounts it
    with SPARQL (default: graphs of at most ``VERIFY_UP_TO`` triples; a mismatch raises
    :class:`~euproj_rdf.errors.StatisticsError`). ``out_dir=None`` writes nothing; ``out_dir``
    must be new, empty or a build's (``force=True``: any, :mod:`euproj_rdf.outputs`). Raises
    :class:`RecordError` listing every record problem (and personal data in free text with
    ``strict_privacy``; else warnings in ``result.privacy``); ``result.written`` says whether
    the dump was written.
    """
    started = time.perf_counter()
    base_iri = absolute_iri(base_iri, "--base-iri", base=True)
    if out_dir is not None:
        check_output(Path(out_dir), "dump", force=force)
    tick = progress or _no_progress
    folder, schema = RecordFolder(records), default_schema()
    facts = Facts(links=link_fields(schema))
    index, problems = _index(folder, schema, facts)
    result = BuildResult(report=ValidationReport(), fail_on=fail_on)
    where = Path(out_dir) if out_dir is not None else Path(tempfile.gettempdir())
    with writing(where), scratch(where) as work, tuned_collector():
        ctx = BatchContext(schema, index, concept_notations(), compile_mapping(
            schema, base_iri=base_iri, include_personal_data=include_personal_data), load_shapes(resource(SHAPES_FILE)),
            load_profile(getattr(profile, "value", profile), resource(ALIGNMENT_FILE)),
            folder.layouts, concept_lines(), validate, Path(work), extra_concept_lines(), facts)
        with BatchRunner(ctx, workers=max(1, workers if workers is not None else os.cpu_count() or 1), batch_triples=batch_triples) as runner:
            runs = _Runs(problems, total=sum(len(v) for v in index.ids.values()))
            for res in runner.run(folder.items()):
                runs.add(res, result, tick)
            chunks = runner.chunks()
            titles = runner.titles()
        _refuse(folder, runs.problems, runs.syntax)
        result.privacy = sorted(runs.personal)
        if strict_privacy and runs.personal:
            raise RecordError(runs.personal)
        result.report.results.sort()
        busy = {ctx.mapper.record_iri("organisation", org) for org, n in runs.tally.org_projects.items()
                if n > derived.PARTNERS_FROM}
        paged = {ctx.mapper.record_iri("organisation", org) for org, n in runs.tally.org_projects.items()
                 if n >= derived.PAGE}
        organisations = ctx.mapper.record_iri("organisation", "")
        # the projects another names as its predecessor (a self-link would be a cycle, refused)
        continued = {ctx.mapper.record_iri("project", target)
                     for rid, targets in index.edges.get(("project", "predecessors"), {}).items()
                     for target in targets if target != rid}
        # the projects that directly continue each project: its successors, and those naming it
        # as their predecessor (for the chains of the page of successor-chains)
        later: dict[str, list[str]] = {}
        project_iri = ctx.mapper.record_iri
        for rid, targets in index.edges.get(("project", "successors"), {}).items():
            later.setdefault(project_iri("project", rid), []).extend(project_iri("project", t) for t in targets)
        for rid, targets in index.edges.get(("project", "predecessors"), {}).items():
            for target in targets:
                later.setdefault(project_iri("project", target), []).append(project_iri("project", rid))
        # what only the batches needed goes before the walk and the writing, so that neither it
        # nor the writers forked from this process hold it: the records' index (a few hundred
        # MB at a million projects), the compiled mapping, the shapes
        del ctx, runner, index
        ranks, runs.tally.pages = derived.rank_chunks(titles, Path(work), busy,
                                                      lambda o: facts.name(o[len(organisations):]), continued, paged,
                                                      later)
        chunks += ranks
        # the name each organisation shows in a list, chosen from every record naming it
        chunks.append(write_chunk(derived.name_lines(facts.names, organisations), Path(work) / "names.nt"))
        if result.conforms and out_dir is not None:
            _write(result, chunks, Path(out_dir), cube_lines(runs.tally, facts, base_iri=base_iri), base_iri=base_iri,
                   verify=verify if verify is not None else runs.produced <= VERIFY_UP_TO, tick=tick)
        else:
            result.triples = sum(1 for _ in merge_sorted(chunks))
    result.seconds = time.perf_counter() - started
    return result


class _Runs:
    """What the batches of a build gave, gathered as they finish."""

    def __init__(self, problems: list[RecordProblem], *, total: int):
        self.problems, self.total = problems, total
        self.syntax: list[RecordProblem] = []
        self.personal: list[RecordProblem] = []
        self.tally = Tally()
        self.done = self.produced = 0

    def add(self, res: BatchResult, result: BuildResult, tick: Progress) -> None:
        self.problems += res.problems
        self.syntax += res.syntax
        self.personal += res.privacy
        self.tally.merge(res.tally)
        self.produced += res.triples
        self.done += res.records
        result.records.update(res.counts)
        result.report.results.extend(res.results)
        tick("build", self.done, self.total)


def _write(result: BuildResult, chunks: list[Path], out: Path, cube: Iterable[str], *, base_iri: str, verify: bool,
           tick: Progress) -> None:
    """Write the dump and its statistics (recounted on the graph first when ``verify``)."""
    if verify:
        tick("verify", 0, None)
        cube = list(cube)
        verify_statistics(merge_sorted(chunks), cube, base_iri=base_iri)
    tick("write", 0, None)
    # the statistics are written by a forked process while this one writes the dump (started
    # first: it must not inherit the pipe write_dump opens to its own Turtle writer)
    with Background(write_statistics, cube, out) as statistics:
        result.turtle, result.ntriples, result.triples = write_dump(chunks, out)
        mark(out, "dump")
        ttl, nt, result.statistics_triples = statistics.result()
    result.statistics = (ttl, nt)
    result.written = True


def check(records: Path | str = "records", *, base_iri: str = DEFAULT_BASE_IRI, batch_triples: int = BATCH_TRIPLES,
          progress: Progress | None = None, workers: int | None = None) -> BuildResult:
    """Run every check of :func:`build` without writing anything."""
    return build(records, None, base_iri=base_iri, batch_triples=batch_triples, progress=progress, workers=workers)
