"""The one HTTP client: retries on 429/5xx honouring Retry-After, never-repeated requests,
our User-Agent, and a typed error when nothing answers. Against a real (tiny) HTTP server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from euproj_rdf import __version__
from euproj_rdf.errors import LinkError, StoreError
from euproj_rdf.http import HttpClient
from tests.servers import free_port


class _Flaky(BaseHTTPRequestHandler):
    """Answers 503 (Retry-After: 0) to the first ``failures`` requests, then 200."""

    failures = 2
    seen: list[tuple[str, str]] = []

    def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.seen.append((self.command, self.headers.get("User-Agent", "")))
        if len(self.seen) <= self.failures:
            self.send_response(503)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"busy")
            return
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def flaky() -> Iterator[str]:
    _Flaky.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_busy_answers_are_retried_after_what_retry_after_asks(flaky):
    resp = HttpClient(retries=3, backoff=0.01).request("POST", flaky, data=b"x")
    assert resp.status_code == 200 and resp.text == "ok"
    assert len(_Flaky.seen) == 3
    assert all(agent.startswith(f"euproj-rdf/{__version__} ") for _, agent in _Flaky.seen)


def test_a_request_that_must_not_be_repeated_is_sent_once(flaky):
    resp = HttpClient(retries=3, backoff=0.01).request("POST", flaky, data=b"MOVE", retry=False)
    assert resp.status_code == 503
    assert len(_Flaky.seen) == 1


def test_when_retries_run_out_the_last_answer_is_returned(flaky):
    resp = HttpClient(retries=1, backoff=0.01).request("POST", flaky, data=b"x")
    assert resp.status_code == 503 and len(_Flaky.seen) == 2


def test_nothing_answering_is_the_clients_error():
    url = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(StoreError) as info:
        HttpClient(retries=1, backoff=0.01).request("GET", url, step="asking")
    assert str(info.value) == f"asking: cannot reach {url}: ConnectionError"
    client = HttpClient(error=LinkError, retries=0, unreachable="no endpoint at {url} ({error})")
    with pytest.raises(LinkError) as link_info:
        client.request("GET", url)
    assert str(link_info.value) == f"no endpoint at {url} (ConnectionError)"
