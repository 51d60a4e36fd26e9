"""Labels from the EU authority tables (countries, languages, EU programmes …) as a graph of its
own, so that a query shows "Sverige"/"Sweden" for a country IRI without a SERVICE call.

The input is a table as the Publications Office publishes it — SKOS in RDF/XML or Turtle (the
``skos:prefLabel`` of every concept) — or a JSON object of ``IRI → {language: label}``. Only
the 24 official EU languages are kept. The output is N-Quads in the named graph
:data:`LABELS_GRAPH`, which also describes itself: where the labels come from (``dct:source``,
the table's IRI and version), who publishes them and under which terms. Load it next to the
dump with ``euproj-rdf load --labels FILE``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox

from ..vocab import AUTHORITY, DCT, OWL, RDF_TYPE, SKOS
from .read import ImportInputError

__all__ = ["EU_LANGUAGES", "LABELS_FILE", "LABELS_GRAPH", "RIGHTS", "labels_graph"]

LABELS_GRAPH = "https://w3id.org/euproj/graph/authority-labels"
LABELS_FILE = "authority-labels.nq"
EU_LANGUAGES = frozenset("bg cs da de el en es et fi fr ga hr hu it lt lv mt nl pl pt ro sk sl sv".split())
_PUBLISHER = AUTHORITY + "corporate-body/PUBL"
RIGHTS = ("Publications Office of the European Union, EU Vocabularies; reuse under Commission Decision "
           "2011/833/EU on the reuse of Commission documents")


def _quad(s: str, p: str, o: ox.NamedNode | ox.Literal) -> str:
    return str(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), o, ox.NamedNode(LABELS_GRAPH))) + " ."


def _skos(path: Path) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    fmt = ox.RdfFormat.RDF_XML if path.suffix.lower() in (".rdf", ".xml", ".owl") else ox.RdfFormat.TURTLE
    labels: list[tuple[str, str, str]] = []
    schemes: dict[str, str] = {}
    try:
        for t in ox.parse(path=str(path), format=fmt):
            p = t.predicate.value
            if p == SKOS + "prefLabel" and isinstance(t.object, ox.Literal) and t.object.language in EU_LANGUAGES:
                labels.append((t.subject.value, t.object.value, t.object.language))
            elif p == RDF_TYPE and t.object.value == SKOS + "ConceptScheme":
                schemes.setdefault(t.subject.value, "")
            elif p == OWL + "versionInfo":
                schemes[t.subject.value] = t.object.value
    except SyntaxError as exc:
        raise ImportInputError(f"{path.name}: not a SKOS table in {fmt.name}: {exc}") from None
    return labels, {s: v for s, v in schemes.items() if s.startswith(AUTHORITY) or not labels}


def _json(path: Path) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportInputError(f"{path.name}: not a JSON object of IRI → labels: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("labels"), dict):
        data = data["labels"]  # an object that wraps the table
    if not isinstance(data, dict):
        raise ImportInputError(f"{path.name}: not a JSON object of IRI → labels")
    labels = []
    schemes: dict[str, str] = {}
    for iri, by_lang in data.items():
        if not iri.startswith(AUTHORITY) or not isinstance(by_lang, dict):
            continue
        table = iri[len(AUTHORITY):].split("/")
        if len(table) >= 2:
            schemes.setdefault(AUTHORITY + table[0], "")
        for lang, text in by_lang.items():
            if lang in EU_LANGUAGES and isinstance(text, str) and text.strip():
                labels.append((iri, text.strip(), lang))
    return labels, schemes


def labels_graph(files: list[Path]) -> tuple[str, int]:
    """The labels of ``files`` as N-Quads text (sorted) and the number of labels."""
    lines: set[str] = set()
    n = 0
    for path in files:
        if not path.is_file():
            raise ImportInputError(f"{path.name}: no such file")
        labels, schemes = _json(path) if path.suffix.lower() == ".json" else _skos(path)
        if not labels:
            raise ImportInputError(f"{path.name}: no skos:prefLabel in an official EU language")
        for s, text, lang in labels:
            lines.add(_quad(s, SKOS + "prefLabel", ox.Literal(text, language=lang)))
        n += len(labels)
        for scheme, version in schemes.items():
            lines.add(_quad(LABELS_GRAPH, DCT + "source", ox.NamedNode(scheme)))
            if version:
                lines.add(_quad(scheme, OWL + "versionInfo", ox.Literal(version)))
    lines.add(_quad(LABELS_GRAPH, DCT + "title", ox.Literal("Labels of the EU authority tables", language="en")))
    lines.add(_quad(LABELS_GRAPH, DCT + "publisher", ox.NamedNode(_PUBLISHER)))
    lines.add(_quad(LABELS_GRAPH, DCT + "rights", ox.Literal(RIGHTS, language="en")))
    return "\n".join(sorted(lines)) + "\n", n
