"""The EU authority tables' labels downloaded from the Publications Office, and cached.

Without a file named, ``import labels`` asks the Publications Office's SPARQL endpoint for the
labels of the tables (by default the country, language and EU programme tables): one
CONSTRUCT query a table, answered in Turtle with the table as a ``skos:ConceptScheme``, its
version and every concept's ``skos:prefLabel``, which :mod:`.labels` reads like a file of the
table. Each answer is kept in the cache folder (``.cache/labels`` by default, a file per query)
and asked again only when the query changes, as ``link`` does with Wikidata. ``offline`` uses
the cache only: a table that is not there is an error (exit 3), never a graph without it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from ..errors import TableDownloadError
from ..files import atomic_write
from ..http import HttpClient, reply_text
from ..vocab import AUTHORITY, OWL, SKOS

__all__ = ["DEFAULT_TABLES", "PO_SPARQL", "download_tables", "table_query"]

#: the Publications Office's SPARQL endpoint (the EU Vocabularies tables are in it)
PO_SPARQL = "https://publications.europa.eu/webapi/rdf/sparql"
DEFAULT_TABLES = ("country", "language", "eu-programme")


def table_query(table: str) -> str:
    iri = f"<{AUTHORITY}{table}>"
    return (f"PREFIX skos: <{SKOS}>\nPREFIX owl: <{OWL}>\n"
            f"CONSTRUCT {{ {iri} a skos:ConceptScheme ; owl:versionInfo ?version . ?concept skos:prefLabel ?label }}\n"
            f"WHERE {{ {{ {iri} owl:versionInfo ?version }} UNION {{ ?concept skos:inScheme {iri} ; skos:prefLabel ?label }} }}\n")


def download_tables(tables: Sequence[str] = DEFAULT_TABLES, *, endpoint: str = PO_SPARQL,
                    cache: Path = Path(".cache/labels"), offline: bool = False, timeout: float = 120.0) -> list[Path]:
    """The cached Turtle answers of the tables' labels, downloaded first when not cached."""
    paths: list[Path] = []
    client: HttpClient | None = None
    try:
        for table in tables:
            query = table_query(table)
            key = hashlib.sha256(f"{endpoint}\n{query}".encode()).hexdigest()[:16]
            path = cache / f"{table}-{key}.ttl"
            paths.append(path)
            if path.is_file():
                continue
            if offline:
                raise TableDownloadError(
                    f"the {table} table is not in the cache {cache} and --offline forbids downloading it: "
                    f"run once without --offline, or name a file of the table; nothing was written")
            if client is None:
                client = HttpClient(error=TableDownloadError, timeout=timeout,
                                    unreachable="cannot reach {url}: {error}; nothing was written")
            resp = client.request("GET", endpoint, params={"query": query}, headers={"Accept": "text/turtle"},
                                  step=f"the {table} table")
            if resp.status_code != 200:
                raise TableDownloadError(f"the {table} table: {endpoint} answered {resp.status_code}: "
                                         f"{reply_text(resp)}; nothing was written")
            _check(resp.content, table, endpoint)
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(path, "wb") as fh:
                fh.write(resp.content)
    finally:
        if client is not None:
            client.close()
    return paths


def _check(body: bytes, table: str, endpoint: str) -> None:
    try:
        labels = sum(1 for t in ox.parse(body, format=ox.RdfFormat.TURTLE) if t.predicate.value == SKOS + "prefLabel")
    except SyntaxError:
        raise TableDownloadError(f"the {table} table: {endpoint} did not answer in Turtle; nothing was written") from None
    if not labels:
        raise TableDownloadError(f"the {table} table: {endpoint} knows no labels of {AUTHORITY}{table}; "
                                 "nothing was written")
