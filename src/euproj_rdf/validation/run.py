"""Running the compiled shapes on a store: results as terms, located at records, or as a report."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

from ..errors import ConfigError
from .compiler import CompiledConstraint, compile_shapes
from .paths import copy_path
from .report import GraphReport, ShaclResult, short_iri, short_severity
from .shapes import ShapesGraph, check_shapes, read_shapes
from .sparql import SparqlCheck, bind_text, join_focus
from .terms import DataGraph, exact_store, ox_term, select, text_of, to_rdflib

SHAPES_GRAPH = ox.NamedNode("urn:euproj:shapes-graph")


@dataclass(frozen=True)
class Shapes:
    """Shapes checked and compiled: SHACL Core queries and SPARQL-based checks."""

    graph: rdflib.Graph
    core: tuple[CompiledConstraint, ...] = ()
    sparql: tuple[SparqlCheck, ...] = ()
    source: ShapesGraph | None = None


def compile_graph(sg: ShapesGraph) -> Shapes:
    """Check and compile a shapes graph; a :class:`ConfigError` names what is wrong before validating."""
    check_shapes(sg)
    try:
        core, checks = compile_shapes(sg)
    except ValueError as exc:
        raise ConfigError(f"{sg.source}: {exc}") from None
    return Shapes(sg.graph, core, checks, sg)


def load_shapes(path, *, fmt: str | None = None) -> Shapes:
    """Read, check and compile a shapes file."""
    return compile_graph(read_shapes(path, fmt=fmt))


@dataclass(frozen=True)
class Finding:
    """One validation result, its terms as the store gives them."""

    focus: object
    value: object | None
    path: rdflib.term.Node | None
    component: str
    severity: str
    shape: rdflib.term.Node
    messages: tuple[rdflib.Literal, ...]
    constraint: rdflib.term.Node | None = None


def batch_store(lines: list[str], *, lenient: bool = False) -> ox.Store:
    """An in-memory store of N-Triples lines, every term as written (see :mod:`.terms`);
    ``lenient`` for lines this package wrote (see :func:`.terms.exact_store`)."""
    return exact_store("\n".join(lines) + "\n", lenient=lenient)


def findings(store: ox.Store, shapes: Shapes, *, values: ox.Store | None = None,
             wanted: Callable[[object], bool] | None = None) -> list[Finding]:
    """Every result of validating what ``store`` holds against ``shapes``.

    SPARQL-based constraints run on ``values`` when given (see :class:`.terms.DataGraph`).
    ``wanted(focus)`` false leaves out the results of that focus node (every node is still
    validated; their results are not made).
    """
    out = []
    for c in shapes.core:
        for sol in select(store, c.query):
            focus = sol["this"]
            if wanted is not None and not wanted(focus):
                continue
            path = rdflib.URIRef(sol["path"].value) if c.path_var else c.path
            out.append(Finding(focus, sol["value"] if c.has_value else None, path, c.component, c.severity,
                               c.shape, c.messages))
    for check in shapes.sparql:
        found = _run_check(values or store, shapes, check)
        out.extend(found if wanted is None else (f for f in found if wanted(f.focus)))
    return out


def _fill(template: str, row: dict[str, str]) -> str:
    return re.sub(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: row.get(m.group(1), m.group(0)), template)


def _messages(check: SparqlCheck, row: dict[str, str]) -> tuple[rdflib.Literal, ...]:
    return tuple(rdflib.Literal(_fill(str(m), row), lang=m.language) for m in check.messages)


def _run_check(store: ox.Store, shapes: Shapes, check: SparqlCheck) -> list[Finding]:
    out = []
    texts = {k: str(v) for k, v in check.parameters.items()}

    def finding(focus, value, path, row) -> Finding:
        return Finding(focus, value, path, check.component, check.severity, check.shape,
                       _messages(check, {**texts, **row}), check.constraint)

    def solutions(query: str):
        result = select(store, query)
        names = [v.value for v in result.variables]
        for sol in result:
            yield {n: sol[n] for n in names if sol[n] is not None}

    def rows(query: str):
        for sol in solutions(query):
            if "failure" in sol and sol["failure"].value == "true":
                raise ConfigError(f"the SPARQL constraint of shape {check.shape} reported a failure")
            yield sol

    def add(sol: dict, focus) -> None:
        path = rdflib.URIRef(sol["path"].value) if "path" in sol else check.path
        value = sol.get("value", focus if check.path is None else None)
        out.append(finding(focus, value, path, {k: v.value for k, v in sol.items()}))

    if check.fast is not None:  # the focus nodes joined in: one query
        for sol in rows(check.fast):
            add(sol, sol["this"])
        return out
    binds: dict[str, str] = {}
    if "shapesGraph" in check.query:
        if not any(True for _ in store.quads_for_pattern(None, None, None, SHAPES_GRAPH)):
            store.load(input=shapes.graph.serialize(format="nt"), format=ox.RdfFormat.N_TRIPLES, to_graph=SHAPES_GRAPH)
        binds["shapesGraph"] = str(SHAPES_GRAPH)
    if "currentShape" in check.query and not isinstance(check.shape, rdflib.BNode):
        binds["currentShape"] = f"<{check.shape}>"
    foci = [sol["this"] for sol in select(store, f"SELECT ?this WHERE {{ {check.focus} }}")]
    for focus in foci:  # pre-bound: one query per focus node
        if not isinstance(focus, ox.BlankNode):
            for sol in rows(bind_text(check.query, {**binds, "this": str(focus)})):
                add(sol, focus)
    if any(isinstance(f, ox.BlankNode) for f in foci):  # a blank node cannot be written into a query
        blank = f"{{ SELECT ?this WHERE {{ {check.focus} FILTER (isBlank(?this)) }} }}"
        for sol in rows(join_focus(bind_text(check.query, binds), blank)):
            add(sol, sol["this"])
    return out


def validate_store(store: ox.Store, shapes: Shapes, *,
                   locate: Callable[[str], tuple[str, int, str] | None]) -> list[ShaclResult]:
    """Validate what a :func:`batch_store` holds, each result located at its record.

    The SPARQL constraints run on the same store: the build writes literals in canonical form
    (only derived integer types and durations are renamed in it), so their values compare.

    ``locate(focus) -> (file, line, record label)`` places each result at its record; it
    returns None for nodes that are only context (the type triple of a record of another
    batch), whose results are dropped: those records are validated with their own batch.
    """
    out = []
    # a focus node usually meets several constraints (the context nodes of other batches most of
    # all, which fail the shapes of records they only refer to): each is located once, and the
    # results of context nodes are dropped before they are made
    places: dict[str, tuple[str, int, str] | None] = {}

    def place(term: object) -> tuple[str, int, str] | None:
        focus = text_of(term) or ""
        if focus in places:
            return places[focus]
        located = places[focus] = locate(focus)
        return located

    for f in findings(store, shapes, wanted=lambda term: place(term) is not None):
        focus = text_of(f.focus) or ""
        located = place(f.focus)
        if located is None:
            continue
        file, line, label = located
        value = text_of(f.value)
        out.append(ShaclResult(
            severity=short_severity(f.severity), file=file, line=line, record=label, focus=focus,
            path=path_text(shapes.graph, f.path), message=str(f.messages[0]) if f.messages else _default_message(f),
            value=None if value == focus else value,
            shape=text_of(ox_term(f.shape)), component=f.component,
        ))
    return out


def path_text(g: rdflib.Graph, path) -> str | None:
    """A result path as text: the IRI of a predicate path, the SPARQL form of any other."""
    from .paths import sparql_path

    if path is None:
        return None
    return str(path) if isinstance(path, rdflib.URIRef) else sparql_path(g, path)


def _default_message(f: Finding) -> str:
    component = f.component.rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
    path = f.path if isinstance(f.path, rdflib.URIRef) else None
    return f"does not satisfy sh:{component[0].lower()}{component[1:]}" + (f" on {short_iri(str(path))}" if path else "")


def validate_lines(lines: Iterable[str], shapes: Shapes, *,
                   locate: Callable[[str], tuple[str, int, str] | None]) -> list[ShaclResult]:
    """Validate N-Triples lines against the shapes (see :func:`validate_store`)."""
    return validate_store(batch_store(list(lines)), shapes, locate=locate)


def report_graph(data: DataGraph, shapes: Shapes) -> rdflib.Graph:
    """The SHACL validation report (SHACL 3.6) of a data graph, terms as the data holds them."""
    g = rdflib.Graph()
    g.bind("sh", SH)
    report = rdflib.BNode()
    results = findings(data.exact, shapes, values=data.values() if shapes.sparql else None)
    g.add((report, RDF.type, SH.ValidationReport))
    g.add((report, SH.conforms, rdflib.Literal(not results)))
    seen = set()
    for f in results:
        key = (f.focus, f.value, f.path, f.component, f.shape, f.constraint)
        if key in seen:
            continue
        seen.add(key)
        node = rdflib.BNode()
        g.add((report, SH.result, node))
        g.add((node, RDF.type, SH.ValidationResult))
        g.add((node, SH.focusNode, to_rdflib(f.focus)))
        g.add((node, SH.resultSeverity, rdflib.URIRef(f.severity)))
        g.add((node, SH.sourceConstraintComponent, rdflib.URIRef(f.component)))
        g.add((node, SH.sourceShape, copy_path(shapes.graph, f.shape, g)))
        if f.path is not None:
            g.add((node, SH.resultPath, copy_path(shapes.graph, f.path, g)))
        if f.value is not None:
            g.add((node, SH.value, to_rdflib(f.value)))
        if f.constraint is not None:
            g.add((node, SH.sourceConstraint, copy_path(shapes.graph, f.constraint, g)))
        for m in f.messages:
            g.add((node, SH.resultMessage, m))
    return g


def read_data(path: Path | str, *, fmt: ox.RdfFormat | None = None) -> DataGraph:
    """A data file of any RDF format (by extension, Turtle by default) as a :class:`DataGraph`."""
    path = Path(path)
    fmt = fmt or ox.RdfFormat.from_extension(path.suffix.lstrip(".").lower()) or ox.RdfFormat.TURTLE
    try:
        quads = ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
        written = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                               format=ox.RdfFormat.N_TRIPLES)
        text = written.decode("utf-8") if written is not None else ""
    except SyntaxError as exc:
        raise ConfigError(f"cannot parse the data '{path}': {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the data '{path}': {exc.strerror or exc}") from None
    return DataGraph(exact_store(text), text)


def validate_file(data: Path | str, *, shapes: Path | str | None = None) -> GraphReport:
    """Validate an RDF file of any format against a shapes file (the data file itself by default).

    Raises :class:`ConfigError` for unreadable data or shapes, and for shapes the validator
    refuses; data that does not conform is a report, not an error.
    """
    compiled = load_shapes(shapes if shapes is not None else data)
    store = read_data(data)
    quiet = logging.getLogger("rdflib.term")  # it logs every ill-formed literal it holds, as the data may
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        return GraphReport(report_graph(store, compiled))
    finally:
        quiet.level = level
