"""The HTTP connection layer under the app: limits against slow and greedy clients, and the
access log.

uvicorn's httptools protocol (llhttp, the parser of Node.js), extended (:func:`guarded_protocol`):

- a client must send a request's line and headers within ``header_timeout`` seconds of
  connecting or of its previous response (idle and half-open connections are closed; a
  partial request gets a 408);
- beyond ``max_connections`` open connections, a new one is answered 503 and closed;
- malformed HTTP gets a 400 (431 for oversized headers) in the JSON error shape.

:class:`AccessLog` writes one line per request in the Common Log Format.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass
from typing import IO, Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["Limits", "guarded_protocol", "AccessLog", "error_body"]


@dataclass(frozen=True)
class Limits:
    max_connections: int = 1000
    header_timeout: float = 10.0  # seconds for a request line and headers (and idle keep-alive)
    max_header_bytes: int = 64 * 1024


def error_body(status: int, message: str) -> bytes:
    return json.dumps({"error": {"status": status, "message": message}}, ensure_ascii=False).encode("utf-8")


_REASONS = {400: "Bad Request", 408: "Request Timeout", 431: "Request Header Fields Too Large",
            503: "Service Unavailable"}


def _raw_error(status: int, message: str) -> bytes:
    body = error_body(status, message)
    head = (f"HTTP/1.1 {status} {_REASONS[status]}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\naccess-control-allow-origin: *\r\n\r\n")
    return head.encode("ascii") + body


async def _too_many(_scope: Any, _receive: Any, send: Any) -> None:
    body = error_body(503, "the server has too many open connections: try again shortly")
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"application/json"), (b"connection", b"close"),
                            (b"retry-after", b"1")]})
    await send({"type": "http.response.body", "body": body})


class _Lingering:
    """A transport whose ``close()`` is a lingering close: the answer is sent and the write side
    shut, the client's further bytes are read and dropped for up to ``linger`` seconds, and
    only then is the socket closed. A client still sending (a body we refused, a slow upload)
    thus reads our answer instead of a connection reset."""

    def __init__(self, transport: Any, loop: Any, linger: float):
        self._t, self._loop, self._linger = transport, loop, linger
        self.lingering = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._t, name)

    def is_closing(self) -> bool:
        return self.lingering or bool(self._t.is_closing())

    def close(self) -> None:
        if self.lingering or self._t.is_closing():
            return
        self.lingering = True
        try:
            self._t.resume_reading()
            self._t.write_eof()
        except (OSError, RuntimeError, NotImplementedError):
            self._t.close()
            return
        self._loop.call_later(self._linger, self._t.close)


def guarded_protocol(limits: Limits) -> type[HttpToolsProtocol]:
    """An httptools protocol class for uvicorn with the limits above."""

    class Guarded(HttpToolsProtocol):
        _timer: Any = None
        _in_head = False  # a request has begun and its line and headers are not all in
        _head_bytes = 0  # bytes received since it began (an upper bound of its head's size)

        def connection_made(self, transport: Any) -> None:
            super().connection_made(_Lingering(transport, self.loop, 2.0))  # type: ignore[arg-type]
            if len(self.connections) > limits.max_connections:
                self.app = _too_many
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._timer = self.loop.call_later(limits.header_timeout, self._headers_late)

        def _disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def data_received(self, data: bytes) -> None:
            if getattr(self.transport, "lingering", False):
                return  # closing: drop what the client still sends
            super().data_received(data)
            if self._in_head and not self.transport.is_closing():
                self._head_bytes += len(data)
                if self._head_bytes > limits.max_header_bytes:
                    self.transport.write(_raw_error(431, f"the request line and headers are longer than "
                                                         f"{limits.max_header_bytes} bytes"))
                    self.transport.close()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head, self._head_bytes = True, 0

        def on_headers_complete(self) -> None:
            self._in_head = False
            self._disarm()  # the request line and headers are in
            # httptools.parse_url keeps offsets in 16 bits: a target over 64 KB (a long query
            # in a GET) is split here, its query string set on the scope after the parse
            query = None
            if len(self.url) > 0xFFFF and b"?" in self.url:
                self.url, _, query = self.url.partition(b"?")
            super().on_headers_complete()
            if query is not None and self.scope.get("path") is not None:
                self.scope["query_string"] = query.partition(b"#")[0]

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
                self._arm()  # no request of this connection is being answered: wait for the next

        def _headers_late(self) -> None:
            self._timer = None
            if self.transport.is_closing():
                return
            if self.cycle is not None and not self.cycle.response_complete:
                return  # a request is being read or answered (its body has a time limit of its own)
            if self._in_head:  # part of a request came, too slowly
                self.transport.write(_raw_error(408, f"the request headers did not arrive within "
                                                     f"{limits.header_timeout:g} s"))
            self.transport.close()

        def send_400_response(self, _msg: str) -> None:
            self.transport.write(_raw_error(400, "invalid HTTP request"))
            self.transport.close()

    return Guarded


class AccessLog:
    """ASGI middleware: one Common Log Format line per request on ``stream``."""

    def __init__(self, app: Any, stream: IO[str], skip_prefix: str = "/.relay/"):
        self.app, self.stream, self.skip = app, stream, skip_prefix
        self._lock = threading.Lock()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip):
            await self.app(scope, receive, send)
            return
        status, size = [500], [0]

        async def counting_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body":
                size[0] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            self._write(scope, status[0], size[0])

    def _write(self, scope: Any, status: int, size: int) -> None:
        host = (scope.get("client") or ("-",))[0]
        target = scope.get("raw_path", b"").decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        line = f'{scope["method"]} {target} HTTP/{scope.get("http_version", "1.1")}'
        line = "".join(c if " " <= c < "\x7f" and c not in '"\\' else f"\\x{ord(c):02x}" for c in line)
        when = time.strftime("%d/%b/%Y:%H:%M:%S %z", time.localtime())
        text = f'{host} - - [{when}] "{line}" {status} {size if size else "-"}\n'
        with self._lock:
            try:
                self.stream.write(text)
                self.stream.flush()
            except (OSError, ValueError):
                print("access log: cannot write", file=sys.stderr)
