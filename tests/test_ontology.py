"""The vocabulary, the concept schemes, the shapes and the mapping agree with each other."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from euproj_rdf.resources import concept_notations, default_schema

ROOT = Path(__file__).resolve().parents[1]
EP = rdflib.Namespace("https://w3id.org/euproj/ontology#")
ONTOLOGY = rdflib.URIRef("https://w3id.org/euproj/ontology")


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "ontology" / "euproj.ttl")


@pytest.fixture(scope="module")
def concepts() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "ontology" / "concepts.ttl")


def _declared(g: rdflib.Graph) -> set[rdflib.URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property)
    return {s for k in kinds for s in g.subjects(RDF.type, k) if str(s).startswith(str(EP))}


def test_ontology_has_version_and_licence(ontology):
    assert (ONTOLOGY, OWL.versionIRI, rdflib.URIRef("https://w3id.org/euproj/ontology/0.1.0")) in ontology
    assert (ONTOLOGY, rdflib.DCTERMS.license,
            rdflib.URIRef("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0")) in ontology


def test_every_term_has_labels_and_definitions_in_three_languages(ontology):
    missing = []
    for term in sorted(_declared(ontology)):
        for prop in (RDFS.label, SKOS.definition):
            langs = {o.language for o in ontology.objects(term, prop)}
            if not {"en", "sv", "da"} <= langs:
                missing.append(f"{term} {prop}: {sorted(filter(None, langs))}")
    assert not missing


def test_every_term_used_by_mapping_and_shapes_is_declared(ontology):
    declared = _declared(ontology)
    used = set()
    schema = default_schema()
    for spec in list(schema.records.values()) + list(schema.objects.values()):
        used.update(spec.classes)
        for f in spec.fields.values():
            used.update(x for x in (f.predicate, f.year_predicate, f.link_predicate) if x)
    shapes = (ROOT / "shapes" / "euproj.ttl").read_text(encoding="utf-8")
    used.update(str(EP) + local for local in re.findall(r"\bep:([A-Za-z]+)", shapes))
    undeclared = sorted(u for u in used if u.startswith(str(EP)) and rdflib.URIRef(u) not in declared)
    assert undeclared == []


def test_every_concept_has_labels_notation_and_scheme(concepts):
    bad = []
    for c in set(concepts.subjects(RDF.type, SKOS.Concept)):
        langs = {o.language for o in concepts.objects(c, SKOS.prefLabel)}
        if not {"en", "sv", "da"} <= langs or not concepts.value(c, SKOS.notation) or not concepts.value(c, SKOS.inScheme):
            bad.append(str(c))
    assert bad == []


def test_docs_controlled_values_table_matches_the_concept_schemes():
    """docs/records.md lists the allowed values; it must say what concepts.ttl says."""
    doc = (ROOT / "docs" / "records.md").read_text(encoding="utf-8")
    rows = {
        "roles": "role",
        "organisation `kind`": "organisation-kind",
        "programme `kind`": "programme-kind",
        "funding `kind`": "funding-kind",
        "period `end_qualifier`": "period-qualifier",
        "`flags`": "quality-flag",
    }
    notations = concept_notations()
    for label, scheme in rows.items():
        line = next(line for line in doc.splitlines() if line.startswith("| ") and label in line.split("|")[1])
        documented = set(re.findall(r"`([a-z-]+)`", line.split("|")[2]))
        assert documented == set(notations[scheme]), f"docs/records.md row '{label}' is stale"


def test_shapes_parse_and_target_every_record_class():
    shapes = rdflib.Graph().parse(ROOT / "shapes" / "euproj.ttl")
    targeted = set(shapes.objects(None, rdflib.URIRef("http://www.w3.org/ns/shacl#targetClass")))
    schema = default_schema()
    classes = {rdflib.URIRef(c) for spec in list(schema.records.values()) + list(schema.objects.values())
               for c in spec.classes if c.startswith(str(EP))}
    assert classes - targeted == set()
