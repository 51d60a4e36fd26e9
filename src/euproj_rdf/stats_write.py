"""The statistics graph written: the Data Cube datasets of a build's merged :class:`~euproj_rdf.stats.Tally`
as N-Triples lines (:func:`cube_lines`), their files beside the dump (:func:`write_statistics`), and
the check that a store holds the graph and the derived shortcuts a question reads
(:func:`require_statistics`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .derived import STATED_FOR_EVERY
from .errors import StatisticsError
from .files import atomic_write
from .ntriples import iri, lang_literal, literal, typed_literal
from .stats import (
    ATTRIBUTES,
    COLUMNS,
    DATASETS,
    DECIMAL_MEASURES,
    NOT_STATED,
    PAGE_DATASETS,
    PAGE_RANK,
    PAGE_ROW,
    PARTNERS_FROM,
    Facts,
    Tally,
    graph_iri,
)
from .vocab import CONCEPT, COUNTRY, CURRENCY, EP, PREFIXES, QB, RDF, RDF_TYPE, RDFS, STATS, XSD

__all__ = ["cube_lines", "require_statistics", "write_statistics"]


def _value_iri(kind: str, value: str, base_iri: str, stats: str) -> str:
    if value == NOT_STATED:
        return f"{stats}/{NOT_STATED}"
    if kind == "year":
        return f"{stats}/year/{value}"
    if kind == "country":
        return COUNTRY + value
    if kind == "currency":
        return CURRENCY + value
    if kind in ("class", "resource"):
        return value
    if kind == "list":
        return f"{stats}/list/{value}"
    if kind in ("role", "organisation-kind"):
        return f"{CONCEPT}{kind}/{value}"
    return f"{base_iri}{kind}/{value}"


def _structure(name: str, stats: str) -> Iterator[str]:
    """The data structure definition of one dataset and its component specifications."""
    dims, measures = DATASETS[name]
    dsd = f"{stats}/{name}/structure"
    yield f"{iri(dsd)} {iri(RDF_TYPE)} {iri(QB + 'DataStructureDefinition')} ."
    for order, (prop, _) in enumerate(dims, 1):
        spec = f"{dsd}/{prop}"
        yield f"{iri(dsd)} {iri(QB + 'component')} {iri(spec)} ."
        yield f"{iri(spec)} {iri(RDF_TYPE)} {iri(QB + 'ComponentSpecification')} ."
        yield f"{iri(spec)} {iri(QB + 'dimension')} {iri(STATS + prop)} ."
        yield f"{iri(spec)} {iri(QB + 'order')} {typed_literal(str(order), XSD + 'integer')} ."
    for prop in measures:
        spec = f"{dsd}/{prop}"
        yield f"{iri(dsd)} {iri(QB + 'component')} {iri(spec)} ."
        yield f"{iri(spec)} {iri(RDF_TYPE)} {iri(QB + 'ComponentSpecification')} ."
        yield f"{iri(spec)} {iri(QB + 'measure')} {iri(STATS + prop)} ."
    for prop, _, required in ATTRIBUTES.get(name, ()):
        spec = f"{dsd}/{prop}"
        yield f"{iri(dsd)} {iri(QB + 'component')} {iri(spec)} ."
        yield f"{iri(spec)} {iri(RDF_TYPE)} {iri(QB + 'ComponentSpecification')} ."
        yield f"{iri(spec)} {iri(QB + 'attribute')} {iri(STATS + prop)} ."
        yield f"{iri(spec)} {iri(QB + 'componentRequired')} {typed_literal(str(required).lower(), XSD + 'boolean')} ."


def _properties() -> Iterator[str]:
    """The dimension and measure properties, with labels and ranges."""
    dims = {prop for d, _ in DATASETS.values() for prop, _ in d}
    measures = {m for _, ms in DATASETS.values() for m in ms}
    for prop in sorted(dims):
        yield f"{iri(STATS + prop)} {iri(RDF_TYPE)} {iri(QB + 'DimensionProperty')} ."
        yield f"{iri(STATS + prop)} {iri(RDFS + 'range')} {iri(RDFS + 'Resource')} ."
        yield f"{iri(STATS + prop)} {iri(RDFS + 'label')} {lang_literal(prop, 'en')} ."
    for prop in sorted(measures):
        yield f"{iri(STATS + prop)} {iri(RDF_TYPE)} {iri(QB + 'MeasureProperty')} ."
        datatype = "decimal" if prop in DECIMAL_MEASURES else "integer"
        yield f"{iri(STATS + prop)} {iri(RDFS + 'range')} {iri(XSD + datatype)} ."
        yield f"{iri(STATS + prop)} {iri(RDFS + 'label')} {lang_literal(prop, 'en')} ."
    attributes = {prop: kind for attrs in ATTRIBUTES.values() for prop, kind, _ in attrs}
    for prop, kind in sorted(attributes.items()):
        yield f"{iri(STATS + prop)} {iri(RDF_TYPE)} {iri(QB + 'AttributeProperty')} ."
        yield f"{iri(STATS + prop)} {iri(RDFS + 'range')} {iri(XSD + 'string' if kind == 'string' else RDFS + 'Resource')} ."
        yield f"{iri(STATS + prop)} {iri(RDFS + 'label')} {lang_literal(prop, 'en')} ."
    for prop in sorted(dims | measures | set(attributes)):
        yield f"{iri(STATS + prop)} {iri(RDF_TYPE)} {iri(RDF + 'Property')} ."
    ranks = iri(STATS + PAGE_RANK)
    yield f"{ranks} {iri(RDF_TYPE)} {iri(RDF + 'Property')} ."
    yield f"{ranks} {iri(RDFS + 'range')} {iri(XSD + 'integer')} ."
    yield f"{ranks} {iri(RDFS + 'label')} {lang_literal(PAGE_RANK, 'en')} ."
    yield (f"{ranks} {iri(RDFS + 'comment')} "
           f"{lang_literal('the ep:titleRank of each project on the first page of a list (one value per project)', 'en')} .")
    for prop, what in (("rankColumn", "ep:titleRank"), ("titleColumn", "ep:displayTitle")):
        yield f"{iri(STATS + prop)} {iri(RDF_TYPE)} {iri(RDF + 'Property')} ."
        yield f"{iri(STATS + prop)} {iri(RDFS + 'label')} {lang_literal(prop, 'en')} ."
        comment = lang_literal(f"the property of a page's own that states the {what} of each of its projects", "en")
        yield f"{iri(STATS + prop)} {iri(RDFS + 'comment')} {comment} ."
    rows = iri(STATS + PAGE_ROW)
    yield f"{rows} {iri(RDF_TYPE)} {iri(RDF + 'Property')} ."
    yield f"{rows} {iri(RDFS + 'label')} {lang_literal(PAGE_ROW, 'en')} ."
    comment = lang_literal("a row of the first page of a pair of countries, one a project: its pageRank and its "
                           "participants from each country", "en")
    yield f"{rows} {iri(RDFS + 'comment')} {comment} ."
    for prop, which in zip(PARTNERS_FROM, ("first", "second"), strict=True):
        yield f"{iri(STATS + prop)} {iri(RDF_TYPE)} {iri(RDF + 'Property')} ."
        yield f"{iri(STATS + prop)} {iri(RDFS + 'range')} {iri(XSD + 'integer')} ."
        yield f"{iri(STATS + prop)} {iri(RDFS + 'label')} {lang_literal(prop, 'en')} ."
        yield (f"{iri(STATS + prop)} {iri(RDFS + 'comment')} "
               f"{lang_literal(f'the participants of the project of a page row from the {which} country of the pair', 'en')} .")


def cube_lines(tally: Tally, facts: Facts, *, base_iri: str) -> Iterator[str]:
    """The statistics graph as N-Triples lines (without newlines), in a deterministic order,
    one at a time (a graph of a million triples is never held as lines)."""
    stats = graph_iri(base_iri)
    yield from _properties()
    years: set[str] = set()
    lists: set[str] = set()
    terms: dict[tuple[str, str], str] = {}  # (kind, value) → the value's IRI, each written once
    is_observation = f" {iri(RDF_TYPE)} {iri(QB + 'Observation')} ."
    ranks_p = f" {iri(STATS + PAGE_RANK)} "
    for name, observations in tally.observations(facts).items():
        dims, measures = DATASETS[name]
        dataset = f"{stats}/{name}"
        yield f"{iri(dataset)} {iri(RDF_TYPE)} {iri(QB + 'DataSet')} ."
        yield f"{iri(dataset)} {iri(QB + 'structure')} {iri(dataset + '/structure')} ."
        yield from _structure(name, stats)
        in_dataset = f" {iri(QB + 'dataSet')} {iri(dataset)} ."
        dim_props = [(f" {iri(STATS + prop)} ", kind) for prop, kind in dims]
        measure_props = [(f" {iri(STATS + prop)} ", XSD + ("decimal" if prop in DECIMAL_MEASURES else "integer"))
                         for prop in measures]
        attr_props = [(f" {iri(STATS + prop)} ", kind) for prop, kind, _ in ATTRIBUTES.get(name, ())]
        paged = name in PAGE_DATASETS
        for n, (key, values) in enumerate(observations, 1):
            obs = iri(f"{dataset}/{n}")
            page_ranks: Any = ()
            page_partners: Any = None
            # (measures…, attributes…) or, on a page, (measures…, ranks[, the participants
            # from each country of each project])
            attr_values = values[len(measures):len(measures) + len(attr_props)]
            page_columns: Any = None
            if paged:
                page_ranks = values[len(measures)]
                extra = values[len(measures) + 1] if len(values) > len(measures) + 1 else None
                if name == "country-pair-pages":
                    page_partners = extra
                else:
                    page_columns = extra
            values = values[:len(measures)]
            yield obs + is_observation
            yield obs + in_dataset
            for (prop, kind), value in zip(dim_props, key, strict=True):
                term = terms.get((kind, value))
                if term is None:
                    if kind == "year" and value != NOT_STATED:
                        years.add(value)
                    elif kind == "list":
                        lists.add(value)
                    term = terms[(kind, value)] = iri(_value_iri(kind, value, base_iri, stats))
                yield f"{obs}{prop}{term} ."
            for (prop, datatype), value in zip(measure_props, values, strict=True):
                yield f"{obs}{prop}{typed_literal(_number(value), datatype)} ."
            for (prop, kind), value in zip(attr_props, attr_values, strict=True):
                if kind == "string":
                    yield f"{obs}{prop}{literal(value)} ."
                else:  # countries, by code
                    for code in value:
                        yield f"{obs}{prop}{iri(_value_iri(kind, code, base_iri, stats))} ."
            for rank in page_ranks:
                yield f"{obs}{ranks_p}{typed_literal(str(rank), XSD + 'integer')} ."
            if page_partners is not None:
                yield from _pair_page_rows(f"{dataset}/{n}", page_ranks, page_partners)
            if page_columns:
                yield from _page_columns(f"{dataset}/{n}", page_ranks, page_columns)
    not_stated = iri(f"{stats}/{NOT_STATED}")
    yield f"{not_stated} {iri(RDF_TYPE)} {iri(RDFS + 'Resource')} ."
    yield f"{not_stated} {iri(RDFS + 'label')} {lang_literal('not stated', 'en')} ."
    for year in sorted(years):
        yield f"{iri(f'{stats}/year/{year}')} {iri(STATS + 'yearValue')} {typed_literal(year, XSD + 'integer')} ."
        yield f"{iri(f'{stats}/year/{year}')} {iri(RDFS + 'label')} {lang_literal(year, 'en')} ."
    for name in sorted(lists):
        yield f"{iri(f'{stats}/list/{name}')} {iri(RDFS + 'label')} {lang_literal(name.replace('-', ' '), 'en')} ."


_ROW_P, _RANK_P, _FROM_A_P, _FROM_B_P = (f" {iri(STATS + p)} " for p in (PAGE_ROW, PAGE_RANK, *PARTNERS_FROM))


def _pair_page_rows(obs: str, ranks: Any, partners: Any) -> Iterator[str]:
    """The rows of a page of a pair of countries: ``<obs>/<i>`` for its i-th project, with the
    project's rank and its participants from each of the two countries."""
    integer = XSD + "integer"
    for i, rank in enumerate(ranks):
        row = iri(f"{obs}/{i + 1}")
        yield f"{iri(obs)}{_ROW_P}{row} ."
        yield f"{row}{_RANK_P}{typed_literal(str(rank), integer)} ."
        yield f"{row}{_FROM_A_P}{typed_literal(str(partners[2 * i]), integer)} ."
        yield f"{row}{_FROM_B_P}{typed_literal(str(partners[2 * i + 1]), integer)} ."


