"""What a release is checked for before anything is written: its DCAT-AP description conforms
to the DCAT-AP 3 shapes, and no personal data is in the free text of its dump."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import rdflib

from .errors import ConfigError, DescriptionError

__all__ = ["check_description", "refuse_personal_data"]


def check_description(triples: list[ox.Triple], shapes: Path) -> None:
    """Refuse a release description that does not conform to the DCAT-AP shapes (pySHACL, the
    reference engine those shapes are published for)."""
    from pyshacl import validate as shacl_validate  # here: importing pySHACL takes half a second

    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert text is not None  # without an output, the bytes
    data = rdflib.Graph().parse(data=text.decode(), format="nt")
    conforms, _, text = shacl_validate(data, shacl_graph=rdflib.Graph().parse(shapes), inference="none")
    if not conforms:
        raise DescriptionError(f"the DCAT-AP description does not conform to {shapes.name}:\n{text}")


def refuse_personal_data(nt: Path) -> None:
    """A release is public: personal data in its free text is an error (``build --strict-privacy``
    finds the records that hold it)."""
    from .privacy import scan_dump
    from .resources import default_schema

    hits = scan_dump(nt, default_schema())
    if hits:
        subject, _, kind, what = hits[0]
        more = f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
        raise ConfigError(f"{nt}: <{subject}> holds personal data in free text ({kind} '{what}'){more}, which is "
                          f"not published: remove it from the records ('euproj-rdf build --strict-privacy' lists them)")
