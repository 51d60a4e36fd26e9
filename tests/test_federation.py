"""Links work: a federated query (SPARQL SERVICE) from our endpoint and from the embedded store
to a second endpoint — a real Oxigraph server holding an excerpt of the EU country authority
table with labels in the 24 official languages — joins on our country links."""

from __future__ import annotations

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


def test_service_from_our_endpoint(store, authority):
    server = make_server(ServerSettings(store=store, timeout=30, max_results=1000), port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        resp = requests.post(f"http://127.0.0.1:{server.server_address[1]}/sparql",
                             data={"query": _question(authority.url + "query")},
                             headers={"Accept": "application/sparql-results+json"}, timeout=60)
        assert resp.status_code == 200, resp.text
        rows = [(b["country"]["value"].rsplit("/", 1)[1], b["name"]["value"])
                for b in resp.json()["results"]["bindings"]]
        assert rows == EXPECTED
    finally:
        server.shutdown()
        server.server_close()
        server.pool.close()


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
