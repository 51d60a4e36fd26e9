"""Writing the dump: sorted N-Triples by external merge sort, Turtle by pyoxigraph.

Memory stays bounded whatever the input size: mapped lines are sorted and written in chunks
(:func:`write_chunk`, by each batch), merged into one sorted, de-duplicated N-Triples file, and the Turtle file
is streamed from it through pyoxigraph's serializer (rdflib's is orders of magnitude slower on
large graphs). Files are written under temporary names and renamed into place only when
complete, so a failed run never leaves a half-written dump.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pyoxigraph as ox

from .files import atomic_write
from .vocab import PREFIXES

__all__ = ["merge_files", "merge_sorted", "write_chunk", "write_dump"]



def write_chunk(lines: list[str], path: Path) -> Path:
    """Sort and de-duplicate N-Triples lines (without newlines) into a chunk file."""
    lines.sort()
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        previous = None
        for line in lines:
            if line != previous:
                fh.write(line)
                fh.write("\n")
                previous = line
    return path


def merge_sorted(chunks: list[Path]) -> Iterator[str]:
    """The lines of sorted chunk files, merged and de-duplicated (each ends with a newline)."""
    with ExitStack() as stack:
        files = [stack.enter_context(p.open("r", encoding="utf-8", newline="\n")) for p in chunks]
        previous = None
        for line in heapq.merge(*files):
            if line != previous:
                yield line
                previous = line


def merge_files(chunks: list[Path], target: Path) -> int:
    """Merge sorted chunk files into one (removing them); return its line count."""
    count = 0
    with target.open("w", encoding="utf-8", newline="\n") as fh:
        for line in merge_sorted(chunks):
            fh.write(line)
            count += 1
    for p in chunks:
        p.unlink()
    return count


#: The most chunk files merged at once (open files stay well under the usual limit of 1024).
MERGE_FAN_IN = 128


def write_dump(chunks: list[Path], out_dir: Path, *, stem: str = "euproj") -> tuple[Path, Path, int]:
    """Write ``<stem>.nt`` (sorted, canonical) and ``<stem>.ttl`` atomically; return paths and triple count."""
    chunks = list(chunks)
    level = 0
    while len(chunks) > MERGE_FAN_IN:  # only with very many chunks: merge runs of them first
        level += 1
        runs = [chunks[i:i + MERGE_FAN_IN] for i in range(0, len(chunks), MERGE_FAN_IN)]
        chunks = []
        for n, run in enumerate(runs):
            target = run[0].with_name(f"level{level}-{n:05d}.nt")
            merge_files(run, target)
            chunks.append(target)
    nt_path = out_dir / f"{stem}.nt"
    ttl_path = out_dir / f"{stem}.ttl"
    count = 0
    # both files are renamed into place only when both are complete
    with atomic_write(nt_path) as nt, atomic_write(ttl_path, "wb") as ttl:
        for line in merge_sorted(chunks):
            nt.write(line)
            count += 1
        nt.flush()
        with open(nt.name, "rb") as src:
            ox.serialize(ox.parse(src, format=ox.RdfFormat.N_TRIPLES), ttl, format=ox.RdfFormat.TURTLE,
                         prefixes=PREFIXES)
    return ttl_path, nt_path, count
