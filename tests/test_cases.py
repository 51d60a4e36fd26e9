"""Golden case folders: tests/cases/<case>/records → expected.ttl, compared by isomorphism.

Regenerate with ``pytest tests/test_cases.py --update-goldens`` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import graph_diff, to_isomorphic

from euproj_rdf import build
from euproj_rdf.resources import CONCEPTS_FILE, resource
from euproj_rdf.vocab import PREFIXES

CASES = sorted(p for p in (Path(__file__).parent / "cases").iterdir() if (p / "records").is_dir())


def _without_concepts(g: rdflib.Graph) -> rdflib.Graph:
    """The concept schemes are in every dump; goldens hold only what the records add."""
    concepts = rdflib.Graph().parse(resource(CONCEPTS_FILE), format="turtle")
    out = rdflib.Graph()
    for t in g:
        if t not in concepts:
            out.add(t)
    return out


def _dump(g: rdflib.Graph) -> str:
    return "\n".join(sorted(line for line in g.serialize(format="nt").splitlines() if line.strip()))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Path, tmp_path: Path, update_goldens: bool):
    result = build(case / "records", tmp_path)
    assert result.written, result.report.text()
    actual = _without_concepts(rdflib.Graph().parse(result.ntriples, format="nt"))
    golden = case / "expected.ttl"
    if update_goldens or not golden.exists():
        # pyoxigraph keeps lexical forms as mapped (rdflib would rewrite 2440000 as 2440000.0)
        kept = set(actual.serialize(format="nt").splitlines())
        triples = [t for t in ox.parse(path=str(result.ntriples), format=ox.RdfFormat.N_TRIPLES)
                   if f"{t} ." in kept]
        golden.write_bytes(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES))
        if not update_goldens:
            pytest.fail(f"wrote a new golden {golden}; review it and run again")
    expected = rdflib.Graph().parse(golden, format="turtle")
    iso_a, iso_e = to_isomorphic(actual), to_isomorphic(expected)
    if iso_a != iso_e:
        _, only_expected, only_actual = graph_diff(iso_e, iso_a)
        pytest.fail(
            f"{case.name}: graph differs from {golden.name}\n"
            f"--- only in expected:\n{_dump(only_expected)}\n"
            f"+++ only in actual:\n{_dump(only_actual)}"
        )
