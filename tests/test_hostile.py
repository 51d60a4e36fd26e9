"""Hostile and careless arguments: outputs that are not ours, IRIs that are not IRIs, SPARQL
injection through --graph (against a real Oxigraph server). Each is refused before any work,
with one exact error line and exit code 2, and nothing of anyone else's is touched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from euproj_rdf import PushTarget, StoreError, push, target_for
from euproj_rdf.cli import app
from tests.servers import GRAPH, OxigraphServer

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "tests" / "cases" / "full-project" / "records"
VICTIM = "http://victim.example/g"


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def built(tmp_path) -> Path:
    """A folder holding a build of a small case (dist/euproj.nt, dist/euproj.ttl)."""
    dist = tmp_path / "dist"
    assert run("build", "-r", str(CASE), "-o", str(dist)).exit_code == 0
    return dist


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------- never destroy what is not ours


def test_load_refuses_a_foreign_folder(built):
    """`load --store dist` replaced the build folder (with its dump) by a store."""
    before = _files(built)
    result = run("load", "--dump", str(built / "euproj.nt"), "--store", str(built))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --store '{built}' exists and was not written by 'euproj-rdf load' (it has no .euproj-store "
        "marker, and holds euproj-statistics.nt …): choose another folder, or pass --force to replace it\n"
    )
    assert _files(built) == before


def test_load_replaces_its_own_store_and_force_replaces_a_foreign_one(built, tmp_path):
    store = tmp_path / "store"
    for _ in range(2):
        assert run("load", "--dump", str(built / "euproj.nt"), "--store", str(store)).exit_code == 0
    assert (store / ".euproj-store").is_file()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("mine")
    assert run("load", "--dump", str(built / "euproj.nt"), "--store", str(foreign)).exit_code == 2
    assert (foreign / "mine.txt").read_text() == "mine"
    assert run("load", "--dump", str(built / "euproj.nt"), "--store", str(foreign), "--force").exit_code == 0
    assert not (foreign / "mine.txt").exists() and (foreign / ".euproj-store").is_file()


def test_publish_refuses_a_foreign_folder(built, tmp_path):
    """`publish --out notes` silently deleted everything in notes/."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.md").write_text("keep me")
    result = run("publish", "--dist", str(built), "--out", str(notes), "--config", str(ROOT / "release.yaml"))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --out '{notes}' exists and was not written by 'euproj-rdf publish' (it has no .euproj-release "
        "marker, and holds todo.md): choose another folder, or pass --force to replace it\n"
    )
    assert (notes / "todo.md").read_text() == "keep me"


def test_publish_replaces_its_own_release(built, tmp_path):
    out = tmp_path / "release"
    for _ in range(2):
        result = run("publish", "--dist", str(built), "--out", str(out), "--config", str(ROOT / "release.yaml"))
        assert result.exit_code == 0, result.output
    assert (out / ".euproj-release").is_file()


def test_build_refuses_dump_files_it_did_not_write(tmp_path):
    out = tmp_path / "data"
    out.mkdir()
    (out / "euproj.nt").write_text("someone else's\n")
    (out / "other.txt").write_text("kept")
    result = run("build", "-r", str(CASE), "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --out '{out}' exists and was not written by 'euproj-rdf build' (it has no .euproj-dump "
        "marker, and holds euproj.nt): choose another folder, or pass --force to replace it\n"
    )
    assert (out / "euproj.nt").read_text() == "someone else's\n"
    assert run("build", "-r", str(CASE), "-o", str(out), "--force").exit_code == 0
    assert (out / "other.txt").read_text() == "kept" and (out / ".euproj-dump").is_file()


def test_build_into_a_folder_without_dump_files_adds_them(tmp_path):
    out = tmp_path / "data"
    out.mkdir()
    (out / "readme.txt").write_text("kept")
    assert run("build", "-r", str(CASE), "-o", str(out)).exit_code == 0
    assert (out / "readme.txt").read_text() == "kept" and (out / "euproj.nt").is_file()


@pytest.mark.parametrize("verb", ["build", "load", "publish"])
def test_an_output_that_is_a_file_is_refused_before_any_work(verb, built, tmp_path):
    """`-o` at an existing file failed only after the whole build had run."""
    target = tmp_path / "a-file"
    target.write_text("mine")
    option = {"build": ["-r", str(tmp_path / "no-records"), "-o"], "load": ["--dump", str(built / "euproj.nt"), "--store"],
              "publish": ["--dist", str(built), "--config", str(ROOT / "release.yaml"), "--out"]}[verb]
    result = run(verb, *option, str(target), "--force")
    assert result.exit_code == 2
    name = "--store" if verb == "load" else "--out"
    # checked first: the missing records folder of `build` is not even looked at
    assert result.stderr == f"Error: {name} '{target}' is a file, not a folder: choose a folder (or a name not yet used)\n"
    assert target.read_text() == "mine"


