"""`euproj-rdf shacl` on other datasets, bad shapes, the build's --fail-on, and the engine's fixed bugs."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from euproj_rdf.cli import app
from euproj_rdf.validation import validate_file

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "shacl"
runner = CliRunner()
PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def _run(*args):
    return runner.invoke(app, ["shacl", *map(str, args)])


def test_a_cordis_shaped_rdf_xml_file():
    res = _run(DATA / "cordis-projects.rdf", "--shapes", DATA / "cordis-shapes.ttl")
    assert res.exit_code == 1
    assert res.stdout.splitlines() == [
        '<http://example.org/project/101000001> <http://data.europa.eu/s66#startDate>: Violation: '
        'DatatypeConstraintComponent (value: "2021-02-30"^^<http://www.w3.org/2001/XMLSchema#date>)',
        '<http://example.org/project/101000002> <http://data.europa.eu/s66#identifier>: Violation: '
        'PatternConstraintComponent (value: "H2020-2")',
        "<http://example.org/project/101000002> <http://data.europa.eu/s66#title>: Violation: MinCountConstraintComponent",
        "Does not conform: 3 result(s)",
    ]


def test_the_dcat_ap_description_of_a_release(seed_build, tmp_path):
    from euproj_rdf import publish
    from euproj_rdf.publish import load_release_info

    dcat = ROOT / "shapes" / "dcat-ap" / "dcat-ap-3.0.0-SHACL.ttl"
    publish(seed_build.turtle.parent, tmp_path / "release", info=load_release_info(ROOT / "release.yaml"),
            dcat_shapes=dcat)
    res = _run(tmp_path / "release" / "description.ttl", "--shapes", dcat, "--format", "json")
    assert res.exit_code == 0, res.stdout
    assert res.stdout == '{\n  "conforms": true,\n  "results": []\n}\n'


def _shapes(tmp_path, text: str) -> Path:
    path = tmp_path / "shapes.ttl"
    path.write_text(PREFIXES + text, encoding="utf-8")
    return path


@pytest.mark.parametrize("shape, error", [
    ("ex:S a sh:NodeShape ; sh:targetNode ex:a ;\n  sh:property ex:P .\nex:P sh:path ex:p ; sh:path ex:q .",
     "shapes.ttl:5: shape <http://example.org/P>: has 2 values of sh:path; a property shape has exactly one"),
    ('ex:S a sh:NodeShape ; sh:targetNode ex:a ;\n  sh:pattern "([a-z" .',
     "shapes.ttl:3: shape <http://example.org/S>: sh:pattern '([a-z' is not a valid regular expression "
     "(unterminated character set at position 1)"),
    ('ex:S a sh:NodeShape ; sh:targetNode ex:a ;\n  sh:sparql [ sh:select "SELECT $this WHERE { $this ex:p }" ] .',
     "shapes.ttl:3: shape <http://example.org/S>: its SPARQL query has a syntax error: error at 2:32: expected one of "),
    ("ex:S a sh:NodeShape ; sh:targetNode ex:a ;\n  sh:node ex:T .\nex:T sh:not ex:S .",
     "shapes.ttl:3: shape <http://example.org/S>: is recursive (refers to itself through sh:node, sh:property, "
     "sh:not, sh:and, sh:or, sh:xone or sh:qualifiedValueShape); recursive shapes are not supported"),
    ("ex:S a sh:NodeShape ; sh:targetNode ex:a ;\n  sh:target [ a ex:Custom ] .",
     "shapes.ttl:3: shape <http://example.org/S>: uses sh:target, which the validator does not implement"),
    ("ex:S a sh:NodeShape ; sh:targetNode ex:a ;\n  sh:minCount 1 ", "cannot parse the shapes"),
    ("ex:S a sh:NodeShape ; sh:targetNode ex:a .\nex: sh:entailment <http://www.w3.org/ns/entailment/RDFS> .",
     "shapes.ttl: the shapes require the entailment regime <http://www.w3.org/ns/entailment/RDFS> (sh:entailment), "
     "which the validator does not implement"),
    ("ex:S a sh:NodeShape ; sh:targetNode ex:a ;\n  sh:property [ sh:path ex:p ; sh:nodeKind sh:Thing ] .",
     "shapes.ttl:3: shape [a blank-node shape on <http://example.org/p> of <http://example.org/S>]: "
     "sh:nodeKind http://www.w3.org/ns/shacl#Thing is not one of the six node kinds"),
])
def test_bad_shapes_are_refused_by_name(tmp_path, shape, error):
    res = _run(DATA / "cordis-projects.rdf", "--shapes", _shapes(tmp_path, shape))
    assert res.exit_code == 2
    line = res.stderr.splitlines()[0]
    assert line.replace(f"{tmp_path}/", "").startswith("Error: " + error)


def _results(tmp_path, data: str, shapes: str) -> set[tuple[str, str | None, str]]:
    d = tmp_path / "data.ttl"
    d.write_text(PREFIXES + data, encoding="utf-8")
    report = validate_file(d, shapes=_shapes(tmp_path, shapes))
    return {(r["focus"].rsplit("/", 1)[-1], r["value"], r["component"]) for r in report.rows()}


def test_an_implicit_class_target_is_validated(tmp_path):
    """Regression: a shape that is also an rdfs:Class was never compiled (false 'conforms')."""
    found = _results(tmp_path, "ex:a a ex:C .", "ex:C a rdfs:Class , sh:NodeShape ; sh:in ( ex:b ) .")
    assert found == {("a>", "<http://example.org/a>", "InConstraintComponent")}


def test_lexical_variants_stay_distinct_terms(tmp_path):
    """Regression: the store merged "01" and "1", reported "4.0" as 4, and let 1.0 equal "1"."""
    data = 'ex:a ex:n "01"^^xsd:integer , "1"^^xsd:integer ; ex:d "1"^^xsd:decimal ; ex:x "4.0"^^xsd:decimal .'
    shapes = ("ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:n ; sh:maxCount 1 ] ;\n"
              "  sh:property [ sh:path ex:d ; sh:hasValue 1.0 ] ; sh:property [ sh:path ex:x ; sh:maxInclusive 3 ] .")
    assert _results(tmp_path, data, shapes) == {
        ("a>", None, "MaxCountConstraintComponent"), ("a>", None, "HasValueConstraintComponent"),
        ("a>", '"4.0"^^<http://www.w3.org/2001/XMLSchema#decimal>', "MaxInclusiveConstraintComponent")}


def test_ill_formed_lexical_forms_do_not_have_the_datatype(tmp_path):
    data = 'ex:a ex:y "1990x"^^xsd:gYear , "2020-13"^^xsd:gYearMonth , "2019-04-31"^^xsd:date , "1.5.2"^^xsd:decimal .'
    found = _results(tmp_path, data, "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:y ; sh:or ( [ sh:datatype "
                                     "xsd:gYear ] [ sh:datatype xsd:gYearMonth ] [ sh:datatype xsd:date ] "
                                     "[ sh:datatype xsd:decimal ] ) ] .")
    assert len(found) == 4


def test_warnings_and_custom_severities_do_not_conform(tmp_path):
    d = tmp_path / "data.ttl"
    d.write_text(PREFIXES + "ex:a ex:p 1 .", encoding="utf-8")
    shapes = _shapes(tmp_path, "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:datatype xsd:string ; "
                               "sh:severity ex:Minor ] , [ sh:path ex:p ; sh:minCount 2 ; sh:severity sh:Warning ] .")
    report = validate_file(d, shapes=shapes)
    assert not report.conforms
    assert sorted(r["severity"] for r in report.rows()) == ["Warning", "http://example.org/Minor"]


def test_build_fails_on_warnings_when_asked(tmp_path):
    res = runner.invoke(app, ["build", "--records", str(ROOT / "records"), "--out", str(tmp_path / "dist"),
                              "--no-progress", "--fail-on", "warning", "--quiet"])
    assert res.exit_code == 1
    assert res.stderr.splitlines()[-1] == "Error: the graph has results of severity warning or above; nothing was written."
    assert not (tmp_path / "dist").exists()


def test_sparql_constraints_compare_values_written_in_any_lexical_form(tmp_path):
    """A SPARQL constraint sees "1500.50" as the decimal 1500.5, though SHACL Core keeps the term."""
    data = 'ex:a ex:eu "1500.50"^^xsd:decimal ; ex:total "1000.0"^^xsd:decimal .'
    shapes = ('ex:S sh:targetNode ex:a ; sh:sparql [ sh:select """SELECT $this ?value WHERE { '
              '$this <http://example.org/eu> ?value ; <http://example.org/total> ?t FILTER (?value > ?t) }""" ] .')
    assert _results(tmp_path, data, shapes) == {("a>", '"1500.5"^^<http://www.w3.org/2001/XMLSchema#decimal>',
                                                 "SPARQLConstraintComponent")}
