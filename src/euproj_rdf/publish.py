"""A release a data portal accepts: the dumps, described with DCAT-AP 3 and VoID.

:func:`publish` turns a built dump (``dist/euproj.nt`` and ``.ttl``) into a release folder:
``euproj.ttl``, ``euproj.nt.gz``, ``euproj.jsonld`` and ``description.ttl`` (the dataset and
each distribution in DCAT-AP 3 — titles in English and Swedish, publisher, licence, dates,
version, media types, byte sizes, SHA-256 checksums, conformance to our ontology and shapes,
spatial and temporal coverage — and VoID statistics: triples, entities, class and property
partitions, linksets to the EU authority tables). The description is validated against the
DCAT-AP 3 shapes before anything is written. Dates come from ``release.yaml`` or the caller,
never the clock, so the same dump gives the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .errors import ConfigError, DescriptionError
from .files import fresh_folder, read_yaml
from .outputs import check_output
from .release_checks import check_description, refuse_personal_data
from .values import authority_language, parse_date
from .vocab import (
    AUTHORITY,
    CORDIS,
    COUNTRY,
    DATA,
    DCAT,
    DCT,
    EP,
    FILE_TYPE,
    FOAF,
    KEEP_EU,
    KOHESIO,
    KOHESIO_ENTITY,
    LANGUAGE,
    MEDIA,
    NUTS_CODE,
    NUTS_SCHEME,
    ONTOLOGY,
    QB,
    RDF_TYPE,
    RDFS,
    SHAPES,
    SKOS,
    SPDX,
    VOID,
    WIKIDATA,
    WIKIDATA_ENTITY,
    XSD,
)

__all__ = ["ReleaseInfo", "ReleaseResult", "load_release_info", "publish", "DescriptionError"]

NUTS_VERSION = "2021"
#: other datasets our IRIs link into: (IRI prefix, the dataset as VoID's objectsTarget, short name)
LINK_TARGETS = (
    (NUTS_CODE, NUTS_SCHEME + NUTS_VERSION, f"nuts-{NUTS_VERSION}"),
    (WIKIDATA_ENTITY, WIKIDATA, "wikidata"),
    (KOHESIO_ENTITY, KOHESIO, "kohesio"),
    (KEEP_EU, KEEP_EU, "keep-eu"),
    (CORDIS, CORDIS, "cordis"),
)

#: (file name, title, media type, EU file type, compression media type)
DISTRIBUTIONS = (
    ("euproj.ttl", "Turtle", "text/turtle", "RDF_TURTLE", None),
    ("euproj.nt.gz", "N-Triples, gzip-compressed", "application/n-triples", "RDF_N_TRIPLES", "application/gzip"),
    ("euproj.jsonld", "JSON-LD", "application/ld+json", "JSON_LD", None),
)
#: the statistics graph (a W3C Data Cube, see euproj_rdf.stats), published when the build wrote it
STATISTICS_DISTRIBUTIONS = (
    ("euproj-statistics.ttl", "statistics (RDF Data Cube), Turtle", "text/turtle", "RDF_TURTLE", None),
    ("euproj-statistics.nt", "statistics (RDF Data Cube), N-Triples", "application/n-triples", "RDF_N_TRIPLES", None),
)


@dataclass(frozen=True)
class ReleaseInfo:
    dataset: str
    title: dict[str, str]
    description: dict[str, str]
    keywords: dict[str, list[str]]
    themes: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (IRI, ((lang, label), …))
    publisher_iri: str
    publisher_name: dict[str, str]
    licence: str
    version: str
    issued: str
    modified: str
    download_url: str
    labels: Path | None = None  # the authority labels graph to release beside the dump


@dataclass(frozen=True)
class ReleaseResult:
    folder: Path
    files: dict[str, int]  # name → bytes
    triples: int
    entities: int


def load_release_info(path: Path, *, issued: str | None = None, modified: str | None = None) -> ReleaseInfo:
    """Read ``release.yaml``; ``issued``/``modified`` override its dates."""
    raw = read_yaml(path, "release metadata")
    need = ("dataset", "title", "description", "publisher", "licence", "version", "download_url")
    missing = [k for k in need if not raw.get(k)]
    if missing:
        raise ConfigError(f"{path}: missing {', '.join(missing)}")
    dates = {"issued": issued or raw.get("issued"), "modified": modified or raw.get("modified")}
    for name, value in dates.items():
        if not value:
            raise ConfigError(f"{path}: no '{name}' date: write it in the file or give --{name}")
        try:
            if parse_date(value).precision != "day":
                raise ValueError("a day is needed")
        except ValueError as exc:
            raise ConfigError(f"{path}: '{name}' {exc}") from None
    return ReleaseInfo(
        dataset=raw["dataset"],
        title=dict(raw["title"]),
        description={k: " ".join(v.split()) for k, v in raw["description"].items()},
        keywords={k: list(v) for k, v in (raw.get("keywords") or {}).items()},
        themes=tuple((t["iri"], tuple(sorted(t["label"].items()))) for t in raw.get("themes") or ()),
        publisher_iri=raw["publisher"]["iri"],
        publisher_name=dict(raw["publisher"]["name"]),
        licence=raw["licence"],
        version=str(raw["version"]),
        issued=str(dates["issued"]),
        modified=str(dates["modified"]),
        download_url=raw["download_url"],
        labels=path.parent / raw["labels"] if raw.get("labels") else None,
    )


@dataclass
class _Stats:
    triples: int = 0
    entities: int = 0
    classes: Counter = field(default_factory=Counter)
    properties: Counter = field(default_factory=Counter)
    linksets: Counter = field(default_factory=Counter)  # (predicate, target dataset, name) → triples
    countries: set = field(default_factory=set)
    languages: set = field(default_factory=set)  # language tags of the literals
    start_year: int | None = None
    end_year: int | None = None


def _statistics(nt: Path) -> _Stats:
    """One streaming pass over the sorted dump (subjects are grouped, so no set of them is kept)."""
    st = _Stats()
    previous_subject = None
    with nt.open("rb") as fh:
        for t in ox.parse(fh, format=ox.RdfFormat.N_TRIPLES):
            st.triples += 1
            p = t.predicate.value
            st.properties[p] += 1
            if p == RDF_TYPE:
                st.classes[t.object.value] += 1
                if t.subject.value != previous_subject:
                    st.entities += 1
                    previous_subject = t.subject.value
            o = t.object
            if isinstance(o, ox.NamedNode) and o.value.startswith(AUTHORITY):
                table = o.value[len(AUTHORITY):].split("/", 1)[0]
                st.linksets[(p, AUTHORITY + table, table)] += 1
                if p == EP + "country":
                    st.countries.add(o.value)
            elif isinstance(o, ox.NamedNode) and p != RDF_TYPE:
                for prefix, target, name in LINK_TARGETS:
                    if o.value.startswith(prefix):
                        st.linksets[(p, target, name)] += 1
                        break
            elif isinstance(o, ox.Literal) and o.language:
                st.languages.add(o.language.split("-", 1)[0].lower())
            elif p == EP + "startYear":
                y = int(o.value)
                st.start_year = y if st.start_year is None else min(st.start_year, y)
            elif p == EP + "endYear":
                y = int(o.value)
                st.end_year = y if st.end_year is None else max(st.end_year, y)
    return st


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_files(dist: Path, folder: Path) -> None:
    shutil.copyfile(dist / "euproj.ttl", folder / "euproj.ttl")
    for name, *_ in STATISTICS_DISTRIBUTIONS:
        if (dist / name).is_file():
            shutil.copyfile(dist / name, folder / name)
    with (dist / "euproj.nt").open("rb") as src, (folder / "euproj.nt.gz").open("wb") as raw:
        # no file name and mtime 0 in the header: the same dump gives the same bytes
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            shutil.copyfileobj(src, gz, 1 << 20)
    with (dist / "euproj.nt").open("rb") as src, (folder / "euproj.jsonld").open("wb") as dst:
        ox.serialize(ox.parse(src, format=ox.RdfFormat.N_TRIPLES), dst, format=ox.RdfFormat.JSON_LD)


class _Description:
    """The triples of a release's description, and the terms they are made of."""

    def __init__(self, info: ReleaseInfo):
        self.info = info
        self.ds = ox.NamedNode(info.dataset)
        self.triples: list[ox.Triple] = []

    def add(self, s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        self.triples.append(ox.Triple(s, ox.NamedNode(p), o))

    @staticmethod
    def date(v: str) -> ox.Literal:
        return ox.Literal(v, datatype=ox.NamedNode(XSD + "date"))

    @staticmethod
    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "nonNegativeInteger"))


