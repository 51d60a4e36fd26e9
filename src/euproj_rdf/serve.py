"""A read-only SPARQL endpoint and Linked Data server over the embedded store.

- ``/sparql``: the SPARQL 1.1 Protocol (GET, POST form-encoded and ``application/sparql-query``),
  content negotiation, a service description, CORS. Updates are refused. Every query runs in a
  worker process under a time limit and a result cap; a query over the limit is ended (its
  worker killed and replaced) and answered with an error, so one bad query never hangs the
  server for the others.
- ``/id/…``: every IRI minted under the base IRI dereferences: HTML for a browser, Turtle,
  JSON-LD or N-Triples by ``Accept``; ``/concept/…`` likewise for the concept schemes (roles,
  organisation kinds…).
- ``/ontology``: the ontology.

Every error has one shape: ``{"error": {"status": 400, "message": "…"}}`` (JSON).
"""

from __future__ import annotations

import gzip
import html
import json
import multiprocessing as mp
import queue
import re
import socket
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox

from .errors import StoreError
from .vocab import CONCEPT, DATA, DCT, FORMATS, ONTOLOGY, OWL, PREFIXES, RDF, RDFS, SD, SKOS, XSD_STRING
from .resources import ONTOLOGY_FILE, query_catalogue, resource

__all__ = ["ServerSettings", "QueryPool", "make_server"]

_UPDATE = re.compile(
    r"^\s*(?:(?:PREFIX|BASE)\s[^\n]*\s*)*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
    re.IGNORECASE,
)
_SOLUTION_TYPES = [
    ("application/sparql-results+json", "JSON"),
    ("application/json", "JSON"),
    ("application/sparql-results+xml", "XML"),
    ("application/xml", "XML"),
    ("text/csv", "CSV"),
    ("text/tab-separated-values", "TSV"),
]
_GRAPH_TYPES = [
    ("text/turtle", "TURTLE"),
    ("application/n-triples", "N_TRIPLES"),
    ("application/ld+json", "JSON_LD"),
    ("application/rdf+xml", "RDF_XML"),
]


@dataclass(frozen=True)
class ServerSettings:
    store: Path
    base_iri: str = DATA
    timeout: float = 10.0  # seconds a query may run
    max_results: int = 10_000  # rows (or triples) a query may return
    workers: int = 2


