"""What runs inside a query worker process: open the store read-only, then answer jobs.

A worker says ``("ready",)`` once its store is open, so the pool never gives it a query before
that: start-up time never counts against a query's time limit. Each answer is a tuple
``(status, content type, body)``; errors carry a plain-text message that the app wraps in the
JSON error shape.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from typing import IO, Any, cast

import pyoxigraph as ox

from ..errors import StatisticsError
from ..stats_write import require_statistics
from ..vocab import DCT, RDFS, SKOS
from .negotiation import GRAPH_TYPES, SOLUTION_TYPES, negotiate

__all__ = ["worker_main", "answer_query", "describe", "rdf_bytes", "Verdicts"]

Answer = tuple[int, str, bytes]
LABELS = (SKOS + "prefLabel", DCT + "title", RDFS + "label")


def worker_main(store_path: str, max_results: int, conn: Any) -> None:  # pragma: no cover - a child process
    try:
        store = ox.Store.read_only(store_path)
    except OSError as exc:
        conn.send(("failed", str(exc)))
        return
    conn.send(("ready",))
    checked = Verdicts()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if job["kind"] == "query":
                conn.send(answer_query(store, job, max_results, checked))
            else:
                conn.send(describe(store, job["iri"], max_results))
        except Exception as exc:  # noqa: BLE001 - reported to the client, the worker lives on
            conn.send((500, "text/plain", f"{exc.__class__.__name__}: {exc}".encode()))


def rdf_bytes(triples: list[Any], fmt: ox.RdfFormat, prefixes: dict[str, str] | None = None) -> bytes:
    """Triples written in ``fmt`` (with ``prefixes`` where the format has them)."""
    data = ox.serialize(triples, format=fmt, prefixes=prefixes) if prefixes else ox.serialize(triples, format=fmt)
    return bytes(data or b"")


def _graph(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


class Verdicts:
    """What :func:`~euproj_rdf.stats_write.require_statistics` found for the last query texts
    asked of one store that never changes (a worker's snapshot): a text asked again is not
    checked again (the check looks the store up a few times and reads the text with regular
    expressions, which costs as much as a small statistics question itself)."""

    def __init__(self, size: int = 1024):
        self.size = size
        self._seen: OrderedDict[str, str | None] = OrderedDict()

    def check(self, store: ox.Store, text: str) -> None:
        """Raise :class:`StatisticsError` as ``require_statistics`` does, remembering the verdict."""
        if text not in self._seen:
            try:
                require_statistics(store, text)
                verdict = None
            except StatisticsError as exc:
                verdict = str(exc)
            self._seen[text] = verdict
            if len(self._seen) > self.size:
                self._seen.popitem(last=False)
        else:
            self._seen.move_to_end(text)
        if self._seen[text] is not None:
            raise StatisticsError(self._seen[text])


def answer_query(store: ox.Store, job: dict[str, Any], max_results: int, checked: Verdicts | None = None) -> Answer:
    """Run a query job: ``text``, ``accept``, ``base``, and the protocol dataset (``default``,
    ``named``: lists of graph IRIs, or None when the request named no dataset). ``checked``
    keeps the statistics check's verdicts when the store never changes."""
    kwargs: dict[str, Any] = {"base_iri": job.get("base")}
    if job.get("default") is not None or job.get("named") is not None:
        # the protocol's dataset replaces the query's FROM / FROM NAMED; a graph the store
        # does not hold is an empty graph
        kwargs["default_graph"] = [_graph(g) for g in job.get("default") or []]
        kwargs["named_graphs"] = [_graph(g) for g in job.get("named") or []]
    accept = job.get("accept") or ""
    try:
        if checked is not None:
            checked.check(store, job["text"])
        else:
            require_statistics(store, job["text"])
    except StatisticsError as exc:  # a store loaded from a release without the statistics graph
        return 409, "text/plain", str(exc).encode()
    try:
        result = store.query(job["text"], **kwargs)
    except SyntaxError as exc:
        return 400, "text/plain", f"invalid SPARQL: {exc}".encode()
    except OSError as exc:
        if job.get("federated"):
            return 502, "text/plain", f"a SERVICE endpoint failed: {exc}".encode()
        raise
    try:
        return _serialize(result, accept, max_results)
    except OSError as exc:  # SERVICE calls happen while the result is read
        if job.get("federated"):
            return 502, "text/plain", f"a SERVICE endpoint failed: {exc}".encode()
        raise


def _serialize(result: Any, accept: str, max_results: int) -> Answer:
    if isinstance(result, ox.QueryBoolean):
        offer = negotiate(accept, SOLUTION_TYPES)
        if offer is None:
            return 406, "text/plain", b"no acceptable media type for a boolean result"
        return 200, offer[0], bytes(result.serialize(format=getattr(ox.QueryResultsFormat, offer[1])) or b"")
    if isinstance(result, ox.QuerySolutions):
        offer = negotiate(accept, SOLUTION_TYPES)
        if offer is None:
            return 406, "text/plain", b"no acceptable media type for solutions"
        rows = _RowCounter(max_results)
        try:
            result.serialize(cast(IO[bytes], rows), format=ox.QueryResultsFormat.TSV)
        except OSError:
            if not rows.over:
                raise
            return 413, "text/plain", (f"the result has more than {max_results} rows: "
                                       "add a LIMIT, or ask the server's operator for a higher cap").encode()
        tsv = b"".join(rows.parts)
        fmt = getattr(ox.QueryResultsFormat, offer[1])
        if fmt == ox.QueryResultsFormat.TSV:
            return 200, offer[0], tsv
        return 200, offer[0], bytes(ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=fmt)
                                    or b"")
    offer = negotiate(accept, GRAPH_TYPES)
    if offer is None:
        return 406, "text/plain", b"no acceptable media type for a graph"
    triples: list[Any] = []
    for t in result:
        triples.append(t)
        if len(triples) > max_results:
            return 413, "text/plain", f"the result has more than {max_results} triples: add a LIMIT".encode()
    return 200, offer[0], rdf_bytes(triples, getattr(ox.RdfFormat, offer[1]))


