"""The W3C SPARQL 1.1 Protocol tests, read from their manifest and run against `serve`.

The manifest and its three data graphs live in ``../shared/w3c/sparql-protocol/`` (not copied
here). ``data1.nt``–``data3.nt`` are loaded as the named graphs the dataset tests name (the
manifest's ``ut:graphData`` labels). Every query test runs as the manifest says, request by
request. The endpoint is read-only, so every update test must get a 4xx and leave the store
unchanged (its follow-up requests, which check the update's effect, are not run).
"""

from __future__ import annotations

import http.client
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from euproj_rdf.serve import Endpoint, ServerSettings
from euproj_rdf.store import load_store

SUITE = Path(__file__).resolve().parents[1].parent / "shared" / "w3c" / "sparql-protocol"
MANIFEST = SUITE / "manifest.ttl"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

BOOLEAN = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
           "application/sparql-results+xml": ox.QueryResultsFormat.XML}
TABULAR = {**BOOLEAN, "text/csv": ox.QueryResultsFormat.CSV, "text/tab-separated-values": ox.QueryResultsFormat.TSV}
RDF = {"application/rdf+xml": ox.RdfFormat.RDF_XML, "text/turtle": ox.RdfFormat.TURTLE,
       "application/n-triples": ox.RdfFormat.N_TRIPLES}


def _manifest() -> rdflib.Graph | None:
    return rdflib.Graph().parse(MANIFEST, format="turtle") if MANIFEST.is_file() else None


GRAPH = _manifest()


def _tests() -> list:
    if GRAPH is None:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"the W3C protocol suite is not at {SUITE}"))]
    manifest = next(GRAPH.subjects(rdflib.RDF.type, MF.Manifest))
    entries = rdflib.collection.Collection(GRAPH, GRAPH.value(manifest, MF.entries))
    return [pytest.param(e, id=str(e).rsplit("#", 1)[1]) for e in entries]


def _requests(test: rdflib.term.Node) -> list[dict]:
    action = GRAPH.value(test, MF.action)
    out = []
    for req in rdflib.collection.Collection(GRAPH, GRAPH.value(action, HT.requests)):
        headers = {}
        lst = GRAPH.value(req, HT.headers)
        if lst is not None:
            for h in rdflib.collection.Collection(GRAPH, lst):
                headers[str(GRAPH.value(h, HT.fieldName))] = str(GRAPH.value(h, HT.fieldValue))
        body = GRAPH.value(req, HT.body)
        data = None
        if body is not None:
            encoding = str(GRAPH.value(body, CNT.characterEncoding) or "UTF-8")
            data = str(GRAPH.value(body, CNT.chars)).encode(encoding)
        resp = GRAPH.value(req, HT.resp)
        out.append({
            "method": str(GRAPH.value(req, HT.methodName)),
            "path": "/sparql" + str(GRAPH.value(req, HT.absolutePath))[len("/sparql/"):],
            "headers": headers,
            "body": data,
            "status": {str(s)[len(HTS):] for s in GRAPH.objects(resp, MF.expectedStatus)},
            "format": str(GRAPH.value(resp, MF.expectedFormat) or "") or None,
            "boolean": GRAPH.value(resp, MF.expectedBoolean),
        })
    return out


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    if GRAPH is None:
        pytest.skip(f"the W3C protocol suite is not at {SUITE}")
    store = tmp_path_factory.mktemp("w3c") / "store"
    loaded = set()
    for data in GRAPH.subjects(UT.graph, None):
        file, label = GRAPH.value(data, UT.graph), str(GRAPH.value(data, rdflib.RDFS.label))
        if label not in loaded:
            load_store(SUITE / str(file).rsplit("/", 1)[1], store, graph=label)
            loaded.add(label)
    assert len(loaded) == 3
    with Endpoint(ServerSettings(store=store, timeout=30), port=0) as server:
        yield server


def _send(server: Endpoint, req: dict) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request(req["method"], req["path"], body=req["body"], headers=req["headers"])
        resp = conn.getresponse()
        return resp.status, (resp.getheader("Content-Type") or "").split(";")[0].strip(), resp.read()
    finally:
        conn.close()


def _everything(server: Endpoint) -> set[str]:
    query = "SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    status, _, body = _send(server, {"method": "POST", "path": "/sparql", "body": query.encode(),
                                     "headers": {"Content-Type": "application/sparql-query", "Accept": "text/csv"}})
    assert status == 200
    return set(body.decode().splitlines())


def _check(req: dict, status: int, ctype: str, body: bytes) -> None:
    assert f"{status // 100}xx" in req["status"], (status, body[:300])
    if req["format"] == "boolean":
        assert ctype in BOOLEAN, ctype
        result = ox.parse_query_results(body, format=BOOLEAN[ctype])
        assert isinstance(result, ox.QueryBoolean)
        if req["boolean"] is not None:
            assert bool(result) is bool(req["boolean"].toPython())
    elif req["format"] == "tabular":
        assert ctype in TABULAR, ctype
        ox.parse_query_results(body, format=TABULAR[ctype])
    elif req["format"] == "RDF":
        assert ctype in RDF, ctype
        list(ox.parse(body, format=RDF[ctype]))


@pytest.mark.parametrize("test", _tests())
def test_protocol(endpoint, test):
    name = str(test).rsplit("#", 1)[1]
    requests = _requests(test)
    if "update" in name:
        before = _everything(endpoint)
        status, _, body = _send(endpoint, requests[0])
        assert 400 <= status < 500, (status, body[:300])
        assert _everything(endpoint) == before
        return
    for req in requests:
        _check(req, *_send(endpoint, req))
