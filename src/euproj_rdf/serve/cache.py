"""A bounded cache of query answers, so that a question asked again is answered without running it.

An answer is stored under everything that decides it: the store generation that answered
(:attr:`.pool.QueryPool.generation`, which changes the moment ``load``'s new store takes
over, so an answer of the old store is never served again), the exact query text, the
endpoint's IRI (the query's base IRI), the protocol dataset, and the media types negotiated
from ``Accept`` for solutions and for graphs (so ``Accept`` headers written differently that
choose the same types share an entry). Only complete answers (status 200) are kept: errors,
time-outs and refusals are not, and neither are federated queries (a remote endpoint's answer
may change at any time) nor queries that call ``NOW``, ``RAND``, ``UUID`` or ``STRUUID`` (a new
value each time they run; :func:`repeatable`).

The bound is in bytes (answer bodies, query texts and a fixed cost per entry); the least
recently used entries go first. An answer larger than the whole bound is not stored.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Hashable

__all__ = ["ResultCache", "ENTRY_COST", "repeatable"]

Answer = tuple[int, str, bytes]
ENTRY_COST = 256  # bytes counted per entry beyond its body and query text (key, tuple, bookkeeping)
_FRESH = re.compile(r"\b(?:NOW|RAND|UUID|STRUUID)\s*\(", re.IGNORECASE)


def repeatable(query: str) -> bool:
    """False when the query calls a function with a new value on every run (then its answer is
    never cached). A mention in a string or comment counts too: such a query is just run.

    >>> repeatable("SELECT ?s WHERE { ?s ?p ?o }"), repeatable("SELECT (now() AS ?t) {}")
    (True, False)
    """
    return _FRESH.search(query) is None


class ResultCache:
    """LRU by bytes; ``max_bytes`` 0 turns it off (nothing is stored, every look-up misses)."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max(0, max_bytes)
        self._entries: OrderedDict[Hashable, tuple[Answer, int]] = OrderedDict()
        self.size = 0  # bytes counted now
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> Answer | None:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[0]

    def put(self, key: Hashable, answer: Answer, text: str = "") -> bool:
        """Store a complete answer (status 200 only); True when it was stored."""
        if not self.enabled or answer[0] != 200:
            return False
        cost = len(answer[2]) + len(text.encode("utf-8")) + ENTRY_COST
        if cost > self.max_bytes:
            return False
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= old[1]
        self._entries[key] = (answer, cost)
        self.size += cost
        while self.size > self.max_bytes:
            _, (_, dropped) = self._entries.popitem(last=False)
            self.size -= dropped
        return True

    def clear(self) -> None:
        self._entries.clear()
        self.size = 0
