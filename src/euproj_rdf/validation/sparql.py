"""SHACL-SPARQL (SHACL 5 and 6): SPARQL-based constraints and constraint components.

A query's pre-bound variables (``$this``, ``$currentShape``, ``$shapesGraph`` and a
component's parameters) are bound as SHACL says, by writing their terms into the query
(:func:`bind_text`), once per focus node; ``$PATH`` is replaced by the path in SPARQL syntax.
When a SELECT query only uses ``$this`` in groups that bind it themselves (no sub-query),
joining the shape's focus nodes into its top-level group gives the same solutions in one
query, which is how the product's own shapes run: pySHACL's per-focus evaluation with rdflib is
quadratic there. An ASK validator becomes one query over every (focus node, value node) pair,
its pattern under ``FILTER NOT EXISTS``. A blank focus node cannot be written into a query, so
those are joined in (exact for simple queries, an approximation of pre-binding for others).
Queries using ``MINUS``, ``VALUES``, ``SERVICE``, a sub-query that does not return ``$this``,
or ``AS`` on a pre-bound variable are refused (SHACL 5.2.1), as are syntax errors.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, SH

from .paths import sparql_path
from .shapes import ShapesGraph, instances
from .terms import is_true, sparql_term

SPARQL_COMPONENT = f"{SH}SPARQLConstraintComponent"
_PRE_BOUND = ("this", "value", "PATH", "shapesGraph", "currentShape")


@dataclass(frozen=True)
class SparqlCheck:
    """One SPARQL-based constraint of one shape, ready to run."""

    shape: rdflib.term.Node
    constraint: rdflib.term.Node | None  # the sh:sparql node
    component: str
    severity: str
    messages: tuple[rdflib.Literal, ...]
    path: rdflib.term.Node | None
    query: str
    ask: bool  # an ASK validator, evaluated per value node
    focus: str  # group pattern binding ?this
    path_sparql: str | None = None
    fast: str | None = None  # the same query with the focus nodes joined in
    parameters: dict[str, rdflib.term.Node] = field(default_factory=dict)


def prefixes(g: rdflib.Graph, node) -> str:
    """PREFIX declarations for ``node``'s ``sh:prefixes`` (SHACL 5.2.2)."""
    lines = []
    sources, todo = set(), list(g.objects(node, SH.prefixes))
    while todo:
        source = todo.pop()
        if source not in sources:
            sources.add(source)
            todo.extend(g.objects(source, OWL.imports))
    for source in sources:
        for decl in g.objects(source, SH.declare):
            prefix, ns = g.value(decl, SH.prefix), g.value(decl, SH.namespace)
            lines.append(f"PREFIX {prefix}: <{ns}>")
    return "\n".join(sorted(set(lines)))


def join_focus(query: str, focus: str) -> str:
    """``$this`` → ``?this``, and the focus pattern joined in at the top of the WHERE clause."""
    query = re.sub(r"\$this\b", "?this", query)
    where = re.search(r"\bWHERE\s*\{|\bCONSTRUCT\s*\{[^}]*\}\s*WHERE\s*\{", query, re.IGNORECASE)
    if where is None:
        where = re.search(r"\{", query)
    if where is None:
        raise ValueError("the query has no WHERE clause")
    return query[: where.end()] + f" {focus} " + query[where.end():]


def _code(query: str) -> str:
    """The query without strings, IRIs and comments (for looking at its structure)."""
    query = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', '""', query)
    query = re.sub(r"<[^<>\s]*>", "<>", query)
    return re.sub(r"#[^\n]*", "", query)


_TOKENS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
                     r"|<[^<>\s]*>|#[^\n]*|\bSELECT\b|\bWHERE\b|\{|[?$][A-Za-z_][A-Za-z0-9_]*|\bbound\s*\(\s*[?$][A-Za-z_]\w*\s*\)",
                     re.IGNORECASE)


