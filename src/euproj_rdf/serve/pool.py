"""The query worker processes: a time limit per query, fair turns per client, one store for all.

- Every query runs in a worker process; one that overruns the time limit is killed and
  replaced, and its client gets a 503. The clock starts when a *ready* worker takes the job:
  a worker reports ready only after it has opened the store, so start-up never counts.
- Waiting jobs are served round-robin per client (the client's address), so one client's
  burst does not starve the others. A job running longer than ``heavy_after`` seconds counts
  as heavy and an extra worker is started in its place (up to ``workers`` extra): light
  queries wait at most about ``heavy_after`` plus a worker's start-up behind heavy ones.
- Workers of one *generation* all read one private snapshot of the store. When ``load``
  swaps a new store in, a new generation is started beside the old one and, once all its
  workers are ready, takes every new job at once; the old workers finish what they run and
  exit. Never a mix. Each generation has a number (:attr:`QueryPool.generation`); an answer
  says which generation gave it (:meth:`QueryPool.run_tagged`), and ``on_switch`` callbacks
  run the moment a new generation takes over (the result cache is emptied there).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing as mp
import os
import shutil
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .snapshot import Identity, identity, remove_stale_snapshots, take_snapshot
from .worker import worker_main

__all__ = ["QueryPool", "PoolSettings", "Answer"]

Answer = tuple[int, str, bytes]
log = logging.getLogger("euproj_rdf.serve")


@dataclass(frozen=True)
class PoolSettings:
    store: Path
    workers: int = 2
    timeout: float = 10.0  # seconds a query may run
    max_results: int = 10_000
    heavy_after: float = 1.0  # seconds after which a running job counts as heavy
    queue_limit: int = 1000  # jobs that may wait; a 503 beyond
    queue_wait: float | None = None  # seconds a job may wait for a worker (default: time limit + 30 s)
    watch_interval: float = 0.5  # seconds between looks at the store folder


@dataclass(eq=False)
class _Generation:
    folder: Path
    ident: Identity
    number: int
    workers: set[_Worker] = field(default_factory=set)
    starting: int = 0
    heavy: int = 0


@dataclass(eq=False)
class _Worker:
    proc: Any
    conn: Any
    gen: _Generation
    heavy: bool = False


def _wait_ready(conn: Any, limit: float) -> str | None:
    """None once the worker has opened its store, else why not."""
    try:
        if not conn.poll(limit):
            return f"not ready after {limit:g} s"
        msg = conn.recv()
    except (EOFError, OSError) as exc:
        return f"exited while starting ({exc.__class__.__name__})"
    return None if msg[0] == "ready" else str(msg[1])


class QueryPool:
    """Use inside a running event loop: ``await pool.start()``, ``await pool.run(job, client)``,
    ``await pool.close()``."""

    def __init__(self, settings: PoolSettings):
        if not Path(settings.store).is_dir():
            raise StoreError(f"no store at '{settings.store}': run 'euproj-rdf build' and 'euproj-rdf load' first")
        self.s = settings
        self._ctx = mp.get_context("spawn")
        self._threads = ThreadPoolExecutor(max_workers=4 * settings.workers + 4, thread_name_prefix="pool")
        self._idle: list[_Worker] = []
        self._queues: OrderedDict[str, deque] = OrderedDict()
        self._pending = 0
        self._gens: list[_Generation] = []
        self._current: _Generation | None = None
        self._watcher: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._closing = False
        self.switches = 0  # generations taken over since start (for tests and logs)
        self.on_switch: list[Callable[[], None]] = []  # called when a new generation takes over
        self._numbers = 0

    # ----------------------------------------------------------------------------- life cycle
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        store = Path(self.s.store)
        await self._loop.run_in_executor(self._threads, remove_stale_snapshots, store)
        gen = await self._new_generation()
        if gen is None:
            raise StoreError(f"cannot open the store at '{store}'")
        self._current = gen
        self._idle.extend(gen.workers)
        self._watcher = self._loop.create_task(self._watch())

    async def close(self) -> None:
        self._closing = True
        if self._watcher:
            self._watcher.cancel()
        for task in list(self._tasks):
            task.cancel()
        for gen in self._gens:
            for w in list(gen.workers):
                self._kill(w)
        for gen in self._gens:
            shutil.rmtree(gen.folder, ignore_errors=True)
        self._threads.shutdown(wait=False, cancel_futures=True)

    def _spawn_task(self, coro: Any) -> None:
        task = self._loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _new_generation(self) -> _Generation | None:
        """A snapshot of the store and ``workers`` ready workers on it; None when it failed."""
        store = Path(self.s.store)
        try:
            folder, ident = await self._loop.run_in_executor(self._threads, take_snapshot, store)
        except OSError as exc:
            log.warning("cannot take a snapshot of %s: %s", store, exc)
            return None
        self._numbers += 1
        gen = _Generation(folder, ident, self._numbers)
        self._gens.append(gen)
        started = await asyncio.gather(*(self._spawn(gen) for _ in range(self.s.workers)))
        if not all(started):
            self._drop(gen)
            return None
        return gen

    async def _spawn(self, gen: _Generation) -> bool:
        gen.starting += 1
        try:
            parent, child = self._ctx.Pipe()
            proc = self._ctx.Process(target=worker_main, args=(str(gen.folder), self.s.max_results, child), daemon=True)
            await self._loop.run_in_executor(self._threads, proc.start)
            child.close()
            problem = await self._loop.run_in_executor(self._threads, _wait_ready, parent, 120.0)
        finally:
            gen.starting -= 1
        if problem is not None or self._closing:
            if problem:
                log.warning("a query worker did not start: %s", problem)
            proc.kill()
            parent.close()
            return False
        worker = _Worker(proc, parent, gen)
        gen.workers.add(worker)
        if gen is self._current:
            self._release(worker)
        return True

    async def _watch(self) -> None:
        """Follow ``load``: when another folder sits at the store's path, switch generations."""
        while True:
            await asyncio.sleep(self.s.watch_interval)
            now = identity(Path(self.s.store))
            if now is None or self._current is None or now == self._current.ident:
                continue
            try:
                gen = await self._new_generation()
            except Exception:  # noqa: BLE001 - keep serving the current store, try again later
                log.exception("cannot start workers on the new store at %s", self.s.store)
                continue
            if gen is None or self._closing:
                continue
            old, self._current = self._current, gen
            self.switches += 1
            for callback in self.on_switch:
                callback()
            for w in [w for w in self._idle if w.gen is old]:
                self._idle.remove(w)
                self._retire(w)
            self._idle.extend(gen.workers)
            self._tidy(old)
            log.info("serving the new store from %s", self.s.store)
            self._dispatch()

    # ----------------------------------------------------------------------------- workers
    def _target(self, gen: _Generation) -> int:
        return self.s.workers + min(gen.heavy, self.s.workers)

    def _ensure_capacity(self) -> None:
        gen = self._current
        if gen is None or self._closing:
            return
        missing = self._target(gen) - len(gen.workers) - gen.starting
        for _ in range(max(0, missing)):
            self._spawn_task(self._spawn(gen))

    def _release(self, worker: _Worker) -> None:
        """A worker done with its job: back to work, or retired when it is surplus or outdated."""
        gen = worker.gen
        surplus = len(gen.workers) > self._target(gen)
        if gen is not self._current or surplus or self._closing:
            self._retire(worker)
            return
        self._idle.append(worker)
        self._dispatch()

    def _retire(self, worker: _Worker) -> None:
        worker.gen.workers.discard(worker)
        with contextlib.suppress(OSError):
            worker.conn.close()  # the worker exits at end of input
        self._loop.run_in_executor(self._threads, worker.proc.join, 5.0)
        self._tidy(worker.gen)

    def _kill(self, worker: _Worker) -> None:
        worker.gen.workers.discard(worker)
        if worker in self._idle:
            self._idle.remove(worker)
        worker.proc.kill()
        with contextlib.suppress(OSError):
            worker.conn.close()
        if not self._closing:
            self._loop.run_in_executor(self._threads, worker.proc.join, 5.0)
            self._tidy(worker.gen)
            self._ensure_capacity()

    def _tidy(self, gen: _Generation) -> None:
        """Delete an old generation's snapshot once its last worker is gone."""
        if gen is not self._current and not gen.workers and not gen.starting and gen in self._gens:
            self._drop(gen)

    def _drop(self, gen: _Generation) -> None:
        for w in list(gen.workers):
            self._kill(w)
        if gen in self._gens:
            self._gens.remove(gen)
        self._loop.run_in_executor(self._threads, shutil.rmtree, gen.folder, True)

    # ----------------------------------------------------------------------------- jobs
    def _dispatch(self) -> None:
        while self._idle and self._pending:
            client, jobs = next(iter(self._queues.items()))
            slot = jobs.popleft()
            self._pending -= 1
            del self._queues[client]
            if jobs:
                self._queues[client] = jobs  # to the back of the round
            if not slot.done():
                slot.set_result(self._idle.pop())

    @property
    def generation(self) -> int:
        """The number of the generation that takes new jobs (0 before start)."""
        return self._current.number if self._current else 0

    async def run(self, job: dict[str, Any], client: str) -> Answer:
        """(status, content type, body) of a job, within the time limit."""
        return (await self.run_tagged(job, client))[0]

    async def run_tagged(self, job: dict[str, Any], client: str) -> tuple[Answer, int]:
        """The answer of a job and the number of the generation whose worker gave it (0: none did)."""
        if self._closing:
            return (503, "text/plain", b"the server is shutting down"), 0
        if self._pending >= self.s.queue_limit:
            return (503, "text/plain", b"the server is busy: too many queries are waiting; try again later"), 0
        if self._idle and not self._pending:  # a worker is free and nobody waits: no turn to take
            worker = self._idle.pop()
            return await self._execute(worker, job), worker.gen.number
        slot: asyncio.Future = self._loop.create_future()
        self._queues.setdefault(client, deque()).append(slot)
        self._pending += 1
        self._dispatch()
        wait = self.s.queue_wait if self.s.queue_wait is not None else self.s.timeout + 30.0
        try:
            await asyncio.wait_for(asyncio.shield(slot), wait)
        except (asyncio.TimeoutError, asyncio.CancelledError) as exc:
            if slot.done() and not slot.cancelled():
                worker = slot.result()
                if isinstance(exc, asyncio.CancelledError):
                    self._release(worker)
                    raise
            else:
                slot.cancel()
                if isinstance(exc, asyncio.CancelledError):
                    raise
                return (503, "text/plain", (f"the server is busy: no query worker was free within {wait:g} s; "
                                            "try again").encode()), 0
        worker = slot.result()
        return await self._execute(worker, job), worker.gen.number

    async def _execute(self, worker: _Worker, job: dict[str, Any]) -> Answer:
        heavy = self._loop.call_later(self.s.heavy_after, self._turn_heavy, worker)
        try:
            worker.conn.send(job)
            answer = await self._answer_of(worker)
        except asyncio.TimeoutError:
            self._end_job(worker, heavy, kill=True)
            return 503, "text/plain", (f"the query ran longer than the time limit of {self.s.timeout:g} s "
                                       "and was stopped").encode()
        except asyncio.CancelledError:
            self._end_job(worker, heavy, kill=True)
            raise
        except Exception as exc:  # noqa: BLE001 - EOFError, OSError: the worker is gone or broken
            self._end_job(worker, heavy, kill=True)
            return 500, "text/plain", f"the query worker ended unexpectedly ({exc.__class__.__name__})".encode()
        self._end_job(worker, heavy, kill=False)
        return answer

    async def _answer_of(self, worker: _Worker) -> Answer:
        """The worker's answer within the time limit (else :class:`asyncio.TimeoutError`), read
        by the event loop once the worker starts writing it (no thread or task in between: each
        costs more than a small answer takes). The worker writes an answer whole, as soon as it
        is made, so reading it never waits on the query; the largest answers (the row cap) take
        milliseconds to read."""
        fut: asyncio.Future = self._loop.create_future()
        fd = worker.conn.fileno()

        def readable() -> None:
            if fut.done():
                return
            try:
                fut.set_result(worker.conn.recv())
            except Exception as exc:  # noqa: BLE001 - a broken pipe or a garbled answer: the job fails
                fut.set_exception(exc)

        def late() -> None:
            if not fut.done():
                fut.set_exception(asyncio.TimeoutError())

        self._loop.add_reader(fd, readable)
        # uvloop (libuv) makes a descriptor it polls non-blocking; the pipe's reads and writes
        # are whole messages, made for a blocking descriptor
        os.set_blocking(fd, True)
        limit = self._loop.call_later(self.s.timeout, late)
        try:
            return await fut
        finally:  # also when cut at the time limit: the reader is gone before the worker is killed
            limit.cancel()
            self._loop.remove_reader(fd)

    def _end_job(self, worker: _Worker, heavy: asyncio.TimerHandle, *, kill: bool) -> None:
        """A job is over: the worker no longer counts as heavy, then it is killed or released."""
        heavy.cancel()
        if worker.heavy:
            worker.heavy = False
            worker.gen.heavy -= 1
        if kill:
            self._kill(worker)
        else:
            self._release(worker)

    def _turn_heavy(self, worker: _Worker) -> None:
        if worker.gen.workers and worker in worker.gen.workers:
            worker.heavy = True
            worker.gen.heavy += 1
            self._ensure_capacity()

    def stats(self) -> dict[str, int]:
        gen = self._current
        return {"workers": len(gen.workers) if gen else 0, "idle": len(self._idle), "waiting": self._pending,
                "generations": len(self._gens), "switches": self.switches}

