"""Writing the dump: the Turtle written beside the merge, and a writer's failure reported."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from euproj_rdf.export import Background, write_chunk, write_dump

LINES = [
    '<https://w3id.org/euproj/id/project/b> <http://purl.org/dc/terms/title> "B"@en .',
    '<https://w3id.org/euproj/id/project/a> <http://purl.org/dc/terms/title> "A"@en .',
    '<https://w3id.org/euproj/id/project/a> <http://purl.org/dc/terms/title> "A"@en .',
]


def test_dump_merges_chunks_and_writes_the_same_triples_as_turtle(tmp_path: Path) -> None:
    chunks = [write_chunk(LINES[:2], tmp_path / "one.nt"), write_chunk(LINES[2:], tmp_path / "two.nt")]
    out = tmp_path / "out"
    out.mkdir()
    ttl, nt, count = write_dump(chunks, out)
    assert count == 2
    assert nt.read_text(encoding="utf-8") == "".join(sorted(set(line + "\n" for line in LINES)))
    with ttl.open("rb") as fh:
        turtle = set(ox.parse(fh, format=ox.RdfFormat.TURTLE))
    with nt.open("rb") as fh:
        assert turtle == set(ox.parse(fh, format=ox.RdfFormat.N_TRIPLES))
    assert sorted(p.name for p in out.iterdir()) == ["euproj.nt", "euproj.ttl"]


def test_a_failing_turtle_writer_fails_the_dump_and_leaves_nothing(tmp_path: Path) -> None:
    chunk = tmp_path / "bad.nt"
    chunk.write_text("<https://w3id.org/euproj/id/project/a> <not an iri> .\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(SyntaxError):
        write_dump([chunk], out)
    assert list(out.iterdir()) == []


def _fails() -> None:
    raise ValueError("broken on purpose")


def test_background_hands_back_value_and_exception() -> None:
    with Background(sum, [1, 2, 3]) as job:
        assert job.result() == 6
    with Background(_fails) as job, pytest.raises(ValueError, match="^broken on purpose$"):
        job.result()
