"""Commands that put the graph somewhere and ask it: ``load``, ``query``, ``serve``, ``publish``
and ``push``."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import typer

from ..errors import ConfigError
from ..push import Auth, StoreKind
from ..query import ResultFormat, format_result, run_query
from ..store import load_store
from .common import BASE, DUMP, FORCE, PROGRESS, app, library_errors, progress_bar, read_query


@app.command()
def load(
    ctx: typer.Context,
    dump: Path = DUMP,
    store: Path = typer.Option(Path("dist/store"), "--store", help="Folder of the embedded pyoxigraph store."),
    labels: list[Path] = typer.Option([], "--labels", help="N-Quads of named graphs to load beside the dump (authority-table labels written by `import labels`)."),
    graph: str = typer.Option(None, "--graph", help="Replace only this named graph (an IRI) with the dump; the store's other graphs are kept."),
    force: bool = FORCE,
    progress: bool = PROGRESS,
) -> None:
    """Load the built graph into the embedded store, replacing what it held (atomically).

    Python: euproj_rdf.load_store(dump, store, named=…) or load_store(dump, store, graph=…).
    """
    with library_errors(ctx), progress_bar(progress) as tick:
        result = load_store(dump, store, named=labels, graph=graph, force=force, progress=tick)
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
    with library_errors(ctx):
        if (sparql is None) == (file is None):
            raise ConfigError("give the query as an argument or with --file, not both")
        text = sparql if file is None else read_query(file)
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
    cache_mb: int = typer.Option(64, "--cache-mb", min=0, help="Megabytes of query answers kept to answer a repeated query at once (emptied when the store changes; 0: no cache)."),
) -> None:
    """Serve the store: a read-only SPARQL endpoint at /sparql and Linked Data under /id/.

    Runs until SIGTERM or Ctrl-C, then lets running queries finish (up to the time limit).
    After `load`, the running server switches all its workers to the new store at once.

    Python: euproj_rdf.serve.Endpoint(ServerSettings(store), port=…).serve().
    """
    from ..serve import Endpoint, ServerSettings

    with library_errors(ctx):
        settings = ServerSettings(store=store, base_iri=base_iri, timeout=timeout, max_results=max_results,
                                  workers=workers, allow_service=tuple(allow_service), max_body=max_body,
                                  max_connections=max_connections, header_timeout=client_timeout,
                                  body_timeout=client_timeout, access_log=access_log,
                                  cache_bytes=cache_mb * 1024 * 1024)
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

    from ..publish import load_release_info
    from ..publish import publish as run_publish
    from ..resources import DCAT_AP_SHAPES_FILE, resource

    with library_errors(ctx):
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
    from ..push import push as run_push
    from ..push import target_for

    with library_errors(ctx):
        target = target_for(endpoint, kind, user=user, password=password, auth=auth)
        result = run_push(dump, target, graph=graph, chunk_triples=chunk, retries=retries)
    where = f"<{result.graph}>" if result.graph else "the default graph"
    typer.echo(f"Replaced {where} at {endpoint}: {result.triples} triples in {result.chunks} chunk(s), "
               f"{result.seconds:.2f} s.")
