"""SHACL validation of the mapped graph, batch by batch, with results traced to records.

Each record's triples are validated together with the type triples of every record they refer
to (and the concept schemes), so a batch holds everything the shapes look at: every focus node
is checked against every shape, in bounded memory. Results are turned into
:class:`ShaclResult` objects located at the record (file:line, field) that produced the focus
node, and into one SHACL validation report when asked for Turtle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import re

import pyoxigraph as ox
import rdflib
from pyshacl import validate as shacl_validate
from rdflib.namespace import RDF, RDFS, SH

from .errors import ConfigError
from .shacl import CompiledConstraint, compile_shapes, preserve_datatypes
from .vocab import DCT, EP, PROV, SKOS
from .vocab import SH as SH_NS

__all__ = ["ShaclResult", "ValidationReport", "Shapes", "batch_store", "load_shapes", "validate_lines", "validate_store"]


@dataclass(frozen=True, order=True)
class ShaclResult:
    """One SHACL result, located at the record that produced its focus node."""

    severity: str  # "Violation", "Warning" or "Info"
    file: str
    line: int
    record: str  # "project 'great'"
    focus: str
    path: str | None
    message: str
    value: str | None = None
    shape: str | None = None
    component: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: {self.record}" if self.file else self.record
        path = f", {_short(self.path)}" if self.path else ""
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"{where}{path}: {self.severity}: {self.message}{value}"


@dataclass
class ValidationReport:
    """The outcome of validating a graph: results of every severity."""

    results: list[ShaclResult] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        """True when there is no Violation (warnings do not fail a build)."""
        return not any(r.severity == "Violation" for r in self.results)

    @property
    def violations(self) -> list[ShaclResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ShaclResult]:
        return [r for r in self.results if r.severity == "Warning"]

    def text(self) -> str:
        lines = [str(r) for r in sorted(self.results)]
        n_v, n_w = len(self.violations), len(self.warnings)
        lines.append(f"{'Conforms' if self.conforms else 'Does not conform'}: {n_v} violation(s), {n_w} warning(s)")
        return "\n".join(lines)

    def turtle(self) -> str:
        """The results as one ``sh:ValidationReport`` in Turtle (deterministic order)."""
        g = rdflib.Graph()
        g.bind("sh", SH)
        report = rdflib.URIRef("urn:euproj:validation-report")
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, rdflib.Literal(self.conforms)))
        for i, r in enumerate(sorted(self.results), 1):
            node = rdflib.URIRef(f"urn:euproj:validation-report:result:{i}")
            g.add((report, SH.result, node))
            g.add((node, RDF.type, SH.ValidationResult))
            g.add((node, SH.focusNode, rdflib.URIRef(r.focus)))
            g.add((node, SH.resultSeverity, SH[r.severity]))
            g.add((node, SH.resultMessage, rdflib.Literal(r.message)))
            if r.path:
                g.add((node, SH.resultPath, rdflib.URIRef(r.path)))
            if r.shape and not r.shape.startswith("_:"):
                g.add((node, SH.sourceShape, rdflib.URIRef(r.shape)))
            if r.component:
                g.add((node, SH.sourceConstraintComponent, rdflib.URIRef(r.component)))
            if r.value is not None:
                g.add((node, SH.value, rdflib.Literal(r.value)))
            if r.file:
                g.add((node, rdflib.RDFS.comment, rdflib.Literal(f"{r.file}:{r.line}: {r.record}")))
        return g.serialize(format="turtle")


@dataclass(frozen=True)
class SparqlConstraint:
    """A SHACL-SPARQL constraint, rewritten to find every violating focus node in one query."""

    shape: str
    query: str  # $this as ?this, joined with the shape's targets
    messages: tuple[str, ...]
    severity: str


@dataclass(frozen=True)
class Shapes:
    """The shapes: SHACL Core constraints and SPARQL constraints, each compiled to queries.

    ``graph`` holds the shapes without their SPARQL constraints (for pySHACL, the reference
    engine); ``core`` is the same constraints compiled to SPARQL (:mod:`euproj_rdf.shacl`).
    pySHACL evaluates a SPARQL constraint once per focus node with rdflib's query engine, which
    scans the whole data graph each time (quadratic: 630 s for 300 projects). The same query,
    with ``$this`` joined to the shape's targets instead of pre-bound, gives the same solutions
    in one pass, which pyoxigraph answers in milliseconds.
    """

    graph: rdflib.Graph
    sparql: tuple[SparqlConstraint, ...] = ()
    core: tuple[CompiledConstraint, ...] = ()


_SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


def _prefix_declarations(g: rdflib.Graph, node) -> str:
    lines = []
    for source in g.objects(node, SH.prefixes):
        for decl in g.objects(source, SH.declare):
            prefix, ns = g.value(decl, SH.prefix), g.value(decl, SH.namespace)
            lines.append(f"PREFIX {prefix}: <{ns}>")
    return "\n".join(sorted(set(lines)))


def _rewrite(select: str, targets: list[str]) -> str:
    """``$this`` → ``?this``, and the shape's targets joined in at the top of the WHERE clause."""
    query = select.replace("$this", "?this")
    where = re.search(r"\bWHERE\s*\{", query, re.IGNORECASE)
    if where is None:
        raise ConfigError(f"a SPARQL constraint has no WHERE clause: {select.strip()[:80]}")
    values = " ".join(f"<{t}>" for t in targets)
    target = f" VALUES ?__target {{ {values} }} ?this a/<{RDFS.subClassOf}>* ?__target . "
    return query[: where.end()] + target + query[where.end():]


