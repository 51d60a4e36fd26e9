"""Importing the EU's own open data into curated records: CORDIS, Kohesio, keep.eu and any
list of projects through a column layout.

:func:`import_files` reads the files of one format, maps what the sources mean onto the curated
record format (each value with its file and row, the original text beside the normalised
value), reconciles organisations with each other and with the records already there, and
writes the records, ``rejects.tsv`` (every row or value not imported, with the reason) and,
when there are any, ``organisations.sssom.tsv`` (organisations that may be the same, for a
curator) into the output folder — atomically, and byte-identically for the same input.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError, EuprojError
from .common import Context
from .draft import Draft, Rejects
from .read import ImportInputError
from .reconcile import SSSOM_FILE, Reconciler

__all__ = ["DownloadOptions", "FORMATS", "ImportResult", "ImportRejected", "ImportInputError", "describe", "import_files"]

FORMATS = ("cordis", "kohesio", "keep", "table", "labels")


class ImportRejected(EuprojError):
    """Rows or values were rejected (listed in the rejects report); the records were written."""

    exit_code = 2

    def __init__(self, message: str, result: ImportResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class DownloadOptions:
    """Where ``import labels`` downloads the tables from when no file is named, and its cache."""

    tables: tuple[str, ...] = ("country", "language", "eu-programme")
    endpoint: str = "https://publications.europa.eu/webapi/rdf/sparql"
    cache: Path = Path(".cache/labels")
    offline: bool = False


@dataclass
class ImportResult:
    out: Path
    counts: dict[str, int]
    rejects: int
    rejected_rows: int
    rows: int
    uncertain: int
    merged_into_existing: int
    written: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rejects_file(self) -> Path:
        return self.out / "rejects.tsv"


def _display(path: Path) -> str:
    return path.name


def import_files(
    fmt: str,
    files: Sequence[Path | str],
    out: Path | str,
    *,
    records: Path | str | None = "records",
    layout: Path | str | None = None,
    encoding: str | None = None,
    allow_rejects: bool = False,
    as_csv: bool = False,
    download: DownloadOptions | None = None,
) -> ImportResult:
    """Import ``files`` of format ``fmt`` into the folder ``out`` (replaced as a whole).

    ``records`` is the folder of records already there (curated, or earlier imports): its
    organisations are reconciled with the imported ones. ``layout`` is the column layout of the
    ``table`` format. The ``labels`` format reads SKOS files of the EU authority tables and
    writes their labels as a named graph (``authority-labels.nq``, :mod:`.labels`). ``as_csv``
    writes projects and organisations as CSV files the build reads in parallel (for big
    imports; the same triples as the YAML records). For ``labels`` without files, the tables of
    ``download`` (default: country, language, EU programme) are downloaded from the Publications
    Office, or read from its cache (:mod:`.download`). Raises :class:`ImportRejected` after
    writing when rows or values were rejected, unless ``allow_rejects``.
    """
    started = time.perf_counter()
    if fmt not in FORMATS:
        raise ConfigError(f"unknown import format '{fmt}': use one of {', '.join(FORMATS)}")
    paths = [Path(f) for f in files]
    out_dir = Path(out)
    if fmt == "labels":
        if not paths:
            from .download import download_tables

            d = download or DownloadOptions()
            paths = download_tables(d.tables, endpoint=d.endpoint, cache=d.cache, offline=d.offline)
        return _labels(paths, out_dir, started)
    if not paths:
        raise ConfigError("give at least one file to import")
    draft = Draft()
    try:
        ctx, written = _run(fmt, paths, out_dir, draft, records, layout, encoding, as_csv)
        counts = draft.counts()
    finally:
        draft.close()
    result = ImportResult(out_dir, counts, len(ctx.rejects), len(ctx.rejects.rows),
                          ctx.options.get("rows", 0), len(ctx.orgs.pairs), len(ctx.orgs.merged_into_existing),
                          written, time.perf_counter() - started)
    if ctx.rejects and not allow_rejects:
        raise ImportRejected(
            f"{len(ctx.rejects)} row(s) or value(s) rejected ({len(ctx.rejects.rows)} whole row(s)), listed in "
            f"{result.rejects_file}; the rest was written. Pass --allow-rejects to accept that.",
            result,
        )
    return result


def _run(fmt: str, paths: list[Path], out_dir: Path, draft: Draft, records: Path | str | None,
         layout: Path | str | None, encoding: str | None, as_csv: bool) -> tuple[Context, list[Path]]:
    rejects = Rejects()
    ctx = Context(draft, rejects, Reconciler(draft, fmt, rejects), {"encoding": encoding})
    if records is not None:
        from ..records import csv_layouts

        ctx.orgs.add_existing(Path(records), out_dir, csv_layouts())
    ctx.orgs.read_decisions(out_dir / SSSOM_FILE)
    pairs = [(p, _display(p)) for p in paths]
    if fmt == "cordis":
        from .cordis import import_cordis

        import_cordis(ctx, pairs)
    elif fmt == "kohesio":
        from .kohesio import import_kohesio

        import_kohesio(ctx, pairs)
    elif fmt == "keep":
        from .keep import import_keep

        import_keep(ctx, pairs)
    else:
        if layout is None:
            raise ConfigError("the table format needs a column layout: --layout FILE")
        from .table import import_table

        import_table(ctx, pairs, Path(layout))
    _tidy(draft)
    extra: dict[str, str] = {}
    sssom = ctx.orgs.sssom()
    if sssom:
        extra[SSSOM_FILE] = sssom
    written = draft.write(out_dir, ctx.rejects, extra, as_csv=as_csv)
    return ctx, written


def _labels(paths: list[Path], out: Path, started: float) -> ImportResult:
    from ..files import fresh_folder
    from .labels import LABELS_FILE, labels_graph

    text, n = labels_graph(paths)
    with fresh_folder(out) as work:
        (work / LABELS_FILE).write_text(text, encoding="utf-8", newline="\n")
    return ImportResult(out, {"label": n}, 0, 0, 0, 0, 0, [out / LABELS_FILE], time.perf_counter() - started)


def _tidy(draft: Draft) -> None:
    """Drop working keys and empty lists before writing."""
    for table in draft.records.values():
        for rec in table.values():
            for key in [k for k, v in rec.items() if k.startswith("_") or v == []]:
                del rec[key]


def describe(result: ImportResult) -> str:
    counts = ", ".join(f"{n} {t.replace('_', ' ')}{'' if t.endswith('_facts') else 's'}"
                       for t, n in sorted(result.counts.items()))
    text = f"Wrote {result.out}: {counts} in {result.seconds:.2f} s."
    if result.merged_into_existing:
        text += f" {result.merged_into_existing} organisation(s) matched existing records."
    if result.uncertain:
        text += f" {result.uncertain} uncertain organisation match(es) in {result.out / SSSOM_FILE}."
    text += f" {result.rejects} rejected (see {result.rejects_file})." if result.rejects else " Nothing rejected."
    return text
