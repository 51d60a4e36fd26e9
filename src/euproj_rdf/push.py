"""Pushing the graph into an external triple store, replacing a graph atomically.

The graph is uploaded with the SPARQL 1.1 Graph Store HTTP Protocol into a staging graph (in
chunks, each retried with backoff by :mod:`euproj_rdf.http`), the staging graph is counted, and only then moved onto the
target graph with SPARQL Update ``MOVE`` (one operation, so readers see the old graph or the new
one). A failure at any step leaves the target graph untouched and is reported with the step
that failed; the staging graph is dropped whenever a push fails. The graph must be an absolute
IRI, checked before any request, and goes into SPARQL requests as an IRI term. The MOVE itself is never retried (after a timeout a retry would move an emptied
staging graph onto the target). Pushing the same dump twice gives the same graph.

Store kinds only differ in where their endpoints are (:data:`STORE_KINDS`); everything else is
the standard protocols. One exception: on Fuseki the target is emptied in its own request just
before the MOVE (see :func:`target_for`), so its readers see an empty graph while the MOVE runs.
"""

from __future__ import annotations

import enum
import hashlib
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

from .errors import ConfigError, MissingDumpError, StoreError
from .http import HttpClient, reply_text
from .iris import absolute_iri, iri_term

__all__ = ["Auth", "PushTarget", "PushResult", "STORE_KINDS", "StoreKind", "push", "target_for"]


class StoreKind(str, enum.Enum):
    """The triple stores whose endpoints we know."""

    oxigraph = "oxigraph"
    fuseki = "fuseki"
    virtuoso = "virtuoso"


class Auth(str, enum.Enum):
    """HTTP authentication schemes for a store's user and password."""

    basic = "basic"
    digest = "digest"


#: kind → (Graph Store path, query path, update path, graph parameter name), relative to --endpoint
STORE_KINDS = {
    StoreKind.oxigraph: ("store", "query", "update", "graph"),
    StoreKind.fuseki: ("data", "query", "update", "graph"),
    StoreKind.virtuoso: ("sparql-graph-crud-auth", "sparql", "sparql-auth", "graph-uri"),
}


@dataclass(frozen=True)
class PushTarget:
    gsp: str  # Graph Store endpoint
    query: str
    update: str
    graph_param: str = "graph"
    user: str | None = None
    password: str | None = None
    auth: Auth = Auth.basic
    timeout: float = 120.0  # seconds for one upload or query request
    swap_timeout: float = 3600.0  # seconds for the MOVE (an Oxigraph server moved 1 M triples in 230 s)
    drop_before_move: bool = False  # empty the target in its own request before the MOVE (Fuseki, see target_for)


@dataclass(frozen=True)
class PushResult:
    graph: str | None
    triples: int
    chunks: int
    seconds: float


def target_for(endpoint: str, kind: StoreKind | str, *, user: str | None = None, password: str | None = None,
               auth: Auth | str | None = None) -> PushTarget:
    """The endpoints of a store of ``kind`` at base URL ``endpoint`` (e.g. ``http://host:7878/``)."""
    try:
        kind = StoreKind(kind)
    except ValueError:
        raise ConfigError(f"unknown store kind '{kind}': one of {', '.join(k.value for k in StoreKind)}") from None
    try:
        scheme = Auth(auth) if auth is not None else Auth.digest if kind is StoreKind.virtuoso else Auth.basic
    except ValueError:
        raise ConfigError(f"unknown authentication '{auth}': one of {', '.join(a.value for a in Auth)}") from None
    gsp, query, update, param = STORE_KINDS[kind]
    base = endpoint.rstrip("/") + "/"
    return PushTarget(
        gsp=base + gsp, query=base + query, update=base + update, graph_param=param,
        user=user, password=password, auth=scheme,
        # Fuseki 5.6 with TDB2 leaves a wrong graph (triples lost or left over) when one transaction
        # MOVEs a graph onto a non-empty one, even of a few thousand triples; a MOVE onto an
        # emptied graph is right. The price: readers see an empty graph until the MOVE commits.
        drop_before_move=kind is StoreKind.fuseki,
    )


