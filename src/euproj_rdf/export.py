"""Writing the dump: sorted N-Triples by external merge sort, Turtle by pyoxigraph.

Memory stays bounded whatever the input size: mapped lines are sorted and written in chunks
(:func:`write_chunk`, by each batch), merged into one sorted, de-duplicated N-Triples file, and the Turtle file
is streamed from the same lines through pyoxigraph's serializer (rdflib's is orders of magnitude
slower on large graphs), in forked processes (:class:`Background`) while the merge runs. The
merge is GNU sort's (``sort --merge --unique`` in the C locale: the same order as Python's, as
UTF-8 keeps the code points' order) where the system has it, which needs a fifth of the CPU of
merging in Python; elsewhere the chunks are merged here (:func:`merge_blocks`). Files are
written under temporary names and renamed into place only when complete, so a failed run never
leaves a half-written dump.
"""

from __future__ import annotations

import bisect
import functools
import io
import multiprocessing
import os
import resource
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from .files import atomic_write
from .outputs import forget_locks
from .vocab import PREFIXES

__all__ = ["Background", "merge_blocks", "merge_files", "merge_sorted", "sort_program", "write_chunk", "write_dump"]


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


#: bytes of the chunks' blocks a merge reads at a time, shared between the chunks
MERGE_MEMORY = 4 << 20


def merge_sorted(chunks: list[Path]) -> Iterator[str]:
    """The lines of sorted chunk files, merged and de-duplicated (each ends with a newline)."""
    for block in merge_blocks(chunks):
        yield from block


def merge_blocks(chunks: list[Path], *, memory: int = MERGE_MEMORY) -> Iterator[list[str]]:
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
    with target.open("wb") as out:
        _merge_into(chunks, out, MERGE_MEMORY)
    for p in chunks:
        p.unlink()
    return _line_count(target)


@functools.cache
def sort_program() -> str | None:
    """GNU sort, which merges sorted files in C (None where the system has another or none)."""
    path = shutil.which("sort")
    if path is None:
        return None
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30,
                                 stdin=subprocess.DEVNULL).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return path if "GNU coreutils" in version else None


def _run_sort(sort: str, chunks: list[Path], out: IO[bytes]) -> None:
    """Write the sorted, de-duplicated lines of the sorted ``chunks`` into ``out`` with GNU sort:
    byte order in the C locale (Python's order of the lines: UTF-8 keeps code points' order);
    more chunks than open files allow are merged in runs, in the chunks' folder."""
    out.flush()
    if not chunks:
        return
    files = max(2, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 16)
    done = subprocess.run(
        [sort, "--merge", "--unique", f"--batch-size={min(max(2, len(chunks)), files)}",
         f"--temporary-directory={chunks[0].parent}", "--", *map(str, chunks)],
        stdin=subprocess.DEVNULL, stdout=out.fileno(), stderr=subprocess.PIPE, env={**os.environ, "LC_ALL": "C"})
    if done.returncode:
        raise OSError(f"merging {len(chunks)} sorted chunk files into {out.name} failed: "
                      f"{done.stderr.decode('utf-8', 'replace').strip()}")


def _line_count(path: Path | str) -> int:
    """The lines of a file."""
    count = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            count += block.count(b"\n")
    return count


def _middle(path: Path | str, at: int) -> int | None:
    """The place of the first line of an N-Triples file at or after ``at`` bytes whose subject is
    not that of the line before it (None: no such line)."""
    with open(path, "rb") as fh:
        fh.seek(at)
        fh.readline()  # the rest of the line the place falls in
        start, first = fh.tell(), fh.readline()
        subject = first[:first.find(b" ") + 1]
        place = start + len(first)
        for line in fh:
            if not line.startswith(subject):
                return place
            place += len(line)
    return None


#: The most chunk files merged at once (open files stay well under the usual limit of 1024).
MERGE_FAN_IN = 128


#: chunks of at least this many bytes in all have their Turtle written in two halves at once,
#: each by its own process (the writer is the slowest part of writing the dump), joined at a subject
SPLIT_BYTES = 64 << 20