def _page_columns(obs: str, ranks: Any, rows: list[tuple[str, str]]) -> Iterator[str]:
    """The two columns of a page: its projects' ranks and display titles, each a property of
    the page's own (``<obs>/rank``, ``<obs>/title``) from the project to its value."""
    integer = XSD + "integer"
    columns = {prop: iri(f"{obs}/{suffix}") for prop, suffix in COLUMNS.items()}
    for prop, column in columns.items():
        yield f"{iri(obs)} {iri(STATS + prop)} {column} ."
        yield f"{column} {iri(RDF_TYPE)} {iri(RDF + 'Property')} ."
    rank_c, title_c = columns["rankColumn"], columns["titleColumn"]
    for rank, (project, title) in zip(ranks, rows, strict=True):
        yield f"{iri(project)} {rank_c} {typed_literal(str(rank), integer)} ."
        yield f"{iri(project)} {title_c} {literal(title)} ."


def _number(value: Any) -> str:
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text if "." in text else text + ".0"
    return str(int(value))


def write_statistics(lines: Iterable[str], out_dir: Path, *, stem: str = "euproj-statistics") -> tuple[Path, Path, int]:
    """Write the statistics graph as ``<stem>.nt`` and ``<stem>.ttl`` (atomically, streamed);
    return both paths and the triple count."""
    nt_path, ttl_path = out_dir / f"{stem}.nt", out_dir / f"{stem}.ttl"
    count = 0
    with atomic_write(nt_path) as nt, atomic_write(ttl_path, "wb") as ttl:
        for line in lines:
            nt.write(line)
            nt.write("\n")
            count += 1
        nt.flush()
        with open(nt.name, "rb") as src:
            ox.serialize(ox.parse(src, format=ox.RdfFormat.N_TRIPLES), ttl, format=ox.RdfFormat.TURTLE,
                         prefixes={**PREFIXES, "qb": QB, "stat": STATS})
    return ttl_path, nt_path, count


