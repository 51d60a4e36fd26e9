"""Terms exactly as the data holds them, in a store that would otherwise canonicalise them.

pyoxigraph's store keeps typed literals of the XSD types as values: ``"4.0"^^xsd:decimal`` is
read back as ``"4"``, ``"01"`` and ``"1"`` as integers become one term, ``38`` as
``xsd:nonNegativeInteger`` loses its datatype. SHACL compares terms, so every typed literal
whose lexical form the store might change gets its datatype renamed into a private namespace
before loading (:func:`preserve_datatypes`); the store then keeps it verbatim. Canonical forms
(``"12"`` as an integer, ``"2019-04-01"`` as a date…) stay native, so SPARQL queries compare them
as values. Compiled conditions read a renamed literal back with :func:`value_of`, and results
are renamed back with :func:`restore_datatypes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib

from ..vocab import XSD

KEPT = "urn:euproj:xsd:"

#: Lexical forms the store keeps unchanged, per datatype; any other form is renamed.
_CANONICAL = {
    "integer": re.compile(r"0|-?[1-9][0-9]*"),
    "decimal": re.compile(r"0|-?[1-9][0-9]*(\.[0-9]*[1-9])?|-?0\.[0-9]*[1-9]"),
    "boolean": re.compile(r"true|false"),
    "date": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
    "gYear": re.compile(r"[0-9]{4}"),
    "gYearMonth": re.compile(r"[0-9]{4}-[0-9]{2}"),
    "dateTime": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"),
}
#: Derived types cast to the type that holds their values.
_CAST_AS = {
    **{t: "integer" for t in ("nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
                              "long", "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort",
                              "unsignedByte")},
    "dateTimeStamp": "dateTime",
}
#: Types SPARQL can cast to (a renamed literal of these is compared as a value).
_CASTABLE = ("integer", "decimal", "double", "float", "boolean", "date", "dateTime", "time", "gYear",
             "gYearMonth", "gMonth", "gDay", "gMonthDay", "duration", "dayTimeDuration", "yearMonthDuration")
_TYPED = re.compile(r'"\^\^<' + re.escape(XSD) + r'([A-Za-z]+)>')


def _opening_quote(text: str, end: int) -> int:
    """The position of the quote that opens the literal whose closing quote is at ``end``."""
    i = text.rfind('"', 0, end)
    while i > 0:
        slashes = 0
        while text[i - 1 - slashes] == "\\":
            slashes += 1
        if slashes % 2 == 0:
            return i
        i = text.rfind('"', 0, i)
    return i


def preserve_datatypes(ntriples: str) -> str:
    r"""N-Triples text whose typed literals the store would change renamed so they survive.

    >>> preserve_datatypes('<a:s> <a:p> "3"^^<http://www.w3.org/2001/XMLSchema#int> , "4.0"^^<http://www.w3.org/2001/XMLSchema#decimal> .')
    '<a:s> <a:p> "3"^^<urn:euproj:xsd:int> , "4.0"^^<urn:euproj:xsd:decimal> .'
    >>> preserve_datatypes('<a:s> <a:p> "12"^^<http://www.w3.org/2001/XMLSchema#integer> , "a \\"b\\" 1"^^<http://www.w3.org/2001/XMLSchema#token> .')
    '<a:s> <a:p> "12"^^<http://www.w3.org/2001/XMLSchema#integer> , "a \\"b\\" 1"^^<urn:euproj:xsd:token> .'
    """
    if f"^^<{XSD}" not in ntriples:
        return ntriples
    out, last = [], 0
    for m in _TYPED.finditer(ntriples):
        local = m.group(1)
        if local == "string":
            continue
        canonical = _CANONICAL.get(local)
        if canonical is not None and canonical.fullmatch(ntriples, _opening_quote(ntriples, m.start()) + 1, m.start()):
            continue
        out.append(ntriples[last:m.start()])
        out.append(f'"^^<{KEPT}{local}>')
        last = m.end()
    out.append(ntriples[last:])
    return "".join(out)


def restore_datatypes(ntriples: str) -> str:
    """The inverse of :func:`preserve_datatypes`, for terms read back from such a store.

    >>> restore_datatypes('<a:s> <a:p> "3"^^<urn:euproj:xsd:int> .')
    '<a:s> <a:p> "3"^^<http://www.w3.org/2001/XMLSchema#int> .'
    """
    if KEPT in ntriples:
        ntriples = ntriples.replace(f"^^<{KEPT}", f"^^<{XSD}")
    return ntriples


def value_of(var: str) -> str:
    """A SPARQL expression: the value of ``var``, reading a renamed literal back as its type."""
    chain = "?__none"
    for local in reversed(_CASTABLE + tuple(_CAST_AS)):
        cast = _CAST_AS.get(local, local)
        chain = f"IF(sameTerm(DATATYPE({var}), <{KEPT}{local}>), <{XSD}{cast}>(STR({var})), {chain})"
    return f"IF(isLiteral({var}) && STRSTARTS(STR(DATATYPE({var})), \"{KEPT}\"), {chain}, {var})"


def has_datatype(var: str, datatype: str) -> str:
    """A SPARQL expression: ``var`` is a literal of ``datatype`` (as written) with a valid lexical form."""
    if not datatype.startswith(XSD) or datatype == XSD + "string":
        return f"(isLiteral({var}) && sameTerm(DATATYPE({var}), <{datatype}>))"
    local = datatype[len(XSD):]
    typed = f"(sameTerm(DATATYPE({var}), <{datatype}>) || sameTerm(DATATYPE({var}), <{KEPT}{local}>))"
    cast = _CAST_AS.get(local, local)
    if cast not in _CASTABLE:
        return f"(isLiteral({var}) && {typed})"
    valid = f"COALESCE(isLiteral(<{XSD}{cast}>(STR({var}))), false)"
    if local in _RANGES:
        valid += f" && COALESCE(<{XSD}integer>(STR({var})) {_RANGES[local].format(f'<{XSD}integer>(STR({var}))')}, false)"
    if local == "dateTimeStamp":
        valid += f" && COALESCE(TZ(<{XSD}dateTime>(STR({var}))) != \"\", false)"
    return f"(isLiteral({var}) && {typed} && {valid})"


_RANGES = {
    "nonNegativeInteger": ">= 0", "positiveInteger": ">= 1", "nonPositiveInteger": "<= 0",
    "negativeInteger": "<= -1", "long": ">= -9223372036854775808 && {} <= 9223372036854775807",
    "int": ">= -2147483648 && {} <= 2147483647", "short": ">= -32768 && {} <= 32767",
    "byte": ">= -128 && {} <= 127", "unsignedLong": ">= 0 && {} <= 18446744073709551615",
    "unsignedInt": ">= 0 && {} <= 4294967295", "unsignedShort": ">= 0 && {} <= 65535",
    "unsignedByte": ">= 0 && {} <= 255",
}


def sparql_term(node) -> str:
    """An rdflib term of the shapes graph in SPARQL syntax, as the store holds it."""
    if isinstance(node, rdflib.URIRef):
        return f"<{node}>"
    if isinstance(node, rdflib.Literal):
        return preserve_datatypes(node.n3())
    raise ValueError(f"a blank node {node} cannot be a constant of a constraint")


def ox_term(node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term of the store (renamed datatype where needed)."""
    if isinstance(node, rdflib.URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, rdflib.BNode):
        return ox.BlankNode(str(node))
    text = sparql_term(node)
    return next(iter(ox.parse(input=f"<a:s> <a:p> {text} .", format=ox.RdfFormat.N_TRIPLES))).object


