"""Pushing into a real Oxigraph server (the `oxigraph` package's binary), started per test on a
free loopback port: atomic replacement, idempotence, and the old graph kept when the server dies
mid-upload."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from typer.testing import CliRunner

from euproj_rdf import PushTarget, StoreError, push, target_for
from euproj_rdf.cli import app
from tests.servers import GRAPH, OxigraphServer


@pytest.fixture
def server(tmp_path):
    srv = OxigraphServer(tmp_path / "oxigraph").start()
    yield srv
    if srv.proc.poll() is None:
        srv.kill()


def test_push_replaces_the_graph_and_cleans_up(server, push_dumps):
    old, new, n_old, n_new = push_dumps
    target = target_for(server.url, "oxigraph")
    assert push(old, target, graph=GRAPH, chunk_triples=500).triples == n_old
    assert server.count() == n_old
    result = push(new, target, graph=GRAPH, chunk_triples=500)
    assert (result.triples, result.chunks) == (n_new, -(-n_new // 500))
    assert server.count() == n_new
    assert server.graphs() == {GRAPH}  # the staging graph is gone


def test_second_push_of_the_same_release_changes_nothing(server, push_dumps):
    _, new, _, n_new = push_dumps
    target = target_for(server.url, "oxigraph")
    push(new, target, graph=GRAPH)
    first = requests.post(server.url + "query", data={"query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"},
                          headers={"Accept": "application/n-triples"}, timeout=30).text
    push(new, target, graph=GRAPH)
    second = requests.post(server.url + "query", data={"query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"},
                           headers={"Accept": "application/n-triples"}, timeout=30).text
    assert sorted(first.splitlines()) == sorted(second.splitlines()) and server.count() == n_new


def test_default_graph(server, push_dumps):
    _, new, _, n_new = push_dumps
    push(new, target_for(server.url, "oxigraph"))
    assert server.count(None) == n_new and server.graphs() == set()


def test_server_killed_mid_upload_leaves_the_old_graph(server, push_dumps):
    old, new, n_old, _ = push_dumps
    target = target_for(server.url, "oxigraph")
    push(old, target, graph=GRAPH)
    errors: list[Exception] = []

    def slow_push():
        try:
            push(new, target, graph=GRAPH, chunk_triples=1, retries=1, backoff=0.05)
        except StoreError as exc:
            errors.append(exc)

    thread = threading.Thread(target=slow_push)
    thread.start()
    time.sleep(0.5)  # one triple a request: thousands of requests, still uploading
    server.kill()
    thread.join(timeout=60)
    assert len(errors) == 1
    assert str(errors[0]).startswith("uploading chunk ")
    assert "cannot reach" in str(errors[0])
    server.start()  # same data folder, same port
    assert server.count() == n_old
    # the next push clears the leftover staging graph and succeeds
    push(new, target, graph=GRAPH)
    assert server.graphs() == {GRAPH}


def test_unreachable_store_is_a_clear_error_with_exit_3(tmp_path, push_dumps):
    _, new, _, _ = push_dumps
    result = CliRunner().invoke(app, ["push", "--endpoint", "http://127.0.0.1:9/", "--dump", str(new), "--retries", "1"])
    assert result.exit_code == 3
    assert result.stderr == ("Error: clearing the staging graph: cannot reach "
                             "http://127.0.0.1:9/store?graph=urn%3Aeuproj%3Astaging%3A37a8eec1ce19687d: ConnectionError\n")


def test_cli_push(server, push_dumps):
    _, new, _, n_new = push_dumps
    result = CliRunner().invoke(app, ["push", "--endpoint", server.url, "--graph", GRAPH, "--dump", str(new)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Replaced <{GRAPH}> at {server.url}: {n_new} triples in 1 chunk(s), ")


def test_a_refused_swap_leaves_the_old_graph(server, push_dumps):
    """The server answers an error to the MOVE (here: an update endpoint it does not have)."""
    old, new, n_old, _ = push_dumps
    good = target_for(server.url, "oxigraph")
    push(old, good, graph=GRAPH)
    refusing = PushTarget(gsp=good.gsp, query=good.query, update=server.url + "no-update-here")
    with pytest.raises(StoreError, match=r"^moving the staging graph onto the target: .*no-update-here answered 404"):
        push(new, refusing, graph=GRAPH)
    assert server.count() == n_old
    push(new, good, graph=GRAPH)  # and the next push still works
    assert server.graphs() == {GRAPH}
