"""The compiled SHACL engine gives the same report as pySHACL on the whole graph.

Compared on the seed graph and on a 2 000-project synthetic sample mutated so that every kind
of constraint in the shapes is violated somewhere. Results are compared as sets of (focus,
path, value, component, severity, message, named source shape).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import rdflib

from benchmarks.synthetic import write_csv
from euproj_rdf import build
from euproj_rdf.errors import ConfigError
from euproj_rdf.resources import SHAPES_FILE, resource
from euproj_rdf.validation import compile_graph, load_shapes, validate_lines
from euproj_rdf.validation.shapes import ShapesGraph
from tests import pyshacl_reference

EP = "https://w3id.org/euproj/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
ID = "https://w3id.org/euproj/id/"


def _key(r):
    shape = r.shape if r.shape and not r.shape.startswith("_:") else None
    return tuple(x or "" for x in (r.focus, r.path, r.value, r.component, r.severity, r.message, shape))


def _both(lines: list[str]):
    shapes = load_shapes(resource(SHAPES_FILE))
    everywhere = lambda focus: ("f", 1, "r")  # noqa: E731 - every node is a record's here
    ours = sorted(map(_key, validate_lines(lines, shapes, locate=everywhere)))
    reference = sorted(map(_key, pyshacl_reference.validate_lines(lines, shapes, locate=everywhere)))
    return ours, reference


def _lines(nt: Path) -> list[str]:
    return [line.rstrip() for line in nt.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_same_report_as_pyshacl_on_the_seed_graph(seed_build):
    ours, reference = _both(_lines(seed_build.ntriples))
    assert reference, "the seed graph has warnings; an empty report would prove nothing"
    assert ours == reference


def _mutate(lines: list[str], rnd: random.Random) -> list[str]:
    """Break the graph in every way the shapes can see, a few times each."""
    out = list(lines)
    by_pred: dict[str, list[int]] = {}
    for i, line in enumerate(out):
        by_pred.setdefault(line.split(" ", 2)[1], []).append(i)

    def pick(pred: str, n: int = 3) -> list[int]:
        found = by_pred.get(f"<{pred}>", [])
        return rnd.sample(found, min(n, len(found)))

    subj = lambda line: line.split(" ", 1)[0]  # noqa: E731
    extra: list[str] = []
    drop: set[int] = set()
    drop.update(pick(f"{EP}originalText"))  # minCount on several shapes
    drop.update(pick("http://purl.org/dc/terms/title"))  # minCount, project title
    drop.update(pick(f"{EP}role"))  # minCount on a participation
    for i in pick(f"{EP}acronym"):  # maxCount 1
        extra.append(f'{subj(out[i])} <{EP}acronym> "SECOND" .')
    for i in pick(f"{EP}amount"):  # datatype + minInclusive
        out[i] = re.sub(r'"[^"]*"\^\^<[^>]+>', f'"-5"^^<{XSD}decimal>', out[i])
    for i in pick(f"{EP}amount"):
        out[i] = re.sub(r'"[^"]*"\^\^<[^>]+>', '"many"', out[i])
    for i in pick(f"{EP}coFinancingRate") or pick(f"{EP}fundingKind"):  # maxInclusive
        extra.append(f'{subj(out[i])} <{EP}coFinancingRate> "1.5"^^<{XSD}decimal> .')
    for i in pick(f"{EP}memberCount") or []:  # a derived integer type written as plain integer
        out[i] = re.sub(r"\^\^<[^>]+>", f"^^<{XSD}integer>", out[i])
    for i in pick(f"{EP}count"):
        out[i] = re.sub(r'"[^"]*"\^\^<[^>]+>', f'"-1"^^<{XSD}nonNegativeInteger>', out[i])
    for i in pick(f"{EP}participant"):  # sh:or of classes
        out[i] = out[i].rsplit(" ", 2)[0] + f" <{ID}project/nowhere> ."
    for i in pick(f"{EP}programme"):  # sh:class
        extra.append(f"{subj(out[i])} <{EP}programme> <{ID}organisation/org-1> .")
    for i in pick(f"{EP}country"):  # sh:node with pattern
        out[i] = out[i].rsplit(" ", 2)[0] + " <http://publications.europa.eu/resource/authority/country/Sweden> ."
    for i in pick(f"{EP}country", 2):  # sh:node with nodeKind
        out[i] = out[i].rsplit(" ", 2)[0] + ' "SWE" .'
    for i in pick(f"{EP}currency"):  # nodeKind + pattern
        out[i] = out[i].rsplit(" ", 2)[0] + ' "EUR" .'
    for i in pick(f"{EP}startDate"):  # sh:node with sh:or of datatypes
        out[i] = re.sub(r"\^\^<[^>]+>", f"^^<{XSD}string>", out[i])
    for i in pick(f"{EP}startDate"):  # ill-formed lexical form
        out[i] = re.sub(r'"[^"]*"\^\^<[^>]+>', f'"2019-04-31"^^<{XSD}date>', out[i])
    for i in pick(f"{EP}endDate"):  # period: end before start (SPARQL constraint)
        out[i] = re.sub(r'"[^"]*"\^\^<[^>]+>', f'"1990"^^<{XSD}gYear>', out[i])
    for i in pick("http://www.w3.org/2004/02/skos/core#prefLabel"):  # uniqueLang
        s = subj(out[i])
        extra += [f'{s} <http://www.w3.org/2004/02/skos/core#prefLabel> "Ett"@sv .',
                  f'{s} <http://www.w3.org/2004/02/skos/core#prefLabel> "Två"@SV .']
    for i in pick(f"{EP}website"):  # nodeKind IRI
        out[i] = out[i].rsplit(" ", 2)[0] + ' "www.example.org" .'
    for i in pick(f"{EP}participation"):  # inverse path maxCount 1
        extra.append(f"<{ID}project/another> <{EP}participation> {out[i].rsplit(' ', 2)[1]} .")
    for i in pick(f"{EP}startDate", 2):  # sh:or at node level: neither start nor end
        s = subj(out[i])
        drop.update(j for j, line in enumerate(out) if line.startswith(s + " ") and ("Date>" in line))
    for i in pick("http://www.w3.org/2004/02/skos/core#inScheme", 2):  # hasValue
        if "/theme/" in out[i]:
            drop.add(i)
    for i in pick(f"{EP}role", 2):  # two lead partners (SPARQL constraint)
        out[i] = out[i].rsplit(" ", 2)[0] + " <https://w3id.org/euproj/concept/role/lead-partner> ."
    extra += [  # personal data without consent: targetSubjectsOf
        f'<{ID}project/p-1/contact/1> <{EP}telephone> "+46 40 123 45" .',
        f'<{ID}project/p-2/contact/1> <{EP}jobTitle> "Projektledare" .',
    ]
    return [line for i, line in enumerate(out) if i not in drop] + extra


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> list[str]:
    work = tmp_path_factory.mktemp("sample")
    records = write_csv(work / "records", 2000, seed=3)
    result = build(records, work / "dist", validate=False)
    assert result.written
    return _mutate(_lines(result.ntriples), random.Random(11))


def test_same_report_as_pyshacl_on_a_mutated_2000_project_sample(sample):
    ours, reference = _both(sample)
    missing, extra = sorted(set(reference) - set(ours)), sorted(set(ours) - set(reference))
    assert (missing[:5], extra[:5]) == ([], [])
    assert ours == reference
    components = {r[3].rsplit("#", 1)[-1] for r in ours}
    compiled = {c.component.rsplit("#", 1)[-1] for c in load_shapes(resource(SHAPES_FILE)).core}
    assert compiled - components == set(), "every constraint kind of the shapes is exercised"
    assert "http://www.w3.org/ns/shacl#SPARQLConstraintComponent" in {r[3] for r in ours}


@pytest.mark.parametrize("component", ["sh:rule [ sh:construct 'x' ]", "sh:target [ a ex:Target ]"])
def test_a_shape_with_an_unsupported_term_is_refused_by_name(component):
    g = rdflib.Graph().parse(data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; {component} .
    """, format="turtle")
    name = component.split()[0]
    with pytest.raises(ConfigError, match=f"^shapes.ttl: shape <http://example.org/S>: uses {name}, which the validator does not implement$"):
        compile_graph(ShapesGraph(g, "shapes.ttl"))


