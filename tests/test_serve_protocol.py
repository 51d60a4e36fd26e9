"""The SPARQL 1.1 Protocol details of `serve`, each found broken once by a new user's client or a
bad-input campaign: dataset parameters, repeated and empty parameters, methods, encodings,
chunked bodies, quality values, the service description, base IRI, bad IRIs, named graphs."""

from __future__ import annotations

import socket

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from typer.testing import CliRunner

from euproj_rdf.cli import app
from euproj_rdf.serve import Endpoint, ServerSettings
from euproj_rdf.store import load_store

LABELS = "https://example.org/graph/labels"
STATS = "https://example.org/graph/statistics"


@pytest.fixture(scope="module")
def server(seed_build, tmp_path_factory):
    folder = tmp_path_factory.mktemp("protocol")
    (folder / "labels.nt").write_text('<https://example.org/x> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n'
                                      '<https://example.org/y> <http://www.w3.org/2000/01/rdf-schema#label> "y" .\n')
    (folder / "stats.nt").write_text('<https://example.org/s> <https://example.org/projects> "33" .\n')
    store = folder / "store"
    load_store(seed_build.ntriples, store)
    load_store(folder / "labels.nt", store, graph=LABELS)
    load_store(folder / "stats.nt", store, graph=STATS)
    with Endpoint(ServerSettings(store=store, timeout=20), port=0) as srv:
        yield srv


