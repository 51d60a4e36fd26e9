"""The ``euproj-rdf`` command line: thin verbs over the library.

Each command parses its options, calls one library function, prints, and exits with:

  0  done (the graph conforms)
  1  the graph does not conform to the shapes (report printed, nothing written)
  2  bad input or configuration (records, mapping, options; one ``Error:`` line each)
  3  store or network failure

The commands live by what they work on: :mod:`.graph` (build, validate, shacl), :mod:`.stores`
(load, query, serve, publish, push) and :mod:`.sources` (link, link-apply, import); importing
them registers them on :data:`app` in that order.
"""

from __future__ import annotations

from .common import EXIT_CODES, app

# the order the modules are imported in is the order of the commands in --help
# isort: off
from . import graph, stores, sources
# isort: on

__all__ = ["EXIT_CODES", "app", "graph", "main", "sources", "stores"]


def main() -> None:
    from ..cliedge import run

    run(app)
