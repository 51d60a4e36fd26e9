"""The ``euproj-rdf`` command line: thin verbs over the library.

Each command parses its options, calls one library function, prints, and exits with:

  0  done (the graph conforms)
  1  the graph does not conform to the shapes (report printed, nothing written)
  2  bad input or configuration (records, mapping, options; one ``Error:`` line each)
  3  store or network failure
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import typer

from . import pipeline
from .errors import ConfigError, EuprojError, RecordError
from .link import WIKIDATA, SparqlClient, apply_sssom, propose, write_sssom
from .pipeline import BuildProfile
from .push import Auth, StoreKind
from .query import ResultFormat, format_result, run_query
from .store import load_store

EXIT_CODES = """Exit codes: 0 conforms and done; 1 does not conform (nothing written); 2 bad input or configuration; 3 store or network failure."""

app = typer.Typer(
    name="euproj-rdf",
    help="Curated records of EU-funded cooperation projects → validated linked data.\n\n" + EXIT_CODES,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


class ReportFormat(str, enum.Enum):
    text = "text"
    turtle = "turtle"


class ShaclFormat(str, enum.Enum):
    text = "text"
    turtle = "turtle"
    json = "json"


class FailOn(str, enum.Enum):
    violation = "violation"
    warning = "warning"
    info = "info"


@dataclass
class Settings:
    """What the options before the command set, kept in typer's ``Context.obj``."""

    debug: bool = False


@app.callback()
def _main(ctx: typer.Context, debug: bool = typer.Option(False, "--debug", help="Show a traceback on errors.")) -> None:
    ctx.obj = Settings(debug=debug)


def _debug(ctx: typer.Context) -> bool:
    settings = ctx.find_object(Settings)
    return settings is not None and settings.debug


def _err(message: str) -> None:
    typer.echo(message, err=True)