def _raw(srv: Endpoint, data: bytes, responses: int = 1) -> bytes:
    """Send raw bytes on one connection; what the server answers, up to ``responses`` JSON answers."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=20) as s:
        s.sendall(data)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
                if out.count(b"HTTP/1.1 ") >= responses and out.endswith(b"}"):
                    break
        except TimeoutError:
            pass
        return out


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _count(srv: Endpoint, **params) -> int:
    resp = requests.get(srv.url + "/sparql", params={"query": COUNT, **params}, timeout=30,
                        headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200, resp.text
    return int(resp.json()["results"]["bindings"][0]["n"]["value"])


def test_dataset_parameters_choose_the_graphs(server):
    assert _count(server) == 5409  # the default graph: the dump
    assert _count(server, **{"default-graph-uri": LABELS}) == 2
    assert _count(server, **{"default-graph-uri": [LABELS, STATS]}) == 3
    assert _count(server, **{"default-graph-uri": "https://example.org/no-such-graph"}) == 0
    assert _count(server, **{"named-graph-uri": LABELS}) == 0  # a dataset without a default graph


def test_from_and_from_named_build_the_dataset(server):
    resp = requests.post(server.url + "/sparql", timeout=30, headers={"Accept": "text/csv"}, data={
        "query": f"SELECT ?g (COUNT(*) AS ?n) FROM <{STATS}> FROM NAMED <{LABELS}> "
                 "WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"})
    assert resp.text.splitlines() == ["g,n", ",1", f"{LABELS},2"]


def test_rdflib_sparqlstore_with_a_named_graph_sees_only_that_graph(server):
    graph = rdflib.Graph(store=SPARQLStore(server.url + "/sparql"), identifier=rdflib.URIRef(LABELS))
    assert len(list(graph.triples((None, None, None)))) == 2
    unknown = rdflib.Graph(store=SPARQLStore(server.url + "/sparql"), identifier=rdflib.URIRef("https://example.org/none"))
    assert list(unknown.triples((None, None, None))) == []


@pytest.mark.parametrize("params, message", [
    ("query=ASK%20%7B%7D&query=SELECT%20*%20%7B%7D", "the request has 2 'query' parameters: send exactly one"),
    ("query=", "the 'query' parameter is empty"),
    ("query=%20%20", "the 'query' parameter is empty"),
    ("query=ASK%20%7B%7D&default-graph-uri=not%20an%20iri", "'default-graph-uri' is not an IRI: 'not an iri'"),
    ("query=%FF", "the query string is not UTF-8: percent-encode UTF-8 text"),
])
def test_bad_parameters_are_400(server, params, message):
    resp = requests.get(f"{server.url}/sparql?{params}", timeout=30)
    assert resp.status_code == 400
    assert resp.json() == {"error": {"status": 400, "message": message}}


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(server, method):
    resp = requests.request(method, server.url + "/sparql", data=b"ASK {}", timeout=30)
    assert resp.status_code == 405
    assert resp.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert resp.json() == {"error": {"status": 405, "message": f"{method} is not allowed here: use GET, HEAD, POST, OPTIONS"}}


@pytest.mark.parametrize("body, ctype", [
    ("ASK { ?s ?p 'é' }".encode("latin-1"), "application/sparql-query"),
    ("ASK {}".encode("utf-16"), "application/sparql-query"),
    ("query=ASK { ?s ?p 'é' }".encode("latin-1"), "application/x-www-form-urlencoded"),
])
def test_bodies_that_are_not_utf8_are_400(server, body, ctype):
    resp = requests.post(server.url + "/sparql", data=body, headers={"Content-Type": ctype}, timeout=30)
    assert resp.status_code == 400
    assert resp.json()["error"]["message"].startswith("the request body is not UTF-8")


def test_a_declared_charset_other_than_utf8_is_400(server):
    resp = requests.post(server.url + "/sparql", data="ASK {}".encode("utf-16"), timeout=30,
                         headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert resp.json() == {"error": {"status": 400, "message": "the request body must be UTF-8, not UTF-16"}}


def test_chunked_body_is_read_and_the_connection_goes_on(server):
    body = b"ASK {}"
    chunked = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
               b"Accept: application/sparql-results+json\r\nTransfer-Encoding: chunked\r\n\r\n"
               + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    plain = b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: application/sparql-results+json\r\n\r\n"
    answer = _raw(server, chunked + plain, responses=2)
    assert answer.count(b"HTTP/1.1 200 OK") == 2
    assert answer.count(b'"boolean":true') == 2


@pytest.mark.parametrize("accept, ctype", [
    ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
    ("text/csv;q=0.5, text/tab-separated-values;q=0.9", "text/tab-separated-values"),
    ("text/*;q=0.2, text/csv", "text/csv"),
    ("*/*;q=0.1, application/sparql-results+xml;q=0.3", "application/sparql-results+xml"),
])
def test_quality_values(server, accept, ctype):
    resp = requests.get(server.url + "/sparql", params={"query": "SELECT * WHERE {} LIMIT 1"},
                        headers={"Accept": accept}, timeout=30)
    assert resp.status_code == 200 and resp.headers["Content-Type"].split(";")[0] == ctype


def test_nothing_acceptable_is_406(server):
    resp = requests.get(server.url + "/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"}, timeout=30)
    assert resp.status_code == 406
    assert resp.json()["error"]["message"] == "no acceptable media type for a boolean result"


@pytest.mark.parametrize("accept, fmt", [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", ox.RdfFormat.JSON_LD), ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("application/trig", ox.RdfFormat.TRIG), ("application/n-quads", ox.RdfFormat.N_QUADS),
    ("text/n3", ox.RdfFormat.N3),
])
def test_service_description_in_every_rdf_format(server, accept, fmt):
    resp = requests.get(server.url + "/sparql", headers={"Accept": accept}, timeout=30)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith(accept)
    quads = list(ox.parse(resp.content, format=fmt))
    me = ox.NamedNode(server.url + "/sparql")
    assert any(q.subject == me and q.object == me for q in quads)


def test_service_description_escapes_the_host(server):
    bad = b'GET /sparql HTTP/1.1\r\nHost: x> <http://evil/> "\r\nAccept: text/turtle\r\nConnection: close\r\n\r\n'
    answer = _raw(server, bad).decode()
    assert answer.startswith("HTTP/1.1 200")
    assert "evil" not in answer
    body = answer.split("\r\n\r\n", 1)[1]
    assert f"<http://127.0.0.1:{server.port}/sparql>" in body


def test_relative_iris_resolve_against_the_endpoint(server):
    resp = requests.post(server.url + "/sparql", data=b"CONSTRUCT { <s> <p> 1 } WHERE {}", timeout=30,
                         headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"})
    assert resp.status_code == 200
    assert resp.text.strip() == f"<{server.url}/s> <{server.url}/p> " + '"1"^^<http://www.w3.org/2001/XMLSchema#integer> .'


def test_a_bad_iri_in_a_path_is_400_not_500(server):
    answer = _raw(server, b"GET /id/a{b} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").decode()
    assert answer.startswith("HTTP/1.1 400")
    assert answer.endswith('{"error": {"status": 400, "message": "not a valid IRI: <https://w3id.org/euproj/id/a{b}>"}}')


@pytest.mark.parametrize("head, status, message", [
    (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, "invalid HTTP request"),
    (b"GET /sparql?query=" + b"A" * 100_000, 431,
     "the request line and headers are longer than 65536 bytes"),
])
def test_malformed_http_gets_the_json_error_shape(server, head, status, message):
    answer = _raw(server, head).decode()
    assert answer.startswith(f"HTTP/1.1 {status}")
    assert answer.split("\r\n\r\n", 1)[1] == '{"error": {"status": %d, "message": "%s"}}' % (status, message)


def test_a_100_kb_get_is_answered(server):
    query = "ASK {} # " + "x" * 100_000
    resp = requests.get(server.url + "/sparql", params={"query": query}, timeout=30,
                        headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200 and resp.json()["boolean"] is True


def test_a_huge_content_length_is_413(server):
    answer = _raw(server, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                          b"Content-Length: 99999999999999\r\n\r\nASK {}").decode()
    assert answer.startswith("HTTP/1.1 413")
    assert answer.endswith('"message": "the request body is larger than the limit of 1048576 bytes"}}')


@pytest.mark.parametrize("ctype, body", [
    ("application/sparql-update", b"CLEAR ALL"),
    ("application/x-www-form-urlencoded", b"update=DROP%20ALL"),
])
def test_updates_are_403_and_change_nothing(server, ctype, body):
    before = _count(server)
    resp = requests.post(server.url + "/sparql", data=body, headers={"Content-Type": ctype}, timeout=30)
    assert resp.status_code == 403
    assert resp.json() == {"error": {"status": 403, "message": "this endpoint is read-only: updates are refused"}}
    assert _count(server) == before


def test_load_into_a_named_graph_keeps_the_other_graphs(seed_build, tmp_path):
    (tmp_path / "g.nt").write_text("<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n")
    store = tmp_path / "store"
    runner = CliRunner()
    assert runner.invoke(app, ["load", "--dump", str(seed_build.ntriples), "--store", str(store)]).exit_code == 0
    result = runner.invoke(app, ["load", "--dump", str(tmp_path / "g.nt"), "--store", str(store), "--graph", LABELS])
    assert result.exit_code == 0 and result.stdout == f"Loaded 1 triples into {store} (graph <{LABELS}>).\n"
    again = runner.invoke(app, ["load", "--dump", str(tmp_path / "g.nt"), "--store", str(store), "--graph", LABELS])
    assert again.exit_code == 0
    db = ox.Store.read_only(str(store))
    statistics = sum(1 for line in seed_build.statistics[1].open() if line.strip())  # loaded beside the dump
    assert len(db) == 5409 + statistics + 1
    assert len(list(db.quads_for_pattern(None, None, None, ox.NamedNode(LABELS)))) == 1
    bad = runner.invoke(app, ["load", "--dump", str(tmp_path / "g.nt"), "--store", str(store), "--graph", "a b"])
    assert bad.exit_code == 2 and bad.stderr == "Error: not an IRI for a graph: 'a b'\n"


def test_connections_have_tcp_nodelay(server):
    """Regression: without TCP_NODELAY every answer on a kept-alive connection waited 40 ms for
    a delayed ACK (headers and body go out in two writes)."""
    with requests.Session() as session:
        assert session.get(server.url + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200
        sockets = [c.transport.get_extra_info("socket") for c in server._server.server_state.connections]
        assert sockets and all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in sockets)
