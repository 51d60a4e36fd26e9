"""Pushing into a real Apache Jena Fuseki 5.6.0 (tests/servers.py: a TDB2 dataset with updates on
and basic authentication), started once for the session on a free loopback port: atomic
replacement, a repeated push that gives the same graph, a wrong password that leaves the old
graph intact, and a server killed mid-upload that keeps the old graph. Skipped, with the reason,
where Java or Fuseki (fetched by Maven from tests/fuseki/pom.xml) is missing."""

from __future__ import annotations

import hashlib
import threading
import time

import pytest
from typer.testing import CliRunner

from euproj_rdf import StoreError, build, push, target_for
from euproj_rdf.cli import app
from tests.servers import GRAPH, FusekiServer, fuseki_unavailable


def _staging(graph: str) -> str:
    """The staging graph `push` uses for ``graph`` (named without the clock)."""
    return f"urn:euproj:staging:{hashlib.sha256(graph.encode()).hexdigest()[:16]}"


def _target(srv: FusekiServer, password: str | None = None):
    return target_for(srv.url, "fuseki", user=srv.user, password=password or srv.password)


def test_push_replaces_the_graph_and_cleans_up(fuseki_server, push_dumps):
    old, new, n_old, n_new = push_dumps
    graph = GRAPH + "/replace"
    target = _target(fuseki_server)
    assert target.auth == "basic"
    assert push(old, target, graph=graph, chunk_triples=500).triples == n_old
    assert fuseki_server.count(graph) == n_old
    result = push(new, target, graph=graph, chunk_triples=500)
    assert (result.triples, result.chunks) == (n_new, -(-n_new // 500))
    assert fuseki_server.count(graph) == n_new
    assert _staging(graph) not in fuseki_server.graphs()


def test_second_push_of_the_same_release_changes_nothing(fuseki_server, push_dumps):
    _, new, _, n_new = push_dumps
    graph = GRAPH + "/repeat"
    push(new, _target(fuseki_server), graph=graph)
    first = fuseki_server.construct(graph)
    push(new, _target(fuseki_server), graph=graph)
    assert fuseki_server.construct(graph) == first and len(first) == n_new
    assert _staging(graph) not in fuseki_server.graphs()


def test_default_graph(fuseki_server, push_dumps):
    _, new, _, n_new = push_dumps
    push(new, _target(fuseki_server))
    push(new, _target(fuseki_server))
    assert fuseki_server.count(None) == n_new
    assert _staging("default") not in fuseki_server.graphs()


def test_wrong_password_leaves_the_old_graph(fuseki_server, push_dumps):
    old, new, n_old, _ = push_dumps
    graph = GRAPH + "/password"
    push(old, _target(fuseki_server), graph=graph)
    with pytest.raises(StoreError) as raised:
        push(new, _target(fuseki_server, password="wrong"), graph=graph)
    assert str(raised.value) == (f"clearing the staging graph: {fuseki_server.url}data?graph="
                                 f"urn%3Aeuproj%3Astaging%3A{_staging(graph).rsplit(':', 1)[1]} "
                                 "refused the credentials (401)")
    assert fuseki_server.count(graph) == n_old


def test_cli_push_to_fuseki(fuseki_server, push_dumps, monkeypatch):
    _, new, _, n_new = push_dumps
    graph = GRAPH + "/cli"
    monkeypatch.setenv("EUPROJ_STORE_PASSWORD", fuseki_server.password)
    result = CliRunner().invoke(app, ["push", "--endpoint", fuseki_server.url, "--kind", "fuseki",
                                      "--user", fuseki_server.user, "--graph", graph, "--dump", str(new)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Replaced <{graph}> at {fuseki_server.url}: {n_new} triples in 1 chunk(s), ")
    assert fuseki_server.count(graph) == n_new


def test_cli_wrong_password_exits_3(fuseki_server, push_dumps, monkeypatch):
    _, new, _, _ = push_dumps
    monkeypatch.setenv("EUPROJ_STORE_PASSWORD", "wrong")
    result = CliRunner().invoke(app, ["push", "--endpoint", fuseki_server.url, "--kind", "fuseki",
                                      "--user", fuseki_server.user, "--graph", GRAPH + "/cli", "--dump", str(new)])
    assert result.exit_code == 3
    assert result.stderr.endswith(" refused the credentials (401)\n")


def test_server_killed_mid_upload_leaves_the_old_graph(tmp_path, push_dumps):
    """A Fuseki of its own (this one is killed): the old graph survives the kill, and the next
    push clears the leftover staging graph."""
    reason = fuseki_unavailable()
    if reason:
        pytest.skip(reason)
    old, new, n_old, n_new = push_dumps
    srv = FusekiServer(tmp_path / "fuseki").start()
    try:
        target = _target(srv)
        push(old, target, graph=GRAPH)
        errors: list[Exception] = []

        def slow_push():
            try:
                push(new, target, graph=GRAPH, chunk_triples=1, retries=1, backoff=0.05)
            except StoreError as exc:
                errors.append(exc)

        thread = threading.Thread(target=slow_push)
        thread.start()
        # one triple a request: thousands of requests; kill once the staging graph holds some
        for _ in range(600):
            if srv.count(_staging(GRAPH)) > 10:
                break
            time.sleep(0.05)
        srv.kill()
        thread.join(timeout=120)
        assert len(errors) == 1
        assert str(errors[0]).startswith("uploading chunk ") and "cannot reach" in str(errors[0])
        srv.start()  # same database, same port
        assert srv.count(GRAPH) == n_old
        push(new, target, graph=GRAPH)
        assert srv.count(GRAPH) == n_new
        assert srv.graphs() == {GRAPH}
    finally:
        srv.stop()


def test_replacing_a_graph_gives_exactly_the_new_graph(fuseki_server, tmp_path):
    """Regression: Fuseki 5.6 with TDB2 left a wrong graph (triples lost or left over) when one
    request MOVEd the staging graph onto a non-empty target (seen with synthetic releases of
    1 000 projects, 57 000 triples, not with the seed dump nor 400 projects); push now empties
    the target first."""
    from benchmarks.synthetic import write_csv

    first = build(write_csv(tmp_path / "a", 1000, seed=1), tmp_path / "a-dist", validate=False)
    second = build(write_csv(tmp_path / "b", 1000, seed=2), tmp_path / "b-dist", validate=False)
    graph = GRAPH + "/synthetic"
    for release in (first, second):
        push(release.ntriples, _target(fuseki_server), graph=graph)
        assert fuseki_server.count(graph) == release.triples
