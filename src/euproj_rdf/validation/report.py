"""Validation results located at the records, and the report (SHACL 3.6) as text, Turtle or JSON."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

import rdflib
from rdflib.namespace import RDF, SH

from ..errors import ConfigError
from ..vocab import DCT, EP, PROV, SKOS

#: Severities in the order a build may fail on them (a custom severity counts as a violation).
LEVELS = {"info": 0, "warning": 1, "violation": 2}
_LEVEL = {"Info": 0, "Warning": 1, "Violation": 2}


def short_severity(iri: str) -> str:
    """``Violation``/``Warning``/``Info`` for SHACL's severities; any other severity as its IRI."""
    local = iri[len(str(SH)):] if iri.startswith(str(SH)) else None
    return local if local in _LEVEL else iri


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
        path = f", {short_iri(self.path)}" if self.path else ""
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"{where}{path}: {self.severity}: {self.message}{value}"


@dataclass
class ValidationReport:
    """The outcome of validating a graph: results of every severity."""

    results: list[ShaclResult] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        """True when there is no result at all, of any severity (SHACL 3.6.1.1)."""
        return not self.results

    def fails(self, fail_on: str = "violation") -> bool:
        """True when a result is at least as severe as ``fail_on`` (violation, warning or info).

        This is the build's policy, separate from :attr:`conforms`: a build fails on violations
        by default; a publisher may fail on warnings or infos too.
        """
        if fail_on not in LEVELS:
            raise ConfigError(f"unknown severity '{fail_on}' to fail on: choose one of {', '.join(LEVELS)}")
        level = LEVELS[fail_on]
        return any(_LEVEL.get(r.severity, 2) >= level for r in self.results)

    @property
    def violations(self) -> list[ShaclResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ShaclResult]:
        return [r for r in self.results if r.severity == "Warning"]

    def text(self) -> str:
        lines = [str(r) for r in sorted(self.results)]
        n_v, n_w = len(self.violations), len(self.warnings)
        n_i = len(self.results) - n_v - n_w
        counts = f"{n_v} violation(s), {n_w} warning(s)" + (f", {n_i} other result(s)" if n_i else "")
        lines.append(f"{'Conforms' if self.conforms else 'Does not conform'}: {counts}")
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
            g.add((node, SH.resultSeverity, SH[r.severity] if r.severity in _LEVEL else rdflib.URIRef(r.severity)))
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

    def json(self) -> str:
        """The results as JSON: ``{"conforms": …, "results": [{severity, file, line, …}]}``."""
        return json.dumps({"conforms": self.conforms, "results": [asdict(r) for r in sorted(self.results)]},
                          ensure_ascii=False, indent=2) + "\n"


def short_iri(iri: str | None) -> str:
    """An IRI (or a SPARQL path of IRIs) with the project's prefixes.

    >>> short_iri("(^<https://w3id.org/euproj/ontology#participation>)")
    '(^ep:participation)'
    """
    if not iri:
        return ""
    if iri.startswith("("):
        return re.sub(r"<([^<>]*)>", lambda m: short_iri(m.group(1)), iri)
    for ns, prefix in (
        (EP, "ep:"),
        (DCT, "dct:"),
        (SKOS, "skos:"),
        (PROV, "prov:"),
    ):
        if iri.startswith(ns):
            return prefix + iri[len(ns):]
    return f"<{iri}>"




@dataclass
class GraphReport:
    """A SHACL validation report of any data graph (the ``shacl`` command), as text, Turtle or JSON."""

    graph: rdflib.Graph

    @property
    def conforms(self) -> bool:
        value = next(self.graph.objects(None, SH.conforms))
        return isinstance(value, rdflib.Literal) and bool(value.toPython())

    def rows(self) -> list[dict[str, str | None]]:
        """One dict per result: focus, path, severity, component, shape, value, message (sorted)."""
        from .paths import sparql_path

        g, out = self.graph, []
        for r in g.objects(None, SH.result):
            path = g.value(r, SH.resultPath)
            value = g.value(r, SH.value)
            out.append({
                "focus": _n3(g.value(r, SH.focusNode)),
                "path": None if path is None else f"<{path}>" if isinstance(path, rdflib.URIRef) else sparql_path(g, path),
                "severity": short_severity(str(g.value(r, SH.resultSeverity))),
                "component": str(g.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                "shape": _n3(g.value(r, SH.sourceShape)),
                "value": None if value is None else _n3(value),
                "message": next((m for m in sorted(str(m) for m in g.objects(r, SH.resultMessage))), None),
            })
        return sorted(out, key=lambda d: tuple(v or "" for v in d.values()))

    def text(self) -> str:
        lines = []
        for r in self.rows():
            path = f" {r['path']}" if r["path"] else ""
            value = f" (value: {r['value']})" if r["value"] else ""
            lines.append(f"{r['focus']}{path}: {r['severity']}: {r['message'] or r['component']}{value}")
        n = len(lines)
        lines.append("Conforms" if self.conforms else f"Does not conform: {n} result(s)")
        return "\n".join(lines)

    def turtle(self) -> str:
        return self.graph.serialize(format="turtle")

    def json(self) -> str:
        return json.dumps({"conforms": self.conforms, "results": self.rows()}, ensure_ascii=False, indent=2) + "\n"


def _n3(node) -> str:
    if isinstance(node, rdflib.BNode):
        return f"_:{node}"
    if isinstance(node, rdflib.URIRef):
        return f"<{node}>"
    return node.n3() if node is not None else ""
