"""The aligned profile: EURIO / schema.org / ORG queries run unchanged on the shared part."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from euproj_rdf import build

ROOT_RECORDS = "records"
EURIO = "http://data.europa.eu/s66#"


@pytest.fixture(scope="module")
def aligned(tmp_path_factory, seed_build):
    from tests.conftest import ROOT

    result = build(ROOT / "records", tmp_path_factory.mktemp("aligned"), profile="aligned")
    assert result.written
    return result


def _store(path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    return store


def _set(store, query):
    return {tuple(None if v is None else v.value for v in sol) for sol in store.query(query)}


def test_the_aligned_dump_is_the_base_dump_plus_aligned_terms(aligned, seed_build):
    base = set(seed_build.ntriples.read_text(encoding="utf-8").splitlines())
    more = set(aligned.ntriples.read_text(encoding="utf-8").splitlines())
    assert base < more
    added = more - base
    vocabularies = ("<http://data.europa.eu/s66#", "<https://schema.org/", "<http://www.w3.org/ns/org#")
    assert all(any(v in line for v in vocabularies) for line in added)
    assert not any(any(v in line for v in vocabularies) for line in base)


def test_a_cordis_query_runs_unchanged(aligned, seed_store):
    """Participants with their roles, asked the way CORDIS's EURIO graph is asked."""
    eurio = _set(_store(aligned.ntriples), f"""
        PREFIX eurio: <{EURIO}>
        SELECT ?title ?name ?role WHERE {{
            ?project a eurio:Project ; eurio:title ?title ; eurio:hasInvolvedParty ?r .
            ?r a eurio:OrganisationRole ; eurio:roleLabel ?role ; eurio:isRoleOf ?org .
            ?org a eurio:Organisation ; eurio:legalName ?name .
        }}""")
    ours = _set(seed_store, """
        PREFIX ep: <https://w3id.org/euproj/ontology#>
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?title ?name ?role WHERE {
            ?project a ep:Project ; dct:title ?title ; ep:participation ?r .
            ?r ep:role ?roleConcept ; ep:participant ?org .
            ?org a ep:Organisation ; skos:prefLabel ?name .
            BIND (STRAFTER(STR(?roleConcept), "/role/") AS ?role)
        }""")
    assert len(eurio) > 150
    assert eurio == ours
    assert ("GREAT", "Region Skåne", "coordinator") in eurio


def test_eurio_dates_and_total_cost(aligned):
    store = _store(aligned.ntriples)
    rows = _set(store, f"""
        PREFIX eurio: <{EURIO}>
        SELECT ?title ?start ?end ?value ?currency WHERE {{
            ?p a eurio:Project ; eurio:title ?title .
            OPTIONAL {{ ?p eurio:startDate ?start }} OPTIONAL {{ ?p eurio:endDate ?end }}
            OPTIONAL {{ ?p eurio:hasTotalCost [ eurio:value ?value ; eurio:currency ?currency ] }}
        }}""")
    by_title = {r[0]: r[1:] for r in rows}
    # "2016-05-01 – 2019-04-31": the impossible end is kept to the month, so EURIO has no end day
    assert by_title["BSR Stars S3"][:2] == ("2016-05-01", None)
    # dates given to the day become EURIO dates (xsd:date)
    dated = [t for t, (start, end, *_rest) in by_title.items() if start]
    assert dated
    for start in (v[0] for v in by_title.values() if v[0]):
        assert len(start) == 10
    costs = {t: (v[2], v[3]) for t, v in by_title.items() if v[2]}
    assert costs, "total budgets become EURIO total costs"
    assert all(c.endswith("/currency/EUR") or c.endswith("/currency/DKK") or c.endswith("/currency/SEK")
               for _, c in costs.values())


def test_schema_org_and_org_terms(aligned):
    store = _store(aligned.ntriples)
    names = _set(store, """
        PREFIX schema: <https://schema.org/>
        SELECT ?name WHERE { ?o a schema:Organization ; schema:name ?name }""")
    assert ("Region Skåne",) in names
    units = _set(store, """
        PREFIX org: <http://www.w3.org/ns/org#>
        SELECT ?unit ?parent WHERE { ?unit org:subOrganizationOf ?parent }""")
    assert ("https://w3id.org/euproj/id/organisation/regionfastigheter",
            "https://w3id.org/euproj/id/organisation/region-skane") in units
