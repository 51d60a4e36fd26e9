"""The embedded store: the built graph in an on-disk pyoxigraph store, replaced atomically.

:func:`load_store` bulk-loads a dump into a fresh store folder next to the target, checks that
it holds exactly the dump's triples, and only then swaps it into place. Loading again replaces
the graph (never duplicates it); a failure at any step leaves the previous store untouched.

The store can hold named graphs beside the default one: N-Quads files loaded with the dump
(``named``: the labels of the EU authority tables), or a dump loaded into one named graph
(``graph=IRI``: statistics, a partner's graph), which replaces that graph only and carries the
store's other graphs over unchanged.

With a ``progress`` callback (the command line's progress bar on a terminal), the files are
read through a counting reader that reports the bytes loaded; without one they are loaded from
their paths as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
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


#: progress callback: (stage, done, total or None)
Progress = Callable[[str, int, "int | None"], None]
_MB = 2**20


def _count_lines(path: Path, progress: Progress | None = None) -> int:
    if progress is None:
        with path.open("rb") as fh:
            return sum(1 for line in fh if line.strip())
    stage, total, count = f"count {path.name} (MB)", path.stat().st_size // _MB, 0
    with path.open("rb") as fh:
        for count, _ in enumerate(filter(bytes.strip, fh), 1):
            if not count % 500_000:
                progress(stage, fh.tell() // _MB, total)
    progress(stage, total, total)
    return count


class _Reading:
    """A binary file that reports how many megabytes were read from it."""

    def __init__(self, path: Path, progress: Progress):
        self._fh, self._stage = path.open("rb"), f"load {path.name} (MB)"
        self._total, self._done, self._progress = path.stat().st_size // _MB, 0, progress

    def read(self, size: int = -1) -> bytes:
        chunk = self._fh.read(size)
        self._done += len(chunk)
        self._progress(self._stage, min(self._done // _MB, self._total), self._total)
        return chunk

    def close(self) -> None:
        self._fh.close()


def _bulk_load(db: ox.Store, path: Path, progress: Progress | None, **options) -> None:
    if progress is None:
        db.bulk_load(path=str(path), **options)
        return
    reading = _Reading(path, progress)
    try:
        db.bulk_load(input=reading, **options)  # type: ignore[arg-type]
    finally:
        reading.close()


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
               graph: str | None = None, force: bool = False, progress: Progress | None = None) -> LoadResult:
    """Load an N-Triples dump into the store at ``store`` (default graph), replacing what it held;
    without ``graph``, the statistics graph beside it (``euproj-statistics.nt``), if any, goes into
    its named graph (with ``graph``, load it as its own: ``load --graph <statistics IRI>``).

    ``named`` are N-Quads files loaded into their named graphs beside it (the labels of the EU
    authority tables written by ``euproj-rdf import labels``). With ``graph`` (an IRI) the dump
    replaces that named graph only, and the store's other graphs are kept.

    Raises :class:`MissingDumpError` when there is no dump, :class:`StoreError` (and leaves the
    old store as it was) when the dump cannot be read or the new store does not hold the expected
    number of triples. ``store`` must be new, empty or a store we loaded (its ``.euproj-store``
    marker) unless ``force`` is given. ``progress(stage, done, total)`` is told how far the
    counting and the loading of each file are (in megabytes) and when the store is optimised.
    """
    dump, store = Path(dump), Path(store)
    check_output(store, "store", force=force, option="--store")
    if not dump.is_file():
        raise MissingDumpError(dump)
    target = None if graph is None else _named_graph(graph)
    if target is not None and named:
        raise ConfigError("give the label graphs (--labels) or one named graph (--graph), not both")
    expected = _count_lines(dump, progress)
    for extra in map(Path, named):
        if not extra.is_file():
            raise StoreError(f"no graph file at '{extra}'")
        expected += _count_lines(extra, progress)
    # only a plain load of a dump brings the statistics written beside it
    beside = dump.with_name(STATISTICS_NT)
    plain = graph is None and dump.name != STATISTICS_NT and beside.is_file()
    statistics = beside if plain else None
    in_statistics = _count_lines(statistics, progress) if statistics is not None else 0
    with fresh_folder(store, "store") as fresh:
        try:
            db = ox.Store(str(fresh))
            kept = [0]
            if target is not None:
                db.bulk_extend(_other_graphs(store, target, kept))
            _bulk_load(db, dump, progress, format=ox.RdfFormat.N_TRIPLES, to_graph=target)
            for extra in map(Path, named):
                _bulk_load(db, extra, progress, format=ox.RdfFormat.N_QUADS)
            if statistics is not None:  # the statistics graph written beside the dump, as a named graph
                _bulk_load(db, statistics, progress, format=ox.RdfFormat.N_TRIPLES,
                           to_graph=ox.NamedNode(graph_iri(DATA)))
            if progress is not None:
                progress("optimise the store", 0, None)
            db.optimize()
            held = len(db) - kept[0]
            db.flush()
            del db
        except (OSError, SyntaxError, ValueError) as exc:
            raise StoreError(f"cannot load '{dump}' into a new store: {exc}") from None
        if held != expected + in_statistics:
            raise StoreError(f"the new store holds {held} triples, the dump {expected + in_statistics}; the old store is kept")
    return LoadResult(store, expected, in_statistics)
