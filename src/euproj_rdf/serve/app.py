"""The web app (Starlette) and the server that runs it (uvicorn): routes, errors, life cycle."""

from __future__ import annotations

import contextlib
import gzip
import ipaddress
import re
import secrets
import signal
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import IO, Any

import anyio.to_thread
import pyoxigraph as ox
import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import StoreError
from ..resources import ONTOLOGY_FILE, resource
from ..vocab import FORMATS, ONTOLOGY, PREFIXES, RDF_TYPE, SD
from .cache import ResultCache, repeatable
from .federation import RelayError, ServiceRefused, relay_fetch, rewrite_services
from .negotiation import GRAPH_TYPES, SOLUTION_TYPES, negotiate
from .pages import CONCEPTS, STATIC, entity_page, query_page
from .pool import PoolSettings, QueryPool
from .protocol import ApiError, read_body, read_operation
from .settings import ServerSettings
from .transport import AccessLog, Limits, error_body, guarded_protocol
from .worker import rdf_bytes

__all__ = ["make_app", "Endpoint"]

_UPDATE = re.compile(
    r"^\s*(?:(?:PREFIX|BASE)\s[^\n]*\s*)*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
    re.IGNORECASE,
)
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
_READ_ONLY = "this endpoint is read-only: updates are refused"


def _reply(status: int, ctype: str, body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=ctype,
                    headers={"Access-Control-Allow-Origin": "*", "Vary": "Accept", **(headers or {})})


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return _reply(status, "application/json", error_body(status, message), headers)


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


def _endpoint_iri(request: Request, fallback: str) -> str:
    """This endpoint's IRI as the client addressed it (a Host header that is not a host name is ignored)."""
    host = request.headers.get("host", "")
    scheme = request.scope.get("scheme", "http")  # not request.url: it builds and parses the whole URL
    return f"{scheme}://{host if _HOST.match(host) else fallback}/sparql"


def _service_description(endpoint: str, accept: str | None) -> Response:
    offer = negotiate(accept, GRAPH_TYPES)
    if offer is None:
        return _error(406, "the service description is served as " + ", ".join(t for t, _ in GRAPH_TYPES))
    sd, fmt = (lambda n: ox.NamedNode(SD + n)), (lambda n: ox.NamedNode(FORMATS + n))
    me, dataset, graph = ox.NamedNode(endpoint), ox.BlankNode(), ox.BlankNode()
    a = ox.NamedNode(RDF_TYPE)
    triples = [ox.Triple(me, a, sd("Service")), ox.Triple(me, sd("endpoint"), me),
               ox.Triple(me, sd("supportedLanguage"), sd("SPARQL11Query")),
               ox.Triple(me, sd("defaultDataset"), dataset), ox.Triple(dataset, a, sd("Dataset")),
               ox.Triple(dataset, sd("defaultGraph"), graph), ox.Triple(graph, a, sd("Graph"))]
    triples += [ox.Triple(me, sd("resultFormat"), fmt(f)) for f in (
        "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
        "Turtle", "N-Triples", "JSON-LD", "RDF_XML")]
    rdf_format = getattr(ox.RdfFormat, offer[1])
    prefixes = {"sd": SD, "fmt": FORMATS} if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    return _reply(200, offer[0], rdf_bytes(triples, rdf_format, prefixes))


