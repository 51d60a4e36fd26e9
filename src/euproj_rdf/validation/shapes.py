"""The shapes graph (SHACL 2): which nodes are shapes, and whether they are well-formed.

Shapes are read with rdflib. Every node that is a shape (a target, an implicit class target,
``sh:NodeShape``/``sh:PropertyShape``, a value of ``sh:node``, ``sh:property``, ``sh:not``,
``sh:qualifiedValueShape`` or a member of ``sh:and``/``sh:or``/``sh:xone``) is checked before
validation starts: one ``sh:path`` at most, valid ``sh:pattern`` expressions, no recursion,
no SHACL term the validator does not implement. Triples of other vocabularies are allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

from ..errors import ConfigError

#: SHACL terms a shape may carry: targets, the path, parameters, annotations.
KNOWN = {SH[n] for n in (
    "targetClass targetNode targetSubjectsOf targetObjectsOf path class datatype nodeKind minCount maxCount "
    "minInclusive maxInclusive minExclusive maxExclusive minLength maxLength pattern flags languageIn uniqueLang "
    "equals disjoint lessThan lessThanOrEquals in hasValue node property not and or xone qualifiedValueShape "
    "qualifiedMinCount qualifiedMaxCount qualifiedValueShapesDisjoint closed ignoredProperties sparql message "
    "severity name description order group defaultValue deactivated declare prefixes select ask"
).split()}
#: Parameters whose values are shapes (recursion is followed through them).
_SHAPE_REFS = (SH.node, SH.property, SH["not"], SH.qualifiedValueShape)
_SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


@dataclass
class ShapesGraph:
    """A shapes graph with where it came from (for error messages)."""

    graph: rdflib.Graph
    source: str = "shapes"
    text: str = ""
    lines: dict[str, int] = field(default_factory=dict)

    def name(self, shape) -> str:
        """``<iri>``; a blank-node shape by the shape that holds it (and its path)."""
        if not isinstance(shape, rdflib.BNode):
            return f"<{shape}>"
        path = self.graph.value(shape, SH.path)
        on = f" on <{path}>" if isinstance(path, rdflib.URIRef) else ""
        parents = sorted(s for s in self.graph.subjects(None, shape) if isinstance(s, rdflib.URIRef))
        return f"[a blank-node shape{on}" + (f" of <{parents[0]}>]" if parents else "]")

    def where(self, shape) -> str:
        """``file:line: shape <iri>`` (the line where the shapes file first names the shape)."""
        parents = [s for s in self.graph.subjects(None, shape) if isinstance(s, rdflib.URIRef)]
        line = self._line(shape if not isinstance(shape, rdflib.BNode) or not parents else min(parents))
        place = f"{self.source}:{line}" if line else self.source
        return f"{place}: shape {self.name(shape)}"

    def _line(self, shape) -> int | None:
        if not self.text or not isinstance(shape, rdflib.URIRef):
            return None
        iri = str(shape)
        local = re.split(r"[#/:]", iri)[-1]
        names = rf"(<{re.escape(iri)}>|[\w-]*:{re.escape(local)})" if local else rf"<{re.escape(iri)}>"
        lines = self.text.splitlines()
        for pattern in (rf"^\s*{names}(\s|;|$)", rf"(^|\s){names}(\s|;|,|$)"):  # as a subject first
            for i, line in enumerate(lines, 1):
                if re.search(pattern, line):
                    return i
        return None

    def refuse(self, shape, what: str) -> ConfigError:
        return ConfigError(f"{self.where(shape)}: {what}")


def read_shapes(path: Path | str, *, fmt: str | None = None) -> ShapesGraph:
    """The shapes file parsed (Turtle unless its extension says otherwise), literals as written."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the shapes '{path}': {exc.strerror}") from None
    normalize, rdflib.NORMALIZE_LITERALS = rdflib.NORMALIZE_LITERALS, False
    try:
        g = rdflib.Graph().parse(data=text, format=fmt or rdf_format(path), publicID=path.resolve().as_uri())
    except Exception as exc:  # rdflib raises many kinds
        raise ConfigError(f"cannot parse the shapes '{path}': {exc}") from None
    finally:
        rdflib.NORMALIZE_LITERALS = normalize
    return ShapesGraph(g, str(path), text)


def rdf_format(path: Path) -> str:
    """The rdflib format name for a file extension (Turtle by default)."""
    return {".nt": "nt", ".rdf": "xml", ".xml": "xml", ".owl": "xml", ".jsonld": "json-ld", ".json": "json-ld",
            ".n3": "n3", ".trig": "trig", ".nq": "nquads"}.get(path.suffix.lower(), "turtle")


