"""Writing the dump: sorted N-Triples by external merge sort, Turtle by pyoxigraph.

Memory stays bounded whatever the input size: mapped lines are sorted and written in chunks
(:func:`write_chunk`, by each batch), merged into one sorted, de-duplicated N-Triples file, and the Turtle file
is streamed from the same lines through pyoxigraph's serializer (rdflib's is orders of magnitude
slower on large graphs), in a forked process reading them from a pipe while this one merges
(:class:`Background`). Files are written under temporary names and renamed into place only when
complete, so a failed run never leaves a half-written dump.
"""

from __future__ import annotations

import bisect
import fcntl
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from .files import atomic_write
from .outputs import forget_locks
from .vocab import PREFIXES

__all__ = ["Background", "merge_blocks", "merge_files", "merge_sorted", "write_chunk", "write_dump"]


class Background:
    """``fn(*args)`` run in a forked process beside this one; :meth:`result` waits for its value
    (or raises its exception). Use as a context manager: leaving the block early stops it.

    The process inherits every open file descriptor of this one: a pipe's writing end must be
    closed in it (``fn`` does it) or opened only after it started, or its reader never sees the end.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any):
        ctx = multiprocessing.get_context("fork")
        self._answer, send = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=_background, args=(send, fn, args), name="background-writer", daemon=True)
        self._process.start()
        send.close()

    def __enter__(self) -> Background:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._answer.close()

    def result(self) -> Any:
        try:
            ok, value = self._answer.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(f"a background writer stopped (exit code {self._process.exitcode})") from None
        self._process.join()
        if not ok:
            raise value
        return value


def _background(send: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    # interrupts are the parent's to handle; the locks of its scratch folders are its alone
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    forget_locks()
    try:
        answer: tuple[bool, Any] = (True, fn(*args))
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
        answer = (False, exc)
    try:
        send.send(answer)
    except Exception as exc:  # noqa: BLE001 - an exception that does not pickle
        send.send((False, RuntimeError(f"{type(answer[1]).__name__}: {exc}")))


def write_chunk(lines: list[str], path: Path) -> Path:
    """Sort and de-duplicate N-Triples lines (without newlines) into a chunk file."""
    lines.sort()
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        if lines:  # sorted, so a line's copies are side by side
            fh.write("\n".join(dict.fromkeys(lines)))
            fh.write("\n")
    return path


def merge_sorted(chunks: list[Path]) -> Iterator[str]:
    """The lines of sorted chunk files, merged and de-duplicated (each ends with a newline)."""
    for block in merge_blocks(chunks):
        yield from block


def merge_blocks(chunks: list[Path], *, memory: int = 4 << 20) -> Iterator[list[str]]:
    """The lines of sorted, de-duplicated chunk files, merged and de-duplicated, as sorted lists.

    A k-way merge done a block at a time rather than a line at a time: each file is read a
    block at a time (``memory`` bytes shared between the files, at least 32 KiB each); every line
    up to the smallest last line of the blocks in hand is taken from each block and sorted in
    one call (the blocks are sorted runs, which the sort merges), so no later line can sort
    before it.
    """
    read = max(1 << 15, memory // max(1, len(chunks)))
    with ExitStack() as stack:
        files = [stack.enter_context(p.open("r", encoding="utf-8", newline="\n")) for p in chunks]
        pending = [(lines, fh) for fh in files if (lines := fh.readlines(read))]
        previous = None
        while pending:
            bound = min(lines[-1] for lines, _ in pending)
            taken: list[str] = []
            left = []
            for lines, fh in pending:
                if lines[-1] == bound:  # the whole block
                    taken += lines
                    if more := fh.readlines(read):
                        left.append((more, fh))
                else:
                    cut = bisect.bisect_right(lines, bound)
                    taken += lines[:cut]
                    left.append((lines[cut:], fh))
            pending = left
            taken.sort()
            block = list(dict.fromkeys(taken))  # sorted, so a line's copies are side by side
            if block and block[0] == previous:  # a chunk with a line twice, across its blocks
                del block[0]
            if block:
                previous = block[-1]
                yield block


def merge_files(chunks: list[Path], target: Path) -> int:
    """Merge sorted chunk files into one (removing them); return its line count."""
    count = 0
    with target.open("w", encoding="utf-8", newline="\n") as fh:
        for block in merge_blocks(chunks):
            fh.write("".join(block))
            count += len(block)
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
    # both files are renamed into place only when both are complete; the Turtle is written by a
    # forked process from the lines this one sends it through a pipe as it merges them
    with atomic_write(nt_path) as nt, atomic_write(ttl_path, "wb") as ttl:
        reading, sending = os.pipe()
        _widen(sending)
        with Background(_turtle, reading, sending, ttl, PREFIXES) as turtle:
            os.close(reading)
            try:
                with open(sending, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as pipe:
                    for block in merge_blocks(chunks):
                        text = "".join(block)
                        nt.write(text)
                        pipe.write(text)
                        count += len(block)
            except BrokenPipeError:
                turtle.result()  # the writer's own error
                raise
            turtle.result()
    return ttl_path, nt_path, count


#: the pipe to the Turtle writer holds this much where the system allows (Linux: 64 KiB by
#: default, when the two processes would take turns a few kilobytes at a time)
PIPE_BYTES = 1 << 20


def _widen(fd: int) -> None:
    """Make a pipe hold up to :data:`PIPE_BYTES` (Linux; elsewhere, or above the user's limit, as it is)."""
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setsize is not None:
        try:
            fcntl.fcntl(fd, setsize, PIPE_BYTES)
        except OSError:
            pass


def _turtle(reading: int, sending: int, out: IO[bytes], prefixes: dict[str, str]) -> None:
    """In a :class:`Background` process: N-Triples from a pipe to Turtle (the same triples, in order)."""
    os.close(sending)
    with open(reading, "rb", buffering=PIPE_BYTES) as src:
        ox.serialize(ox.parse(src, format=ox.RdfFormat.N_TRIPLES), out, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    out.flush()