def describe(info: ReleaseInfo, folder: Path, st: _Stats) -> list[ox.Triple]:
    """The DCAT-AP 3 and VoID description of the release in ``folder``."""
    d = _Description(info)
    _describe_dataset(d, st)
    for distribution in DISTRIBUTIONS:
        _describe_distribution(d, folder, *distribution)
    for distribution in STATISTICS_DISTRIBUTIONS:
        if (folder / distribution[0]).is_file():
            _describe_distribution(d, folder, *distribution, conforms_to=QB)
    _describe_statistics(d, st)
    return sorted(set(d.triples), key=str)


def _describe_dataset(d: _Description, st: _Stats) -> None:
    """The dataset: titles, keywords, themes, publisher, licence, dates, coverage."""
    N, L, info, ds, add, date = ox.NamedNode, ox.Literal, d.info, d.ds, d.add, d.date
    for cls in (DCAT + "Dataset", VOID + "Dataset"):
        add(ds, RDF_TYPE, N(cls))
    for lang, text in sorted(info.title.items()):
        add(ds, DCT + "title", L(text, language=lang))
    for lang, text in sorted(info.description.items()):
        add(ds, DCT + "description", L(text, language=lang))
    for lang, words in sorted(info.keywords.items()):
        for w in words:
            add(ds, DCAT + "keyword", L(w, language=lang))
    for theme, labels in info.themes:
        add(ds, DCAT + "theme", N(theme))
        add(N(theme), RDF_TYPE, N(SKOS + "Concept"))
        for lang, label in labels:
            add(N(theme), SKOS + "prefLabel", L(label, language=lang))
    publisher = N(info.publisher_iri)
    add(ds, DCT + "publisher", publisher)
    add(publisher, RDF_TYPE, N(FOAF + "Agent"))
    for lang, name in sorted(info.publisher_name.items()):
        add(publisher, FOAF + "name", L(name, language=lang))
    licence = N(info.licence)
    add(ds, DCT + "license", licence)
    add(licence, RDF_TYPE, N(DCT + "LicenseDocument"))
    add(ds, DCT + "issued", date(info.issued))
    add(ds, DCT + "modified", date(info.modified))
    add(ds, DCAT + "version", L(info.version))
    for standard in (ONTOLOGY, SHAPES):
        add(ds, DCT + "conformsTo", N(standard))
        add(N(standard), RDF_TYPE, N(DCT + "Standard"))
    for country in sorted(st.countries):
        add(ds, DCT + "spatial", N(country))
        add(N(country), RDF_TYPE, N(DCT + "Location"))
    for tag in sorted(st.languages):  # every language tag of the dump, as the EU language table has it
        language = N(LANGUAGE + authority_language(tag))
        add(ds, DCT + "language", language)
        add(language, RDF_TYPE, N(DCT + "LinguisticSystem"))
    if st.start_year is not None and st.end_year is not None:
        period = N(info.dataset + "/temporal")
        add(ds, DCT + "temporal", period)
        add(period, RDF_TYPE, N(DCT + "PeriodOfTime"))
        add(period, DCAT + "startDate", L(str(st.start_year), datatype=N(XSD + "gYear")))
        add(period, DCAT + "endDate", L(str(st.end_year), datatype=N(XSD + "gYear")))


