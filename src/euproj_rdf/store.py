"""The embedded store: the built graph in an on-disk pyoxigraph store, replaced atomically.

:func:`load_store` bulk-loads a dump into a fresh store folder next to the target, checks that
it holds exactly the dump's triples, and only then swaps it into place. Loading again replaces
the graph (never duplicates it); a failure at any step leaves the previous store untouched.

The store can hold named graphs beside the default one: N-Quads files loaded with the dump
(``named``: the labels of the EU authority tables), or a dump loaded into one named graph
(``graph=IRI``: statistics, a partner's graph), which replaces that graph only and carries the
store's other graphs over unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import ConfigError, MissingDumpError, StoreError
from .files import fresh_folder
from .outputs import check_output
from .stats import STATISTICS_NT, graph_iri
from .vocab import DATA

__all__ = ["LoadResult", "load_store", "DEFAULT_STORE"]

DEFAULT_STORE = Path("dist/store")


@dataclass(frozen=True)
class LoadResult:
    store: Path
    triples: int  # of the dump, in the default graph
    statistics: int = 0  # of the statistics graph, in its named graph


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def _named_graph(graph: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(graph)
    except ValueError:
        raise ConfigError(f"not an IRI for a graph: '{graph}'") from None


def _other_graphs(store: Path, target: ox.NamedNode, kept: list[int]) -> Iterator[ox.Quad]:
    """The quads of the existing store outside ``target`` (none when there is no store yet)."""
    if not store.is_dir():
        return
    old = ox.Store.read_only(str(store))
    for quad in old.quads_for_pattern(None, None, None, None):
        if quad.graph_name != target:
            kept[0] += 1
            yield quad


def load_store(dump: Path | str, store: Path | str = DEFAULT_STORE, *, named: Sequence[Path | str] = (),
               graph: str | None = None, force: bool = False) -> LoadResult:
    """Load an N-Triples dump into the store at ``store`` (default graph), replacing what it held;
    without ``graph``, the statistics graph beside it (``euproj-statistics.nt``), if any, goes into
    its named graph (with ``graph``, load it as its own: ``load --graph <statistics IRI>``).

    ``named`` are N-Quads files loaded into their named graphs beside it (the labels of the EU
    authority tables written by ``euproj-rdf import labels``). With ``graph`` (an IRI) the dump
    replaces that named graph only, and the store's other graphs are kept.

    Raises :class:`MissingDumpError` when there is no dump, :class:`StoreError` (and leaves the
    old store as it was) when the dump cannot be read or the new store does not hold the expected
    number of triples. ``store`` must be new, empty or a store we loaded (its ``.euproj-store``
    marker) unless ``force`` is given.
    """
    dump, store = Path(dump), Path(store)
    check_output(store, "store", force=force, option="--store")
    if not dump.is_file():
        raise MissingDumpError(dump)
    target = None if graph is None else _named_graph(graph)
    if target is not None and named:
        raise ConfigError("give the label graphs (--labels) or one named graph (--graph), not both")
    expected = _count_lines(dump)
    for extra in map(Path, named):
        if not extra.is_file():
            raise StoreError(f"no graph file at '{extra}'")
        expected += _count_lines(extra)
    # only a plain load of a dump brings the statistics written beside it
    beside = dump.with_name(STATISTICS_NT)
    plain = graph is None and dump.name != STATISTICS_NT and beside.is_file()
    statistics = beside if plain else None
    in_statistics = _count_lines(statistics) if statistics is not None else 0
    with fresh_folder(store, "store") as fresh:
        try:
            db = ox.Store(str(fresh))
            kept = [0]
            if target is not None:
                db.bulk_extend(_other_graphs(store, target, kept))
            db.bulk_load(path=str(dump), format=ox.RdfFormat.N_TRIPLES, to_graph=target)
            for extra in map(Path, named):
                db.bulk_load(path=str(extra), format=ox.RdfFormat.N_QUADS)
            if statistics is not None:  # the statistics graph written beside the dump, as a named graph
                db.bulk_load(path=str(statistics), format=ox.RdfFormat.N_TRIPLES,
                             to_graph=ox.NamedNode(graph_iri(DATA)))
            db.optimize()
            held = len(db) - kept[0]
            db.flush()
            del db
        except (OSError, SyntaxError, ValueError) as exc:
            raise StoreError(f"cannot load '{dump}' into a new store: {exc}") from None
        if held != expected + in_statistics:
            raise StoreError(f"the new store holds {held} triples, the dump {expected + in_statistics}; the old store is kept")
    return LoadResult(store, expected, in_statistics)
