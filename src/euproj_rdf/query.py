"""Asking SPARQL questions of the embedded store or of any SPARQL endpoint.

:func:`run_query` returns pyoxigraph's own result objects (solutions, a boolean, or triples),
whether the answer came from the local store or over HTTP, so every output format is written
the same way (:func:`format_result`).
"""

from __future__ import annotations

import enum
import io
from pathlib import Path

import pyoxigraph as ox

from .errors import ConfigError, QueryError, StoreError
from .http import HttpClient, reply_text
from .stats_write import require_statistics
from .vocab import PREFIXES

__all__ = ["ResultFormat", "run_query", "format_result", "QueryError"]


class ResultFormat(str, enum.Enum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    xml = "xml"
    turtle = "turtle"
    ntriples = "ntriples"


_RESULTS = {
    ResultFormat.csv: ox.QueryResultsFormat.CSV,
    ResultFormat.tsv: ox.QueryResultsFormat.TSV,
    ResultFormat.json: ox.QueryResultsFormat.JSON,
    ResultFormat.xml: ox.QueryResultsFormat.XML,
}
_GRAPHS = {ResultFormat.turtle: ox.RdfFormat.TURTLE, ResultFormat.ntriples: ox.RdfFormat.N_TRIPLES}


def run_query(query: str, *, store: Path | str | None = None, endpoint: str | None = None,
              timeout: float = 60.0):
    """Run a SPARQL query on the embedded store at ``store`` or on the ``endpoint`` URL.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "store"
    >>> s = ox.Store(str(folder)); s.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("x"))); del s
    >>> [row["o"].value for row in run_query("SELECT ?o WHERE { ?s ?p ?o }", store=folder)]
    ['x']
    """
    if (store is None) == (endpoint is None):
        raise ConfigError("give either a store or an endpoint")
    if endpoint is not None:
        return _remote(query, endpoint, timeout)
    path = Path(str(store))
    if not path.is_dir():
        raise StoreError(f"no store at '{path}': run 'euproj-rdf build' and 'euproj-rdf load' first")
    try:
        db = ox.Store.read_only(str(path))
    except OSError as exc:
        raise StoreError(f"cannot open the store at '{path}': {exc}") from None
    try:
        require_statistics(db, query)
        return db.query(query)
    except SyntaxError as exc:
        raise QueryError(f"invalid SPARQL: {exc}") from None


def _remote(query: str, endpoint: str, timeout: float):
    accept = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
    http = HttpClient(error=StoreError, timeout=timeout, unreachable="cannot reach the endpoint {url}: {error}")
    try:
        resp = http.request("POST", endpoint, data=query.encode("utf-8"),
                            headers={"Content-Type": "application/sparql-query", "Accept": accept})
    finally:
        http.close()
    if resp.status_code >= 400:
        text = reply_text(resp)
        if resp.status_code == 400:
            raise QueryError(f"the endpoint rejected the query: {text}")
        raise StoreError(f"the endpoint {endpoint} answered {resp.status_code}: {text}")
    ctype = resp.headers.get("Content-Type", "").split(";")[0].strip()
    if ctype in ("application/sparql-results+json", "application/json"):
        return ox.parse_query_results(resp.content, format=ox.QueryResultsFormat.JSON)
    if ctype in ("application/sparql-results+xml", "application/xml"):
        return ox.parse_query_results(resp.content, format=ox.QueryResultsFormat.XML)
    if ctype == "application/n-triples":
        return list(ox.parse(resp.content, format=ox.RdfFormat.N_TRIPLES))
    if ctype == "text/turtle":
        return list(ox.parse(resp.content, format=ox.RdfFormat.TURTLE))
    raise StoreError(f"the endpoint {endpoint} answered with an unexpected content type '{ctype}'")


def _short(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, ns in PREFIXES.items():
            if term.value.startswith(ns) and "/" not in term.value[len(ns):]:
                return f"{prefix}:{term.value[len(ns):]}"
        return term.value
    if isinstance(term, ox.Literal):
        return term.value + (f"@{term.language}" if term.language else "")
    return str(term)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    out = [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]
    return "\n".join(out) + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})\n"


def _serialized(result: ox.QuerySolutions | ox.QueryBoolean, fmt: ox.QueryResultsFormat) -> bytes:
    data = result.serialize(format=fmt)  # without an output, the bytes
    assert data is not None
    return data


def format_result(result, fmt: ResultFormat) -> bytes:
    """Write a query result in the format asked for (tables are for terminals)."""
    if isinstance(result, ox.QueryBoolean):
        if fmt in _RESULTS:
            return _serialized(result, _RESULTS[fmt])
        return (b"true\n" if bool(result) else b"false\n")
    if isinstance(result, ox.QuerySolutions):
        if fmt in _RESULTS:
            return _serialized(result, _RESULTS[fmt])
        if fmt is not ResultFormat.table:
            raise ConfigError(f"a SELECT result cannot be written as {fmt.value}: use table, csv, tsv, json or xml")
        names = [v.value for v in result.variables]
        rows = [[_short(sol[n]) for n in names] for sol in result]
        return _table(names, rows).encode("utf-8")
    triples = list(result)
    if fmt in _GRAPHS:
        buf = io.BytesIO()
        ox.serialize(triples, buf, format=_GRAPHS[fmt], prefixes=PREFIXES if fmt is ResultFormat.turtle else None)
        return buf.getvalue()
    if fmt is ResultFormat.table:
        rows = [[_short(t.subject), _short(t.predicate), _short(t.object)] for t in triples]
        return _table(["subject", "predicate", "object"], rows).encode("utf-8")
    raise ConfigError(f"a graph result cannot be written as {fmt.value}: use turtle, ntriples or table")
