"""Pushing into a real Virtuoso (Debian's virtuoso-opensource, started by tests/servers.py on free
loopback ports in a temporary database): graph CRUD with digest authentication, atomic replacement, a
wrong password that leaves the old graph intact."""

from __future__ import annotations

import pytest
import requests
from typer.testing import CliRunner

from euproj_rdf import StoreError, push, target_for
from euproj_rdf.cli import app
from tests.servers import VirtuosoServer, virtuoso_unavailable

GRAPH = "https://w3id.org/euproj/graph"


@pytest.fixture(scope="module")
def virtuoso(virtuoso_server):
    """The session's Virtuoso (tests/servers.py): its base URL."""
    return virtuoso_server.url


def _count(url: str, graph: str) -> int:
    resp = requests.get(url + "sparql", params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
                        headers={"Accept": "application/sparql-results+json"}, timeout=30)
    return int(resp.json()["results"]["bindings"][0]["n"]["value"])


def test_replace_and_repeat(virtuoso, push_dumps):
    old, new, n_old, n_new = push_dumps
    target = target_for(virtuoso, "virtuoso", user="dba", password="dba")
    assert target.auth == "digest"
    push(old, target, graph=GRAPH + "/a", chunk_triples=1000)
    assert _count(virtuoso, GRAPH + "/a") == n_old
    push(new, target, graph=GRAPH + "/a", chunk_triples=1000)
    push(new, target, graph=GRAPH + "/a", chunk_triples=1000)  # the same release again: same graph
    assert _count(virtuoso, GRAPH + "/a") == n_new


def test_wrong_password_leaves_the_old_graph(virtuoso, push_dumps):
    old, new, n_old, _ = push_dumps
    push(old, target_for(virtuoso, "virtuoso", user="dba", password="dba"), graph=GRAPH + "/b")
    with pytest.raises(StoreError, match=r"refused the credentials \(401\)$"):
        push(new, target_for(virtuoso, "virtuoso", user="dba", password="wrong"), graph=GRAPH + "/b")
    assert _count(virtuoso, GRAPH + "/b") == n_old


def test_cli_push_to_virtuoso(virtuoso, push_dumps, monkeypatch):
    _, new, _, n_new = push_dumps
    monkeypatch.setenv("EUPROJ_STORE_PASSWORD", "dba")
    result = CliRunner().invoke(app, ["push", "--endpoint", virtuoso, "--kind", "virtuoso", "--user", "dba",
                                      "--graph", GRAPH + "/c", "--dump", str(new)])
    assert result.exit_code == 0, result.output
    assert _count(virtuoso, GRAPH + "/c") == n_new


def test_a_500_on_the_swap_leaves_the_old_graph(tmp_path, push_dumps):
    """A Virtuoso whose transaction log limit is smaller than the MOVE of the new graph answers
    500 on the swap (the small chunks of the upload still pass): the old graph stays."""
    reason = virtuoso_unavailable()
    if reason:
        pytest.skip(reason)
    _, new, _, _ = push_dumps
    small = tmp_path / "small.nt"
    small.write_bytes(b"".join(new.read_bytes().splitlines(keepends=True)[:100]))
    srv = VirtuosoServer(tmp_path / "db", after_image_limit=20_000).start()
    url = srv.url
    try:
        target = target_for(url, "virtuoso", user="dba", password="dba")
        push(small, target, graph=GRAPH, chunk_triples=20)
        with pytest.raises(StoreError, match=r"^moving the staging graph onto the target: .* answered 500: .*"
                                             r"Transaction aborted"):
            push(new, target, graph=GRAPH, chunk_triples=20)
        assert _count(url, GRAPH) == 100
    finally:
        srv.stop()
