"""Shared fixtures: golden-file regeneration flag and the graph built from the repository's records."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parents[1]


def pytest_addoption(parser):
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite tests/cases/*/expected.ttl from the current output (review the diff!)",
    )


@pytest.fixture(scope="session")
def update_goldens(request) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory):
    """The repository's curated records, built once for the whole session."""
    from euproj_rdf import build

    out = tmp_path_factory.mktemp("dist")
    result = build(ROOT / "records", out)
    assert result.written, result.report.text()
    return result


@pytest.fixture(scope="session")
def seed_store(seed_build):
    """The built seed graph in an in-memory pyoxigraph store, for SPARQL assertions."""
    store = ox.Store()
    store.bulk_load(path=str(seed_build.ntriples), format=ox.RdfFormat.N_TRIPLES)
    store.bulk_load(path=str(seed_build.statistics[1]), format=ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode("https://w3id.org/euproj/id/statistics"))  # as `load` does
    return store


@pytest.fixture
def push_dumps(seed_build, tmp_path):
    """For push tests: a smaller 'previous release' (the first half of the seed dump) and the seed
    dump, with their triple counts: (old, new, n_old, n_new)."""
    lines = seed_build.ntriples.read_bytes().splitlines(keepends=True)
    old = tmp_path / "old.nt"
    old.write_bytes(b"".join(lines[: len(lines) // 2]))
    return old, seed_build.ntriples, len(lines) // 2, len(lines)


PREFIXES = """
PREFIX ep: <https://w3id.org/euproj/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX id: <https://w3id.org/euproj/id/>
PREFIX role: <https://w3id.org/euproj/concept/role/>
PREFIX kind: <https://w3id.org/euproj/concept/organisation-kind/>
PREFIX fk: <https://w3id.org/euproj/concept/funding-kind/>
PREFIX flag: <https://w3id.org/euproj/concept/quality-flag/>
PREFIX country: <http://publications.europa.eu/resource/authority/country/>
PREFIX currency: <http://publications.europa.eu/resource/authority/currency/>
"""


def select(store: ox.Store, query: str) -> list[dict[str, str]]:
    """Run a SELECT; each row as {variable: lexical value}."""
    solutions = store.query(PREFIXES + query)
    names = [v.value for v in solutions.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in solutions]


def ask(store: ox.Store, query: str) -> bool:
    return bool(store.query(PREFIXES + query))


@pytest.fixture(scope="session")
def fuseki_server(tmp_path_factory):
    """One Apache Jena Fuseki for the session (tests/servers.py), or a skip saying why not."""
    from tests.servers import FusekiServer, fuseki_unavailable

    reason = fuseki_unavailable()
    if reason:
        pytest.skip(reason)
    srv = FusekiServer(tmp_path_factory.mktemp("fuseki")).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """One Virtuoso for the session (tests/servers.py), or a skip saying why not."""
    from tests.servers import VirtuosoServer, virtuoso_unavailable

    reason = virtuoso_unavailable()
    if reason:
        pytest.skip(reason)
    srv = VirtuosoServer(tmp_path_factory.mktemp("virtuoso")).start()
    yield srv
    srv.stop()