def make_app(settings: ServerSettings, pool: QueryPool, relay_base: list[str],
             cache: ResultCache | None = None) -> Starlette:
    """The ASGI app; ``relay_base`` holds the relay's URL once the server has its socket.
    Answers of ``/sparql`` are kept in ``cache`` (one of ``settings.cache_bytes`` when not given;
    emptied when the pool switches to a new store, see :mod:`.cache`)."""
    if cache is None:
        cache = ResultCache(settings.cache_bytes)
    pool.on_switch.append(cache.clear)
    ontology = resource(ONTOLOGY_FILE).read_bytes()
    page = query_page(settings.base_iri).encode("utf-8")
    relay_token = secrets.token_hex(16)
    allowed = list(settings.allow_service)

    async def sparql(request: Request) -> Response:
        if request.method == "OPTIONS":
            return _reply(204, "text/plain", b"", {"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                                                   "Access-Control-Allow-Headers": "Content-Type, Accept",
                                                   "Access-Control-Max-Age": "86400"})
        op = await read_operation(request, settings.max_body, settings.body_timeout)
        endpoint = _endpoint_iri(request, relay_base[1])
        if op.query is None:
            return _service_description(endpoint, request.headers.get("accept"))
        if _UPDATE.match(op.query):
            raise ApiError(403, _READ_ONLY)
        accept = request.headers.get("accept", "")
        key = None
        if cache.enabled and repeatable(op.query):  # only answers of queries without SERVICE are stored
            key = (pool.generation, op.query, endpoint, op.default_graphs, op.named_graphs,
                   negotiate(accept, SOLUTION_TYPES), negotiate(accept, GRAPH_TYPES))
            hit = cache.get(key)
            if hit is not None:
                return _reply(*hit, {"X-Cache": "hit"})
        try:
            text, federated = rewrite_services(op.query, endpoint, allowed, relay_base[0] + relay_token + "/")
        except ServiceRefused as exc:
            raise ApiError(403, str(exc)) from None
        if federated:
            key = None
        job = {"kind": "query", "text": text, "accept": accept, "base": endpoint,
               "default": op.default_graphs, "named": op.named_graphs, "federated": federated}
        answer, generation = await pool.run_tagged(job, _client(request))
        status, ctype, body = answer
        if status >= 400:
            raise ApiError(status, body.decode("utf-8", "replace"))
        if key is not None and generation == key[0]:  # not an answer of a store replaced meanwhile
            cache.put(key, answer, text)
        return _reply(status, ctype, body, {"X-Cache": "miss"} if key is not None else None)

    async def entity(request: Request, iri: str) -> Response:
        offer = negotiate(request.headers.get("accept"), [("text/html", "HTML")] + GRAPH_TYPES[:4])
        if offer is None:
            raise ApiError(406, "entities are served as HTML, Turtle, N-Triples, JSON-LD or RDF/XML")
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise ApiError(400, f"not a valid IRI: <{iri}>") from None
        status, _, body = await pool.run({"kind": "describe", "iri": iri}, _client(request))
        if status >= 400:
            raise ApiError(status, body.decode("utf-8", "replace"))
        triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        if not any(t.subject.value == iri for t in triples):
            raise ApiError(404, f"no entity <{iri}>")
        if offer[0] == "text/html":
            return _reply(200, "text/html", entity_page(iri, triples, settings.base_iri).encode())
        fmt = getattr(ox.RdfFormat, offer[1])
        own = [t for t in triples if t.subject.value == iri or t.subject.value.startswith(iri + "/")]
        return _reply(200, offer[0], rdf_bytes(own, fmt, PREFIXES if fmt == ox.RdfFormat.TURTLE else None))

    def _raw_rest(request: Request, prefix: str) -> str:
        return request.scope.get("raw_path", b"").decode("latin-1")[len(prefix):]

    async def ids(request: Request) -> Response:
        return await entity(request, settings.base_iri + _raw_rest(request, "/id/"))

    async def concepts(request: Request) -> Response:
        return await entity(request, CONCEPTS + _raw_rest(request, "/concept/"))

    async def ontology_route(request: Request) -> Response:
        offer = negotiate(request.headers.get("accept"), [("text/turtle", "TURTLE"), ("text/html", "HTML")] + GRAPH_TYPES[1:4])
        if offer is None:
            raise ApiError(406, "the ontology is served as Turtle, N-Triples, JSON-LD, RDF/XML or HTML")
        if offer[0] == "text/turtle":
            return _reply(200, "text/turtle", ontology)
        triples = list(ox.parse(ontology, format=ox.RdfFormat.TURTLE))
        if offer[0] == "text/html":
            return _reply(200, "text/html", entity_page(ONTOLOGY, triples,
                                                        settings.base_iri).encode())
        return _reply(200, offer[0], rdf_bytes(triples, getattr(ox.RdfFormat, offer[1])))

    async def home(_request: Request) -> Response:
        return _reply(200, "text/html", page)

    async def static(request: Request) -> Response:
        """Files of the package's static folder, stored gzip-compressed (``name.gz``)."""
        name = request.path_params["name"]
        path = (STATIC / (name + ".gz")).resolve()
        if STATIC not in path.parents or not path.is_file():
            raise ApiError(404, f"nothing at /static/{name}")
        ctype = {".js": "text/javascript", ".css": "text/css"}.get(Path(name).suffix, "application/octet-stream")
        data, headers = path.read_bytes(), {"Cache-Control": "max-age=86400"}
        if "gzip" in (request.headers.get("accept-encoding") or ""):
            headers["Content-Encoding"] = "gzip"
        else:
            data = gzip.decompress(data)
        return _reply(200, ctype, data, headers)

    async def favicon(_request: Request) -> Response:
        return Response(b"", status_code=204)

    async def relay(request: Request) -> Response:
        """SERVICE requests of our own workers, forwarded to the allowed endpoints only."""
        host = _client(request)
        loopback = host != "-" and ipaddress.ip_address(host).is_loopback
        index = request.path_params["index"]
        if not (loopback and secrets.compare_digest(request.path_params["token"], relay_token)
                and 0 <= index < len(allowed)):
            raise ApiError(404, f"nothing at {request.url.path}")
        body = await read_body(request, settings.max_body, settings.body_timeout)
        headers = {k: request.headers[k] for k in ("content-type", "accept") if k in request.headers}
        try:
            status, ctype, data = await anyio.to_thread.run_sync(lambda: relay_fetch(
                allowed[index], allowed, request.method, request.scope.get("query_string", b"").decode("latin-1"),
                body, headers, timeout=settings.service_timeout or settings.timeout,
                max_bytes=settings.service_max_bytes))
        except RelayError as exc:
            raise ApiError(502, str(exc)) from None
        return Response(data, status_code=status, media_type=ctype)

    async def on_api_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return _error(exc.status, exc.message, exc.headers)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            methods = {m.strip() for m in headers.get("Allow", "GET").split(",")}
            headers["Allow"] = ", ".join(m for m in ("GET", "HEAD", "POST", "OPTIONS") if m in methods)
            message = f"{request.method} is not allowed here: use {headers['Allow']}"
        else:
            message = f"nothing at {request.url.path}" if exc.status_code == 404 else str(exc.detail)
        return _error(exc.status_code, message, headers)

    async def on_crash(_request: Request, exc: Exception) -> Response:
        return _error(500, f"internal error: {exc.__class__.__name__}")

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await pool.start()
        try:
            yield
        finally:
            await pool.close()

    routes = [
        Route("/sparql", sparql, methods=["GET", "POST", "OPTIONS"]),
        Route("/", home, methods=["GET"]),
        Route("/id/{rest:path}", ids, methods=["GET"]),
        Route("/concept/{rest:path}", concepts, methods=["GET"]),
        Route("/ontology", ontology_route, methods=["GET"]),
        Route("/ontology/{rest:path}", ontology_route, methods=["GET"]),
        Route("/static/{name:path}", static, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Route("/.relay/{token}/{index:int}", relay, methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        ApiError: on_api_error, HTTPException: on_http_error, Exception: on_crash})


class _Server(uvicorn.Server):
    """uvicorn's server, but a SIGTERM or SIGINT ends it cleanly (exit 0 after the graceful
    shutdown) instead of being raised again once the server has stopped."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        saved = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in saved.items():
                signal.signal(sig, handler)


class Endpoint:
    """The server on ``host:port`` (port 0: a free one). ``serve()`` runs it until SIGTERM or
    SIGINT; ``start()`` / ``stop()`` (or ``with``) run it on a background thread."""

    def __init__(self, settings: ServerSettings, *, host: str = "127.0.0.1", port: int = 8000):
        self.settings = settings
        self.pool = QueryPool(PoolSettings(
            store=Path(settings.store), workers=settings.workers, timeout=settings.timeout,
            max_results=settings.max_results, heavy_after=settings.heavy_after, queue_limit=settings.max_waiting))
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # IPPROTO_TCP, so that asyncio sets TCP_NODELAY on every connection (a keep-alive
        # response in two writes would otherwise wait 40 ms for a delayed ACK)
        self._sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._sock.bind((host, port))
            self._sock.listen(2048)  # clients that come while the workers start wait in the backlog
        except OSError as exc:
            self._sock.close()
            raise StoreError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        self.host, self.port = host, self._sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.port}"
        near = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, shown)
        self._log: IO[str] | None = None
        self.cache = ResultCache(settings.cache_bytes)
        app: Any = make_app(settings, self.pool, [f"http://{near}:{self.port}/.relay/", f"{shown}:{self.port}"],
                            self.cache)
        if settings.access_log is not None:
            self._log = sys.stdout if str(settings.access_log) == "-" else open(  # noqa: SIM115
                settings.access_log, "a", encoding="utf-8")
            app = AccessLog(app, self._log)
        limits = Limits(max_connections=settings.max_connections, header_timeout=settings.header_timeout)
        config = uvicorn.Config(app, http=guarded_protocol(limits), ws="none", lifespan="on", access_log=False,
                                log_level="warning", timeout_keep_alive=max(1, int(settings.header_timeout)),
                                timeout_graceful_shutdown=int(settings.timeout) + 5,
                                server_header=False)
        self._server = _Server(config)
        self._thread: threading.Thread | None = None

    def serve(self) -> None:
        """Run until SIGTERM or SIGINT; in-flight queries finish (or are cut at the time limit)."""
        try:
            self._server.run(sockets=[self._sock])
        finally:
            self._close_log()
        if not self._server.started:
            raise StoreError(f"the server could not start on the store '{self.settings.store}'")

    def start(self) -> Endpoint:
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise StoreError(f"the server could not start on the store '{self.settings.store}'")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None and self._log is not sys.stdout:
            self._log.close()

    def __enter__(self) -> Endpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
