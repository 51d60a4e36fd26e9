"""The endpoint's settings: one frozen dataclass, filled by ``euproj-rdf serve``'s options."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..vocab import DATA

__all__ = ["ServerSettings"]


@dataclass(frozen=True)
class ServerSettings:
    store: Path
    base_iri: str = DATA
    timeout: float = 10.0  # seconds a query may run
    max_results: int = 10_000  # rows (or triples) a query may return
    workers: int = 2  # query worker processes (more start while queries run long)
    allow_service: tuple[str, ...] = ()  # SERVICE endpoints queries may name (exact URLs)
    service_timeout: float | None = None  # seconds a SERVICE endpoint may take (default: the time limit)
    service_max_bytes: int = 16 * 1024 * 1024  # bytes a SERVICE endpoint may answer
    max_body: int = 1024 * 1024  # bytes of a request body
    header_timeout: float = 10.0  # seconds for a request's line and headers, and idle keep-alive
    body_timeout: float = 10.0  # seconds for a request's body
    max_connections: int = 1000  # open connections; a 503 beyond
    max_waiting: int = 1000  # queries waiting for a worker; a 503 beyond
    heavy_after: float = 1.0  # seconds after which a running query counts as heavy (see pool)
    access_log: Path | None = None  # Common Log Format; Path("-") for standard output
    cache_bytes: int = 64 * 1024 * 1024  # bytes of answers kept to answer repeated queries; 0: no cache
