"""The SPARQL 1.1 Protocol's request side: which operation, which query, which dataset.

:func:`read_operation` turns a GET or POST on the endpoint into an :class:`Operation` or
raises :class:`ApiError` with the status the protocol asks for: 400 for a repeated or empty
``query``, for a query in two places, or for text that is not UTF-8; 415 for a body of
another media type; 413 for a body over the size limit; 408 for a body that does not arrive
in time.
"""

from __future__ import annotations

import asyncio
import sys
import urllib.parse
from dataclasses import dataclass

import pyoxigraph as ox
from starlette.requests import Request

__all__ = ["ApiError", "Operation", "read_operation", "read_body"]


class ApiError(Exception):
    """An HTTP error answered in the JSON error shape."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


@dataclass(frozen=True)
class Operation:
    query: str | None  # None and update None: the client asks for the service description
    update: str | None
    default_graphs: tuple[str, ...] | None  # None: the request names no dataset
    named_graphs: tuple[str, ...] | None


async def read_body(request: Request, max_bytes: int, timeout: float) -> bytes:
    """The whole request body (chunked or not), at most ``max_bytes``, within ``timeout`` seconds.

    A body over the limit is still read (and dropped) up to 64 times the limit, so that the
    client, still sending, can read the 413; a larger declared length is refused at once.
    """
    too_big = ApiError(413, f"the request body is larger than the limit of {max_bytes} bytes", {"Connection": "close"})
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > 64 * max_bytes:
        raise too_big

    async def collect() -> bytes:
        data, seen = bytearray(), 0
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > 64 * max_bytes:
                break
            if seen <= max_bytes:
                data += chunk
        if seen > max_bytes:
            raise too_big
        return bytes(data)

    try:
        if sys.version_info >= (3, 11):  # a deadline on this task: no task of its own to start
            async with asyncio.timeout(timeout):
                return await collect()
        return await asyncio.wait_for(collect(), timeout)
    except asyncio.TimeoutError:
        raise ApiError(408, f"the request body did not arrive within {timeout:g} s",
                       {"Connection": "close"}) from None


def _pairs(text: str, where: str) -> list[tuple[str, str]]:
    try:
        return urllib.parse.parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ApiError(400, f"the {where} is not UTF-8: percent-encode UTF-8 text") from None


def _utf8(body: bytes, charset: str | None) -> str:
    if charset and charset.strip('"').lower() not in ("utf-8", "utf8"):
        raise ApiError(400, f"the request body must be UTF-8, not {charset}")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"the request body is not UTF-8 (byte {exc.start})") from None


def _iris(pairs: list[tuple[str, str]], name: str) -> tuple[str, ...]:
    out = []
    for key, value in pairs:
        if key == name:
            try:
                ox.NamedNode(value)
            except ValueError:
                raise ApiError(400, f"'{name}' is not an IRI: {value!r}") from None
            out.append(value)
    return tuple(out)


def _one(pairs: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in pairs if k == name]
    if len(values) > 1:
        raise ApiError(400, f"the request has {len(values)} '{name}' parameters: send exactly one")
    if values and not values[0].strip():
        raise ApiError(400, f"the '{name}' parameter is empty")
    return values[0] if values else None


async def read_operation(request: Request, max_bytes: int, body_timeout: float) -> Operation:
    """The operation of a GET or POST on the endpoint (see the module's docstring)."""
    pairs = _pairs(request.scope.get("query_string", b"").decode("latin-1"), "query string")
    direct = None
    if request.method == "POST":
        raw_type = request.headers.get("content-type") or ""
        media, _, params = raw_type.partition(";")
        media = media.strip().lower()
        charset = next((p.split("=", 1)[1].strip() for p in params.split(";")
                        if p.strip().lower().startswith("charset=")), None)
        body = await read_body(request, max_bytes, body_timeout)
        if media == "application/x-www-form-urlencoded":
            _utf8(body, charset)
            pairs += _pairs(body.decode("utf-8"), "form")
        elif media in ("application/sparql-query", "application/sparql-update"):
            if any(k in ("query", "update") for k, _ in pairs):
                raise ApiError(400, "the query is in the body: do not send a 'query' or 'update' parameter too")
            if media == "application/sparql-update":
                raise ApiError(403, "this endpoint is read-only: updates are refused")
            direct = _utf8(body, charset)
            if not direct.strip():
                raise ApiError(400, "the request body is empty: send the query")
        else:
            shown = media or "none"
            raise ApiError(415, f"unsupported content type '{shown}': send application/sparql-query or a form "
                                "(application/x-www-form-urlencoded)")
    query = direct if direct is not None else _one(pairs, "query")
    update = _one(pairs, "update")
    if update is not None:
        raise ApiError(403, "this endpoint is read-only: updates are refused")
    if query is None and request.method == "POST":
        raise ApiError(400, "the form has no 'query' field")
    keys = {k for k, _ in pairs}
    dataset = bool(keys & {"default-graph-uri", "named-graph-uri"})
    return Operation(
        query=query,
        update=None,
        default_graphs=_iris(pairs, "default-graph-uri") if dataset else None,
        named_graphs=_iris(pairs, "named-graph-uri") if dataset else None,
    )
