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

import rdflib
from pyshacl import validate as shacl_validate
from rdflib.namespace import RDF, SH

from .errors import ConfigError

__all__ = ["ShaclResult", "ValidationReport", "Shapes", "load_shapes", "validate_lines"]


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
class Shapes:
    graph: rdflib.Graph


def load_shapes(path) -> Shapes:
    try:
        g = rdflib.Graph().parse(str(path), format="turtle")
    except Exception as exc:  # rdflib raises many kinds
        raise ConfigError(f"cannot read the shapes '{path}': {exc}") from None
    return Shapes(g)


def _short(iri: str | None) -> str:
    if not iri:
        return ""
    for ns, prefix in (
        ("https://w3id.org/euproj/ontology#", "ep:"),
        ("http://purl.org/dc/terms/", "dct:"),
        ("http://www.w3.org/2004/02/skos/core#", "skos:"),
        ("http://www.w3.org/ns/prov#", "prov:"),
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


def validate_lines(
    lines: Iterable[str],
    shapes: Shapes,
    *,
    locate: Callable[[str], tuple[str, int, str]],
) -> list[ShaclResult]:
    """Validate N-Triples lines against the shapes.

    ``locate(focus_iri) -> (file, line, record label)`` places each result at its record.
    """
    data = rdflib.Graph()
    data.parse(data="\n".join(lines) + "\n", format="nt")
    _, results_graph, _ = shacl_validate(
        data,
        shacl_graph=shapes.graph,
        inference="none",
        allow_warnings=True,
        allow_infos=True,
        advanced=True,
    )
    out: list[ShaclResult] = []
    for res in results_graph.subjects(RDF.type, SH.ValidationResult):
        g = results_graph
        focus = _text(g.value(res, SH.focusNode)) or ""
        severity = str(g.value(res, SH.resultSeverity) or SH.Violation).rsplit("#", 1)[-1]
        path = g.value(res, SH.resultPath)
        messages = sorted(str(m) for m in g.objects(res, SH.resultMessage))
        file, line, label = locate(focus)
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