def instances(g: rdflib.Graph, cls) -> set:
    """SHACL instances of ``cls`` in the shapes graph (rdf:type/rdfs:subClassOf*)."""
    classes = {cls} | set(g.transitive_subjects(RDFS.subClassOf, cls))
    return {s for c in classes for s in g.subjects(RDF.type, c)}


def targeted_shapes(g: rdflib.Graph) -> list:
    """Shapes with targets, including implicit class targets (a shape that is an rdfs:Class)."""
    found = {s for t in _TARGETS for s in g.subjects(t, None)}
    shape_types = instances(g, SH.NodeShape) | instances(g, SH.PropertyShape)
    found |= shape_types & instances(g, RDFS.Class)
    return sorted(found, key=lambda s: (isinstance(s, rdflib.BNode), str(s)))


def implicit_class(g: rdflib.Graph, shape) -> bool:
    shape_types = instances(g, SH.NodeShape) | instances(g, SH.PropertyShape)
    return shape in shape_types and shape in instances(g, RDFS.Class)


def all_shapes(g: rdflib.Graph) -> set:
    """Every node that is a shape in ``g`` (SHACL 2.1)."""
    found = set(targeted_shapes(g)) | instances(g, SH.NodeShape) | instances(g, SH.PropertyShape)
    found |= set(g.subjects(SH.path, None)) - set(g.objects(None, SH.parameter))
    todo = list(found)
    while todo:
        s = todo.pop()
        for ref in referenced(g, s):
            if ref not in found:
                found.add(ref)
                todo.append(ref)
    return found


def referenced(g: rdflib.Graph, shape) -> list:
    """The shapes ``shape`` refers to through shape-valued parameters."""
    out = [o for p in _SHAPE_REFS for o in g.objects(shape, p)]
    for p in _SHAPE_LISTS:
        for lst in g.objects(shape, p):
            out.extend(Collection(g, lst))
    return out


def check_shapes(sg: ShapesGraph) -> None:
    """Refuse, before validation, every shape that is ill-formed or uses what is not implemented."""
    g = sg.graph
    for entailment in g.objects(None, SH.entailment):
        raise ConfigError(f"{sg.source}: the shapes require the entailment regime <{entailment}> (sh:entailment), "
                          "which the validator does not implement")
    shapes = all_shapes(g)
    for shape in sorted(shapes, key=str):
        paths = list(g.objects(shape, SH.path))
        if len(paths) > 1:
            raise sg.refuse(shape, f"has {len(paths)} values of sh:path; a property shape has exactly one")
        for pred in set(g.predicates(shape, None)):
            if str(pred).startswith(str(SH)) and pred not in KNOWN:
                raise sg.refuse(shape, f"uses sh:{str(pred)[len(str(SH)):]}, which the validator does not implement")
        for pattern in g.objects(shape, SH.pattern):
            flags = str(g.value(shape, SH.flags) or "")
            try:
                re.compile(str(pattern), sum(getattr(re, f.upper(), 0) for f in flags if f in "imsx"))
            except re.error as exc:
                raise sg.refuse(shape, f"sh:pattern {str(pattern)!r} is not a valid regular expression ({exc})") from None
        for count in (SH.minCount, SH.maxCount, SH.minLength, SH.maxLength, SH.qualifiedMinCount, SH.qualifiedMaxCount):
            for n in g.objects(shape, count):
                if not isinstance(n, rdflib.Literal) or not isinstance(n.value, int) or n.value < 0:
                    raise sg.refuse(shape, f"sh:{count[len(str(SH)):]} must be a non-negative integer, not {n}")
    _check_recursion(sg, shapes)


def _check_recursion(sg: ShapesGraph, shapes: set) -> None:
    g = sg.graph
    state: dict = {}

    def visit(s, trail: list) -> None:
        if state.get(s) == "done":
            return
        if state.get(s) == "open":
            raise sg.refuse(trail[trail.index(s)] if s in trail else s,
                            "is recursive (refers to itself through sh:node, sh:property, sh:not, sh:and, sh:or, "
                            "sh:xone or sh:qualifiedValueShape); recursive shapes are not supported")
        state[s] = "open"
        for ref in referenced(g, s):
            visit(ref, trail + [s])
        state[s] = "done"

    for s in sorted(shapes, key=str):
        visit(s, [])
