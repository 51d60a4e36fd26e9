"""Loading a dump into the embedded store with a progress bar: the bar reports each file read
and the optimising step, and shows only on a terminal (piped, the output is the same as
without it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from euproj_rdf import load_store
from euproj_rdf.stats import graph_iri
from euproj_rdf.vocab import DATA

ROOT = Path(__file__).resolve().parents[1]


def quads(store: Path) -> set[str]:
    return {str(q) for q in ox.Store(str(store))}


def test_progress_reports_every_file_and_loads_the_same_store(seed_build, tmp_path):
    dump = seed_build.ntriples
    seen: list[tuple[str, int, int | None]] = []
    with_bar = load_store(dump, tmp_path / "with", progress=lambda *step: seen.append(step))
    without = load_store(dump, tmp_path / "without")
    assert (with_bar.triples, with_bar.statistics) == (without.triples, without.statistics)
    assert quads(tmp_path / "with") == quads(tmp_path / "without")
    assert any(q.graph_name == ox.NamedNode(graph_iri(DATA)) for q in ox.Store(str(tmp_path / "with")))
    stages = list(dict.fromkeys(stage for stage, _, _ in seen))
    assert stages == ["count euproj.nt (MB)", "count euproj-statistics.nt (MB)", "load euproj.nt (MB)",
                      "load euproj-statistics.nt (MB)", "optimise the store"]
    last = {stage: (done, total) for stage, done, total in seen}
    assert all(done == total for stage, (done, total) in last.items() if stage != "optimise the store")


@pytest.mark.skipif(not sys.stderr, reason="needs a process")
def test_piped_load_prints_what_it_printed_before(seed_build, tmp_path):
    """Not on a terminal: no bar on stderr, and the one line on stdout as before."""
    exe = Path(sys.executable).with_name("euproj-rdf")
    store = tmp_path / "store"
    proc = subprocess.run([str(exe), "load", "--dump", str(seed_build.ntriples), "--store", str(store)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    triples = sum(1 for line in seed_build.ntriples.open(encoding="utf-8") if line.strip())
    assert proc.stdout == f"Loaded {triples} triples into {store}.\n"
    assert proc.stderr == ""
