"""`serve` under load and faults, on loopback, with generous bounds that hold on a busy machine
(no timed asserts: a bound only says "eventually", and the figures are in benchmarks/):

- 500 idle connections held open do not stop a new client; idle connections are closed;
- a client that sends its headers or body one byte a second is cut at the timeout (408);
- a 10 MB query is refused with 413;
- SIGTERM during a query: the query is answered, the server exits cleanly;
- `load` while serving: every worker switches to the new store at once, never a mix;
- a worker's start-up never counts against a query's time limit.
"""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from euproj_rdf.serve import Endpoint, ServerSettings
from euproj_rdf.store import load_store

CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
GREAT = "ASK { <https://w3id.org/euproj/id/project/great> ?p ?o }"
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def store(seed_build, tmp_path_factory):
    path = tmp_path_factory.mktemp("load") / "store"
    load_store(seed_build.ntriples, path)
    return path


def _ask(url: str, query: str, timeout: float = 120) -> requests.Response:
    return requests.get(url + "/sparql", params={"query": query}, headers=JSON, timeout=timeout)


def _eventually(check, limit: float = 60.0) -> bool:
    """Poll ``check`` until it holds or ``limit`` seconds have passed (a generous bound, not a measure)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return check()


def _closed(sock: socket.socket) -> bool:
    sock.settimeout(0.01)
    try:
        return sock.recv(65536) == b"" or True
    except (TimeoutError, BlockingIOError):
        return False
    except OSError:
        return True


def test_500_idle_connections_do_not_stop_a_new_client(store):
    with Endpoint(ServerSettings(store=store, header_timeout=120), port=0) as server:
        idle = [socket.create_connection(("127.0.0.1", server.port), timeout=30) for _ in range(500)]
        try:
            resp = _ask(server.url, "ASK {}")
            assert resp.status_code == 200 and resp.json()["boolean"] is True
        finally:
            for s in idle:
                s.close()


def test_idle_connections_are_closed_at_the_timeout(store):
    with Endpoint(ServerSettings(store=store, header_timeout=1), port=0) as server:
        idle = [socket.create_connection(("127.0.0.1", server.port), timeout=30) for _ in range(50)]
        try:
            assert _eventually(lambda: all(_closed(s) for s in idle))
        finally:
            for s in idle:
                s.close()


def test_connections_beyond_the_limit_get_503(store):
    with Endpoint(ServerSettings(store=store, max_connections=20, header_timeout=120), port=0) as server:
        idle = [socket.create_connection(("127.0.0.1", server.port), timeout=30) for _ in range(20)]
        try:
            resp = _ask(server.url, "ASK {}")
            assert resp.status_code == 503
            assert resp.json() == {"error": {"status": 503, "message": "the server has too many open connections: "
                                                                       "try again shortly"}}
        finally:
            for s in idle:
                s.close()
        assert _eventually(lambda: _ask(server.url, "ASK {}").status_code == 200)


def _trickle(port: int, head: bytes, trickle: bytes) -> bytes:
    """Send ``head`` at once, then ``trickle`` one byte a second; what the server answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(head)
        answer = b""
        s.settimeout(1.0)
        for i in range(len(trickle)):
            try:
                chunk = s.recv(65536)
                answer += chunk
                if not chunk:
                    break
            except TimeoutError:
                pass
            try:
                s.sendall(trickle[i:i + 1])
            except OSError:
                break
        s.settimeout(30)
        try:
            while chunk := s.recv(65536):
                answer += chunk
        except OSError:
            pass
        return answer


def test_a_body_sent_one_byte_a_second_is_cut(store):
    with Endpoint(ServerSettings(store=store, body_timeout=2), port=0) as server:
        query = b"ASK { ?s ?p ?o } " + b" " * 100
        head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                b"Content-Length: %d\r\n\r\n" % len(query))
        answer = _trickle(server.port, head, query).decode()
    assert answer.startswith("HTTP/1.1 408")
    assert answer.endswith('{"error": {"status": 408, "message": "the request body did not arrive within 2 s"}}')