def bind_text(query: str, bindings: dict[str, str]) -> str:
    """Pre-bound variables replaced by their terms (SPARQL syntax), everywhere in the query.

    In a projection the variable stays, bound to the term: ``SELECT $this`` becomes
    ``SELECT (<iri> AS ?this)``; ``bound($this)`` becomes ``true``.
    """
    out, last, in_projection, selects = [], 0, False, 0
    total = len(re.findall(r"\bSELECT\b", _code(query), re.IGNORECASE))
    for m in _TOKENS.finditer(query):
        token = m.group(0)
        upper = token.upper()
        replacement = token
        if upper == "SELECT":
            in_projection, selects, projected = True, selects + 1, 0
        elif (upper == "WHERE" or token == "{") and in_projection:
            in_projection = False
            if projected == 0:
                out.append(query[last:m.start()] + " * ")
                last = m.start()
        elif upper.startswith("BOUND"):
            found = re.search(r"[?$](\w+)", token)
            replacement = "(true)" if found is not None and found.group(1) in bindings else token
        elif token[0] in "?$" and token[1:] in bindings:
            term = bindings[token[1:]]
            if not in_projection:
                replacement = term
            elif selects == total:  # the innermost query returns the variable bound to the term
                replacement, projected = f"({term} AS ?{token[1:]})", projected + 1
            else:  # an outer query takes it from the sub-query
                replacement = ""
        elif token[0] in "?$" and in_projection:
            projected += 1
        out.append(query[last:m.start()] + replacement)
        last = m.end()
    return "".join(out) + query[last:]


def ask_as_select(query: str, focus: str, path: str | None) -> str:
    """An ASK validator as one query returning every (focus, value node) for which it is false."""
    ask = re.search(r"\bASK\b", query, re.IGNORECASE)
    if ask is None:
        raise ValueError("an ASK validator without ASK")
    start, end = query.index("{", ask.end()), query.rindex("}")
    head = query[: ask.start()]
    body = re.sub(r"\$(this|value)\b", r"?\1", query[start + 1:end])
    values = f"?this {path} ?value ." if path else "BIND (?this AS ?value)"
    return f"{head} SELECT DISTINCT ?this ?value WHERE {{ {focus} {values} FILTER NOT EXISTS {{ {body} }} }}"


def _check_query(sg: ShapesGraph, shape, query: str, parameters) -> None:
    code = _code(query)
    for word in ("MINUS", "VALUES", "SERVICE"):
        if re.search(rf"\b{word}\b", code, re.IGNORECASE):
            raise sg.refuse(shape, f"its SPARQL query uses {word}, which pre-bound variables do not allow (SHACL 5.2.1)")
    names = "|".join(re.escape(n) for n in (*_PRE_BOUND, *parameters))
    if re.search(rf"\b[Aa][Ss]\s+[?$]({names})\b", code):
        raise sg.refuse(shape, "its SPARQL query assigns a pre-bound variable with AS (SHACL 5.2.1)")
    for m in list(re.finditer(r"\bSELECT\b([\s\S]*?)(\bWHERE\b|\{)", code, re.IGNORECASE))[1:]:
        if not re.search(r"[?$]this\b", m.group(1)):
            raise sg.refuse(shape, "its SPARQL query has a sub-query that does not return $this (SHACL 5.2.1)")


def _strip(code: str, opener: str, open_ch: str, close_ch: str) -> str:
    """``code`` without the balanced blocks that follow ``opener`` (a regular expression)."""
    while (m := re.search(opener + r"\s*" + re.escape(open_ch), code, re.IGNORECASE)) is not None:
        depth, i = 1, m.end()
        while i < len(code) and depth:
            depth += {open_ch: 1, close_ch: -1}.get(code[i], 0)
            i += 1
        code = code[: m.start()] + " " + code[i:]
    return code


def _simple(query: str) -> bool:
    """True when joining the focus nodes in gives the solutions pre-binding gives.

    That holds when there is no sub-query and every nested group binds ``$this`` itself with a
    triple pattern (a FILTER in a group that does not would see ``$this`` unbound).
    """
    code = _code(query)
    if re.search(r"[?$](shapesGraph|currentShape|value)\b", code) or len(re.findall(r"\bSELECT\b", code, re.I)) > 1:
        return False
    body = _strip(code[code.find("{") + 1:], r"\b(NOT\s+)?EXISTS", "{", "}")
    while (m := re.search(r"\{([^{}]*)\}", body)) is not None:
        group = _strip(_strip(m.group(1), r"\bFILTER", "(", ")"), r"\bBIND", "(", ")")
        if "$this" in m.group(1) and "$this" not in group:
            return False
        body = body[: m.start()] + group + body[m.end():]
    return True