def load_shapes(path) -> Shapes:
    try:
        g = rdflib.Graph().parse(str(path), format="turtle")
    except Exception as exc:  # rdflib raises many kinds
        raise ConfigError(f"cannot read the shapes '{path}': {exc}") from None
    constraints = []
    for shape, constraint in sorted(g.subject_objects(SH.sparql)):
        targets = sorted(str(t) for t in g.objects(shape, SH.targetClass))
        if not targets or set(g.objects(shape, SH.targetNode)) or set(g.objects(shape, SH.targetSubjectsOf)):
            raise ConfigError(f"{path}: SPARQL constraint of {shape} needs sh:targetClass targets only")
        select = str(g.value(constraint, SH.select))
        query = _prefix_declarations(g, constraint) + "\n" + _rewrite(select, targets)
        severity = g.value(constraint, SH.severity) or g.value(shape, SH.severity) or SH.Violation
        messages = tuple(sorted(str(m) for m in g.objects(constraint, SH.message)))
        constraints.append(SparqlConstraint(str(shape), query, messages, _SEVERITY[severity]))
        g.remove((shape, SH.sparql, constraint))
    return Shapes(g, tuple(constraints), compile_shapes(g, source=str(path)))


def _fill(template: str, row: dict[str, str]) -> str:
    return re.sub(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: row.get(m.group(1), m.group(0)), template)


def batch_store(lines: list[str]) -> ox.Store:
    """An in-memory store of N-Triples lines, with the datatypes validation needs kept as written."""
    store = ox.Store()
    store.load(input=preserve_datatypes("\n".join(lines) + "\n"), format=ox.RdfFormat.N_TRIPLES)
    return store


def _core_results(store: ox.Store, shapes: Shapes, locate) -> list[ShaclResult]:
    out = []
    for c in shapes.core:
        for sol in store.query(c.query):
            focus = _ox_text(sol["this"])
            located = locate(focus)
            if located is None:
                continue
            file, line, label = located
            value = _ox_text(sol["value"]) if c.has_value else None
            out.append(ShaclResult(
                severity=c.severity, file=file, line=line, record=label, focus=focus, path=c.path,
                message=c.messages[0] if c.messages else _default_message(c),
                value=None if value == focus else value, shape=c.shape, component=c.component,
            ))
    return out


def _default_message(c: CompiledConstraint) -> str:
    component = c.component.rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
    return f"does not satisfy sh:{component[0].lower()}{component[1:]}" + (f" on {_short(c.path)}" if c.path else "")


