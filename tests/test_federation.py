"""Links work: a federated query (SPARQL SERVICE) from our endpoint and from the embedded store
to a second endpoint — a real Oxigraph server holding an excerpt of the EU country authority
table with labels in the 24 official languages — joins on our country links."""

from __future__ import annotations

import http.server
import threading

import pytest
import rdflib
import requests

from euproj_rdf.query import run_query
from euproj_rdf.serve import Endpoint, ServerSettings
from euproj_rdf.store import load_store
from tests.conftest import ROOT
from tests.servers import oxigraph_with

AUTHORITY = ROOT / "tests" / "data" / "authority-country.ttl"
LANGUAGES = set("bg cs da de el en es et fi fr ga hr hu it lt lv mt nl pl pt ro sk sl sv".split())


def _question(service: str) -> str:
    return f"""
PREFIX ep: <https://w3id.org/euproj/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
# The Danish name of every country a partner of Scandria2Act comes from
SELECT DISTINCT ?country ?name WHERE {{
  ?project dct:title "Scandria2Act"@sv ;
           ep:participation/ep:participant/ep:country ?country .
  SERVICE <{service}> {{
    ?country skos:prefLabel ?name .
    FILTER (LANG(?name) = "da")
  }}
}}
ORDER BY ?name"""


EXPECTED = [("DNK", "Danmark"), ("FIN", "Finland"), ("NOR", "Norge"), ("SWE", "Sverige"), ("DEU", "Tyskland")]


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    with oxigraph_with(tmp_path_factory.mktemp("authority") / "store", AUTHORITY) as srv:
        yield srv


@pytest.fixture(scope="module")
def store(seed_build, tmp_path_factory):
    path = tmp_path_factory.mktemp("federation") / "store"
    load_store(seed_build.ntriples, path)
    return path


def test_the_excerpt_has_every_official_language():
    g = rdflib.Graph().parse(AUTHORITY)
    concepts = set(g.subjects(rdflib.RDF.type, rdflib.SKOS.Concept))
    assert len(concepts) >= 18
    for c in concepts:
        langs = [label.language for label in g.objects(c, rdflib.SKOS.prefLabel)]
        assert sorted(langs) == sorted(LANGUAGES), c


def test_service_from_the_embedded_store(store, authority):
    result = run_query(_question(authority.url + "query"), store=store)
    rows = [(str(r["country"].value).rsplit("/", 1)[1], r["name"].value) for r in result]
    assert rows == EXPECTED


def _ask(server: Endpoint, query: str) -> requests.Response:
    return requests.post(server.url + "/sparql", data={"query": query},
                         headers={"Accept": "application/sparql-results+json"}, timeout=60)


def test_service_from_our_endpoint(store, authority):
    """The endpoint federates with the endpoints it is told to allow, and only with those."""
    settings = ServerSettings(store=store, timeout=30, max_results=1000, allow_service=(authority.url + "query",))
    with Endpoint(settings, port=0) as server:
        resp = _ask(server, _question(authority.url + "query"))
        assert resp.status_code == 200, resp.text
        rows = [(b["country"]["value"].rsplit("/", 1)[1], b["name"]["value"])
                for b in resp.json()["results"]["bindings"]]
        assert rows == EXPECTED
        # another path of the same server is another endpoint: refused
        other = _ask(server, _question(authority.url + "update"))
        assert other.status_code == 403
        assert other.json()["error"]["message"] == (
            f"SERVICE <{authority.url}update> is not allowed on this endpoint (allowed: {authority.url}query)")


def test_service_is_refused_without_an_allow_list(store, authority):
    """A public endpoint is no proxy: without --allow-service every SERVICE is a 403, the
    remote endpoint is never asked, and the embedded store still federates for the local user."""
    with Endpoint(ServerSettings(store=store, timeout=30), port=0) as server:
        resp = _ask(server, _question(authority.url + "query"))
        assert resp.status_code == 403
        assert resp.json() == {"error": {"status": 403, "message": (
            f"SERVICE <{authority.url}query> is not allowed on this endpoint (allowed: none)")}}
        variable = _ask(server, "SELECT * WHERE { BIND(<http://x/> AS ?e) SERVICE ?e { ?s ?p ?o } }")
        assert variable.status_code == 403
        prefixed = _ask(server, f"PREFIX a: <{authority.url}> SELECT * WHERE {{ SERVICE SILENT a:query {{ ?s ?p ?o }} }}")
        assert prefixed.status_code == 403


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A stand-in remote endpoint: ``/redirect`` sends clients to ``/trap``; every hit is counted."""

    hits: list[str] = []

    def log_message(self, *args):
        pass

    def _answer(self):
        self.hits.append(self.path)
        # read the request's body first: a socket closed with unread bytes is reset, and the reset
        # can overtake the answer on its way to the client
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/redirect"):
            self.send_response(307)
            self.send_header("Location", "/trap")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b'{"head":{"vars":["s"]},"results":{"bindings":[' + b",".join(
            b'{"s":{"type":"literal","value":"%d"}}' % i for i in range(2000)) + b"]}}"
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer


@pytest.fixture()
def remote():
    _Recorder.hits = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_redirects_to_endpoints_not_allowed_are_not_followed(store, remote):
    settings = ServerSettings(store=store, timeout=30, allow_service=(remote + "/redirect",))
    with Endpoint(settings, port=0) as server:
        resp = _ask(server, f"SELECT * WHERE {{ SERVICE <{remote}/redirect> {{ ?s ?p ?o }} }}")
    assert resp.status_code == 502
    assert resp.json()["error"]["message"].startswith("a SERVICE endpoint failed")
    assert [h.split("?")[0] for h in _Recorder.hits] == ["/redirect"]  # never /trap


def test_remote_answers_are_size_limited(store, remote):
    allowed = remote + "/big"
    small = ServerSettings(store=store, timeout=30, allow_service=(allowed,), service_max_bytes=1000)
    with Endpoint(small, port=0) as server:
        resp = _ask(server, f"SELECT * WHERE {{ SERVICE <{allowed}> {{ ?s ?p ?o }} }}")
    assert resp.status_code == 502
    assert resp.json()["error"]["message"].startswith("a SERVICE endpoint failed")
    big = ServerSettings(store=store, timeout=30, allow_service=(allowed,))
    with Endpoint(big, port=0) as server:
        resp = _ask(server, f"SELECT * WHERE {{ SERVICE <{allowed}> {{ ?s ?p ?o }} }}")
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["results"]["bindings"]) == 2000


def test_every_country_we_link_to_is_in_the_authority_table(store, authority):
    """Every ep:country / ep:memberCountry / ep:coversCountry IRI of the graph has a label there."""
    result = run_query(f"""
        PREFIX ep: <https://w3id.org/euproj/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?country ?en WHERE {{
          {{ ?x ep:country ?country }} UNION {{ ?x ep:memberCountry ?country }} UNION {{ ?x ep:coversCountry ?country }}
          OPTIONAL {{ SERVICE <{authority.url}query> {{ ?country skos:prefLabel ?en FILTER (LANG(?en) = "en") }} }}
        }}""", store=store)
    rows = [(r["country"].value, r["en"].value if r["en"] is not None else None) for r in result]
    assert len(rows) >= 10
    assert [c for c, en in rows if en is None] == []
