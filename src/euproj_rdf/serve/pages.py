"""HTML pages: the query page (YASGUI, served from ``/static``) and the entity pages.

The page templates are files in ``templates/`` (``str.format`` fields; literal braces doubled).
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..resources import query_catalogue
from ..vocab import CONCEPT, ONTOLOGY, OWL, PREFIXES, RDF
from .worker import LABELS

__all__ = ["query_page", "entity_page", "local_path", "CONCEPTS", "STATIC"]

CONCEPTS = CONCEPT
STATIC = Path(__file__).resolve().parent.parent / "static"
_TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def _template(name: str) -> str:
    return (_TEMPLATES / name).read_text(encoding="utf-8")


def local_path(iri: str, base_iri: str) -> str:
    """Where this server serves ``iri`` (its own path), or the IRI itself."""
    if iri.startswith(base_iri):
        return "/id/" + iri[len(base_iri):]
    if iri.startswith(CONCEPTS):
        return "/concept/" + iri[len(CONCEPTS):]
    if iri.startswith(ONTOLOGY):
        return "/ontology"
    return iri


def entity_page(iri: str, triples: list[Any], base_iri: str) -> str:
    names = {**PREFIXES, "rdf": RDF, "owl": OWL}

    def short(term: Any) -> str:
        if isinstance(term, ox.NamedNode):
            for p, ns in names.items():
                if term.value.startswith(ns) and "/" not in term.value[len(ns):]:
                    return f"{p}:{term.value[len(ns):]}"
        return str(term.value)

    ranked: dict[str, tuple[int, str]] = {}
    for t in triples:
        if t.predicate.value in LABELS and isinstance(t.object, ox.Literal):
            rank = ("en", "sv", "da").index(t.object.language) if t.object.language in ("en", "sv", "da") else 3
            if t.subject.value not in ranked or (rank, t.object.value) < ranked[t.subject.value]:
                ranked[t.subject.value] = (rank, t.object.value)
    labels = {k: v for k, (_, v) in ranked.items()}

    def cell(term: Any) -> str:
        if isinstance(term, ox.NamedNode):
            text = labels.get(term.value) or short(term)
            return f'<a href="{html.escape(local_path(term.value, base_iri))}">{html.escape(text)}</a>'
        if isinstance(term, ox.Literal):
            lang = f' <span class="lang">@{html.escape(term.language)}</span>' if term.language else ""
            return f"{html.escape(term.value)}{lang}"
        return html.escape(str(term))

    title = labels.get(iri, short(ox.NamedNode(iri)))
    own = [t for t in triples if t.subject.value == iri]
    nested = [t for t in triples if t.subject.value.startswith(iri + "/")]
    incoming = [t for t in triples if isinstance(t.object, ox.NamedNode) and t.object.value == iri
                and not t.subject.value.startswith(iri)]

    def table(rows: list[Any], with_subject: bool = False) -> str:
        body = "".join(
            "<tr>" + (f"<td>{cell(t.subject)}</td>" if with_subject else "")
            + f"<td>{html.escape(short(t.predicate))}</td><td>{cell(t.object)}</td></tr>"
            for t in sorted(rows, key=lambda t: (t.subject.value, t.predicate.value, str(t.object)))
        )
        head = "<th>subject</th>" if with_subject else ""
        return f"<table><tr>{head}<th>property</th><th>value</th></tr>{body}</table>"

    parts = [f"<h1>{html.escape(title)}</h1>", f'<p class="iri">{html.escape(iri)}</p>', table(own)]
    if nested:
        parts += ["<h2>Details</h2>", table(nested, with_subject=True)]
    if incoming:
        parts += ["<h2>Referred to by</h2>", table(incoming, with_subject=True)]
    return _template("entity.html").format(title=html.escape(title), body="\n".join(parts))


def query_page(base_iri: str) -> str:
    """The query page: YASGUI (served from /static), prefixes filled in, the catalogue one click away."""
    catalogue = query_catalogue()
    prefixes = {"id": base_iri, **PREFIXES}
    prefix_lines = "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in prefixes.items())
    start = prefix_lines + "\n\nSELECT ?project ?title WHERE {\n  ?project a ep:Project ; dct:title ?title .\n}\nLIMIT 20\n"
    buttons = "\n".join(
        f'<li><button type="button" data-query="{html.escape(q["name"])}">{html.escape(q["question"])}</button></li>'
        for q in catalogue
    )
    data = json.dumps({q["name"]: q["text"] for q in catalogue}, ensure_ascii=False).replace("</", "<\\/")
    return _template("query.html").format(buttons=buttons, catalogue=data,
                                          start=json.dumps(start, ensure_ascii=False).replace("</", "<\\/"))
