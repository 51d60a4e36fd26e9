"""The endpoint under concurrency and faults: `euproj-rdf serve` run as its own process.

1. Latency of the seed query catalogue (queries/*.rq) with 20 concurrent clients against one
   client, side by side in one run (same server, same store): p50/p95 per request and the ratio.
2. Load and fault figures: 100 clients during a pathological query, a new client while 500
   idle connections are held, a body sent one byte a second, a 10 MB query, SIGTERM mid-query.

    python -m benchmarks serve                 # 20 clients, 3 rounds of the catalogue each
    python -m benchmarks serve --clients 20 --rounds 3 --workers 2
"""

from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from benchmarks.queries import percentile
from euproj_rdf import build, load_store
from euproj_rdf.resources import query_catalogue

ROOT = Path(__file__).resolve().parents[1]
CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
HEADERS = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}


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


def client(url: str, queries: list[str], rounds: int) -> list[float]:
    session, times = requests.Session(), []
    for _ in range(rounds):
        for text in queries:
            t = time.perf_counter()
            resp = session.post(url + "/sparql", data=text.encode(), headers=HEADERS, timeout=120)
            times.append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200, resp.text
    return times


def latency(url: str, clients: int, rounds: int) -> None:
    queries = [q["text"] for q in query_catalogue()]
    client(url, queries, 1)  # warm up
    t = time.perf_counter()
    one = client(url, queries, rounds)
    one_s = time.perf_counter() - t
    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        many = [x for times in pool.map(lambda _: client(url, queries, rounds), range(clients)) for x in times]
    many_s = time.perf_counter() - t
    print(f"{'clients':>8} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7}")
    for n, times, secs in ((1, one, one_s), (clients, many, many_s)):
        print(f"{n:>8} {len(times):>9} {percentile(times, .5):>8.1f} {percentile(times, .95):>8.1f} "
              f"{len(times) / secs:>7.0f}")
    print(f"{clients} clients vs 1: p50 ×{percentile(many, .5) / percentile(one, .5):.2f}, "
          f"p95 ×{percentile(many, .95) / percentile(one, .95):.2f}")


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
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = build(ROOT / "records", Path(tmp) / "dist")
        load_store(result.ntriples, Path(tmp) / "store")
        proc, url = start(Path(tmp) / "store", "--workers", str(args.workers))
        try:
            print(f"seed catalogue ({len(query_catalogue())} queries), server with {args.workers} workers")
            latency(url, args.clients, args.rounds)
        finally:
            stop(proc)
        faults(Path(tmp) / "store")


if __name__ == "__main__":
    main()
