"""The endpoint under concurrency and faults: `euproj-rdf serve` run as its own process.

1. Where one request's CPU goes: the query alone and with its serialisation (in this process),
   then per request the server's main process (HTTP, app, hand-off) and its query workers
   (from /proc), with the result cache off and on.
2. Latency of the seed query catalogue (queries/*.rq), one client against 20 concurrent
   clients, side by side in one run, in two workloads: a saturated closed loop (each client
   asks its next question as soon as it has the answer: a throughput test) and users who
   think (each pauses a random 0-200 ms, uniform, before every question); each with the
   result cache off (``--cache-mb 0``) and on (default; warm: every question was asked once
   before the timed runs). p50/p95 per request and the ratios.
3. Load and fault figures: 100 clients during a pathological query, a new client while 500
   idle connections are held, a body sent one byte a second, a 10 MB query, SIGTERM mid-query.

    python -m benchmarks serve                 # 20 clients, 3 rounds of the catalogue each
    python -m benchmarks serve --clients 20 --rounds 3 --workers 2 --think-ms 200 --no-faults
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import requests

from benchmarks.queries import percentile
from euproj_rdf import build, load_store
from euproj_rdf.resources import query_catalogue
from euproj_rdf.serve.worker import answer_query

ROOT = Path(__file__).resolve().parents[1]
CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
HEADERS = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}
TICK = os.sysconf("SC_CLK_TCK")


def start(store: Path, *options: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-c", "from euproj_rdf.cli import main; main()", "serve",
                             "--store", str(store), "--port", "0", *options],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    url = line.split(" at ", 1)[1].split("/ ", 1)[0]
    requests.get(url + "/sparql", params={"query": "ASK {}"}, timeout=120)
    return proc, url


def stop(proc: subprocess.Popen) -> float:
    t = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    return time.perf_counter() - t


def _cpu(pid: int) -> float:
    """User + system CPU seconds of one process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _children(pid: int) -> list[int]:
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            out += [int(c) for c in f.read().split()]
    return out


def breakdown(store: Path, queries: list[str], workers: int, reps: int) -> None:
    """CPU per request of the catalogue, by where it is spent (CPU, not wall time: a busy
    machine delays a request but does not change the work it costs)."""
    local = ox.Store.read_only(str(store))
    alone = with_ser = 0.0
    for text in queries:
        a, b = [], []
        for _ in range(reps):
            t = time.process_time()
            result = local.query(text, base_iri="http://localhost/sparql")
            if isinstance(result, ox.QuerySolutions):
                list(result)
            a.append(time.process_time() - t)
            t = time.process_time()
            answer_query(local, {"text": text, "accept": HEADERS["Accept"], "base": "http://localhost/sparql"}, 10_000)
            b.append(time.process_time() - t)
        alone, with_ser = alone + min(a), with_ser + min(b)
    del local
    n = len(queries)
    print(f"CPU per catalogue question (mean of {n}, best of {reps} runs in process): query {alone / n * 1000:.2f} ms, "
          f"query + serialisation {with_ser / n * 1000:.2f} ms")
    print(f"{'server':>14} {'main process':>13} {'workers':>8} {'total':>6}   ms of CPU per request, "
          f"{reps} passes of the catalogue")
    for label, cache_mb in (("cache off", "0"), ("cache on (hit)", "64")):
        proc, url = start(store, "--workers", str(workers), "--cache-mb", cache_mb)
        try:
            session = requests.Session()
            for text in queries:  # warm up (and fill the cache)
                session.post(url + "/sparql", data=text.encode(), headers=HEADERS, timeout=120)
            kids = _children(proc.pid)
            main0, work0 = _cpu(proc.pid), sum(_cpu(k) for k in kids)
            for _ in range(reps):
                for text in queries:
                    assert session.post(url + "/sparql", data=text.encode(), headers=HEADERS, timeout=120).ok
            per = 1000 / (reps * n)
            main_ms, work_ms = (_cpu(proc.pid) - main0) * per, (sum(_cpu(k) for k in kids) - work0) * per
            print(f"{label:>14} {main_ms:>13.2f} {work_ms:>8.2f} {main_ms + work_ms:>6.2f}")
        finally:
            stop(proc)


def client(url: str, queries: list[str], rounds: int, think: float, seed: int) -> list[float]:
    """One user: the catalogue ``rounds`` times on one keep-alive session; before each question a
    pause of uniform(0, think) seconds (not counted); the latency of each request in ms."""
    session, times, rng = requests.Session(), [], random.Random(seed)
    for _ in range(rounds):
        for text in queries:
            if think:
                time.sleep(rng.uniform(0, think))
            t = time.perf_counter()
            resp = session.post(url + "/sparql", data=text.encode(), headers=HEADERS, timeout=120)
            times.append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200, resp.text
    return times


