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


#: the two ways chunks are merged: GNU sort where the system has it, else in Python
MERGES = ["sort", "python"]


@pytest.fixture(params=MERGES)
def merge(request, monkeypatch) -> str:
    """Run the test with each merge (the Python one always; GNU sort where present)."""
    import euproj_rdf.export as export

    if request.param == "python":
        monkeypatch.setattr(export, "sort_program", lambda: None)
    elif export.sort_program() is None:
        pytest.skip("this system has no GNU sort: its merge is not used here")
    return request.param


def test_dump_merges_chunks_and_writes_the_same_triples_as_turtle(tmp_path: Path, merge: str) -> None:
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
        import euproj_rdf.export as export

        for name, program in (("sort", export.sort_program), ("python", lambda: None)):
            chunks = [write_chunk(list(run), Path(tmp) / f"{name}-{i}.nt") for i, run in enumerate(runs)]
            real, export.sort_program = export.sort_program, program
            try:
                assert merge_files(chunks, Path(tmp) / f"{name}.nt") == len(expected)
            finally:
                export.sort_program = real
            assert (Path(tmp) / f"{name}.nt").read_text(encoding="utf-8") == "".join(expected)
            assert not any(c.exists() for c in chunks)


def test_a_chunk_with_a_line_twice_across_its_blocks_gives_it_once(tmp_path: Path) -> None:
    """Chunks are written without repeats, but a file merged from elsewhere may have them."""
    chunk = tmp_path / "repeats.nt"
    chunk.write_text("<urn:a> <urn:p> <urn:o> .\n" * 5000 + "<urn:b> <urn:p> <urn:o> .\n", encoding="utf-8")
    other = write_chunk(["<urn:a> <urn:p> <urn:o> ."], tmp_path / "other.nt")
    lines = [line for block in merge_blocks([chunk, other], memory=1) for line in block]
    assert lines == ["<urn:a> <urn:p> <urn:o> .\n", "<urn:b> <urn:p> <urn:o> .\n"]


def test_a_failing_turtle_writer_fails_the_dump_and_leaves_nothing(tmp_path: Path, merge: str) -> None:
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


def _many_lines(subjects: int, predicates: int = 4) -> list[str]:
    """Lines of many subjects, some with several predicates and objects (Turtle's ; and ,)."""
    lines = []
    for i in range(subjects):
        s = f"<https://w3id.org/euproj/id/project/p{i:05d}>"
        lines.append(f'{s} <http://purl.org/dc/terms/title> "Project {i} \\u00e9"@en .')
        for j in range(i % predicates):
            lines.append(f"{s} <https://w3id.org/euproj/ontology#theme> <https://w3id.org/euproj/concept/theme/t{j}> .")
    return lines


def _both_ways(tmp_path: Path, lines: list[str], monkeypatch) -> tuple[list[int | None], dict]:
    """The dump of ``lines`` written by one Turtle writer and by two; the cuts the second way made."""
    import euproj_rdf.export as export

    cuts: list[int | None] = []
    found = export._middle

    def spy(path, at):
        cuts.append(found(path, at))
        return cuts[-1]

    monkeypatch.setattr(export, "_middle", spy)
    written = {}
    for name, split in (("one", 1 << 40), ("two", 1)):
        work, out = tmp_path / f"work-{name}", tmp_path / f"out-{name}"
        work.mkdir()
        out.mkdir()
        chunks = [write_chunk(lines[i::3], work / f"{i}.nt") for i in range(3)]
        ttl, nt, count = write_dump(chunks, out, split_bytes=split, memory=1)
        written[name] = (ttl.read_bytes(), nt.read_bytes(), count)
        assert sorted(p.name for p in out.iterdir()) == ["euproj.nt", "euproj.ttl"]
    return cuts, written


def test_turtle_written_in_two_halves_is_the_turtle_written_in_one(tmp_path: Path, monkeypatch, merge: str) -> None:
    """A large dump's Turtle is written by two processes reading the N-Triples as they grow, and
    joined at a subject: byte for byte what one writer writes (a subject's ; and , groups are
    never cut)."""
    lines = _many_lines(6000)
    cuts, written = _both_ways(tmp_path, lines, monkeypatch)
    assert [c for c in cuts if c is not None], "the dump was not written in two halves"
    assert written["one"] == written["two"]
    with (tmp_path / "out-two" / "euproj.ttl").open("rb") as fh:
        assert len(set(ox.parse(fh, format=ox.RdfFormat.TURTLE))) == written["two"][2] == len(set(lines))