def require_statistics(store: ox.Store, query: str) -> None:
    """Raise :class:`StatisticsError` when ``query`` reads the statistics graph (a
    ``GRAPH <…/statistics>`` of ours) and ``store`` does not hold it (a release from before it),
    or holds one that neither declares nor uses a statistics property the query names (one
    from before that property: a question would find nothing where it should find a page); or
    when ``query`` names a shortcut the build states on every project (or organisation) and the
    store has projects (organisations) but not one such statement (a release from before the
    shortcut: :data:`~euproj_rdf.derived.STATED_FOR_EVERY`)."""
    graphs = sorted(set(_STATS_GRAPH.findall(query)))
    properties = sorted(_named(query, STATS)) if graphs else []
    for graph in graphs:
        named = ox.NamedNode(graph)
        if not any(True for _ in store.quads_for_pattern(None, None, None, named)):
            raise StatisticsError(f"the store has no statistics graph <{graph}>, which this question reads: "
                                  "build the release again and load it (the store holds an older release)")
        for name in properties:
            prop = ox.NamedNode(STATS + name)
            if not any(True for _ in store.quads_for_pattern(prop, _TYPE, _PROPERTY, named)) and \
                    not any(True for _ in store.quads_for_pattern(None, prop, None, named)):
                raise StatisticsError(f"the statistics graph <{graph}> states nothing with stat:{name}, which this "
                                      "question reads: build the release again and load it (the store holds a "
                                      "release from before it)")
    for name in sorted(_named(query, EP)):
        cls = STATED_FOR_EVERY.get(EP + name)
        if cls is None or any(True for _ in store.quads_for_pattern(None, ox.NamedNode(EP + name), None)):
            continue
        if any(True for _ in store.quads_for_pattern(None, _TYPE, ox.NamedNode(cls))):
            raise StatisticsError(f"the store has no ep:{name}, which this question reads, though it holds "
                                  f"{cls[len(EP):]} resources: build the release again and load it (the store "
                                  "holds a release from before it)")


_STATS_GRAPH = re.compile(r"GRAPH\s*<([^>]*/statistics)>")
_TYPE, _PROPERTY = ox.NamedNode(RDF_TYPE), ox.NamedNode(RDF + "Property")


def _named(query: str, namespace: str) -> set[str]:
    """The local names of the terms of ``namespace`` that ``query`` names, written in full or
    with a prefix bound to the namespace."""
    names = set(re.findall(re.escape(f"<{namespace}") + r"([A-Za-z][\w-]*)>", query))
    for prefix in re.findall(r"(?i)PREFIX\s+([\w-]*):\s*" + re.escape(f"<{namespace}>"), query):
        names.update(re.findall(rf"(?<![\w:]){re.escape(prefix)}:([A-Za-z][\w-]*)", query))
    return names