def write_dump(chunks: list[Path], out_dir: Path, *, stem: str = "euproj", split_bytes: int = SPLIT_BYTES,
               memory: int = MERGE_MEMORY) -> tuple[Path, Path, int]:
    """Write ``<stem>.nt`` (sorted, canonical) and ``<stem>.ttl`` atomically; return paths and triple count.

    ``memory``: bytes of the chunks' blocks read at a time (:func:`merge_blocks`).
    """
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
    size = sum(c.stat().st_size for c in chunks)
    split = size >= split_bytes and (os.cpu_count() or 1) > 1
    # both files are renamed into place only when both are complete
    with atomic_write(nt_path, "wb") as nt, atomic_write(ttl_path, "wb") as ttl:
        count = _write(chunks, nt, ttl, size // 2 if split else None, memory)
    return ttl_path, nt_path, count


def _merge_into(chunks: list[Path], out: IO[bytes], memory: int) -> None:
    """The merged lines of the sorted chunks into ``out``: by GNU sort where the system has it."""
    sort = sort_program()
    if sort is not None:
        _run_sort(sort, chunks, out)
        return
    for block in merge_blocks(chunks, memory=memory):
        out.write("".join(block).encode("utf-8"))
    out.flush()


def _write(chunks: list[Path], nt: IO[bytes], ttl: IO[bytes], at: int | None, memory: int) -> int:
    """The chunks merged into the N-Triples file (:func:`_merge_into`) while a forked process
    writes its Turtle, reading the file as it grows. With ``at``, that process stops at the first subject
    past ``at`` bytes, found once the file is complete (until then it reads no further than
    ``at``), and a second one writes the rest into a scratch file, then appended to the Turtle
    without its prefixes."""
    ctx = multiprocessing.get_context("fork")
    with ExitStack() as stack:
        bounds = []
        writers = []

        def writer(out: IO[bytes], start: int, limit: int | None) -> None:
            receive, send = ctx.Pipe(duplex=False)
            writers.append(stack.enter_context(Background(_turtle_of_file, nt.name, receive, out, PREFIXES, limit)))
            receive.close()
            send.send(start)
            bounds.append(send)

        writer(ttl, 0, at)
        _merge_into(chunks, nt, memory)
        end = os.fstat(nt.fileno()).st_size
        middle = _middle(nt.name, at) if at is not None else None
        bounds[0].send(end if middle is None else middle)
        if middle is not None:
            part = stack.enter_context(tempfile.TemporaryFile(dir=Path(nt.name).parent))
            writer(part, middle, None)
            bounds[1].send(end)
        count = _line_count(nt.name)  # while the writers write
        for started in writers:
            started.result()
        if middle is not None:
            _append_without_prefixes(part, ttl)
    return count


class _Growing(io.RawIOBase):
    """Bytes of a file another process is writing, from a start to an end that ``bounds`` gives
    (the end may come later: until then, reading waits for more bytes or for the end, and reads
    no further than ``limit``, where one is given, a place the end will not come before)."""

    def __init__(self, fd: int, bounds: Any, limit: int | None = None):
        self._fd, self._bounds, self._limit = fd, bounds, limit
        self._pos: int = bounds.recv()
        self._end: int | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            if self._end is None and self._bounds.poll():
                self._end = self._bounds.recv()
            known = self._end is not None  # before the read: every byte up to it is on disk
            stop = self._end if known else self._limit
            want = len(buffer) if stop is None else min(len(buffer), stop - self._pos)
            if want <= 0:
                if known:
                    return 0
                self._bounds.poll(0.01)  # at the limit: wait for the end
                continue
            data = os.pread(self._fd, want, self._pos)
            if self._end is None and self._bounds.poll():  # bytes beyond the end are written only
                self._end = self._bounds.recv()          # after it is sent: cut them off
                data = data[:max(0, self._end - self._pos)]
            if data:
                buffer[:len(data)] = data
                self._pos += len(data)
                return len(data)
            if known:
                raise RuntimeError("the N-Triples file ended before the end the merge gave")
            if self._end is not None:  # it came after the read, which may have been too early
                continue
            self._bounds.poll(0.01)  # wait for more bytes, or for the end


def _turtle_of_file(path: str, bounds: Any, out: IO[bytes], prefixes: dict[str, str],
                    limit: int | None = None) -> None:
    """In a :class:`Background` process: Turtle of the part of a growing N-Triples file ``bounds``
    gives (see :class:`_Growing`)."""
    with open(path, "rb", buffering=0) as raw:
        src = io.BufferedReader(_Growing(raw.fileno(), bounds, limit), READ_BYTES)
        ox.serialize(ox.parse(src, format=ox.RdfFormat.N_TRIPLES), out, format=ox.RdfFormat.TURTLE,
                     prefixes=prefixes)
    out.flush()


def _turtle_prefixes() -> bytes:
    """What the Turtle writer writes before the first triple: the prefixes."""
    out = io.BytesIO()
    triple = ox.Triple(ox.NamedNode("urn:euproj:s"), ox.NamedNode("urn:euproj:p"), ox.NamedNode("urn:euproj:o"))
    ox.serialize([triple], out, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    text = out.getvalue()
    return text[:text.rindex(b"<urn:euproj:s>")]


def _append_without_prefixes(part: IO[bytes], ttl: IO[bytes]) -> None:
    """The second half of the Turtle appended to the first, its prefixes left out (all of it when
    the first half is empty; nothing when the second is)."""
    ttl.flush()
    ttl.seek(0, os.SEEK_END)  # after what the first writer wrote, through the same descriptor
    if not part.seek(0, os.SEEK_END):
        return
    part.seek(0)
    if ttl.tell():
        prefixes = _turtle_prefixes()
        if part.read(len(prefixes)) != prefixes:
            raise RuntimeError("the second half of the Turtle does not start with the prefixes")
    shutil.copyfileobj(part, ttl, 1 << 20)


#: bytes a Turtle writer reads of the N-Triples file at a time
READ_BYTES = 1 << 20
