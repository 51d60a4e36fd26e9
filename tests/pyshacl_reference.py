"""pySHACL as the reference our engine is compared with (tests and benchmarks only).

The SHACL Core constraints run in pySHACL; the SPARQL constraints run in our engine, because
pySHACL evaluates one per focus node with rdflib (quadratic: 630 s for 300 projects). Results
are :class:`ShaclResult` objects like ours; a non-IRI result path is written in its SPARQL form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyshacl
import rdflib
from rdflib.namespace import SH

from euproj_rdf.validation import ShaclResult, Shapes, batch_store, path_text, validate_store
from euproj_rdf.validation.report import short_severity


def _text(node) -> str | None:
    if node is None:
        return None
    if isinstance(node, rdflib.BNode):
        return f"_:{node}"
    return str(node)


def core_graph(shapes: Shapes) -> rdflib.Graph:
    """The shapes without their SPARQL constraints."""
    g = rdflib.Graph()
    for t in shapes.graph:
        if t[1] != SH.sparql:
            g.add(t)
    return g


def validate_lines(lines: Iterable[str], shapes: Shapes, *,
                   locate: Callable[[str], tuple[str, int, str] | None]) -> list[ShaclResult]:
    lines = list(lines)
    out = validate_store(batch_store(lines), Shapes(shapes.graph, (), shapes.sparql, shapes.source), locate=locate)
    data = rdflib.Graph().parse(data="\n".join(lines) + "\n", format="nt")
    _, g, _ = pyshacl.validate(data, shacl_graph=core_graph(shapes), inference="none", allow_warnings=True,
                               allow_infos=True)
    for res in g.objects(None, SH.result):  # top-level results only: nested ones explain them
        focus = _text(g.value(res, SH.focusNode)) or ""
        located = locate(focus)
        if located is None:
            continue
        file, line, label = located
        messages = sorted(str(m) for m in g.objects(res, SH.resultMessage))
        value = _text(g.value(res, SH.value))
        out.append(ShaclResult(
            severity=short_severity(str(g.value(res, SH.resultSeverity) or SH.Violation)), file=file, line=line,
            record=label, focus=focus, path=path_text(g, g.value(res, SH.resultPath)),
            message=messages[0] if messages else "does not conform", value=None if value == focus else value,
            shape=_text(g.value(res, SH.sourceShape)), component=_text(g.value(res, SH.sourceConstraintComponent)),
        ))
    return out