def _describe_distribution(d: _Description, folder: Path, name: str, title: str, media: str, file_type: str,
                           compression: str | None, *, conforms_to: str = ONTOLOGY) -> None:
    """One file of the release: where to get it, its media type, size and checksum."""
    N, L, info, ds, add, integer = ox.NamedNode, ox.Literal, d.info, d.ds, d.add, d.integer
    licence = N(info.licence)
    path = folder / name
    dist = N(f"{info.dataset}/distribution/{name}")
    url = N(info.download_url + name)
    add(ds, DCAT + "distribution", dist)
    add(ds, VOID + "dataDump", url)
    add(dist, RDF_TYPE, N(DCAT + "Distribution"))
    add(dist, DCT + "title", L(f"{info.title.get('en', '')} — {title}", language="en"))
    add(dist, DCAT + "accessURL", url)
    add(dist, DCAT + "downloadURL", url)
    add(url, RDF_TYPE, N(RDFS + "Resource"))
    add(dist, DCAT + "mediaType", N(MEDIA + media))
    add(N(MEDIA + media), RDF_TYPE, N(DCT + "MediaType"))
    add(dist, DCT + "format", N(FILE_TYPE + file_type))
    add(N(FILE_TYPE + file_type), RDF_TYPE, N(DCT + "MediaTypeOrExtent"))
    if compression:
        add(dist, DCAT + "compressFormat", N(MEDIA + compression))
        add(N(MEDIA + compression), RDF_TYPE, N(DCT + "MediaType"))
    add(dist, DCAT + "byteSize", integer(path.stat().st_size))
    checksum = N(f"{info.dataset}/distribution/{name}/checksum")
    add(dist, SPDX + "checksum", checksum)
    add(checksum, RDF_TYPE, N(SPDX + "Checksum"))
    add(checksum, SPDX + "algorithm", N(SPDX + "checksumAlgorithm_sha256"))
    add(N(SPDX + "checksumAlgorithm_sha256"), RDF_TYPE, N(SPDX + "ChecksumAlgorithm"))
    add(checksum, SPDX + "checksumValue", L(_sha256(path), datatype=N(XSD + "hexBinary")))
    add(dist, DCT + "license", licence)
    add(dist, DCT + "conformsTo", N(conforms_to))
    if conforms_to != ONTOLOGY:  # the statistics: a VoID subset of their own, in their own graph
        subset = N(f"{info.dataset}/statistics")
        add(N(conforms_to), RDF_TYPE, N(DCT + "Standard"))
        add(ds, VOID + "subset", subset)
        add(subset, RDF_TYPE, N(VOID + "Dataset"))
        add(subset, VOID + "dataDump", url)
        add(subset, VOID + "vocabulary", N(conforms_to))


