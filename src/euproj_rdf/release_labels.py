"""The authority labels graph in a release: a distribution of its own, with its attribution.

``import labels`` (or ``import labels --download``) writes the labels of the EU authority
tables as N-Quads in one named graph (:data:`~.importers.labels.LABELS_GRAPH`). :func:`check`
reads such a file before a release takes it, and :func:`describe` says in DCAT-AP what it is:
an N-Quads distribution of the dataset, under the terms of the tables it comes from (the
Publications Office's EU Vocabularies, reused under Commission Decision 2011/833/EU), with the
tables it was read from as its sources and the graph it loads into.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from .errors import ConfigError
from .importers.labels import LABELS_FILE, LABELS_GRAPH, RIGHTS
from .vocab import AUTHORITY, DCAT, DCT, FILE_TYPE, MEDIA, RDF_TYPE, RDFS, SPDX, XSD

__all__ = ["LABELS_FILE", "check", "describe"]

#: the licence of the EU Vocabularies tables, as the EU licence table names it
TABLES_LICENCE = AUTHORITY + "licence/COM_REUSE"

Add = Callable[[ox.NamedNode, str, "ox.NamedNode | ox.Literal"], None]


def check(path: Path) -> list[str]:
    """The tables (``dct:source``) of a labels file; a clear error when it is not one."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such labels file; write one with 'euproj-rdf import labels'")
    sources: list[str] = []
    try:
        with path.open("rb") as fh:
            for q in ox.parse(fh, format=ox.RdfFormat.N_QUADS):
                if not isinstance(q.graph_name, ox.NamedNode) or q.graph_name.value != LABELS_GRAPH:
                    raise ConfigError(f"{path}: a quad outside the graph <{LABELS_GRAPH}>: not a labels file "
                                      f"written by 'euproj-rdf import labels'")
                if q.subject.value == LABELS_GRAPH and q.predicate.value == DCT + "source":
                    sources.append(q.object.value)
    except SyntaxError as exc:
        raise ConfigError(f"{path}: not N-Quads: {exc}") from None
    if not sources:
        raise ConfigError(f"{path}: names no authority table it was read from (dct:source)")
    return sorted(sources)


def describe(add: Add, dataset: str, download_url: str, title: str, path: Path, sources: list[str]) -> None:
    """The labels file as a distribution of ``dataset``: media type, size, checksum, its own
    licence and rights, its sources, and the named graph it is."""
    N, L = ox.NamedNode, ox.Literal
    ds = N(dataset)
    dist = N(f"{dataset}/distribution/{LABELS_FILE}")
    url = N(download_url + LABELS_FILE)
    add(ds, DCAT + "distribution", dist)
    add(dist, RDF_TYPE, N(DCAT + "Distribution"))
    add(dist, DCT + "title", L(f"{title} — labels of the EU authority tables (N-Quads)", language="en"))
    add(dist, DCT + "description", L(
        "The labels, in the official EU languages, of the countries, languages and other EU authority-table "
        f"concepts the dataset refers to, as the named graph <{LABELS_GRAPH}>: load it beside the dump and a "
        "query reads them without a SERVICE call. Its data are the Publications Office's, not the publisher's.",
        language="en"))
    add(dist, DCAT + "accessURL", url)
    add(dist, DCAT + "downloadURL", url)
    add(url, RDF_TYPE, N(RDFS + "Resource"))
    add(dist, DCAT + "mediaType", N(MEDIA + "application/n-quads"))
    add(N(MEDIA + "application/n-quads"), RDF_TYPE, N(DCT + "MediaType"))
    add(dist, DCT + "format", N(FILE_TYPE + "RDF_N_QUADS"))
    add(N(FILE_TYPE + "RDF_N_QUADS"), RDF_TYPE, N(DCT + "MediaTypeOrExtent"))
    add(dist, DCAT + "byteSize", L(str(path.stat().st_size), datatype=N(XSD + "nonNegativeInteger")))
    checksum = N(f"{dataset}/distribution/{LABELS_FILE}/checksum")
    add(dist, SPDX + "checksum", checksum)
    add(checksum, RDF_TYPE, N(SPDX + "Checksum"))
    add(checksum, SPDX + "algorithm", N(SPDX + "checksumAlgorithm_sha256"))
    add(N(SPDX + "checksumAlgorithm_sha256"), RDF_TYPE, N(SPDX + "ChecksumAlgorithm"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()  # a few megabytes at most
    add(checksum, SPDX + "checksumValue", L(digest, datatype=N(XSD + "hexBinary")))
    add(dist, DCT + "license", N(TABLES_LICENCE))
    add(N(TABLES_LICENCE), RDF_TYPE, N(DCT + "LicenseDocument"))
    rights = N(f"{dataset}/distribution/{LABELS_FILE}/rights")
    add(dist, DCT + "rights", rights)
    add(rights, RDF_TYPE, N(DCT + "RightsStatement"))
    add(rights, RDFS + "label", L(RIGHTS, language="en"))
    for source in sources:
        add(dist, DCT + "source", N(source))
    add(dist, DCT + "identifier", L(LABELS_GRAPH))
