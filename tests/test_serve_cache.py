"""The endpoint's result cache: a repeated question is answered from memory, never across a
`load`, per dataset and media type, within its size bound, and never for errors."""

from __future__ import annotations

import time

import pytest
import requests
from typer.testing import CliRunner

from euproj_rdf.cli import app
from euproj_rdf.serve import Endpoint, ServerSettings
from euproj_rdf.serve.cache import ENTRY_COST, ResultCache
from euproj_rdf.store import load_store

GREAT = "ASK { <https://w3id.org/euproj/id/project/great> ?p ?o }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def store(seed_build, tmp_path_factory):
    path = tmp_path_factory.mktemp("cached") / "store"
    load_store(seed_build.ntriples, path)
    return path


@pytest.fixture(scope="module")
def server(store):
    with Endpoint(ServerSettings(store=store, timeout=30), port=0) as endpoint:
        yield endpoint


def _ask(url: str, query: str, accept: str = JSON, **params: str) -> requests.Response:
    return requests.get(url + "/sparql", params={"query": query, **params}, headers={"Accept": accept}, timeout=120)


def _count(resp: requests.Response) -> int:
    return int(resp.json()["results"]["bindings"][0]["n"]["value"])


# ------------------------------------------------------------------------------ the cache alone
def test_cache_keeps_the_least_recently_used_within_its_bytes():
    cache = ResultCache(3 * (ENTRY_COST + 100))
    for key in "abc":
        assert cache.put(key, (200, "text/csv", b"x" * 100))
    assert cache.get("a") is not None  # a is now the most recent
    assert cache.put("d", (200, "text/csv", b"x" * 100))
    assert cache.get("b") is None  # the least recently used went
    assert [cache.get(k) is not None for k in "acd"] == [True, True, True]
    assert cache.size == 3 * (ENTRY_COST + 100) and len(cache) == 3
    assert not cache.put("big", (200, "text/csv", b"x" * 10_000))  # larger than the whole bound
    assert len(cache) == 3
    cache.clear()
    assert cache.size == 0 and len(cache) == 0


@pytest.mark.parametrize("status", [400, 406, 409, 413, 500, 502, 503])
def test_cache_refuses_what_is_not_a_complete_answer(status):
    cache = ResultCache(1024 * 1024)
    assert not cache.put("k", (status, "text/plain", b"an error"))
    assert cache.get("k") is None and len(cache) == 0


def test_cache_of_size_0_stores_nothing():
    cache = ResultCache(0)
    assert not cache.enabled
    assert not cache.put("k", (200, "text/csv", b"x"))
    assert cache.get("k") is None


# ------------------------------------------------------------------------------ in the endpoint
def test_a_repeated_query_is_answered_from_the_cache(server):
    first = _ask(server.url, "SELECT ?f WHERE { ?f a <https://w3id.org/euproj/ontology#Fund> } ORDER BY ?f")
    again = _ask(server.url, "SELECT ?f WHERE { ?f a <https://w3id.org/euproj/ontology#Fund> } ORDER BY ?f")
    assert (first.status_code, first.headers["X-Cache"]) == (200, "miss")
    assert (again.status_code, again.headers["X-Cache"]) == (200, "hit")
    assert again.content == first.content
    assert again.headers["Content-Type"] == first.headers["Content-Type"]


def test_datasets_and_media_types_are_different_entries(server):
    whole = _ask(server.url, COUNT)
    assert _count(whole) > 4000
    unknown = _ask(server.url, COUNT, **{"default-graph-uri": "https://example.org/no-such-graph"})
    assert (unknown.headers["X-Cache"], _count(unknown)) == ("miss", 0)  # not the whole store's answer
    named = _ask(server.url, COUNT, **{"named-graph-uri": "https://example.org/no-such-graph"})
    assert (named.headers["X-Cache"], _count(named)) == ("miss", 0)
    csv = _ask(server.url, COUNT, accept="text/csv")
    assert csv.headers["X-Cache"] == "miss" and csv.headers["Content-Type"].startswith("text/csv")
    assert csv.text.splitlines() == ["n", str(_count(whole))]
    xml = _ask(server.url, COUNT, accept="application/sparql-results+xml")
    assert xml.headers["X-Cache"] == "miss" and xml.text.startswith("<?xml")
    # an Accept written differently that negotiates the same type shares the entry
    same = _ask(server.url, COUNT, accept="text/csv;q=0.9, image/png")
    assert (same.headers["X-Cache"], same.content) == ("hit", csv.content)
    # a different query text (even one space) is a different entry
    assert _ask(server.url, COUNT + " ").headers["X-Cache"] == "miss"