@contextmanager
def _errors(ctx: typer.Context) -> Iterator[None]:
    """Turn library errors into one ``Error:`` line per problem and the documented exit code
    (with ``--debug``, into a traceback)."""
    try:
        yield
    except RecordError as exc:
        if _debug(ctx):
            raise
        for problem in exc.problems:
            _err(f"Error: {problem}")
        _err(f"{len(exc.problems)} problem(s) in the records; nothing was written.")
        raise typer.Exit(exc.exit_code) from None
    except EuprojError as exc:
        if _debug(ctx):
            raise
        _err(f"Error: {exc}")
        raise typer.Exit(exc.exit_code) from None


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int, int | None], None] | None]:
    """A rich progress bar on a terminal; nothing when piped."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def _print_results(result: pipeline.BuildResult, *, quiet: bool) -> None:
    for r in result.report.results:
        if r.severity == "Violation" or not quiet:
            _err(str(r))
    if not quiet:
        from .privacy import as_warning

        for p in result.privacy:
            _err(as_warning(p))


# options shared by several commands, declared once
RECORDS = typer.Option(Path("records"), "--records", "-r", help="Folder (or file) of curated records.")
BASE = typer.Option(pipeline.DEFAULT_BASE_IRI, "--base-iri", help="Base IRI of the identifiers minted.")
WORKERS = typer.Option(None, "--workers", "-j", min=1, help="Worker processes (default: one per core).")
PROGRESS = typer.Option(True, "--progress/--no-progress", help="Progress bar on a terminal.")
DUMP = typer.Option(Path("dist/euproj.nt"), "--dump", help="The N-Triples dump written by `build`.")
LINK_TABLE = Path("links/wikidata.sssom.tsv")
FORCE = typer.Option(False, "--force", help="Replace the output even where it exists and was not written by euproj-rdf.")


@app.command()
def build(
    ctx: typer.Context,
    records: Path = RECORDS,
    out: Path = typer.Option(Path("dist"), "--out", "-o", help="Output folder."),
    base_iri: str = BASE,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print violations only, no warnings or summary."),
    progress: bool = PROGRESS,
    workers: int = WORKERS,
    profile: BuildProfile = typer.Option(BuildProfile.base, "--profile", help="aligned: also write the EURIO, schema.org and W3C ORG terms of ontology/alignment.ttl."),
    fail_on: FailOn = typer.Option(FailOn.violation, "--fail-on", help="The least severe result that fails the build."),
    force: bool = FORCE,
    strict_privacy: bool = typer.Option(False, "--strict-privacy", help="Personal data (phone numbers, e-mail addresses, identity numbers) in free text is an error, not a warning."),
) -> None:
    """Check, map and validate the records; write OUT/euproj.ttl and OUT/euproj.nt.

    Nothing is written unless every record is well-formed and no result is at least as severe
    as --fail-on (violations by default).
    Python: euproj_rdf.build(records, out, fail_on="violation").
    """
    with _errors(ctx), _progress(progress) as tick:
        result = pipeline.build(records, out, base_iri=base_iri, progress=tick, workers=workers, profile=profile,
                                fail_on=fail_on.value, force=force,
                                strict_privacy=strict_privacy)
    _print_results(result, quiet=quiet)
    if not result.written:
        if fail_on is FailOn.violation:
            _err(f"Error: the graph does not conform to the shapes ({len(result.report.violations)} violation(s)); nothing was written.")
        else:
            _err(f"Error: the graph has results of severity {fail_on.value} or above; nothing was written.")
        raise typer.Exit(1)
    if not quiet:
        counts = ", ".join(f"{n} {t}s" for t, n in sorted(result.records.items()))
        typer.echo(f"Wrote {result.turtle} and {result.ntriples}: {result.triples} triples from {counts} "
                   f"in {result.seconds:.2f} s.")


@app.command()
def validate(
    ctx: typer.Context,
    records: Path = RECORDS,
    base_iri: str = BASE,
    format: ReportFormat = typer.Option(ReportFormat.text, "--format", "-f", help="Report as text or as a SHACL report in Turtle."),
    progress: bool = PROGRESS,
    workers: int = WORKERS,
) -> None:
    """Run every check of `build` without writing anything; print the report.

    Python: euproj_rdf.check(records).
    """
    with _errors(ctx), _progress(progress) as tick:
        result = pipeline.check(records, base_iri=base_iri, progress=tick, workers=workers)
    if format is ReportFormat.turtle:
        typer.echo(result.report.turtle(), nl=False)
    else:
        typer.echo(result.report.text())
    raise typer.Exit(0 if result.conforms else 1)


@app.command()
def shacl(
    ctx: typer.Context,
    data: Path = typer.Argument(..., help="The data graph: Turtle, N-Triples, RDF/XML or JSON-LD (by extension)."),
    shapes: Path | None = typer.Option(None, "--shapes", "-s", help="The shapes graph (default: the data file itself)."),
    format: ShaclFormat = typer.Option(ShaclFormat.text, "--format", "-f", help="The validation report as text, Turtle or JSON."),
) -> None:
    """Validate any RDF file against any SHACL shapes (SHACL Core and SHACL-SPARQL).

    Exit codes as pySHACL's: 0 conforms, 1 does not conform, 2 bad data or shapes.
    Python: euproj_rdf.validation.validate_file(data, shapes=shapes).
    """
    from .validation import validate_file

    with _errors(ctx):
        report = validate_file(data, shapes=shapes)
    typer.echo(getattr(report, format.value)(), nl=format is ShaclFormat.text)
    raise typer.Exit(0 if report.conforms else 1)


@app.command()
def load(
    ctx: typer.Context,
    dump: Path = DUMP,
    store: Path = typer.Option(Path("dist/store"), "--store", help="Folder of the embedded pyoxigraph store."),
    labels: list[Path] = typer.Option([], "--labels", help="N-Quads of named graphs to load beside the dump (authority-table labels written by `import labels`)."),
    graph: str = typer.Option(None, "--graph", help="Replace only this named graph (an IRI) with the dump; the store's other graphs are kept."),
    force: bool = FORCE,
) -> None:
    """Load the built graph into the embedded store, replacing what it held (atomically).

    Python: euproj_rdf.load_store(dump, store, named=…) or load_store(dump, store, graph=…).
    """
    with _errors(ctx):
        result = load_store(dump, store, named=labels, graph=graph, force=force)
    typer.echo(f"Loaded {result.triples} triples into {result.store}" + (f" (graph <{graph}>)." if graph else "."))


@app.command()
def query(
    ctx: typer.Context,
    sparql: str = typer.Argument(None, help="The SPARQL query (or use --file)."),
    file: Path = typer.Option(None, "--file", help="Read the query from a .rq file."),
    store: Path = typer.Option(Path("dist/store"), "--store", help="Folder of the embedded store to ask."),
    endpoint: str = typer.Option(None, "--endpoint", help="Ask this SPARQL endpoint instead of the local store."),
    format: ResultFormat = typer.Option(None, "--format", "-f", help="Output format; default: table on a terminal, csv (turtle for graphs) when piped."),
) -> None:
    """Answer a SPARQL query from the local store or a remote endpoint.

    Python: euproj_rdf.run_query(query, store=…) or run_query(query, endpoint=…).
    """
    with _errors(ctx):
        if (sparql is None) == (file is None):
            raise ConfigError("give the query as an argument or with --file, not both")
        text = sparql if file is None else _read_query(file)
        result = run_query(text, endpoint=endpoint) if endpoint else run_query(text, store=store)
        if format is None:
            graph = not isinstance(result, (ox.QuerySolutions, ox.QueryBoolean))
            format = ResultFormat.table if sys.stdout.isatty() else (ResultFormat.turtle if graph else ResultFormat.csv)
        data = format_result(result, format)
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


@app.command()
def serve(
    ctx: typer.Context,
    store: Path = typer.Option(Path("dist/store"), "--store", help="Folder of the embedded store to serve."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", "-p", help="Port to listen on."),
    base_iri: str = BASE,
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds a query may run before it is stopped."),
    max_results: int = typer.Option(10_000, "--max-results", help="Rows (or triples) a query may return."),
    workers: int = typer.Option(2, "--workers", help="Query worker processes (more start while queries run long)."),
    allow_service: list[str] = typer.Option([], "--allow-service", help="A SPARQL endpoint that queries may name in SERVICE (exact URL; repeatable). Without it, SERVICE is refused."),
    max_body: int = typer.Option(1024 * 1024, "--max-body", help="Bytes a request body may have (413 beyond)."),
    max_connections: int = typer.Option(1000, "--max-connections", help="Open connections (503 beyond)."),
    client_timeout: float = typer.Option(10.0, "--client-timeout", help="Seconds a client has for a request's headers, for its body, and idle between requests."),
    access_log: Path = typer.Option(None, "--access-log", help="Append a Common Log Format line per request to this file ('-': standard output)."),
) -> None:
    """Serve the store: a read-only SPARQL endpoint at /sparql and Linked Data under /id/.

    Runs until SIGTERM or Ctrl-C, then lets running queries finish (up to the time limit).
    After `load`, the running server switches all its workers to the new store at once.

    Python: euproj_rdf.serve.Endpoint(ServerSettings(store), port=…).serve().
    """
    from .serve import Endpoint, ServerSettings

    with _errors(ctx):
        settings = ServerSettings(store=store, base_iri=base_iri, timeout=timeout, max_results=max_results,
                                  workers=workers, allow_service=tuple(allow_service), max_body=max_body,
                                  max_connections=max_connections, header_timeout=client_timeout,
                                  body_timeout=client_timeout, access_log=access_log)
        server = Endpoint(settings, host=host, port=port)
        typer.echo(f"Serving {store} at {server.url}/ (SPARQL: /sparql); Ctrl-C stops.")
        server.serve()
    typer.echo("Stopped.")


@app.command()
def publish(
    ctx: typer.Context,
    dist: Path = typer.Option(Path("dist"), "--dist", help="Folder of the built dump (euproj.nt, euproj.ttl)."),
    out: Path = typer.Option(Path("dist/release"), "--out", "-o", help="Release folder to write."),
    config: Path = typer.Option(Path("release.yaml"), "--config", help="Release metadata (title, publisher, licence, dates…)."),
    issued: str = typer.Option(None, "--issued", help="Issue date YYYY-MM-DD (default: from the config)."),
    modified: str = typer.Option(None, "--modified", help="Modification date YYYY-MM-DD (default: from the config)."),
    today: bool = typer.Option(False, "--today", help="Use today's date as the modification date."),
    labels: Path = typer.Option(None, "--labels", help="Authority labels graph (from `import labels`) to release as a distribution of its own (default: `labels` of the config)."),
    force: bool = FORCE,
) -> None:
    """Write a release: Turtle, gzipped N-Triples and JSON-LD, described with DCAT-AP 3 and VoID.

    The description is validated against the DCAT-AP 3 shapes first; nothing is written if it
    does not conform. Python: euproj_rdf.publish(dist, out, info=…, dcat_shapes=…).
    """
    import datetime

    from .publish import load_release_info
    from .publish import publish as run_publish
    from .resources import DCAT_AP_SHAPES_FILE, resource

    with _errors(ctx):
        if today:
            modified = datetime.date.today().isoformat()
        info = load_release_info(config, issued=issued, modified=modified)
        result = run_publish(dist, out, info=info, dcat_shapes=resource(DCAT_AP_SHAPES_FILE), labels=labels,
                             force=force)
    sizes = ", ".join(f"{name} ({size} bytes)" for name, size in result.files.items())
    typer.echo(f"Wrote {result.folder}: {sizes}; {result.triples} triples, {result.entities} entities.")


@app.command()
def push(
    ctx: typer.Context,
    endpoint: str = typer.Option(..., "--endpoint", help="Base URL of the store (e.g. http://127.0.0.1:7878/)."),
    kind: StoreKind = typer.Option(StoreKind.oxigraph, "--kind", help="Store kind (fuseki: the dataset's URL)."),
    graph: str = typer.Option(None, "--graph", help="Named graph to replace (default: the default graph)."),
    dump: Path = DUMP,
    user: str = typer.Option(None, "--user", help="User name for the store."),
    password: str = typer.Option(None, "--password", envvar="EUPROJ_STORE_PASSWORD", help="Password (or EUPROJ_STORE_PASSWORD)."),
    auth: Auth = typer.Option(None, "--auth", help="basic or digest (default: digest for virtuoso, else basic)."),
    chunk: int = typer.Option(100_000, "--chunk", help="Triples per upload request."),
    retries: int = typer.Option(3, "--retries", help="Retries of a failed request, with backoff."),
) -> None:
    """Replace a graph in an external store with the dump, atomically (upload, verify, MOVE).

    Python: euproj_rdf.push(dump, target_for(endpoint, kind), graph=…).
    """
    from .push import push as run_push
    from .push import target_for

    with _errors(ctx):
        target = target_for(endpoint, kind, user=user, password=password, auth=auth)
        result = run_push(dump, target, graph=graph, chunk_triples=chunk, retries=retries)
    where = f"<{result.graph}>" if result.graph else "the default graph"
    typer.echo(f"Replaced {where} at {endpoint}: {result.triples} triples in {result.chunks} chunk(s), "
               f"{result.seconds:.2f} s.")


@app.command()
def link(
    ctx: typer.Context,
    records: Path = RECORDS,
    endpoint: str = typer.Option(WIKIDATA, "--endpoint", help="SPARQL endpoint with rdfs:label/skos:altLabel (Wikidata's by default)."),
    types: list[str] = typer.Option(["organisation", "programme", "fund"], "--type", "-t", help="Record types to find links for (repeatable)."),
    out: Path = typer.Option(LINK_TABLE, "--out", "-o", help="The SSSOM mapping table to write."),
    cache: Path = typer.Option(Path(".cache/link"), "--cache", help="Folder of cached answers (asked again only when the query changes)."),
    batch_size: int = typer.Option(20, "--batch-size", min=1, help="Records asked for in one query."),
    min_interval: float = typer.Option(1.0, "--min-interval", min=0.0, help="Seconds between two requests."),
    timeout: float = typer.Option(60.0, "--timeout", min=1.0, help="Seconds to wait for an answer."),
    min_confidence: float = typer.Option(0.3, "--min-confidence", min=0.0, max=1.0, help="Leave out weaker candidates."),
    apply: Path = typer.Option(None, "--apply", hidden=True, help="The same as `euproj-rdf link-apply TABLE`."),
) -> None:
    """Propose Wikidata ids for records without one, as an SSSOM table a curator reviews.

    Matches by label, language and country; batched, cached, rate-limited. Offline, it says so
    and writes nothing. `euproj-rdf link-apply TABLE` (or `link --apply TABLE`) writes the
    accepted rows into the records.
    Python: euproj_rdf.link.propose(records, SparqlClient(endpoint)).
    """
    if apply is not None:
        link_apply(ctx, apply, records)
        return
    with _errors(ctx):
        client = SparqlClient(endpoint, cache=cache, min_interval=min_interval, timeout=timeout)
        proposals = propose(records, client, types=types, batch_size=batch_size, min_confidence=min_confidence)
        write_sssom(proposals, out, endpoint=endpoint)
    subjects = len({p.subject for p in proposals})
    typer.echo(f"Wrote {out}: {len(proposals)} candidate(s) for {subjects} record(s) "
               f"({client.requests_made} request(s), {client.cache_hits} from the cache).")


@app.command("link-apply")
def link_apply(
    ctx: typer.Context,
    table: Path = typer.Argument(LINK_TABLE, help="The SSSOM table whose accepted rows to apply."),
    records: Path = RECORDS,
) -> None:
    """Write the accepted rows of a link table (mapping_justification semapv:ManualMappingCuration) into the records.

    TABLE defaults to links/wikidata.sssom.tsv. A record written in flow style, in a CSV file, or
    already linked to another item is refused with the table's line, and then no record is changed.
    Python: euproj_rdf.link.apply_sssom(table, records).
    """
    with _errors(ctx):
        done = apply_sssom(table, records)
    typer.echo(f"Wrote {len(done)} Wikidata id(s) into the records.")


@app.command("import")
def import_(
    ctx: typer.Context,
    fmt: str = typer.Argument(..., metavar="FORMAT", help="cordis, kohesio, keep, table, or labels (EU authority tables as SKOS)."),
    files: list[Path] = typer.Argument(None, help="The export files (CSV, XLSX or JSON); for labels, none to download the tables."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder the records are written to (replaced as a whole), e.g. records/cordis."),
    records: Path = typer.Option(Path("records"), "--records", "-r", help="Records already there, whose organisations the import reconciles with."),
    layout: Path = typer.Option(None, "--layout", help="Column layout (YAML) of the table format."),
    encoding: str = typer.Option(None, "--encoding", help="Encoding of files that are not UTF-8 (cp1252, latin-1 …)."),
    allow_rejects: bool = typer.Option(False, "--allow-rejects", help="Exit 0 even when rows or values were rejected."),
    as_csv: bool = typer.Option(False, "--as-csv", help="Write projects and organisations as CSV (faster builds of big imports) instead of YAML."),
    table: list[str] = typer.Option(["country", "language", "eu-programme"], "--table", help="labels: an EU authority table to download (repeatable)."),
    endpoint: str = typer.Option("https://publications.europa.eu/webapi/rdf/sparql", "--endpoint", help="labels: the Publications Office's SPARQL endpoint."),
    cache: Path = typer.Option(Path(".cache/labels"), "--cache", help="labels: folder of downloaded tables (downloaded again only when the query changes)."),
    offline: bool = typer.Option(False, "--offline", help="labels: use the cache only; a table not in it is an error (exit 3)."),
) -> None:
    """Import the EU's open-data exports into curated records that build reads.

    Every row is imported or listed in OUT/rejects.tsv (file, row, column, reason); rejected
    rows make the exit code 2 unless --allow-rejects. `import labels` without files downloads
    the EU authority tables from the Publications Office into --cache (exit 3 when it cannot).
    Python: euproj_rdf.importers.import_files(format, files, out).
    """
    from .importers import DownloadOptions, ImportRejected, describe, import_files

    with _errors(ctx):
        try:
            download = DownloadOptions(tuple(table), endpoint, cache, offline)
            result = import_files(fmt, files or [], out, records=records if records.exists() else None, layout=layout,
                                  encoding=encoding, allow_rejects=allow_rejects, as_csv=as_csv, download=download)
        except ImportRejected as exc:
            typer.echo(describe(exc.result))
            raise
    typer.echo(describe(result))


def _read_query(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the query file '{path}': {exc.strerror}") from None


def main() -> None:
    from .cliedge import run

    run(app)


if __name__ == "__main__":  # pragma: no cover
    main()
