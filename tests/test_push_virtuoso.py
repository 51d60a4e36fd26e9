"""Pushing into a real Virtuoso (Debian's virtuoso-opensource, started here on free loopback
ports in a temporary database): graph CRUD with digest authentication, atomic replacement, a
wrong password that leaves the old graph intact."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner

from euproj_rdf import StoreError, push, target_for
from euproj_rdf.cli import app

VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
GRAPH = "https://w3id.org/euproj/graph"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(folder: Path, *, after_image_limit: int | None = None):
    sql, http = _free_port(), _free_port()
    ini = INI.read_text()
    ini = ini.replace("/var/lib/virtuoso-opensource-7/db/", f"{folder}/")
    if after_image_limit is not None:
        ini = ini.replace("[Parameters]", f"[Parameters]\nTransactionAfterImageLimit = {after_image_limit}", 1)
    ini = re.sub(r"(?m)^ServerPort(\s*)=\s*1111$", rf"ServerPort\g<1>= {sql}", ini)
    ini = re.sub(r"(?m)^ServerPort(\s*)=\s*8890$", rf"ServerPort\g<1>= {http}", ini)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "virtuoso.ini").write_text(ini)
    proc = subprocess.Popen([VIRTUOSO, "-f", "-c", str(folder / "virtuoso.ini")], cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http}/"
    for _ in range(600):
        try:
            if requests.get(url + "sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("Virtuoso did not start")
    return proc, url


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    proc, url = _start(tmp_path_factory.mktemp("virtuoso"))
    yield url
    proc.kill()
    proc.wait()


def _count(url: str, graph: str) -> int:
    resp = requests.get(url + "sparql", params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
                        headers={"Accept": "application/sparql-results+json"}, timeout=30)
    return int(resp.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture
def dumps(seed_build, tmp_path):
    lines = seed_build.ntriples.read_bytes().splitlines(keepends=True)
    old = tmp_path / "old.nt"
    old.write_bytes(b"".join(lines[: len(lines) // 2]))
    return old, seed_build.ntriples, len(lines) // 2, len(lines)


def test_replace_and_repeat(virtuoso, dumps):
    old, new, n_old, n_new = dumps
    target = target_for(virtuoso, "virtuoso", user="dba", password="dba")
    assert target.auth == "digest"
    push(old, target, graph=GRAPH + "/a", chunk_triples=1000)
    assert _count(virtuoso, GRAPH + "/a") == n_old
    push(new, target, graph=GRAPH + "/a", chunk_triples=1000)
    push(new, target, graph=GRAPH + "/a", chunk_triples=1000)  # the same release again: same graph
    assert _count(virtuoso, GRAPH + "/a") == n_new


def test_wrong_password_leaves_the_old_graph(virtuoso, dumps):
    old, new, n_old, _ = dumps
    push(old, target_for(virtuoso, "virtuoso", user="dba", password="dba"), graph=GRAPH + "/b")
    with pytest.raises(StoreError, match=r"refused the credentials \(401\)$"):
        push(new, target_for(virtuoso, "virtuoso", user="dba", password="wrong"), graph=GRAPH + "/b")
    assert _count(virtuoso, GRAPH + "/b") == n_old


def test_cli_push_to_virtuoso(virtuoso, dumps, monkeypatch):
    _, new, _, n_new = dumps
    monkeypatch.setenv("EUPROJ_STORE_PASSWORD", "dba")
    result = CliRunner().invoke(app, ["push", "--endpoint", virtuoso, "--kind", "virtuoso", "--user", "dba",
                                      "--graph", GRAPH + "/c", "--dump", str(new)])
    assert result.exit_code == 0, result.output
    assert _count(virtuoso, GRAPH + "/c") == n_new


def test_a_500_on_the_swap_leaves_the_old_graph(tmp_path, dumps):
    """A Virtuoso whose transaction log limit is smaller than the MOVE of the new graph answers
    500 on the swap (the small chunks of the upload still pass): the old graph stays."""
    _, new, _, _ = dumps
    small = tmp_path / "small.nt"
    small.write_bytes(b"".join(new.read_bytes().splitlines(keepends=True)[:100]))
    proc, url = _start(tmp_path / "db", after_image_limit=20_000)
    try:
        target = target_for(url, "virtuoso", user="dba", password="dba")
        push(small, target, graph=GRAPH, chunk_triples=20)
        with pytest.raises(StoreError, match=r"^moving the staging graph onto the target: .* answered 500: .*"
                                             r"Transaction aborted"):
            push(new, target, graph=GRAPH, chunk_triples=20)
        assert _count(url, GRAPH) == 100
    finally:
        proc.kill()
        proc.wait()