class _RowCounter(io.RawIOBase):
    """Where pyoxigraph's writer puts solutions as SPARQL TSV (one line a row, a line break in a
    literal escaped): it keeps the bytes, counts the rows as they come, and stops the writer
    (an OSError, with ``over`` set) at the first row past ``cap``. Every format is then converted
    from the TSV by pyoxigraph's own reader and writers: far cheaper than building each term in
    Python, and the rows are still counted against the cap as they are read."""

    def __init__(self, cap: int):
        self.parts: list[bytes] = []
        self.lines, self.cap, self.over = 0, cap, False

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.lines += chunk.count(b"\n")
        if self.lines > self.cap + 1:  # the header line and cap rows
            self.over = True
            raise OSError("the result has too many rows")
        self.parts.append(chunk)
        return len(chunk)


def describe(store: ox.Store, iri: str, max_results: int) -> Answer:
    """The triples of an entity in the default graph: its own, its nested nodes' (``<iri>/…``),
    those naming it, and labels of what they name."""
    seen, todo, triples = {iri}, [iri], []  # type: tuple[set[str], list[str], list[Any]]
    while todo and len(triples) <= max_results:
        node = ox.NamedNode(todo.pop())
        for q in store.quads_for_pattern(node, None, None, ox.DefaultGraph()):
            triples.append(ox.Triple(q.subject, q.predicate, q.object))
            o = q.object
            if isinstance(o, ox.NamedNode) and o.value.startswith(iri + "/") and o.value not in seen:
                seen.add(o.value)
                todo.append(o.value)
    incoming = [ox.Triple(q.subject, q.predicate, q.object)
                for q in store.quads_for_pattern(None, None, ox.NamedNode(iri), ox.DefaultGraph())][:200]
    linked = {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
    linked |= {t.subject.value for t in incoming if not isinstance(t.subject, ox.Triple)}
    labels = [
        ox.Triple(q.subject, q.predicate, q.object)
        for node in sorted(linked - seen)
        for p in LABELS
        for q in store.quads_for_pattern(ox.NamedNode(node), ox.NamedNode(p), None, None)
    ]  # labels from any graph of the store (the authority tables' labels may be a named graph)
    labels = list(dict.fromkeys(labels))
    return 200, "application/n-triples", rdf_bytes(triples + incoming + labels, ox.RdfFormat.N_TRIPLES)