def _describe_statistics(d: _Description, st: _Stats) -> None:
    """VoID statistics: counts, class and property partitions, linksets."""
    N, L, info, ds, add, integer = ox.NamedNode, ox.Literal, d.info, d.ds, d.add, d.integer
    add(ds, VOID + "triples", integer(st.triples))
    add(ds, VOID + "entities", integer(st.entities))
    add(ds, VOID + "classes", integer(len(st.classes)))
    add(ds, VOID + "properties", integer(len(st.properties)))
    add(ds, VOID + "vocabulary", N(EP))
    add(ds, VOID + "uriSpace", L(DATA))
    for i, (cls, n) in enumerate(sorted(st.classes.items()), 1):
        part = N(f"{info.dataset}/class-partition/{i}")
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", N(cls))
        add(part, VOID + "entities", integer(n))
    for i, (prop, n) in enumerate(sorted(st.properties.items()), 1):
        part = N(f"{info.dataset}/property-partition/{i}")
        add(ds, VOID + "propertyPartition", part)
        add(part, VOID + "property", N(prop))
        add(part, VOID + "triples", integer(n))
    for (prop, target, name), n in sorted(st.linksets.items()):
        local = prop.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        linkset = N(f"{info.dataset}/linkset/{name}-{local}")
        add(ds, VOID + "subset", linkset)
        add(linkset, RDF_TYPE, N(VOID + "Linkset"))
        add(linkset, VOID + "subjectsTarget", ds)
        add(linkset, VOID + "objectsTarget", N(target))
        add(linkset, VOID + "linkPredicate", N(prop))
        add(linkset, VOID + "triples", integer(n))


_DESCRIPTION_PREFIXES = {
    "dcat": DCAT, "dct": DCT, "void": VOID, "spdx": SPDX, "foaf": FOAF, "xsd": XSD, "ep": EP,
    "skos": SKOS, "rdfs": RDFS, "country": COUNTRY,
    "licence": AUTHORITY + "licence/", "file-type": FILE_TYPE, "data-theme": AUTHORITY + "data-theme/",
}


def publish(dist: Path | str, out: Path | str, *, info: ReleaseInfo, dcat_shapes: Path,
            labels: Path | None = None, force: bool = False) -> ReleaseResult:
    """Write the release folder ``out`` from the build in ``dist``, atomically (all or nothing).

    ``labels`` (default: ``labels`` of release.yaml) is a labels graph of ``import labels``: it
    goes into the release as a distribution of its own, with the tables' attribution. ``out``
    must be new, empty or a release we wrote (its ``.euproj-release`` marker) unless ``force``
    is given."""
    from . import release_labels

    dist, out = Path(dist), Path(out)
    check_output(out, "release", force=force)
    labels = labels or info.labels
    sources = release_labels.check(labels) if labels else []
    for name in ("euproj.nt", "euproj.ttl"):
        if not (dist / name).is_file():
            raise ConfigError(f"no {dist / name}: run 'euproj-rdf build' first")
    refuse_personal_data(dist / "euproj.nt")
    with fresh_folder(out, "release") as work:
        _write_files(dist, work)
        st = _statistics(dist / "euproj.nt")
        triples = describe(info, work, st)
        if labels:
            shutil.copyfile(labels, work / release_labels.LABELS_FILE)
            d = _Description(info)
            release_labels.describe(d.add, info.dataset, info.download_url, info.title.get("en", ""),
                                    work / release_labels.LABELS_FILE, sources)
            triples = sorted(set(triples) | set(d.triples), key=str)
        check_description(triples, dcat_shapes)
        with (work / "description.ttl").open("wb") as fh:
            ox.serialize(triples, fh, format=ox.RdfFormat.TURTLE, prefixes=_DESCRIPTION_PREFIXES)
        files = {p.name: p.stat().st_size for p in sorted(work.iterdir())}
    return ReleaseResult(out, files, st.triples, st.entities)
