"""The embedded store: the built graph in an on-disk pyoxigraph store, replaced atomically.

:func:`load_store` bulk-loads a dump into a fresh store folder next to the target, checks that
it holds exactly the dump's triples, and only then swaps it into place. Loading again replaces
the graph (never duplicates it); a failure at any step leaves the previous store untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import MissingDumpError, StoreError
from .files import fresh_folder

__all__ = ["LoadResult", "load_store", "DEFAULT_STORE"]

DEFAULT_STORE = Path("dist/store")


@dataclass(frozen=True)
class LoadResult:
    store: Path
    triples: int


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def load_store(dump: Path | str, store: Path | str = DEFAULT_STORE, *, named: Sequence[Path | str] = ()) -> LoadResult:
    """Load an N-Triples dump into the store at ``store`` (default graph), replacing what it held.

    ``named`` are N-Quads files loaded into their named graphs beside it (the labels of the EU
    authority tables written by ``euproj-rdf import labels``).

    Raises :class:`MissingDumpError` when there is no dump, :class:`StoreError` (and leaves the
    old store as it was) when the dump cannot be read or the new store does not hold the expected number of triples.
    """
    dump, store = Path(dump), Path(store)
    if not dump.is_file():
        raise MissingDumpError(dump)
    expected = _count_lines(dump)
    for extra in map(Path, named):
        if not extra.is_file():
            raise StoreError(f"no graph file at '{extra}'")
        expected += _count_lines(extra)
    with fresh_folder(store) as fresh:
        try:
            db = ox.Store(str(fresh))
            db.bulk_load(path=str(dump), format=ox.RdfFormat.N_TRIPLES)
            for extra in map(Path, named):
                db.bulk_load(path=str(extra), format=ox.RdfFormat.N_QUADS)
            db.optimize()
            held = len(db)
            db.flush()
            del db
        except (OSError, SyntaxError, ValueError) as exc:
            raise StoreError(f"cannot load '{dump}' into a new store: {exc}") from None
        if held != expected:
            raise StoreError(f"the new store holds {held} triples, the dump {expected}; the old store is kept")
    return LoadResult(store, expected)