def _validate_syntax(sg: ShapesGraph, shape, query: str) -> None:
    try:
        ox.Store().query(query)
    except SyntaxError as exc:
        raise sg.refuse(shape, f"its SPARQL query has a syntax error: {exc}") from None


def sparql_checks(sg: ShapesGraph, shape, focus: str, severity: str, messages, path_node) -> list[SparqlCheck]:
    """The SPARQL-based constraints of ``shape``: its ``sh:sparql`` and the components it uses."""
    g = sg.graph
    path = None if path_node is None else sparql_path(g, path_node, lambda: sg.where(shape))
    out = []
    for constraint in sorted(g.objects(shape, SH.sparql), key=str):
        if is_true(g.value(constraint, SH.deactivated)):
            continue
        select = g.value(constraint, SH.select)
        if select is None:
            raise sg.refuse(shape, "has an sh:sparql constraint without sh:select")
        query = prefixes(g, constraint) + "\n" + str(select)
        if path is not None:
            query = query.replace("$PATH", path)
        _check_query(sg, shape, query, ())
        _validate_syntax(sg, shape, query)
        msgs = tuple(sorted(m for m in g.objects(constraint, SH.message) if isinstance(m, rdflib.Literal))) or messages
        sev = str(g.value(constraint, SH.severity) or severity)
        fast = join_focus(query, focus) if _simple(query) else None
        out.append(SparqlCheck(shape, constraint, SPARQL_COMPONENT, sev, msgs, path_node, query, False, focus,
                               path, fast))
    for component in sorted(components(g), key=str):
        out.extend(_component_checks(sg, shape, component, focus, severity, messages, path_node, path))
    return out


def components(g: rdflib.Graph) -> set:
    return instances(g, SH.ConstraintComponent)


def parameters_of(g: rdflib.Graph, component) -> list[tuple[rdflib.term.Node | None, bool]]:
    return [(g.value(p, SH.path), is_true(g.value(p, SH.optional)))
            for p in g.objects(component, SH.parameter)]


def _component_checks(sg, shape, component, focus, severity, messages, path_node, path) -> list[SparqlCheck]:
    g = sg.graph
    params = parameters_of(g, component)
    if not params or any(not opt and (shape, p, None) not in g for p, opt in params):
        return []
    validator = g.value(component, SH.propertyValidator if path is not None else SH.nodeValidator)
    validator = validator or g.value(component, SH.validator)
    if validator is None:
        raise sg.refuse(shape, f"uses the constraint component <{component}>, which has no validator for this kind of shape")
    ask, select = g.value(validator, SH.ask), g.value(validator, SH.select)
    text = ask if ask is not None else select
    if text is None:
        raise sg.refuse(shape, f"the validator of <{component}> has neither sh:ask nor sh:select")
    names = {str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1]: p for p, _ in params}
    query = prefixes(g, validator) + "\n" + str(text)
    if path is not None:
        query = query.replace("$PATH", path)
    _check_query(sg, shape, query, names)
    _validate_syntax(sg, shape, query)
    msgs = messages or tuple(sorted(m for m in g.objects(validator, SH.message) if isinstance(m, rdflib.Literal)))
    out = []
    choices = [[(name, v) for v in g.objects(shape, p)] or [(name, None)] for name, p in sorted(names.items())]
    for combo in itertools.product(*choices):
        bound = {name: v for name, v in combo if v is not None}
        text_q = bind_text(query, {name: sparql_term(v) for name, v in bound.items()})
        fast: str | None
        if ask is not None:
            fast = ask_as_select(text_q, focus, path)
        else:
            fast = join_focus(text_q, focus) if _simple(text_q) else None
        out.append(SparqlCheck(shape, None, str(component), severity, msgs, path_node, text_q, ask is not None,
                               focus, path, fast, bound))
    return out