def _ox_text(term) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def _sparql_results(store: ox.Store, shapes: Shapes, locate) -> list[ShaclResult]:
    out = []
    for c in shapes.sparql:
        solutions = store.query(c.query)
        names = [v.value for v in solutions.variables]
        for sol in solutions:
            row = {n: sol[n].value for n in names if sol[n] is not None}
            focus = row["this"]
            located = locate(focus)
            if located is None:
                continue
            file, line, label = located
            value = row.get("value")
            out.append(ShaclResult(
                severity=c.severity, file=file, line=line, record=label, focus=focus, path=None,
                message=_fill(c.messages[0], row) if c.messages else "does not conform",
                value=None if value in (None, focus) else value, shape=c.shape,
                component=SH_NS + "SPARQLConstraintComponent",
            ))
    return out


def _short(iri: str | None) -> str:
    if not iri:
        return ""
    for ns, prefix in (
        (EP, "ep:"),
        (DCT, "dct:"),
        (SKOS, "skos:"),
        (PROV, "prov:"),
    ):
        if iri.startswith(ns):
            return prefix + iri[len(ns):]
    return f"<{iri}>"


def _text(node) -> str | None:
    if node is None:
        return None
    if isinstance(node, rdflib.BNode):
        return f"_:{node}"
    return str(node)


def validate_store(store: ox.Store, shapes: Shapes, *, locate) -> list[ShaclResult]:
    """Validate what a :func:`batch_store` holds (see :func:`validate_lines`)."""
    return _sparql_results(store, shapes, locate) + _core_results(store, shapes, locate)


def validate_lines(
    lines: Iterable[str],
    shapes: Shapes,
    *,
    locate: Callable[[str], tuple[str, int, str] | None],
    engine: str = "oxigraph",
) -> list[ShaclResult]:
    """Validate N-Triples lines against the shapes.

    ``locate(focus_iri) -> (file, line, record label)`` places each result at its record; it
    returns None for nodes that are only context (the type triple of a record of another
    batch), whose results are dropped: those records are validated with their own batch.

    ``engine="oxigraph"`` (the default) runs the compiled SHACL Core queries; ``"pyshacl"`` runs
    pySHACL for the core constraints: the reference the tests compare against, and the naive
    pipeline of the benchmarks. The SPARQL constraints always run in pyoxigraph.
    """
    lines = list(lines)
    store = batch_store(lines)
    if engine == "oxigraph":
        return validate_store(store, shapes, locate=locate)
    if engine != "pyshacl":
        raise ValueError(f"unknown validation engine {engine!r}")
    out: list[ShaclResult] = _sparql_results(store, shapes, locate)
    data = rdflib.Graph()
    data.parse(data="\n".join(lines) + "\n", format="nt")
    _, results_graph, _ = shacl_validate(
        data,
        shacl_graph=shapes.graph,
        inference="none",
        allow_warnings=True,
        allow_infos=True,
    )
    # top-level results only: nested ones (sh:detail of sh:node, sh:or…) explain them
    for res in results_graph.objects(None, SH.result):
        g = results_graph
        focus = _text(g.value(res, SH.focusNode)) or ""
        severity = str(g.value(res, SH.resultSeverity) or SH.Violation).rsplit("#", 1)[-1]
        path = g.value(res, SH.resultPath)
        messages = sorted(str(m) for m in g.objects(res, SH.resultMessage))
        located = locate(focus)
        if located is None:
            continue  # a node of another batch, present only as context: validated in its own batch
        file, line, label = located
        value = _text(g.value(res, SH.value))
        out.append(
            ShaclResult(
                severity=severity,
                file=file,
                line=line,
                record=label,
                focus=focus,
                path=_text(path) if isinstance(path, rdflib.URIRef) else None,
                message=messages[0] if messages else "does not conform",
                value=None if value == focus else value,
                shape=_text(g.value(res, SH.sourceShape)),
                component=_text(g.value(res, SH.sourceConstraintComponent)),
            )
        )
    return out
