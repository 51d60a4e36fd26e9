"""SHACL property paths (SHACL 2.3.1): as SPARQL property paths, and copied into a report."""

from __future__ import annotations

from collections.abc import Callable

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from ..errors import ConfigError

_UNARY = ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+"), (SH.zeroOrOnePath, "{}?"))


def sparql_path(g: rdflib.Graph, node, where: str | Callable[[], str] = "a shape") -> str:
    """The SHACL path at ``node`` as a SPARQL property path.

    >>> g = rdflib.Graph().parse(data="@prefix sh: <http://www.w3.org/ns/shacl#> . <a:s> sh:path [ sh:inversePath <a:p> ] .", format="turtle")
    >>> sparql_path(g, g.value(rdflib.URIRef("a:s"), SH.path))
    '(^<a:p>)'
    """
    if isinstance(node, rdflib.URIRef):
        return f"<{node}>"
    if (node, RDF.first, None) in g:
        members = list(Collection(g, node))
        if len(members) < 2:
            raise ConfigError(f"{_place(where)}: a sequence path needs at least two members")
        return "(" + "/".join(sparql_path(g, p, where) for p in members) + ")"
    for pred, fmt in _UNARY:
        inner = g.value(node, pred)
        if inner is not None:
            return "(" + fmt.format(sparql_path(g, inner, where)) + ")"
    alt = g.value(node, SH.alternativePath)
    if alt is not None:
        members = list(Collection(g, alt))
        if len(members) < 2:
            raise ConfigError(f"{_place(where)}: an alternative path needs at least two members")
        return "(" + "|".join(sparql_path(g, p, where) for p in members) + ")"
    raise ConfigError(f"{_place(where)}: {node} is not a SHACL property path")


def _place(where: str | Callable[[], str]) -> str:
    return where() if callable(where) else where


def copy_path(source: rdflib.Graph, node, target: rdflib.Graph) -> rdflib.term.Node:
    """``node``'s path written into ``target`` as the shapes graph writes it (blank nodes copied)."""
    if not isinstance(node, rdflib.BNode):
        return node
    mapped = rdflib.BNode()
    for pred, obj in source.predicate_objects(node):
        target.add((mapped, pred, copy_path(source, obj, target)))
    return mapped


def path_key(g: rdflib.Graph, node) -> str:
    """A path as comparable text (the SPARQL form), for any graph holding it."""
    return sparql_path(g, node)
