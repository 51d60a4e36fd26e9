"""Rows of a big input file read by a forked process while this one works on the rows before.

Parsing a file into rows (JSON decoding, CSV splitting, cell texts) needs nothing of what the
import holds, so a second core can do it: :func:`read_ahead` runs the row iterator in a forked
process, which sends the rows back in batches through a pipe (as :mod:`marshal` data: rows are
tuples, dicts and strings, which it reads back faster than :mod:`pickle`). The rows come in the
same order, and an error of the reader is raised here after the rows before it, as it would be
without it. An importer may give a ``prepare`` function, run there on each row: the part of its
work on a row that needs nothing of the import either (reading and checking its values).
"""

from __future__ import annotations

import marshal
import multiprocessing
import pickle
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from ..outputs import forget_locks
from .read import Row

__all__ = ["read_ahead", "READ_AHEAD_BYTES"]

#: files at least this big are read ahead (a smaller file is read before a process is started)
READ_AHEAD_BYTES = 4 << 20

#: rows sent at a time
_BATCH = 1000

#: bytes of batches a reading process keeps ready to send while the importer works on the rows
#: before (and one batch more)
READY_BYTES = 8 << 20

#: a row ``prepare`` made something of comes without its cells after this many rows (the first
#: keep them: enough for an importer to tell what kind of file it reads)
PREPARED_CELLS = 1000


def read_ahead(rows: Iterator[Row], prepare: Callable[[Row], Any] | None = None) -> Iterator[Row]:
    """The rows of ``rows``, made by a forked process (the iterator must not have started).

    ``prepare(row)``, run in that process, gives each row's :attr:`~.read.Row.prepared`: data
    :mod:`marshal` can send, or None (for an exception too: the importer then does the work here).
    A row with prepared data comes with empty cells after the first :data:`PREPARED_CELLS` rows:
    the importer reads what it needs from that data (sending the cells twice costs both processes).
    """
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    reader = ctx.Process(target=_read, args=(rows, send, prepare), name="read-ahead", daemon=True)
    reader.start()
    send.close()
    try:
        while True:
            try:
                data = receive.recv_bytes()
            except EOFError:
                reader.join()
                raise RuntimeError(f"the process reading ahead stopped (exit code {reader.exitcode})") from None
            if data[:1] == b"R":
                for file, n, cells, sheet, prepared in marshal.loads(data[1:]):
                    yield Row(file, n, cells, sheet, prepared)
            elif data[:1] == b"E":
                raise pickle.loads(data[1:])
            else:
                return
    finally:  # also when the caller stops early: the reader is stopped
        if reader.is_alive():
            reader.terminate()
        reader.join()
        receive.close()


def _prepared(prepare: Callable[[Row], Any] | None, row: Row) -> Any:
    if prepare is None:
        return None
    try:
        return prepare(row)
    except Exception:  # noqa: BLE001 - the importer does the work itself, and meets the error there
        return None


def _read(rows: Iterator[Row], send: Any, prepare: Callable[[Row], Any] | None = None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupts are the parent's to handle
    forget_locks()
    # batches are sent by a thread, so that this one reads on while the importer is busy with
    # the rows before (up to READY_BYTES ahead: the memory it takes is bounded)
    ready = _Ready(READY_BYTES)

    def sending() -> None:
        while (data := ready.get()) is not None:
            send.send_bytes(data)

    sender = threading.Thread(target=sending, name="read-ahead-sender", daemon=True)
    sender.start()
    try:
        _batches(rows, ready.put, prepare)
    finally:
        ready.put(None)
        sender.join()


class _Ready:
    """Batches waiting to be sent, first in first out, up to ``limit`` bytes (and one batch more:
    :meth:`put` waits while they are more); None ends them."""

    def __init__(self, limit: int):
        self._limit, self._bytes = limit, 0
        self._items: deque[bytes | None] = deque()
        self._changed = threading.Condition()

    def put(self, data: bytes | None) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._bytes <= self._limit)
            self._items.append(data)
            self._bytes += len(data or b"")
            self._changed.notify_all()

    def get(self) -> bytes | None:
        with self._changed:
            self._changed.wait_for(lambda: bool(self._items))
            data = self._items.popleft()
            self._bytes -= len(data or b"")
            self._changed.notify_all()
            return data


def _batches(rows: Iterator[Row], put: Callable[[bytes], None], prepare: Callable[[Row], Any] | None) -> None:
    batch: list[tuple[str, int, dict[str, str], str | None, Any]] = []
    seen = 0
    try:
        for row in rows:
            prepared = _prepared(prepare, row)
            seen += 1
            batch.append((row.file, row.row, row.cells if prepared is None or seen <= PREPARED_CELLS else {},
                          row.sheet, prepared))
            if len(batch) == _BATCH:
                put(b"R" + marshal.dumps(batch))
                batch = []
    except Exception as exc:  # noqa: BLE001 - raised by the parent after the rows before it
        if batch:
            put(b"R" + marshal.dumps(batch))
        try:
            put(b"E" + pickle.dumps(exc))
        except Exception as unpicklable:  # noqa: BLE001
            put(b"E" + pickle.dumps(RuntimeError(f"{type(exc).__name__}: {unpicklable}")))
        return
    if batch:
        put(b"R" + marshal.dumps(batch))
    put(b".")