def test_a_dump_of_one_subject_is_written_by_the_first_writer_alone(tmp_path: Path, monkeypatch, merge: str) -> None:
    lines = [f"<urn:euproj:s> <urn:euproj:p{i:05d}> \"{i}\" ." for i in range(3000)]
    cuts, written = _both_ways(tmp_path, lines, monkeypatch)
    assert cuts and not [c for c in cuts if c is not None]
    assert written["one"] == written["two"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_LINE, max_size=40), max_size=6), st.sampled_from([1, 60, 1 << 40]))
def test_the_sort_merge_writes_what_the_python_merge_writes(runs: list[list[str]], split: int) -> None:
    """Byte for byte the same N-Triples, Turtle and count, with one Turtle writer or two, from
    lines beyond ASCII (GNU sort compares bytes: UTF-8 keeps the code points' order)."""
    import euproj_rdf.export as export

    if export.sort_program() is None:
        pytest.skip("this system has no GNU sort")
    written = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, program in (("sort", export.sort_program), ("python", lambda: None)):
            work, out = Path(tmp) / f"work-{name}", Path(tmp) / f"out-{name}"
            work.mkdir()
            out.mkdir()
            chunks = [write_chunk(list(run), work / f"{i}.nt") for i, run in enumerate(runs)]
            real, export.sort_program = export.sort_program, program
            try:
                ttl, nt, count = write_dump(chunks, out, split_bytes=split, memory=1)
            finally:
                export.sort_program = real
            written[name] = (ttl.read_bytes(), nt.read_bytes(), count)
    assert written["sort"] == written["python"]
    assert written["sort"][2] == len({line for run in runs for line in run})


def test_a_failing_second_turtle_writer_fails_the_dump_and_leaves_nothing(tmp_path: Path, merge: str) -> None:
    lines = _many_lines(3000) + ["<https://w3id.org/euproj/id/project/zzz> <not an iri> ."]
    chunk = write_chunk(lines, tmp_path / "bad.nt")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(SyntaxError):
        write_dump([chunk], out, split_bytes=1, memory=1)
    assert list(out.iterdir()) == []


def test_the_second_half_is_appended_whole_when_the_first_is_empty(tmp_path: Path) -> None:
    """The prefixes are left out of the second half only when the first half wrote them."""
    from euproj_rdf.export import _append_without_prefixes, _turtle_prefixes

    body = b"<urn:a> <urn:p> <urn:o> .\n"
    for first, second, want in ((b"", _turtle_prefixes() + body, _turtle_prefixes() + body),
                                (b"first\n", _turtle_prefixes() + body, b"first\n" + body),
                                (b"first\n", b"", b"first\n")):
        with (tmp_path / "ttl").open("w+b") as ttl, tempfile.TemporaryFile() as part:
            ttl.write(first)
            part.write(second)
            _append_without_prefixes(part, ttl)
            ttl.seek(0)
            assert ttl.read() == want


def test_a_growing_file_is_read_up_to_the_limit_until_its_end_is_known(tmp_path: Path) -> None:
    """The first Turtle writer of a split dump reads the N-Triples as sort writes them, but no
    further than the half until it is told where its part ends (never before the half)."""
    import multiprocessing
    import threading

    from euproj_rdf.export import _Growing

    path = tmp_path / "growing.nt"
    path.write_bytes(b"0123456789" * 4)
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    send.send(0)
    seen: list[bytes] = []
    with path.open("rb", buffering=0) as raw:
        growing = _Growing(raw.fileno(), receive, limit=10)
        first = bytearray(64)
        seen.append(bytes(first[:growing.readinto(first)]))
        timer = threading.Timer(0.2, send.send, (25,))
        timer.start()
        while chunk := growing.read(64):
            seen.append(chunk)
        timer.join()
    assert seen[0] == b"0123456789"
    assert b"".join(seen) == (b"0123456789" * 4)[:25]