# ------------------------------------------------------------------- IRIs checked before any work


def test_base_iri_with_a_space_is_refused(tmp_path):
    result = run("build", "-r", str(CASE), "-o", str(tmp_path / "out"), "--base-iri", "https://example.org/my id/")
    assert result.exit_code == 2
    assert result.stderr == "Error: --base-iri 'https://example.org/my id/' is not an absolute IRI (Invalid IRI code point ' ')\n"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("base, message", [
    ("id/", "--base-iri 'id/' is not an absolute IRI (it has no scheme such as https:)"),
    ("urn:x:", "--base-iri 'urn:x:' must be an http(s) IRI"),
    ("https://example.org/id", "--base-iri 'https://example.org/id' must end with '/' or '#' (identifiers are appended to it)"),
])
def test_base_iri_must_be_absolute_http_and_a_prefix(tmp_path, base, message):
    result = run("validate", "-r", str(CASE), "--base-iri", base)
    assert (result.exit_code, result.stderr) == (2, f"Error: {message}\n")


@pytest.fixture
def server(tmp_path):
    srv = OxigraphServer(tmp_path / "oxigraph").start()
    yield srv
    srv.stop()


@pytest.fixture
def victim(server, tmp_path):
    """An unrelated named graph in the target store: nobody's push may touch it."""
    data = tmp_path / "victim.ttl"
    data.write_text("<http://victim.example/s> <http://victim.example/p> \"precious\" .\n", encoding="utf-8")
    server.load(data, graph=VICTIM)
    assert server.count(VICTIM) == 1
    return VICTIM


INJECTIONS = [
    f"http://x.example/g> }} ; DROP GRAPH <{VICTIM}> ; INSERT DATA {{ GRAPH <http://x.example/g",
    f"http://x.example/g> TO GRAPH <{VICTIM}",
    f"{VICTIM}>\nDROP GRAPH <{VICTIM}",
]


@pytest.mark.parametrize("graph", INJECTIONS, ids=["drop", "move-onto", "newline"])
def test_sparql_injection_through_graph_is_refused_and_the_other_graph_intact(server, victim, built, graph):
    result = run("push", "--endpoint", server.url, "--graph", graph, "--dump", str(built / "euproj.nt"))
    assert result.exit_code == 2
    shown = f"'{graph}'" if graph.isprintable() else repr(graph)
    assert result.stderr.startswith(f"Error: --graph {shown} is not an absolute IRI (Invalid IRI code point ")
    assert result.stderr.count("\n") == 1
    assert server.count(victim) == 1
    assert server.graphs() == {victim}  # no staging graph either: nothing was uploaded


def test_not_an_iri_is_refused_before_the_upload(server, victim, built):
    """`--graph 'not an iri'` uploaded the whole dump, failed at the MOVE and left the staging graph."""
    result = run("push", "--endpoint", server.url, "--graph", "not an iri", "--dump", str(built / "euproj.nt"))
    assert (result.exit_code, result.stderr) == (
        2, "Error: --graph 'not an iri' is not an absolute IRI (it has no scheme such as https:)\n")
    assert server.graphs() == {victim}


def test_a_relative_graph_is_refused(server, victim, built):
    """`--graph graph1` reported 'Replaced <graph1>' while the triples went to a graph resolved
    against the server's URL."""
    result = run("push", "--endpoint", server.url, "--graph", "graph1", "--dump", str(built / "euproj.nt"))
    assert (result.exit_code, result.stderr) == (
        2, "Error: --graph 'graph1' is not an absolute IRI (it has no scheme such as https:)\n")
    assert server.graphs() == {victim}


def test_a_good_push_leaves_the_other_graph_alone(server, victim, built):
    assert run("push", "--endpoint", server.url, "--graph", GRAPH, "--dump", str(built / "euproj.nt")).exit_code == 0
    assert server.count(victim) == 1 and server.graphs() == {victim, GRAPH}


def test_a_failed_move_removes_the_staging_graph(server, victim, built):
    good = target_for(server.url, "oxigraph")
    refusing = PushTarget(gsp=good.gsp, query=good.query, update=server.url + "no-update-here")
    with pytest.raises(StoreError, match=r"^moving the staging graph onto the target: "):
        push(built / "euproj.nt", refusing, graph=GRAPH)
    assert server.graphs() == {victim}  # staging dropped, target never created


def test_scratch_is_not_left_beside_outputs(built, tmp_path):
    store = tmp_path / "store"
    assert run("load", "--dump", str(built / "euproj.nt"), "--store", str(store)).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "store"]
    assert sorted(p.name for p in built.iterdir()) == [".euproj-dump", "euproj-statistics.nt", "euproj-statistics.ttl",
                                                      "euproj.nt", "euproj.ttl"]
    shutil.rmtree(store)
