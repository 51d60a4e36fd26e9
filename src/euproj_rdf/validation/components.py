"""SHACL Core constraint components (SHACL 4) as SPARQL boolean expressions.

Grouped as the specification's sections: value type (4.1), cardinality (4.2), value range
(4.3), string-based (4.4), property pair (4.5), logical (4.6), shape-based (4.7) and other
(4.8). A *value condition* is true when one value node satisfies the component; a *focus
condition* is true when a focus node satisfies a component that looks at all its values at once.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

from .terms import KEPT, has_datatype, is_true, sparql_term, value_of

if TYPE_CHECKING:
    from .compiler import Compiler

#: Components checked value node by value node, with their IRIs.
VALUE_WISE: dict[rdflib.term.Node, str] = {
    SH["class"]: "Class", SH.datatype: "Datatype", SH.nodeKind: "NodeKind",
    SH.minInclusive: "MinInclusive", SH.maxInclusive: "MaxInclusive", SH.minExclusive: "MinExclusive",
    SH.maxExclusive: "MaxExclusive", SH.minLength: "MinLength", SH.maxLength: "MaxLength",
    SH.pattern: "Pattern", SH.languageIn: "LanguageIn", SH["in"]: "In", SH.node: "Node", SH["not"]: "Not",
    SH["and"]: "And", SH["or"]: "Or", SH.xone: "Xone", SH.disjoint: "Disjoint", SH.lessThan: "LessThan",
    SH.lessThanOrEquals: "LessThanOrEquals",
}
#: Components checked on all values of a focus node together.
FOCUS_WISE: dict[rdflib.term.Node, str] = {
    SH.minCount: "MinCount", SH.maxCount: "MaxCount", SH.hasValue: "HasValue", SH.uniqueLang: "UniqueLang",
    SH.equals: "Equals", SH.closed: "Closed", SH.qualifiedValueShape: "QualifiedValueShape",
}
_NODE_KINDS = {
    SH.IRI: "isIRI({0})", SH.BlankNode: "isBlank({0})", SH.Literal: "isLiteral({0})",
    SH.BlankNodeOrIRI: "(isIRI({0}) || isBlank({0}))", SH.BlankNodeOrLiteral: "(isBlank({0}) || isLiteral({0}))",
    SH.IRIOrLiteral: "(isIRI({0}) || isLiteral({0}))",
}
_COMPARE = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}


def string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def component_iri(local: str) -> str:
    return f"{SH}{local}ConstraintComponent"


def instance_of(v: str, cls) -> str:
    """The pattern of an instance of ``cls`` (SHACL instance: a type or one of its subclasses)."""
    return f"{v} <{RDF.type}>/<{RDFS.subClassOf}>* {sparql_term(cls)}"


def value_condition(c: Compiler, shape, pred, obj, v: str, focus: str) -> str:
    """True when the value node in ``v`` (of the focus node in ``focus``) satisfies the component."""
    g = c.g
    if pred == SH["class"]:  # 4.1.1
        return f"EXISTS {{ {instance_of(v, obj)} }}"
    if pred == SH.datatype:  # 4.1.2, with the lexical form checked
        return has_datatype(v, str(obj))
    if pred == SH.nodeKind:  # 4.1.3
        if obj not in _NODE_KINDS:
            raise c.sg.refuse(shape, f"sh:nodeKind {obj} is not one of the six node kinds")
        return _NODE_KINDS[obj].format(v)
    if pred in _COMPARE:  # 4.3
        bound = sparql_term(obj)
        if f"^^<{KEPT}" in bound:  # a literal kept as written is read back as its type
            bound = value_of(bound)
        return f"COALESCE({value_of(v)} {_COMPARE[pred]} {bound}, false)"
    if pred in (SH.minLength, SH.maxLength):  # 4.4.1, 4.4.2
        return f"(!isBlank({v}) && STRLEN(STR({v})) {'>=' if pred == SH.minLength else '<='} {int(obj)})"
    if pred == SH.pattern:  # 4.4.3
        flags = g.value(shape, SH.flags)
        extra = f", {string(str(flags))}" if flags is not None else ""
        return f"(!isBlank({v}) && COALESCE(REGEX(STR({v}), {string(str(obj))}{extra}), false))"
    if pred == SH.languageIn:  # 4.4.4
        tags = [f"langMatches(LANG({v}), {string(str(t))})" for t in Collection(g, obj)]
        return f"(isLiteral({v}) && ({' || '.join(tags) or 'false'}))"
    if pred == SH["in"]:  # 4.8.3
        members = [f"sameTerm({v}, {sparql_term(m)})" for m in Collection(g, obj)]
        return "(" + " || ".join(members) + ")" if members else "false"
    if pred == SH.disjoint:  # 4.5.2
        return f"NOT EXISTS {{ {focus} {sparql_term(obj)} {v} }}"
    if pred in (SH.lessThan, SH.lessThanOrEquals):  # 4.5.3, 4.5.4
        o, op = c.fresh(), "<" if pred == SH.lessThan else "<="
        return f"NOT EXISTS {{ {focus} {sparql_term(obj)} {o} FILTER (!COALESCE({value_of(v)} {op} {value_of(o)}, false)) }}"
    if pred == SH.node:  # 4.7.1
        return c.conforms(obj, v)
    if pred == SH["not"]:  # 4.6.1
        return f"!{c.conforms(obj, v)}"
    members = [c.conforms(s, v) for s in Collection(g, obj)]
    if pred == SH["and"]:  # 4.6.2
        return "(" + " && ".join(members) + ")" if members else "true"
    if pred == SH["or"]:  # 4.6.3
        return "(" + " || ".join(members) + ")" if members else "false"
    if pred == SH.xone:  # 4.6.4
        return "((" + " + ".join(f"IF({m}, 1, 0)" for m in members) + ") = 1)" if members else "false"
    raise AssertionError(pred)


def values(var: str, path: str | None, x: str) -> str:
    """A pattern binding ``x`` to each value node of ``var`` (the node itself without a path)."""
    return f"{var} {path} {x} ." if path else f"BIND ({var} AS {x})"


def has(var: str, path: str | None, x: str) -> str:
    """True when ``x`` is a value node of ``var``."""
    return f"EXISTS {{ {var} {path} {x} }}" if path else f"sameTerm({var}, {x})"


def _distinct(vs: list[str]) -> str:
    return " ".join(f"FILTER (!sameTerm({a}, {b}))" for a, b in itertools.combinations(vs, 2))


def at_least(c: Compiler, var: str, path: str | None, n: int, cond=None) -> str:
    """True when ``var`` has at least ``n`` distinct value nodes (satisfying ``cond``)."""
    if n <= 0:
        return "true"
    vs = [c.fresh() for _ in range(n)]
    pattern = " ".join(values(var, path, x) for x in vs)
    filters = " ".join(f"FILTER ({cond(x)})" for x in vs) if cond else ""
    return f"EXISTS {{ {pattern} {_distinct(vs)} {filters} }}"


def focus_condition(c: Compiler, shape, pred, obj, var: str, path: str | None) -> str:
    """True when the focus node in ``var`` satisfies a focus-wise component."""
    g = c.g
    if pred in (SH.minCount, SH.maxCount) and path is None:
        raise c.sg.refuse(shape, f"sh:{pred[len(str(SH)):]} needs sh:path (it applies to property shapes)")
    if pred == SH.minCount:  # 4.2.1
        return at_least(c, var, path, int(obj))
    if pred == SH.maxCount:  # 4.2.2
        return f"!{at_least(c, var, path, int(obj) + 1)}"
    if pred == SH.hasValue:  # 4.8.2
        return has(var, path, sparql_term(obj))
    if pred == SH.uniqueLang:  # 4.4.5
        if not is_true(obj):
            return "true"
        a, b = c.fresh(), c.fresh()
        return (f"NOT EXISTS {{ {values(var, path, a)} {values(var, path, b)} FILTER (!sameTerm({a}, {b}) "
                f"&& LANG({a}) != \"\" && LCASE(LANG({a})) = LCASE(LANG({b}))) }}")
    if pred == SH.equals:  # 4.5.1
        x, y, eq = c.fresh(), c.fresh(), sparql_term(obj)
        return (f"(NOT EXISTS {{ {values(var, path, x)} FILTER NOT EXISTS {{ {var} {eq} {x} }} }} && "
                f"NOT EXISTS {{ {var} {eq} {y} FILTER (!{has(var, path, y)}) }})")
    if pred == SH.closed:  # 4.8.1
        if not is_true(obj):
            return "true"
        x, p, o = c.fresh(), c.fresh(), c.fresh()
        return f"NOT EXISTS {{ {values(var, path, x)} {x} {p} {o} FILTER ({closed_filter(c, shape, p)}) }}"
    if pred == SH.qualifiedValueShape:  # 4.7.3
        cond = qualified(c, shape, obj)
        parts = []
        low, high = g.value(shape, SH.qualifiedMinCount), g.value(shape, SH.qualifiedMaxCount)
        if low is not None:
            parts.append(at_least(c, var, path, int(low), cond))
        if high is not None:
            parts.append(f"!{at_least(c, var, path, int(high) + 1, cond)}")
        return "(" + " && ".join(parts) + ")" if parts else "true"
    raise AssertionError(pred)


def closed_filter(c: Compiler, shape, p: str) -> str:
    """True for a predicate in ``p`` that a closed shape does not allow."""
    g = c.g
    allowed: set[rdflib.term.Node] = {path for prop in g.objects(shape, SH.property)
                                      for path in g.objects(prop, SH.path) if isinstance(path, rdflib.URIRef)}
    for lst in g.objects(shape, SH.ignoredProperties):
        allowed.update(Collection(g, lst))
    if not allowed:
        return "true"
    return f"{p} NOT IN ({', '.join(sparql_term(a) for a in sorted(allowed, key=str))})"


def qualified(c: Compiler, shape, q):
    """The condition a value must meet to count for ``sh:qualifiedValueShape`` ``q`` of ``shape``."""
    g = c.g
    siblings: list[rdflib.term.Node] = []
    if is_true(g.value(shape, SH.qualifiedValueShapesDisjoint)):
        for parent in g.subjects(SH.property, shape):
            for prop in g.objects(parent, SH.property):
                siblings.extend(s for s in g.objects(prop, SH.qualifiedValueShape) if s != q)

    def cond(x: str) -> str:
        return " && ".join([c.conforms(q, x)] + [f"!{c.conforms(s, x)}" for s in sorted(set(siblings), key=str)])

    return cond
