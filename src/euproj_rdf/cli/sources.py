"""Commands that bring data in from elsewhere: ``link``, ``link-apply`` and ``import``."""

from __future__ import annotations

from pathlib import Path

import typer

from ..link import WIKIDATA, SparqlClient, apply_sssom, propose, write_sssom
from .common import LINK_TABLE, RECORDS, app, library_errors


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
    with library_errors(ctx):
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
    with library_errors(ctx):
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
    from ..importers import DownloadOptions, ImportRejected, describe, import_files

    with library_errors(ctx):
        try:
            download = DownloadOptions(tuple(table), endpoint, cache, offline)
            result = import_files(fmt, files or [], out, records=records if records.exists() else None, layout=layout,
                                  encoding=encoding, allow_rejects=allow_rejects, as_csv=as_csv, download=download)
        except ImportRejected as exc:
            typer.echo(describe(exc.result))
            raise
    typer.echo(describe(result))