def _run(url: str, queries: list[str], clients: int, rounds: int, think: float) -> tuple[list[float], float]:
    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        runs = list(pool.map(lambda i: client(url, queries, rounds, think, i), range(clients)))
    return [x for times in runs for x in times], time.perf_counter() - t


def latency(store: Path, workers: int, clients: int, rounds: int, think_ms: float) -> None:
    queries = [q["text"] for q in query_catalogue()]
    workloads = (("closed loop, no pause", 0.0), (f"think 0-{think_ms:g} ms", think_ms / 1000))
    print(f"{'cache':>5} {'workload':>22} {'clients':>7} {'requests':>8} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>6}"
          f"   {'p50 ×':>6} {'p95 ×':>6}")
    for cache, cache_mb in (("off", "0"), ("on", "64")):
        proc, url = start(store, "--workers", str(workers), "--cache-mb", cache_mb)
        try:
            client(url, queries, 1, 0.0, 0)  # warm up: workers, connections, and the cache when on
            for name, think in workloads:
                one, one_s = _run(url, queries, 1, rounds, think)
                many, many_s = _run(url, queries, clients, rounds, think)
                for n, times, secs in ((1, one, one_s), (clients, many, many_s)):
                    ratios = "" if n == 1 else (f"   ×{percentile(many, .5) / percentile(one, .5):>5.2f}"
                                                f" ×{percentile(many, .95) / percentile(one, .95):>5.2f}")
                    print(f"{cache:>5} {name:>22} {n:>7} {len(times):>8} {percentile(times, .5):>7.1f} "
                          f"{percentile(times, .95):>7.1f} {len(times) / secs:>6.0f}{ratios}")
        finally:
            stop(proc)


def faults(store: Path) -> None:
    proc, url = start(store, "--timeout", "6")
    try:
        with ThreadPoolExecutor(max_workers=101) as pool:
            bad = pool.submit(requests.get, url + "/sparql", params={"query": CROSS}, timeout=120)
            time.sleep(0.2)
            t = time.perf_counter()
            futures = [pool.submit(requests.get, url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=120)
                       for _ in range(100)]
            codes = [f.result().status_code for f in futures]
            spent = time.perf_counter() - t
            print(f"100 clients during a pathological query: {codes.count(200)}/100 answered 200 in {spent:.2f} s; "
                  f"the pathological query: {bad.result().status_code} at the 6 s limit")
        host, port = url.split("//")[1].rsplit(":", 1)
        idle = [socket.create_connection((host, int(port)), timeout=30) for _ in range(500)]
        t = time.perf_counter()
        resp = requests.get(url + "/sparql", params={"query": "ASK {}"}, timeout=120)
        print(f"500 idle connections held: a new client got {resp.status_code} in {(time.perf_counter() - t) * 1000:.0f} ms")
        for s in idle:
            s.close()
        with socket.create_connection((host, int(port)), timeout=60) as s:
            s.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\n")
            t = time.perf_counter()
            answer = b""
            s.settimeout(1.0)
            while not answer:
                try:
                    answer = s.recv(65536)
                except TimeoutError:
                    s.sendall(b" ")
            print(f"a body sent one byte a second: {answer.split(b' ', 2)[1].decode()} after {time.perf_counter() - t:.1f} s "
                  "(--client-timeout 10)")
        t = time.perf_counter()
        resp = requests.post(url + "/sparql", data=b"ASK {} #" + b"x" * (10 * 1024 * 1024), timeout=120,
                             headers={"Content-Type": "application/sparql-query"})
        print(f"a 10 MB query: {resp.status_code} in {time.perf_counter() - t:.2f} s")
        with ThreadPoolExecutor(max_workers=1) as pool:
            running = pool.submit(requests.get, url + "/sparql", params={"query": CROSS}, timeout=120)
            time.sleep(0.5)
            took = stop(proc)
            print(f"SIGTERM during a query: the query answered {running.result().status_code}, "
                  f"exit code {proc.returncode} after {took:.1f} s")
    finally:
        if proc.poll() is None:
            proc.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3, help="runs of the whole catalogue per client")
    ap.add_argument("--workers", type=int, default=2, help="the server's query workers")
    ap.add_argument("--think-ms", type=float, default=200, help="the longest pause before a question (uniform from 0)")
    ap.add_argument("--no-faults", action="store_true", help="skip the load and fault scenarios")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = build(ROOT / "records", Path(tmp) / "dist")
        store = Path(tmp) / "store"
        load_store(result.ntriples, store)
        queries = [q["text"] for q in query_catalogue()]
        print(f"seed catalogue ({len(queries)} queries), server with {args.workers} workers, "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
        breakdown(store, queries, args.workers, 5)
        latency(store, args.workers, args.clients, args.rounds, args.think_ms)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
        if not args.no_faults:
            faults(store)


if __name__ == "__main__":
    main()
