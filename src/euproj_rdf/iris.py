"""Checking IRIs given as arguments before any work, with pyoxigraph's RFC 3987 parser.

A graph or base IRI goes into identifiers and SPARQL requests: it must be an absolute IRI,
and in a SPARQL request it is written as an IRI term (:func:`iri_term`), never pasted as text.
"""

from __future__ import annotations

import pyoxigraph as ox

from .errors import ConfigError

__all__ = ["absolute_iri", "iri_term"]


def absolute_iri(value: str, option: str, *, base: bool = False) -> str:
    """``value`` if it is an absolute IRI; else a :class:`ConfigError` naming ``option``.

    A base IRI (``base=True``) must be http(s) and end with ``/`` or ``#``, since identifiers
    are minted by appending to it.

    >>> absolute_iri("https://w3id.org/euproj/graph", "--graph")
    'https://w3id.org/euproj/graph'
    >>> absolute_iri("graph1", "--graph")
    Traceback (most recent call last):
    ...
    euproj_rdf.errors.ConfigError: --graph 'graph1' is not an absolute IRI (it has no scheme such as https:)
    """
    shown = f"'{value}'" if value.isprintable() else repr(value)
    try:
        node = ox.NamedNode(value)
    except ValueError as exc:
        reason = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(exc))
        if "scheme" in reason.lower() or ":" not in value:
            reason = "it has no scheme such as https:"
        raise ConfigError(f"{option} {shown} is not an absolute IRI ({reason})") from None
    if base:
        if not value.lower().startswith(("http://", "https://")):
            raise ConfigError(f"{option} {shown} must be an http(s) IRI")
        if not value.endswith(("/", "#")):
            raise ConfigError(f"{option} {shown} must end with '/' or '#' (identifiers are appended to it)")
    return node.value


def iri_term(value: str) -> str:
    """The SPARQL/N-Triples term of an absolute IRI (checked, never pasted as text).

    >>> iri_term("http://example.org/g")
    '<http://example.org/g>'
    """
    return str(ox.NamedNode(value))
