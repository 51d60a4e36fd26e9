"""Latency of the researcher query catalogue (queries/*.rq) through `euproj-rdf serve`.

Builds a graph (the seed records, or N synthetic projects), loads it into the embedded store,
starts the server on a loopback port and asks every catalogue query R times over HTTP (POST,
SPARQL JSON results), one client at a time. Prints p50/p95 per query and over all queries.

    python -m benchmarks.queries                      # the seed records
    python -m benchmarks.queries --projects 100000    # a synthetic graph of 100 000 projects

On a synthetic graph the questions about Region Skåne ask about org-0, the busiest partner.

Synthetic graphs are built without SHACL validation (records are still checked) to keep the
set-up short; validation does not change the graph.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import requests

from benchmarks.synthetic import write_csv
from euproj_rdf import build, load_store
from euproj_rdf.resources import query_catalogue
from euproj_rdf.serve import Endpoint, ServerSettings

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=0, help="synthetic projects (0: the seed records)")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=60.0, help="the server's time limit per query (s)")
    ap.add_argument("--workdir", type=Path, help="keep the built graph and store here, and reuse them next time")
    ap.add_argument("--only", nargs="*", help="run only these catalogue queries (file names without .rq)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.workdir or Path(scratch)
        if (tmp / "store").is_dir():
            print(f"reusing the store in {tmp}")
        else:
            t0 = time.perf_counter()
            if args.projects:
                records = write_csv(tmp / "records", args.projects)
                result = build(records, tmp / "dist", validate=False)
            else:
                result = build(ROOT / "records", tmp / "dist")
            t1 = time.perf_counter()
            load_store(result.ntriples, tmp / "store")
            t2 = time.perf_counter()
            what = "seed records" if not args.projects else f"{args.projects} synthetic projects"
            print(f"graph: {result.triples} triples ({what}); build {t1 - t0:.1f} s, store load {t2 - t1:.1f} s")
        server = Endpoint(ServerSettings(store=tmp / "store", timeout=args.timeout, max_results=10**7), port=0).start()
        url = server.url + "/sparql"
        session = requests.Session()
        headers = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}
        everything: list[float] = []
        print(f"{'query':45} {'rows':>7} {'p50 ms':>9} {'p95 ms':>9}")
        try:
            for q in query_catalogue():
                if args.only and q["name"] not in args.only:
                    continue
                if args.projects:
                    # the synthetic graph has no Region Skåne: ask about its busiest partner instead
                    q = {**q, "text": q["text"].replace("organisation:region-skane", "organisation:org-0")}
                times, rows = [], 0
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    resp = session.post(url, data=q["text"].encode(), headers=headers, timeout=args.timeout + 10)
                    if resp.status_code != 200:
                        print(f"{q['name']:45} {'':>7} {resp.json()['error']['message']}")
                        break
                    times.append((time.perf_counter() - start) * 1000)
                    rows = len(resp.json()["results"]["bindings"])
                else:
                    everything += times
                    print(f"{q['name']:45} {rows:>7} {percentile(times, .5):>9.1f} {percentile(times, .95):>9.1f}",
                          flush=True)
            print(f"{'all queries':45} {'':>7} {percentile(everything, .5):>9.1f} {percentile(everything, .95):>9.1f}")
            print(f"(mean {statistics.fmean(everything):.1f} ms over {len(everything)} requests)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
