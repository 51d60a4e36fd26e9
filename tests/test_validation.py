"""Batched validation gives the same results as validating the whole graph at once with pySHACL."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import rdflib
import yaml
from rdflib.namespace import RDF, SH

from benchmarks.synthetic import generate
from euproj_rdf import build
from euproj_rdf.checks import RecordIndex, check_record, index_records
from euproj_rdf.mapping import compile_mapping
from euproj_rdf.pipeline import DEFAULT_BASE_IRI
from euproj_rdf.records import read_records
from euproj_rdf.resources import SHAPES_FILE, concept_lines, concept_notations, default_schema, resource


def _records_with_violations(folder: Path) -> Path:
    sources, orgs, projects = generate(60, seed=7)
    projects[3]["participants"][1]["roles"] = ["lead-partner"]  # two lead partners
    projects[10]["period"] = {"start": "2019-05", "end": "2018", "text": "x"}  # ends before it starts
    projects[20]["funding"] = [
        {"kind": "total-budget", "amount": 100, "currency": "EUR", "text": "x"},
        {"kind": "eu-contribution", "amount": 200, "currency": "EUR", "text": "y"},  # EU > total
    ]
    del projects[30]["participants"]  # warning: no participant
    folder.mkdir()
    (folder / "records.yaml").write_text(yaml.safe_dump(sources + orgs + projects, allow_unicode=True), encoding="utf-8")
    return folder


def _whole_graph_results(folder: Path) -> set[tuple[str, str, str]]:
    schema, concepts = default_schema(), concept_notations()
    records = list(read_records(folder / "records.yaml", display="records/records.yaml"))
    index = RecordIndex()
    assert index_records(records, index, schema) == []
    mapper = compile_mapping(schema, base_iri=DEFAULT_BASE_IRI)
    lines = list(concept_lines())
    for rec in records:
        data, problems = check_record(rec, schema, index, concepts)
        assert not problems
        lines += mapper.map_record(data)
    data = rdflib.Graph().parse(data="\n".join(lines), format="nt")
    shapes = rdflib.Graph().parse(resource(SHAPES_FILE))
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    out = set()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        severity = str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1]
        out.add((severity, str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultMessage))))
    return out


def test_batched_results_equal_whole_graph_results(tmp_path):
    folder = _records_with_violations(tmp_path / "records")
    expected = _whole_graph_results(folder)
    assert {s for s, _, _ in expected} == {"Violation", "Warning"}
    for batch_triples in (50, 10**6):
        result = build(folder, tmp_path / "dist", batch_triples=batch_triples)
        assert not result.written
        actual = {(r.severity, r.focus, r.message) for r in result.report.results}
        assert actual == expected, f"batches of {batch_triples} triples"
