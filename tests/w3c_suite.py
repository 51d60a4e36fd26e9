"""The W3C SHACL test suite (core and SPARQL folders) as cases, and a runner for our engine and pySHACL.

    python -m tests.w3c_suite        # the pass table per folder, ours against pySHACL

Each case is one ``sht:Validate`` entry of a manifest: a data graph, a shapes graph and either
the expected validation report or ``sht:Failure`` (the shapes must be refused). Reports are
compared on ``sh:conforms`` and the set of results, each as (focus node, path, constraint
component, severity, value); blank nodes compare as blank nodes, paths by their SPARQL form.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

SUITE = Path(__file__).resolve().parents[1].parent / "shared" / "w3c" / "shacl"
FOLDERS = ("core", "sparql")
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = rdflib.Namespace("http://www.w3.org/ns/shacl-test#")


@dataclass(frozen=True)
class Case:
    name: str  # "core/node/in-001"
    file: Path
    data: Path
    shapes: Path
    failure: bool  # the shapes must be refused


def cases(root: Path = SUITE) -> list[Case]:
    out = []
    for folder in FOLDERS:
        for manifest in sorted((root / folder).glob("*/manifest.ttl")):
            g = rdflib.Graph().parse(manifest, format="turtle")
            for included in sorted(g.objects(None, MF.include)):
                out.extend(_entries(root, Path(str(included).removeprefix("file://"))))
    return out


def _entries(root: Path, file: Path) -> list[Case]:
    g = rdflib.Graph().parse(file, format="turtle")
    out = []
    for lst in g.objects(None, MF.entries):
        for entry in Collection(g, lst):
            if (entry, RDF.type, SHT.Validate) not in g:
                continue
            action = g.value(entry, MF.action)
            data = Path(str(g.value(action, SHT.dataGraph)).removeprefix("file://"))
            shapes = Path(str(g.value(action, SHT.shapesGraph)).removeprefix("file://"))
            name = str(file.relative_to(root).with_suffix(""))
            out.append(Case(name, file, data, shapes, g.value(entry, MF.result) == SHT.Failure))
    return out


def _node(g: rdflib.Graph, node) -> str:
    if isinstance(node, rdflib.BNode):
        return "_:"
    if isinstance(node, rdflib.Literal):
        return node.n3()
    return str(node)


def _path(g: rdflib.Graph, node) -> str:
    from euproj_rdf.validation.paths import sparql_path

    if node is None:
        return ""
    return str(node) if isinstance(node, rdflib.URIRef) else sparql_path(g, node)


def summary(g: rdflib.Graph) -> tuple[bool, frozenset]:
    """(conforms, results) of the one validation report in ``g``."""
    report = next(g.subjects(RDF.type, SH.ValidationReport))
    results = frozenset(
        (_node(g, g.value(r, SH.focusNode)), _path(g, g.value(r, SH.resultPath)),
         str(g.value(r, SH.sourceConstraintComponent)), str(g.value(r, SH.resultSeverity)),
         _node(g, g.value(r, SH.value)) if g.value(r, SH.value) is not None else "")
        for r in g.objects(report, SH.result))
    return bool(g.value(report, SH.conforms).toPython()), results


def expected(case: Case) -> tuple[bool, frozenset]:
    normalize, rdflib.NORMALIZE_LITERALS = rdflib.NORMALIZE_LITERALS, False
    try:
        g = rdflib.Graph().parse(case.file, format="turtle")
    finally:
        rdflib.NORMALIZE_LITERALS = normalize
    entry = next(e for e in g.subjects(RDF.type, SHT.Validate))
    result = g.value(entry, MF.result)
    return summary(_report_only(g, result))


def _report_only(g: rdflib.Graph, report) -> rdflib.Graph:
    out = rdflib.Graph()
    todo, seen = [report], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in g.predicate_objects(node):
            out.add((node, p, o))
            if isinstance(o, rdflib.BNode) and p != SH.focusNode and p != SH.value:
                todo.append(o)
    return out


def ours(case: Case) -> tuple[bool, frozenset] | str:
    """Our engine's (conforms, results), or "refused: …" when it refuses the shapes."""
    from euproj_rdf.errors import ConfigError
    from euproj_rdf.validation import load_shapes, read_data, report_graph

    try:
        shapes = load_shapes(case.shapes)
        return summary(report_graph(read_data(case.data), shapes))
    except ConfigError as exc:
        return f"refused: {exc}"


def pyshacl(case: Case) -> tuple[bool, frozenset] | str:
    import pyshacl as ps

    data = rdflib.Graph().parse(case.data, format="turtle")
    shapes = rdflib.Graph().parse(case.shapes, format="turtle")
    try:
        _, g, _ = ps.validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
        return summary(g)
    except Exception as exc:  # pySHACL raises many kinds for refused shapes
        return f"refused: {exc}"


def passes(case: Case, outcome) -> bool:
    if case.failure:
        return isinstance(outcome, str)
    return not isinstance(outcome, str) and outcome == expected(case)


def table() -> str:
    found = cases()
    totals: dict[str, Counter] = {}
    for case in found:
        folder = "/".join(case.name.split("/")[:2])
        c = totals.setdefault(folder, Counter())
        c["tests"] += 1
        c["ours"] += passes(case, ours(case))
        c["pyshacl"] += passes(case, pyshacl(case))
    lines = ["| folder | tests | ours | pySHACL |", "|---|---:|---:|---:|"]
    for folder, c in sorted(totals.items()):
        lines.append(f"| {folder} | {c['tests']} | {c['ours']} | {c['pyshacl']} |")
    all_ = sum(totals.values(), Counter())
    lines.append(f"| **all** | {all_['tests']} | {all_['ours']} | {all_['pyshacl']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if not SUITE.is_dir():
        sys.exit(f"the W3C SHACL suite is not at {SUITE}")
    print(table())