def test_headers_sent_one_byte_a_second_are_cut(store):
    with Endpoint(ServerSettings(store=store, header_timeout=2), port=0) as server:
        answer = _trickle(server.port, b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\n", b"X-Slow: " + b"a" * 100).decode()
    assert answer.startswith("HTTP/1.1 408")
    assert answer.endswith('{"error": {"status": 408, "message": "the request headers did not arrive within 2 s"}}')


def test_a_10_mb_query_is_413(store):
    with Endpoint(ServerSettings(store=store), port=0) as server:
        query = "ASK {} #" + "x" * (10 * 1024 * 1024)
        resp = requests.post(server.url + "/sparql", data=query.encode(), timeout=120,
                             headers={"Content-Type": "application/sparql-query"})
        assert resp.status_code == 413
        assert resp.json() == {"error": {"status": 413, "message": "the request body is larger than the limit of "
                                                                   "1048576 bytes"}}
        assert _ask(server.url, "ASK {}").status_code == 200


def test_sigterm_during_a_query_exits_cleanly(store):
    proc = subprocess.Popen([sys.executable, "-c", "from euproj_rdf.cli import main; main()", "serve",
                             "--store", str(store), "--port", "0", "--timeout", "4"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("Serving "), line + proc.stderr.read()
        url = line.split(" at ", 1)[1].split("/ ", 1)[0]
        assert _eventually(lambda: _ask(url, "ASK {}", timeout=30).status_code == 200)
        with ThreadPoolExecutor(max_workers=1) as pool:
            running = pool.submit(_ask, url, CROSS)
            time.sleep(0.5)
            proc.send_signal(signal.SIGTERM)
            resp = running.result()
        # the query in flight was answered: cut at the time limit
        assert resp.status_code == 503
        assert resp.json()["error"]["message"] == "the query ran longer than the time limit of 4 s and was stopped"
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert out == "Stopped.\n"
    assert "Traceback" not in err
    assert [p.name for p in store.parent.iterdir() if "-serving-" in p.name] == []


@pytest.mark.parametrize("cache_bytes", [0, 1024 * 1024], ids=["no-cache", "cache"])
def test_load_while_serving_switches_every_worker_at_once(store, seed_build, tmp_path, cache_bytes):
    """After `load`, the same query never alternates between the old and the new graph, and a
    deleted entity is no longer served; with the result cache or without (then every answer
    comes from a worker)."""
    kept = [line for line in seed_build.ntriples.read_text().splitlines(keepends=True)
            if not line.startswith("<https://w3id.org/euproj/id/project/great")]
    (tmp_path / "smaller.nt").write_text("".join(kept))
    mine = tmp_path / "store"
    load_store(seed_build.ntriples, mine)
    with Endpoint(ServerSettings(store=mine, workers=3, cache_bytes=cache_bytes), port=0) as server:
        assert _ask(server.url, GREAT).json()["boolean"] is True
        load_store(tmp_path / "smaller.nt", mine)
        assert _eventually(lambda: _ask(server.url, GREAT).json()["boolean"] is False)
        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = list(pool.map(lambda _: _ask(server.url, GREAT).json()["boolean"], range(60)))
        assert answers == [False] * 60
        assert requests.get(server.url + "/id/project/great", timeout=60).status_code == 404
        assert server.pool.switches == 1
    assert [p.name for p in tmp_path.iterdir() if "-serving-" in p.name] == []


def test_worker_start_up_does_not_count_against_the_time_limit(store):
    """Regression: right after a worker was killed at the time limit, a light query goes to a
    ready worker (or waits for the new one to be ready) and is answered, never a 503."""
    with Endpoint(ServerSettings(store=store, timeout=1, workers=1, cache_bytes=0), port=0) as server:
        assert _ask(server.url, CROSS).status_code == 503  # the only worker is killed and replaced
        for _ in range(5):
            resp = _ask(server.url, "ASK {}")
            assert resp.status_code == 200, resp.text


def test_a_light_query_is_not_stalled_by_heavy_ones(store):
    """Two heavy queries (= the number of workers) do not stall a light one until the time limit:
    extra workers start for it."""
    with Endpoint(ServerSettings(store=store, timeout=30, workers=2, heavy_after=0.5), port=0) as server:
        with ThreadPoolExecutor(max_workers=2) as pool:
            heavy = [pool.submit(_ask, server.url, CROSS) for _ in range(2)]
            time.sleep(0.2)
            light = _ask(server.url, "ASK {}")
            assert light.status_code == 200
            assert not any(h.done() for h in heavy)  # answered while both heavy queries still ran
            assert [h.result().status_code for h in heavy] == [503, 503]


def test_access_log_is_common_log_format(store, tmp_path):
    log = tmp_path / "access.log"
    with Endpoint(ServerSettings(store=store, access_log=log), port=0) as server:
        _ask(server.url, "ASK {}")
        requests.get(server.url + "/nowhere", timeout=30)
    lines = log.read_text().splitlines()
    pattern = r'^127\.0\.0\.1 - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "%s" %s$'
    assert re.match(pattern % (r"GET /sparql\?query=ASK\+%7B%7D HTTP/1\.1", r"200 \d+"), lines[0]), lines[0]
    assert re.match(pattern % ("GET /nowhere HTTP/1.1", r"404 \d+"), lines[1]), lines[1]


def test_waiting_queries_take_turns_per_client(store):
    """One client's burst does not starve another: with one worker held by a long query, five
    queued queries of client A and then one of client B are served A, B, A, A, A, A."""
    from euproj_rdf.serve.pool import PoolSettings, QueryPool

    async def scenario() -> list[str]:
        pool = QueryPool(PoolSettings(store=store, workers=1, timeout=2, heavy_after=1e9))
        await pool.start()
        done: list[str] = []

        async def ask(name: str, client: str, text: str) -> None:
            await pool.run({"kind": "query", "text": text, "accept": ""}, client)
            done.append(name)

        try:
            hold = asyncio.ensure_future(ask("hold", "C", CROSS))
            await asyncio.sleep(0.2)
            tasks = [asyncio.ensure_future(ask(f"A{i}", "A", "ASK {}")) for i in range(1, 6)]
            await asyncio.sleep(0)
            tasks.append(asyncio.ensure_future(ask("B1", "B", "ASK {}")))
            await asyncio.gather(hold, *tasks)
        finally:
            await pool.close()
        return done

    assert asyncio.run(scenario()) == ["hold", "A1", "B1", "A2", "A3", "A4", "A5"]
