"""Run the benchmarks by name; ``all`` runs the four of the performance targets in a row.

    python -m benchmarks mapping [options]   # mapping only: ours vs Morph-KGC and maplib (20 000 projects)
    python -m benchmarks build [options]     # full validated build vs the naive pipeline (20 000 projects)
    python -m benchmarks memory              # our build's peak memory and cores at 100 000 and 1 000 000 projects
    python -m benchmarks queries [options]   # store load and the query catalogue's p50/p95 (seed graph by default)
    python -m benchmarks push [options]      # push into an Oxigraph server, Virtuoso and Fuseki
    python -m benchmarks import [options]    # CORDIS import of 35 000 projects / 180 000 participations, then build
    python -m benchmarks shacl [options]     # SHACL validation: ours vs pySHACL (seed, DCAT-AP, 5 000 and 20 000 projects)
    python -m benchmarks serve [options]     # the endpoint: 20 clients vs one, and its load/fault figures
    python -m benchmarks reading [options]   # reading YAML records under limits vs PyYAML; the privacy guard
    python -m benchmarks all                 # mapping, build, memory, and queries at 100 000 projects

Options after the name go to that benchmark (``--help`` lists them). Each prints its figures,
and its ratios against the peers run side by side in the same run.
"""

from __future__ import annotations

import runpy
import sys

COMMANDS = {
    "mapping": ("benchmarks.mapping", []),
    "build": ("benchmarks.build", []),
    "memory": ("benchmarks.build", ["--projects", "100000", "1000000", "--no-naive"]),
    "queries": ("benchmarks.queries", []),
    "push": ("benchmarks.push", []),
    "import": ("benchmarks.imports", []),
    "shacl": ("benchmarks.shacl", []),
    "serve": ("benchmarks.serve", []),
    "reading": ("benchmarks.reading", []),
}
ALL = [
    ("mapping", []),
    ("build", []),
    ("memory", []),
    ("queries", ["--projects", "100000", "--repeat", "5"]),
]


def _run(name: str, args: list[str]) -> None:
    module, fixed = COMMANDS[name]
    print(f"\n=== python -m benchmarks {name} {' '.join(fixed + args)}".rstrip(), flush=True)
    saved = sys.argv
    sys.argv = [module] + fixed + args
    try:
        runpy.run_module(module, run_name="__main__")
    finally:
        sys.argv = saved


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help") or sys.argv[1] not in (*COMMANDS, "all"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) >= 2 and sys.argv[1] in ("-h", "--help") else 2)
    name, args = sys.argv[1], sys.argv[2:]
    if name == "all":
        for step, extra in ALL:
            _run(step, extra + args)
    else:
        _run(name, args)


if __name__ == "__main__":
    main()