class _Client:
    def __init__(self, target: PushTarget, retries: int, backoff: float):
        self.t = target
        auth = None
        if target.user is not None:
            cls = HTTPDigestAuth if target.auth == Auth.digest else HTTPBasicAuth
            auth = cls(target.user, target.password or "")
        self.http = HttpClient(error=StoreError, retries=retries, backoff=backoff, timeout=target.timeout, auth=auth)

    def request(self, step: str, method: str, url: str, *, ok: tuple[int, ...] = (200, 201, 204), retry: bool = True,
                timeout: float | None = None, **kw: Any) -> requests.Response:
        """A request (retried by the client unless ``retry=False``) whose answer must be one of ``ok``."""
        resp = self.http.request(method, url, step=step, retry=retry, timeout=timeout, **kw)
        if resp.status_code in ok:
            return resp
        if resp.status_code in (401, 403):
            raise StoreError(f"{step}: {url} refused the credentials ({resp.status_code})")
        raise StoreError(f"{step}: {url} answered {resp.status_code}: {reply_text(resp)}")

    def graph_url(self, graph: str | None) -> str:
        if graph is None:
            return self.t.gsp + "?default"
        return f"{self.t.gsp}?{self.t.graph_param}={urllib.parse.quote(graph, safe='')}"

    def count(self, step: str, graph: str | None) -> int:
        pattern = "{ ?s ?p ?o }" if graph is None else f"{{ GRAPH {iri_term(graph)} {{ ?s ?p ?o }} }}"
        resp = self.request(step, "POST", self.t.query, data={"query": f"SELECT (COUNT(*) AS ?n) WHERE {pattern}"},
                            headers={"Accept": "application/sparql-results+json"})
        try:
            return int(resp.json()["results"]["bindings"][0]["n"]["value"])
        except (ValueError, KeyError, IndexError) as exc:
            raise StoreError(f"{step}: unexpected answer to the count query: {exc}") from None

    def swap(self, step: str, text: str) -> None:
        """The one update that changes the target graph: never retried (MOVE is not idempotent:
        a retry after a timeout would move an emptied staging graph onto the target)."""
        self.request(step, "POST", self.t.update, data={"update": text}, retry=False, timeout=self.t.swap_timeout)


def _chunks(dump: Path, size: int) -> Iterator[bytes]:
    buf: list[bytes] = []
    with dump.open("rb") as fh:
        for line in fh:
            if line.strip():
                buf.append(line)
                if len(buf) >= size:
                    yield b"".join(buf)
                    buf = []
    if buf:
        yield b"".join(buf)


def _drop(client: _Client, staging: str) -> None:
    """A failed push always removes its staging graph (as far as the server can be reached)."""
    try:
        client.request("dropping the staging graph", "DELETE", client.graph_url(staging), ok=(200, 204, 404))
    except StoreError:
        pass  # the server is gone: nothing more to clean here


def push(dump: Path | str, target: PushTarget, *, graph: str | None = None, chunk_triples: int = 100_000,
         retries: int = 3, backoff: float = 0.5) -> PushResult:
    """Replace ``graph`` (the default graph when None) in the store with the N-Triples ``dump``."""
    started = time.perf_counter()
    dump = Path(dump)
    if graph is not None:  # checked before any request: it goes into SPARQL as an IRI term
        graph = absolute_iri(graph, "--graph")
    if not dump.is_file():
        raise MissingDumpError(dump)
    # one staging graph per target graph, named without the clock
    staging = f"urn:euproj:staging:{hashlib.sha256((graph or 'default').encode()).hexdigest()[:16]}"
    client = _Client(target, retries, backoff)
    expected = 0
    n_chunks = 0
    try:
        client.request("clearing the staging graph", "DELETE", client.graph_url(staging), ok=(200, 204, 404))
        for i, chunk in enumerate(_chunks(dump, chunk_triples)):
            expected += chunk.count(b"\n")
            n_chunks += 1
            # the first chunk creates the staging graph (PUT), the others add to it (POST)
            client.request(f"uploading chunk {i + 1}", "PUT" if i == 0 else "POST", client.graph_url(staging),
                           data=chunk, headers={"Content-Type": "application/n-triples"})
        held = client.count("counting the staging graph", staging)
        if held != expected:
            raise StoreError(f"counting the staging graph: it holds {held} triples, the dump {expected}")
    except BaseException:
        _drop(client, staging)
        raise
    target_graph = "DEFAULT" if graph is None else f"GRAPH {iri_term(graph)}"
    # MOVE, not MOVE SILENT: a missing staging graph must fail, not empty the target
    try:
        if target.drop_before_move:
            client.swap("emptying the target graph", f"DROP SILENT {target_graph}")
        client.swap("moving the staging graph onto the target", f"MOVE GRAPH {iri_term(staging)} TO {target_graph}")
    except BaseException:
        _drop(client, staging)
        raise
    held = client.count("counting the target graph", graph)
    if held != expected:
        raise StoreError(f"counting the target graph: it holds {held} triples after the swap, the dump {expected}")
    return PushResult(graph, expected, n_chunks, time.perf_counter() - started)