def test_derived_integer_datatypes_survive_the_store():
    """The store turns xsd:nonNegativeInteger into xsd:integer; validation still sees it."""
    g = rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:n ; sh:datatype xsd:nonNegativeInteger ; sh:minInclusive 1 ] .
    """, format="turtle")
    lines = [
        "<http://example.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/C> .",
        f'<http://example.org/a> <http://example.org/n> "5"^^<{XSD}nonNegativeInteger> .',
        "<http://example.org/b> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/C> .",
        f'<http://example.org/b> <http://example.org/n> "5"^^<{XSD}integer> .',
        "<http://example.org/c> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/C> .",
        f'<http://example.org/c> <http://example.org/n> "0"^^<{XSD}nonNegativeInteger> .',
    ]
    shapes = compile_graph(ShapesGraph(g))
    found = {(r.focus.rsplit("/", 1)[-1], r.component.rsplit("#", 1)[-1])
             for r in validate_lines(lines, shapes, locate=lambda f: ("f", 1, "r"))}
    assert found == {("b", "DatatypeConstraintComponent"), ("c", "MinInclusiveConstraintComponent")}


def test_every_constraint_speaks_to_the_curator():
    """Each compiled constraint has its own message (pySHACL's defaults name RDF terms, not fields)."""
    silent = [(c.shape, c.path, c.component) for c in load_shapes(resource(SHAPES_FILE)).core if not c.messages]
    assert silent == []