def negotiate(accept: str | None, offers: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The offer the ``Accept`` header prefers (q-values honoured; ``*/*`` takes the first).

    >>> negotiate("text/csv;q=0.5, application/sparql-results+json", _SOLUTION_TYPES)
    ('application/sparql-results+json', 'JSON')
    >>> negotiate("image/png", _SOLUTION_TYPES) is None
    True
    """
    if not accept:
        return offers[0]
    best, best_q = None, 0.0
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        mtype, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        for offer in offers:
            ok = mtype in ("*/*", offer[0]) or (mtype.endswith("/*") and offer[0].startswith(mtype[:-1]))
            if ok and q > best_q:
                best, best_q = offer, q
                break
    return best


# --------------------------------------------------------------------------- worker processes


def _worker(store_path: str, max_results: int, conn) -> None:  # pragma: no cover - runs in a child
    store = ox.Store.read_only(store_path)
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        kind, text, accept = job
        try:
            if kind == "query":
                conn.send(_answer(store, text, accept, max_results))
            else:
                conn.send(_describe(store, text, max_results))
        except Exception as exc:  # noqa: BLE001 - reported to the client, the worker lives on
            conn.send((500, "text/plain", f"{exc.__class__.__name__}: {exc}".encode()))


def _answer(store, text: str, accept: str, max_results: int):
    try:
        result = store.query(text)
    except SyntaxError as exc:
        return 400, "text/plain", f"invalid SPARQL: {exc}".encode()
    if isinstance(result, ox.QueryBoolean):
        offer = negotiate(accept, _SOLUTION_TYPES)
        if offer is None:
            return 406, "text/plain", b"no acceptable media type for a boolean result"
        return 200, offer[0], result.serialize(format=getattr(ox.QueryResultsFormat, offer[1]))
    if isinstance(result, ox.QuerySolutions):
        offer = negotiate(accept, _SOLUTION_TYPES)
        if offer is None:
            return 406, "text/plain", b"no acceptable media type for solutions"
        variables = result.variables
        rows = []
        for sol in result:
            rows.append(sol)
            if len(rows) > max_results:
                return 413, "text/plain", (f"the result has more than {max_results} rows: "
                                           "add a LIMIT, or ask the server's operator for a higher cap").encode()
        return 200, offer[0], _solutions_bytes(variables, rows, getattr(ox.QueryResultsFormat, offer[1]))
    offer = negotiate(accept, _GRAPH_TYPES)
    if offer is None:
        return 406, "text/plain", b"no acceptable media type for a graph"
    triples = []
    for t in result:
        triples.append(t)
        if len(triples) > max_results:
            return 413, "text/plain", f"the result has more than {max_results} triples: add a LIMIT".encode()
    return 200, offer[0], ox.serialize(triples, format=getattr(ox.RdfFormat, offer[1]))


def _solutions_bytes(variables, rows, fmt) -> bytes:
    """Serialize collected solutions (a QuerySolutions can be iterated only once): written as
    SPARQL JSON here, and converted by pyoxigraph's own writers for the other formats."""
    names = [v.value for v in variables]

    def term(t):
        if isinstance(t, ox.NamedNode):
            return {"type": "uri", "value": t.value}
        if isinstance(t, ox.BlankNode):
            return {"type": "bnode", "value": t.value}
        d = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != XSD_STRING:
            d["datatype"] = t.datatype.value
        return d

    bindings = [{n: term(r[n]) for n in names if r[n] is not None} for r in rows]
    data = json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}}, ensure_ascii=False).encode("utf-8")
    if fmt == ox.QueryResultsFormat.JSON:
        return data
    return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON).serialize(format=fmt)


def _describe(store, iri: str, max_results: int):
    """The triples of an entity: its own, its nested nodes' (``<iri>/…``), and labels of what they name."""
    seen, todo, triples = {iri}, [iri], []
    while todo and len(triples) <= max_results:
        node = ox.NamedNode(todo.pop())
        for q in store.quads_for_pattern(node, None, None, None):
            triples.append(ox.Triple(q.subject, q.predicate, q.object))
            o = q.object
            if isinstance(o, ox.NamedNode) and o.value.startswith(iri + "/") and o.value not in seen:
                seen.add(o.value)
                todo.append(o.value)
    incoming = [ox.Triple(q.subject, q.predicate, q.object)
                for q in store.quads_for_pattern(None, None, ox.NamedNode(iri), None)][:200]
    linked = {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
    linked |= {t.subject.value for t in incoming}
    labels = [
        ox.Triple(q.subject, q.predicate, q.object)
        for node in sorted(linked - seen)
        for p in _LABELS
        for q in store.quads_for_pattern(ox.NamedNode(node), ox.NamedNode(p), None, None)
    ]
    return 200, "application/n-triples", ox.serialize(triples + incoming + labels, format=ox.RdfFormat.N_TRIPLES)


_LABELS = (SKOS + "prefLabel", DCT + "title", RDFS + "label")


class QueryPool:
    """Worker processes that answer queries; one that overruns the time limit is killed and replaced."""

    def __init__(self, settings: ServerSettings):
        if not Path(settings.store).is_dir():
            raise StoreError(f"no store at '{settings.store}': run 'euproj-rdf build' and 'euproj-rdf load' first")
        self.settings = settings
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue = queue.Queue()
        self._all: list = []
        self._lock = threading.Lock()
        for _ in range(settings.workers):
            self._idle.put(self._start())

    def _start(self):
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker, args=(str(self.settings.store), self.settings.max_results, child),
                                 daemon=True)
        proc.start()
        child.close()
        with self._lock:
            self._all.append(proc)
        return proc, parent

    def run(self, kind: str, text: str, accept: str | None = None) -> tuple[int, str, bytes]:
        """(status, content type, body) of a job, within the time limit."""
        try:
            proc, conn = self._idle.get(timeout=self.settings.timeout)
        except queue.Empty:
            return 503, "text/plain", b"the server is busy: every query worker is taken; try again"
        try:
            conn.send((kind, text, accept or ""))
            if conn.poll(self.settings.timeout):
                answer = conn.recv()
                self._idle.put((proc, conn))
                return answer
        except (EOFError, OSError, BrokenPipeError):
            pass
        proc.kill()
        proc.join()
        self._idle.put(self._start())
        return 503, "text/plain", (f"the query ran longer than the time limit of {self.settings.timeout:g} s "
                                   "and was stopped").encode()

    def close(self) -> None:
        with self._lock:
            for proc in self._all:
                if proc.is_alive():
                    proc.kill()
                    proc.join()


# --------------------------------------------------------------------------- HTTP


def _service_description(endpoint: str) -> str:
    return f"""@prefix sd: <{SD}> .
@prefix fmt: <{FORMATS}> .
<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat fmt:SPARQL_Results_JSON , fmt:SPARQL_Results_XML , fmt:SPARQL_Results_CSV ,
        fmt:SPARQL_Results_TSV , fmt:Turtle , fmt:N-Triples , fmt:JSON-LD , fmt:RDF_XML ;
    sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] .
"""


def make_server(settings: ServerSettings, *, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A server ready for ``serve_forever()``; ``server.pool.close()`` stops its workers."""
    pool = QueryPool(settings)
    ontology = resource(ONTOLOGY_FILE).read_bytes()
    page = _query_page(settings).encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        server_version = "euproj-rdf"
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # quiet: the CLI prints one line at start
            pass

        def setup(self):
            super().setup()
            # headers and body go out in separate writes: without this, Nagle's algorithm and
            # delayed ACKs add 40 ms to every keep-alive response
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        # -- plumbing ----------------------------------------------------------------------
        def _send(self, status: int, ctype: str, body: bytes, extra: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype if ";" in ctype or not ctype.startswith("text/") else ctype + "; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Vary", "Accept")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _error(self, status: int, message: str) -> None:
            body = json.dumps({"error": {"status": status, "message": message}}, ensure_ascii=False).encode()
            self._send(status, "application/json", body)

        def _body(self) -> bytes:
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def do_OPTIONS(self):
            self._send(204, "text/plain", b"", {
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type, Accept",
                "Access-Control-Max-Age": "86400",
            })

        def do_HEAD(self):
            self.do_GET()

        # -- routes ------------------------------------------------------------------------
        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            params = urllib.parse.parse_qs(url.query)
            if url.path == "/sparql":
                if "update" in params:
                    return self._error(403, "this endpoint is read-only: updates are refused")
                if "query" not in params:
                    host_url = f"http://{self.headers.get('Host', f'{host}:{port}')}/sparql"
                    return self._send(200, "text/turtle", _service_description(host_url).encode())
                return self._query(params["query"][0])
            if url.path == "/ontology" or url.path.startswith("/ontology/"):
                return self._ontology()
            if url.path.startswith("/id/"):
                return self._entity(settings.base_iri + url.path[len("/id/"):])
            if url.path.startswith("/concept/"):
                return self._entity(_CONCEPTS + url.path[len("/concept/"):])
            if url.path == "/":
                return self._send(200, "text/html", page)
            if url.path.startswith("/static/"):
                return self._static(url.path[len("/static/"):])
            if url.path == "/favicon.ico":
                return self._send(204, "image/x-icon", b"")
            return self._error(404, f"nothing at {url.path}")

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path != "/sparql":
                return self._error(404, f"nothing at {url.path}")
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            body = self._body()
            if ctype == "application/sparql-update":
                return self._error(403, "this endpoint is read-only: updates are refused")
            if ctype == "application/sparql-query":
                return self._query(body.decode("utf-8"))
            if ctype == "application/x-www-form-urlencoded":
                form = urllib.parse.parse_qs(body.decode("utf-8"))
                if "update" in form:
                    return self._error(403, "this endpoint is read-only: updates are refused")
                if "query" in form:
                    return self._query(form["query"][0])
                return self._error(400, "the form has no 'query' field")
            return self._error(415, f"unsupported content type '{ctype}': send application/sparql-query or a form")

        def _static(self, name: str) -> None:
            """Files of the package's static folder, stored gzip-compressed (``name.gz``)."""
            path = (_STATIC / (name + ".gz")).resolve()
            if _STATIC.resolve() not in path.parents or not path.is_file():
                return self._error(404, f"nothing at /static/{name}")
            ctype = {".js": "text/javascript", ".css": "text/css"}.get(Path(name).suffix, "application/octet-stream")
            data = path.read_bytes()
            headers = {"Cache-Control": "max-age=86400"}
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                headers["Content-Encoding"] = "gzip"
            else:
                data = gzip.decompress(data)
            self._send(200, ctype, data, headers)

        def _query(self, text: str) -> None:
            if _UPDATE.match(text):
                return self._error(403, "this endpoint is read-only: updates are refused")
            status, ctype, body = pool.run("query", text, self.headers.get("Accept"))
            if status >= 400:
                return self._error(status, body.decode("utf-8", "replace"))
            self._send(status, ctype, body)

        def _ontology(self) -> None:
            accept = self.headers.get("Accept")
            offer = negotiate(accept, [("text/turtle", "TURTLE"), ("text/html", "HTML")] + _GRAPH_TYPES[1:])
            if offer is None:
                return self._error(406, "the ontology is served as Turtle, N-Triples, JSON-LD, RDF/XML or HTML")
            if offer[0] == "text/turtle":
                return self._send(200, "text/turtle", ontology)
            triples = list(ox.parse(ontology, format=ox.RdfFormat.TURTLE))
            if offer[0] == "text/html":
                return self._send(200, "text/html", _html_page(ONTOLOGY, triples, settings).encode())
            self._send(200, offer[0], ox.serialize(triples, format=getattr(ox.RdfFormat, offer[1])))

        def _entity(self, iri: str) -> None:
            offer = negotiate(self.headers.get("Accept"), [("text/html", "HTML")] + _GRAPH_TYPES)
            if offer is None:
                return self._error(406, "entities are served as HTML, Turtle, N-Triples, JSON-LD or RDF/XML")
            status, _, body = pool.run("describe", iri)
            if status >= 400:
                return self._error(status, body.decode("utf-8", "replace"))
            triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
            if not any(t.subject.value == iri for t in triples):
                return self._error(404, f"no entity <{iri}>")
            if offer[0] == "text/html":
                return self._send(200, "text/html", _html_page(iri, triples, settings).encode())
            fmt = getattr(ox.RdfFormat, offer[1])
            own = [t for t in triples if t.subject.value == iri or t.subject.value.startswith(iri + "/")]
            kwargs = {"prefixes": PREFIXES} if fmt == ox.RdfFormat.TURTLE else {}
            self._send(200, offer[0], ox.serialize(own, format=fmt, **kwargs))

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    server.pool = pool  # type: ignore[attr-defined]
    return server


# --------------------------------------------------------------------------- pages


_CONCEPTS = CONCEPT


def _local(iri: str, settings: ServerSettings) -> str:
    if iri.startswith(settings.base_iri):
        return "/id/" + iri[len(settings.base_iri):]
    if iri.startswith(_CONCEPTS):
        return "/concept/" + iri[len(_CONCEPTS):]
    if iri.startswith(ONTOLOGY):
        return "/ontology"
    return iri


def _html_page(iri: str, triples, settings: ServerSettings) -> str:
    names = {**PREFIXES, "rdf": RDF, "owl": OWL}

    def short(term) -> str:
        if isinstance(term, ox.NamedNode):
            for p, ns in names.items():
                if term.value.startswith(ns) and "/" not in term.value[len(ns):]:
                    return f"{p}:{term.value[len(ns):]}"
        return term.value

    ranked: dict[str, tuple[int, str]] = {}
    for t in triples:
        if t.predicate.value in _LABELS and isinstance(t.object, ox.Literal):
            rank = ("en", "sv", "da").index(t.object.language) if t.object.language in ("en", "sv", "da") else 3
            if t.subject.value not in ranked or (rank, t.object.value) < ranked[t.subject.value]:
                ranked[t.subject.value] = (rank, t.object.value)
    labels = {k: v for k, (_, v) in ranked.items()}

    def cell(term) -> str:
        if isinstance(term, ox.NamedNode):
            text = labels.get(term.value) or short(term)
            return f'<a href="{html.escape(_local(term.value, settings))}">{html.escape(text)}</a>'
        if isinstance(term, ox.Literal):
            lang = f' <span class="lang">@{html.escape(term.language)}</span>' if term.language else ""
            return f"{html.escape(term.value)}{lang}"
        return html.escape(str(term))

    title = labels.get(iri, short(ox.NamedNode(iri)))
    own = [t for t in triples if t.subject.value == iri]
    nested = [t for t in triples if t.subject.value.startswith(iri + "/")]
    incoming = [t for t in triples if isinstance(t.object, ox.NamedNode) and t.object.value == iri
                and not t.subject.value.startswith(iri)]

    def table(rows, with_subject=False) -> str:
        body = "".join(
            "<tr>" + (f"<td>{cell(t.subject)}</td>" if with_subject else "")
            + f"<td>{html.escape(short(t.predicate))}</td><td>{cell(t.object)}</td></tr>"
            for t in sorted(rows, key=lambda t: (t.subject.value, t.predicate.value, str(t.object)))
        )
        head = "<th>subject</th>" if with_subject else ""
        return f"<table><tr>{head}<th>property</th><th>value</th></tr>{body}</table>"

    parts = [f"<h1>{html.escape(title)}</h1>", f'<p class="iri">{html.escape(iri)}</p>', table(own)]
    if nested:
        parts += ["<h2>Details</h2>", table(nested, with_subject=True)]
    if incoming:
        parts += ["<h2>Referred to by</h2>", table(incoming, with_subject=True)]
    return _PAGE.format(title=html.escape(title), body="\n".join(parts))


_STATIC = Path(__file__).parent / "static"


def _query_page(settings: ServerSettings) -> str:
    """The query page: YASGUI (served from /static), prefixes filled in, the catalogue one click away."""

    catalogue = query_catalogue()
    prefixes = {"id": settings.base_iri, **PREFIXES}
    prefix_lines = "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in prefixes.items())
    start = prefix_lines + "\n\nSELECT ?project ?title WHERE {\n  ?project a ep:Project ; dct:title ?title .\n}\nLIMIT 20\n"
    buttons = "\n".join(
        f'<li><button type="button" data-query="{html.escape(q["name"])}">{html.escape(q["question"])}</button></li>'
        for q in catalogue
    )
    data = json.dumps({q["name"]: q["text"] for q in catalogue}, ensure_ascii=False).replace("</", "<\\/")
    return _QUERY_PAGE.format(buttons=buttons, catalogue=data,
                              start=json.dumps(start, ensure_ascii=False).replace("</", "<\\/"))


_QUERY_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>euproj-rdf · SPARQL</title>
<link rel="stylesheet" href="/static/yasgui/yasgui.min.css">
<style>body{{font-family:system-ui,sans-serif;margin:0;display:flex;min-height:100vh}}
nav{{width:22rem;padding:1rem;background:#f4f6f8;border-right:1px solid #ddd;overflow:auto}}
nav h1{{font-size:1.3rem;margin:.2rem 0}} nav p{{font-size:.9rem;color:#444}}
nav ul{{list-style:none;padding:0}} nav li{{margin:.3rem 0}}
nav button{{width:100%;text-align:left;padding:.4rem;border:1px solid #ccd;background:#fff;border-radius:4px;cursor:pointer}}
nav button:hover{{background:#e8eefc}} main{{flex:1;padding:1rem;min-width:0}}</style></head>
<body>
<nav><h1>euproj-rdf</h1>
<p>EU-funded cooperation projects, their partners, programmes and funds as linked data.
Endpoint: <code>/sparql</code> (SPARQL 1.1) · <a href="/ontology">ontology</a></p>
<h2>Example questions</h2><ul id="examples">
{buttons}
</ul></nav>
<main><div id="yasgui"></div></main>
<script src="/static/yasgui/yasgui.min.js"></script>
<script id="catalogue" type="application/json">{catalogue}</script>
<script>
const catalogue = JSON.parse(document.getElementById("catalogue").textContent);
Yasgui.Yasqe.defaults.value = {start};
const yasgui = new Yasgui(document.getElementById("yasgui"), {{
  requestConfig: {{ endpoint: location.origin + "/sparql", method: "POST" }},
  copyEndpointOnNewTab: false,
  persistenceId: null,
}});
document.querySelectorAll("#examples button").forEach((button) => {{
  button.addEventListener("click", () => {{
    const tab = yasgui.getTab();
    tab.setQuery(catalogue[button.dataset.query]);
    tab.query();
  }});
}});
</script>
</body></html>
"""


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}}
.iri{{color:#555;font-family:monospace}}.lang{{color:#888;font-size:.8em}}</style></head>
<body>{body}</body></html>
"""
