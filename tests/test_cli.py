"""The CLI: exit codes, the exact error lines, and the reference kept in step with the commands."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import typer.main
from typer.testing import CliRunner

from euproj_rdf.cli import app
from euproj_rdf.clidoc import cli_reference
from euproj_rdf.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "tests" / "cases" / "full-project" / "records"

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_build_writes_both_files_and_says_so(tmp_path):
    result = run("build", "-r", str(CASE), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "euproj.ttl").is_file() and (tmp_path / "euproj.nt").is_file()
    assert result.stdout.startswith(f"Wrote {tmp_path}/euproj.ttl and {tmp_path}/euproj.nt: ")


def test_bad_record_exits_2_with_one_error_line_per_problem(tmp_path):
    records = tmp_path / "records"
    shutil.copytree(CASE, records)
    path = records / "records.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("acronym: ALPHA", "akronym: ALPHA"), encoding="utf-8")
    result = run("build", "-r", str(records), "-o", str(tmp_path / "dist"))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: records/records.yaml:58: project 'alpha', field 'akronym': unknown field 'akronym' (did you mean 'acronym'?)",
        "1 problem(s) in the records; nothing was written.",
    ]
    assert not (tmp_path / "dist").exists()


def test_nonconforming_graph_exits_1_and_writes_nothing(tmp_path):
    records = tmp_path / "records"
    shutil.copytree(CASE, records)
    path = records / "records.yaml"
    text = path.read_text(encoding="utf-8").replace('{start: "2016-04", end: "2020-03"', '{start: "2016-04", end: "2015"')
    path.write_text(text, encoding="utf-8")
    result = run("build", "-q", "-r", str(records), "-o", str(tmp_path / "dist"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "records/records.yaml:67: project 'alpha' (period): Violation: The period ends (2015) before it starts "
        "(2016-04) (fields 'period.start' and 'period.end').",
        "Error: the graph does not conform to the shapes (1 violation(s)); nothing was written.",
    ]
    assert not (tmp_path / "dist").exists()


def test_missing_records_folder_is_a_configuration_error(tmp_path):
    result = run("build", "-r", str(tmp_path / "nope"), "-o", str(tmp_path / "dist"))
    assert result.exit_code == 2
    assert result.stderr == f"Error: records folder '{tmp_path / 'nope'}' does not exist\n"


def test_validate_prints_a_report_and_exits_0(tmp_path):
    result = run("validate", "-r", str(CASE))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "Conforms: 0 violation(s), 0 warning(s)"


def test_validate_turtle_report_is_a_shacl_report():
    result = run("validate", "-r", str(CASE), "--format", "turtle")
    assert result.exit_code == 0
    g = list(ox.parse(result.stdout, format=ox.RdfFormat.TURTLE))
    conforms = [t.object.value for t in g if t.predicate.value == "http://www.w3.org/ns/shacl#conforms"]
    assert conforms == ["true"]


def test_load_replaces_the_graph_never_duplicates(tmp_path):
    assert run("build", "-r", str(CASE), "-o", str(tmp_path)).exit_code == 0
    store = tmp_path / "store"
    for _ in range(2):
        result = run("load", "--dump", str(tmp_path / "euproj.nt"), "--store", str(store))
        assert result.exit_code == 0, result.output
    n = sum(1 for line in (tmp_path / "euproj.nt").open() if line.strip())
    assert result.stdout == f"Loaded {n} triples into {store}.\n"
    in_default_graph = ox.Store(str(store)).quads_for_pattern(None, None, None, ox.DefaultGraph())
    assert sum(1 for _ in in_default_graph) == n  # the statistics graph is a named graph of its own


@pytest.mark.parametrize("command", [("load", "--store", "store"), ("push", "--endpoint", "http://127.0.0.1:9/")])
def test_no_dump_is_bad_input_for_load_and_push_alike(tmp_path, command):
    result = run(*command, "--dump", str(tmp_path / "none.nt"))
    assert result.exit_code == 2
    assert result.stderr == f"Error: no dump at '{tmp_path / 'none.nt'}': run 'euproj-rdf build' first\n"


def test_cli_reference_is_current():
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert doc == cli_reference(), "docs/cli.md is stale: run python -m euproj_rdf.clidoc > docs/cli.md"


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = typer.main.get_command(app).commands
    assert {"build", "link", "link-apply"} <= set(commands)
    for name in commands:
        assert f"euproj-rdf {name}" in readme, f"README does not document `euproj-rdf {name}`"


def test_debug_shows_the_traceback(tmp_path):
    missing = str(tmp_path / "none.nt")
    assert run("load", "--dump", missing).exit_code == 2
    result = run("--debug", "load", "--dump", missing)
    assert result.exit_code == 1 and isinstance(result.exception, ConfigError)


@pytest.mark.skipif(not sys.stderr, reason="needs a process")
def test_piped_build_prints_no_progress_bar(tmp_path):
    exe = Path(sys.executable).with_name("euproj-rdf")
    proc = subprocess.run([str(exe), "build", "-r", str(CASE), "-o", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stderr == ""


@pytest.fixture(scope="module")
def case_store(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    assert run("build", "-r", str(CASE), "-o", str(out)).exit_code == 0
    assert run("load", "--dump", str(out / "euproj.nt"), "--store", str(out / "store")).exit_code == 0
    return out / "store"


QUERY = ("PREFIX ep: <https://w3id.org/euproj/ontology#> PREFIX dct: <http://purl.org/dc/terms/> "
         "SELECT ?title ?acronym WHERE { ?p a ep:Project ; dct:title ?title . OPTIONAL { ?p ep:acronym ?acronym } } "
         "ORDER BY ?title")


def test_query_piped_gives_csv(case_store):
    result = run("query", QUERY, "--store", str(case_store))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["title,acronym", "Alfa,ALPHA", "Beta,"]


def test_query_table_and_json(case_store, tmp_path):
    rq = tmp_path / "q.rq"
    rq.write_text(QUERY, encoding="utf-8")
    table = run("query", "--file", str(rq), "--store", str(case_store), "--format", "table")
    assert table.stdout.splitlines() == ["title    acronym", "-------  -------", "Alfa@sv  ALPHA", "Beta@sv", "(2 rows)"]
    js = run("query", QUERY, "--store", str(case_store), "-f", "json")
    assert '"vars":["title","acronym"]' in js.stdout.replace(" ", "")


def test_query_construct_is_turtle_when_piped(case_store):
    result = run("query", "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c FILTER(STRENDS(STR(?s), '/alpha')) }",
                 "--store", str(case_store))
    assert result.exit_code == 0
    assert "<https://w3id.org/euproj/id/project/alpha> a ep:Project" in result.stdout


def test_query_invalid_sparql_is_one_error_line(case_store):
    result = run("query", "SELECT * WHERE { ?s ?p }", "--store", str(case_store))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: invalid SPARQL: error at 1:25")
    assert len(result.stderr.splitlines()) == 1


def test_query_without_store_is_a_store_error(tmp_path):
    result = run("query", "ASK {}", "--store", str(tmp_path / "nope"))
    assert result.exit_code == 3
    assert result.stderr == (f"Error: no store at '{tmp_path / 'nope'}': run 'euproj-rdf build' and "
                             "'euproj-rdf load' first\n")
