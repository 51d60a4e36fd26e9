"""Writing RDF terms as canonical N-Triples text, fast.

The mapping engine emits N-Triples lines as strings: it is several times faster than building
term objects, and sorted lines are the canonical dump. The escaping here is the canonical form
of RDF 1.2 N-Triples, byte-identical to pyoxigraph's serializer (a property test checks it).
"""

from __future__ import annotations

__all__ = ["iri", "literal", "lang_literal", "typed_literal"]

_ESCAPES = {i: f"\\u{i:04X}" for i in list(range(0x20)) + [0x7F]}
_ESCAPES.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"})
_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\"})
_TABLE = str.maketrans(_ESCAPES)


def _escape(text: str) -> str:
    """The text with N-Triples escapes; most texts need none, which is checked cheaply first
    (a printable text has no control character, so only quotes and backslashes are left)."""
    if text.isprintable() and '"' not in text and "\\" not in text:
        return text
    return text.translate(_TABLE)


def iri(value: str) -> str:
    """``<value>``; the caller has made sure the IRI is valid.

    >>> iri("https://w3id.org/euproj/id/project/great")
    '<https://w3id.org/euproj/id/project/great>'
    """
    return f"<{value}>"


def literal(text: str) -> str:
    """A plain (``xsd:string``) literal.

    >>> literal('say "hej"\\n')
    '"say \\\\"hej\\\\"\\\\n"'
    """
    return f'"{_escape(text)}"'


def lang_literal(text: str, lang: str) -> str:
    """A language-tagged literal.

    >>> lang_literal("Miljö och klimat", "sv")
    '"Miljö och klimat"@sv'
    """
    return f'"{_escape(text)}"@{lang}'


def typed_literal(text: str, datatype: str) -> str:
    """A literal of a datatype.

    >>> from euproj_rdf.vocab import XSD
    >>> typed_literal("2015", XSD + "gYear")
    '"2015"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    """
    return f'"{_escape(text)}"^^<{datatype}>'