def to_rdflib(term) -> rdflib.term.Node:
    """A term read from the store as the rdflib term the data holds."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    datatype = term.datatype.value
    if term.language:
        return rdflib.Literal(term.value, lang=term.language, normalize=False)
    if datatype.startswith(KEPT):
        datatype = XSD + datatype[len(KEPT):]
    if datatype == XSD + "string":
        return rdflib.Literal(term.value, normalize=False)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype), normalize=False)


def text_of(term) -> str | None:
    """A term read from the store as text: an IRI, ``_:label`` or a literal's lexical form."""
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


@dataclass
class DataGraph:
    """A data graph in an exact-term store, and (only when they differ) in a store of values.

    SHACL Core compares terms and reads the exact store. A SPARQL-based constraint is a query of
    the data as SPARQL sees it: ``"1500.50"^^xsd:decimal > 1000`` must hold, so when a literal had
    to be renamed, those queries run on a second store holding the data as written (loaded the
    first time it is needed).
    """

    exact: ox.Store
    text: str = ""
    _values: ox.Store | None = None

    def values(self) -> ox.Store:
        if not self.text or KEPT not in preserve_datatypes(self.text):
            return self.exact
        if self._values is None:
            self._values = ox.Store()
            self._values.load(input=self.text, format=ox.RdfFormat.N_TRIPLES)
        return self._values


def select(store: ox.Store, query: str) -> ox.QuerySolutions:
    """The solutions of a SELECT query (any other kind of query is a mistake of the caller)."""
    result = store.query(query)
    if not isinstance(result, ox.QuerySolutions):
        raise ValueError(f"not a SELECT query: {query[:80]}")
    return result


def exact_store(ntriples: str, *, lenient: bool = False) -> ox.Store:
    """An in-memory store of N-Triples text, every term as written (see the module docstring).

    ``lenient`` skips the parser's checks of IRIs and language tags: only for text this
    package wrote itself (the dump's writer parses every line strictly again).
    """
    store = ox.Store()
    store.load(input=preserve_datatypes(ntriples), format=ox.RdfFormat.N_TRIPLES, lenient=lenient)
    return store


def is_true(node) -> bool:
    """True for the literal ``true`` as SHACL writes it (``"1"^^xsd:boolean`` is another term)."""
    return isinstance(node, rdflib.Literal) and str(node) == "true" and str(node.datatype) == XSD + "boolean"
