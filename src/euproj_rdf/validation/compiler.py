"""SHACL Core compiled to SPARQL: one query per constraint returns *all* its results at once.

pySHACL checks every (focus node, constraint) pair in Python on an rdflib graph. Here every
constraint component of every shape becomes one SPARQL query over the shape's focus nodes,
answered by pyoxigraph's indexes; shapes used by other shapes (``sh:node``, ``sh:not``,
``sh:and``, ``sh:or``, ``sh:xone``, ``sh:qualifiedValueShape``) are inlined as boolean
expressions (:mod:`.components`). Results are those of SHACL: one per value node for the
value-wise components, one per focus node for the counts, ``sh:hasValue`` and the qualified
counts, one per language for ``sh:uniqueLang``, one per (property, value) for ``sh:closed``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import rdflib
from rdflib.namespace import SH

from . import components as cc
from .paths import sparql_path
from .shapes import ShapesGraph, implicit_class, targeted_shapes
from .sparql import SparqlCheck, components, parameters_of, sparql_checks
from .terms import is_true, sparql_term


@dataclass(frozen=True)
class CompiledConstraint:
    """One constraint of one shape, as a query returning ``?this`` (``?value``, ``?path``) per result."""

    shape: rdflib.term.Node
    component: str  # full IRI of the constraint component
    severity: str  # full IRI
    messages: tuple[rdflib.Literal, ...]
    path: rdflib.term.Node | None  # the shape's sh:path node
    query: str
    has_value: bool  # the query binds ?value
    path_var: bool = False  # the query binds ?path (sh:closed)


def severity_of(g: rdflib.Graph, node) -> str:
    return str(g.value(node, SH.severity) or SH.Violation)


class Compiler:
    def __init__(self, sg: ShapesGraph):
        self.sg = sg
        self.g = sg.graph
        self.counter = itertools.count()
        self.checks: list[SparqlCheck] = []
        self.parameters = {p for comp in components(self.g) for p, _ in parameters_of(self.g, comp)}

    def fresh(self) -> str:
        return f"?_v{next(self.counter)}"

    def deactivated(self, shape) -> bool:
        return is_true(self.g.value(shape, SH.deactivated))

    def path(self, shape) -> str | None:
        node = self.g.value(shape, SH.path)
        return None if node is None else sparql_path(self.g, node, lambda: self.sg.where(shape))

    # -- a node's conformance to a shape, as a boolean expression ----------------------------
    def conforms(self, shape, var: str) -> str:
        """An expression true when the node in ``var`` conforms to ``shape``."""
        g = self.g
        if self.deactivated(shape):
            return "true"
        if (shape, SH.sparql, None) in g or any((shape, p, None) in g for p in self.parameters):
            raise self.sg.refuse(shape, "has sh:sparql and is used as the value of sh:node, sh:not, sh:and, sh:or, "
                                        "sh:xone or sh:qualifiedValueShape; that is not supported")
        path = self.path(shape)
        parts = []
        for pred, obj in sorted(g.predicate_objects(shape)):
            if pred in cc.VALUE_WISE:
                if path is None:
                    parts.append(cc.value_condition(self, shape, pred, obj, var, var))
                else:
                    v = self.fresh()
                    cond = cc.value_condition(self, shape, pred, obj, v, var)
                    parts.append(f"NOT EXISTS {{ {var} {path} {v} FILTER (!({cond})) }}")
            elif pred in cc.FOCUS_WISE:
                parts.append(cc.focus_condition(self, shape, pred, obj, var, path))
            elif pred == SH.property:
                if path is None:
                    parts.append(self.conforms(obj, var))
                else:
                    v = self.fresh()
                    parts.append(f"NOT EXISTS {{ {var} {path} {v} FILTER (!{self.conforms(obj, v)}) }}")
        return "(" + " && ".join(parts) + ")" if parts else "true"

    # -- targets and reported constraints -----------------------------------------------------
    def target(self, shape) -> str | None:
        """A group pattern binding ``?this`` to each focus node of ``shape`` (None without targets)."""
        g = self.g
        classes = sorted(g.objects(shape, SH.targetClass), key=str)
        if implicit_class(g, shape):
            classes.append(shape)
        parts = [f"{{ {cc.instance_of('?this', c)} }}" for c in classes]
        nodes = sorted(g.objects(shape, SH.targetNode), key=str)
        if nodes:
            parts.append("{ VALUES ?this { " + " ".join(sparql_term(n) for n in nodes) + " } }")
        parts += [f"{{ ?this {sparql_term(p)} [] }}" for p in sorted(g.objects(shape, SH.targetSubjectsOf), key=str)]
        parts += [f"{{ [] {sparql_term(p)} ?this }}" for p in sorted(g.objects(shape, SH.targetObjectsOf), key=str)]
        if not parts:
            return None
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"

    def constraints(self, shape, focus: str) -> list[CompiledConstraint]:
        """Every constraint of ``shape`` (and its property shapes) for the focus nodes of ``focus``."""
        g = self.g
        if self.deactivated(shape):
            return []
        severity = severity_of(g, shape)
        messages = tuple(sorted(m for m in g.objects(shape, SH.message) if isinstance(m, rdflib.Literal)))
        path_node = g.value(shape, SH.path)
        path = self.path(shape)
        out: list[CompiledConstraint] = []

        def add(local: str, query: str, has_value: bool, path_var: bool = False) -> None:
            out.append(CompiledConstraint(shape, cc.component_iri(local), severity, messages,
                                          None if path_var else path_node, query, has_value, path_var))

        for pred, obj in sorted(g.predicate_objects(shape)):
            if pred in cc.VALUE_WISE:
                local = cc.VALUE_WISE[pred]
                if path is None:
                    cond = cc.value_condition(self, shape, pred, obj, "?this", "?this")
                    add(local, f"SELECT ?this (?this AS ?value) WHERE {{ {focus} FILTER (!({cond})) }}", True)
                elif pred == SH["class"]:
                    # the instances of the class are found once and taken away (a hash join), rather
                    # than looked up for each value (EXISTS): the same results, several times faster
                    add(local, f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value "
                               f"MINUS {{ SELECT DISTINCT ?value WHERE {{ {cc.instance_of('?value', obj)} }} }} }}",
                        True)
                else:
                    cond = cc.value_condition(self, shape, pred, obj, "?value", "?this")
                    add(local, f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value "
                               f"FILTER (!({cond})) }}", True)
            elif pred in cc.FOCUS_WISE:
                self.focus_wise(shape, pred, obj, focus, path, add)
            elif pred == SH.property:
                if path is None:
                    out.extend(self.constraints(obj, focus))
                else:  # the value nodes are the focus nodes of the property shape
                    out.extend(self.constraints(obj, f"{{ SELECT DISTINCT ?this WHERE {{ {{ SELECT (?this AS ?_f) "
                                                     f"WHERE {{ {focus} }} }} ?_f {path} ?this }} }}"))
        self.checks.extend(sparql_checks(self.sg, shape, focus, severity, messages, path_node))
        return out

    def focus_wise(self, shape, pred, obj, focus: str, path: str | None, add) -> None:
        local = cc.FOCUS_WISE[pred]
        plain = path is not None and path.startswith("<")  # a predicate path
        if pred == SH.minCount and int(obj) == 1 and path is not None:
            add(local, f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} ?v }} }}", False)
        elif pred == SH.minCount and path is not None:
            add(local, f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?v }} }} "
                       f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {int(obj)})", False)
        elif pred == SH.maxCount and plain:
            # the values of the predicate are counted for every subject, and the subjects with too
            # many joined with the focus nodes: the same results, about twice as fast
            add(local, f"SELECT ?this WHERE {{ {focus} {{ SELECT ?this WHERE {{ ?this {path} ?v }} "
                       f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {int(obj)}) }} }}", False)
        elif pred == SH.maxCount and path is not None:
            add(local, f"SELECT ?this WHERE {{ {focus} ?this {path} ?v }} "
                       f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {int(obj)})", False)
        elif pred == SH.uniqueLang:
            if not is_true(obj):
                return
            add(local, f"SELECT DISTINCT ?this ?lang WHERE {{ {focus} {cc.values('?this', path, '?a')} "
                       f"{cc.values('?this', path, '?b')} FILTER (!sameTerm(?a, ?b) && LANG(?a) != \"\" "
                       f"&& LCASE(LANG(?a)) = LCASE(LANG(?b))) BIND (LCASE(LANG(?a)) AS ?lang) }}", False)
        elif pred == SH.equals:
            eq = sparql_term(obj)
            add(local, f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {cc.values('?this', path, '?value')} "
                       f"FILTER NOT EXISTS {{ ?this {eq} ?value }} }}", True)
            add(local, f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {eq} ?value "
                       f"FILTER (!{cc.has('?this', path, '?value')}) }}", True)
        elif pred == SH.closed and path is None:
            if not is_true(obj):
                return
            add(local, f"SELECT ?this ?value ?path WHERE {{ {focus} ?this ?path ?value "
                       f"FILTER ({cc.closed_filter(self, shape, '?path')}) }}", True, path_var=True)
        elif pred == SH.qualifiedValueShape:
            g = self.g
            cond = cc.qualified(self, shape, obj)
            low, high = g.value(shape, SH.qualifiedMinCount), g.value(shape, SH.qualifiedMaxCount)
            if low is not None:
                expr = cc.at_least(self, "?this", path, int(low), cond)
                add("QualifiedMinCount", f"SELECT ?this WHERE {{ {focus} FILTER (!{expr}) }}", False)
            if high is not None:
                expr = cc.at_least(self, "?this", path, int(high) + 1, cond)
                add("QualifiedMaxCount", f"SELECT ?this WHERE {{ {focus} FILTER ({expr}) }}", False)
        else:
            expr = cc.focus_condition(self, shape, pred, obj, "?this", path)
            add(local, f"SELECT ?this WHERE {{ {focus} FILTER (!({expr})) }}", False)


def compile_shapes(sg: ShapesGraph) -> tuple[tuple[CompiledConstraint, ...], tuple[SparqlCheck, ...]]:
    """Every constraint of every targeted shape: SHACL Core queries, and SPARQL-based checks."""
    c = Compiler(sg)
    out: list[CompiledConstraint] = []
    for shape in targeted_shapes(sg.graph):
        target = c.target(shape)
        if target is not None:
            out.extend(c.constraints(shape, target))
    return tuple(out), tuple(c.checks)
