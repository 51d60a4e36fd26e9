"""Writing the dump: the Turtle written beside the merge, and a writer's failure reported."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from euproj_rdf.export import Background, merge_blocks, merge_files, write_chunk, write_dump

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


#: lines that share long prefixes and differ late, beyond ASCII too (the order is code points')
_LINE = st.builds(lambda a, b: f"<urn:x:{a}> <urn:p> \"{b}\" .", st.sampled_from(["a", "ab", "b", "é", "z"]),
                  st.text(alphabet="az\u00e9\u4e2d ", max_size=6))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_LINE, max_size=40), max_size=6), st.sampled_from([1, 200, 1 << 20]))
def test_block_merge_equals_one_sort_of_every_line(runs: list[list[str]], memory: int) -> None:
    """However the lines fall into chunks and however small the blocks read, the merge is every
    line once, in order; runs of blocks are checked against the line-at-a-time definition."""
    with tempfile.TemporaryDirectory() as tmp:
        chunks = [write_chunk(list(run), Path(tmp) / f"{i}.nt") for i, run in enumerate(runs)]
        blocks = list(merge_blocks(chunks, memory=memory))
        expected = sorted({line + "\n" for run in runs for line in run})
        assert [line for block in blocks for line in block] == expected
        assert all(block for block in blocks)
        assert merge_files(chunks, Path(tmp) / "all.nt") == len(expected)
        assert (Path(tmp) / "all.nt").read_text(encoding="utf-8") == "".join(expected)
        assert not any(c.exists() for c in chunks)


def test_a_chunk_with_a_line_twice_across_its_blocks_gives_it_once(tmp_path: Path) -> None:
    """Chunks are written without repeats, but a file merged from elsewhere may have them."""
    chunk = tmp_path / "repeats.nt"
    chunk.write_text("<urn:a> <urn:p> <urn:o> .\n" * 5000 + "<urn:b> <urn:p> <urn:o> .\n", encoding="utf-8")
    other = write_chunk(["<urn:a> <urn:p> <urn:o> ."], tmp_path / "other.nt")
    lines = [line for block in merge_blocks([chunk, other], memory=1) for line in block]
    assert lines == ["<urn:a> <urn:p> <urn:o> .\n", "<urn:b> <urn:p> <urn:o> .\n"]


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