def test_errors_and_time_outs_are_not_cached(store):
    with Endpoint(ServerSettings(store=store, timeout=1, max_results=10), port=0) as server:
        for _ in range(2):
            bad = _ask(server.url, "SELECT WHERE {")
            assert bad.status_code == 400 and "X-Cache" not in bad.headers
            capped = _ask(server.url, "SELECT ?s WHERE { ?s ?p ?o }")
            assert capped.status_code == 413
            refused = _ask(server.url, "ASK {}", accept="image/png")
            assert refused.status_code == 406
        late = _ask(server.url, CROSS)
        assert late.status_code == 503 and "time limit" in late.json()["error"]["message"]
        assert len(server.cache) == 0
        assert _ask(server.url, CROSS).status_code == 503  # run again, not an answer kept from before
        assert len(server.cache) == 0


def test_the_size_bound_holds(store):
    bound = 16 * 1024
    with Endpoint(ServerSettings(store=store, cache_bytes=bound), port=0) as server:
        queries = [f"SELECT ?s WHERE {{ ?s ?p ?o }} ORDER BY ?s LIMIT {n}" for n in range(1, 41)]
        for text in queries:
            assert _ask(server.url, text).headers["X-Cache"] == "miss"
            assert 0 < server.cache.size <= bound
        assert len(server.cache) < len(queries)
        assert _ask(server.url, queries[-1]).headers["X-Cache"] == "hit"  # the most recent is kept
        assert _ask(server.url, queries[0]).headers["X-Cache"] == "miss"  # the oldest went
        huge = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 2000"
        first = _ask(server.url, huge)
        assert len(first.content) > bound
        assert _ask(server.url, huge).headers["X-Cache"] == "miss"  # larger than the bound: never kept
        assert server.cache.size <= bound


def test_no_cache_with_size_0(store):
    with Endpoint(ServerSettings(store=store, cache_bytes=0), port=0) as server:
        for _ in range(2):
            resp = _ask(server.url, "ASK {}")
            assert resp.status_code == 200 and "X-Cache" not in resp.headers
        assert len(server.cache) == 0


def test_a_load_gives_the_new_answer_at_once(seed_build, tmp_path):
    """Regression guard: the first answer after the server switched to `load`'s new store is the
    new store's, though the old answer was in the cache; the old entries are dropped."""
    kept = [line for line in seed_build.ntriples.read_text().splitlines(keepends=True)
            if not line.startswith("<https://w3id.org/euproj/id/project/great")]
    (tmp_path / "smaller.nt").write_text("".join(kept))
    mine = tmp_path / "store"
    load_store(seed_build.ntriples, mine)
    with Endpoint(ServerSettings(store=mine), port=0) as server:
        assert _ask(server.url, GREAT).json()["boolean"] is True
        again = _ask(server.url, GREAT)
        assert (again.headers["X-Cache"], again.json()["boolean"]) == ("hit", True)
        load_store(tmp_path / "smaller.nt", mine)
        end = time.monotonic() + 120  # a generous bound for the new workers to start, not a measure
        while server.pool.switches == 0 and time.monotonic() < end:
            time.sleep(0.05)
        assert server.pool.switches == 1
        after = _ask(server.url, GREAT)
        assert (after.headers["X-Cache"], after.json()["boolean"]) == ("miss", False)
        assert len(server.cache) == 1  # only the new answer
        assert _ask(server.url, GREAT).headers["X-Cache"] == "hit"


def test_cli_refuses_a_negative_cache_size(store):
    result = CliRunner().invoke(app, ["serve", "--store", str(store), "--cache-mb", "-1"],
                                env={"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
    assert result.exit_code == 2
    assert "Invalid value for '--cache-mb': Input should be greater than or equal to 0" in result.output


def test_federated_answers_are_not_cached_and_refusals_stay_refused(store):
    """A remote endpoint's answer may change at any time: a query with SERVICE is always run."""
    with Endpoint(ServerSettings(store=store, cache_bytes=0), port=0) as remote:
        allowed = remote.url + "/sparql"
        with Endpoint(ServerSettings(store=store, allow_service=(allowed,)), port=0) as server:
            federated = f"ASK {{ SERVICE <{allowed}> {{ {GREAT[4:]} }} }}"
            for _ in range(2):
                resp = _ask(server.url, federated)
                assert resp.status_code == 200 and resp.json()["boolean"] is True
                assert "X-Cache" not in resp.headers
                refused = _ask(server.url, "ASK { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
                assert refused.status_code == 403
            assert len(server.cache) == 0


@pytest.mark.parametrize("query", ['SELECT (NOW() AS ?t) {}', 'SELECT (rand() AS ?r) {}',
                                   'SELECT (UUID() AS ?u) {}', 'SELECT (STRUUID () AS ?u) {}'])
def test_queries_with_a_new_value_each_run_are_not_cached(server, query):
    answers = [_ask(server.url, query) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert all("X-Cache" not in a.headers for a in answers)
    if "rand" in query or "UUID" in query:
        assert answers[0].content != answers[1].content  # run twice, not repeated from memory
