"""Push times into an Oxigraph server (the `oxigraph` package's binary) on a loopback port.

    python -m benchmarks.push                    # the seed records
    python -m benchmarks.push --projects 16000   # about 1 M triples of synthetic projects

Builds the graph (synthetic ones without SHACL, records still checked), starts a fresh server
in a temporary folder, and times `push` twice: into an empty store and replacing the graph.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from benchmarks.synthetic import write_csv
from euproj_rdf import build, push, target_for

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=0)
    ap.add_argument("--chunk", type=int, default=100_000)
    args = ap.parse_args()
    exe = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.projects:
            result = build(write_csv(tmp / "records", args.projects), tmp / "dist", validate=False)
        else:
            result = build(ROOT / "records", tmp / "dist")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = f"http://127.0.0.1:{port}/"
        server = subprocess.Popen([exe, "serve", "--location", str(tmp / "oxigraph"), "--bind", f"127.0.0.1:{port}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    requests.get(url + "query", params={"query": "ASK {}"}, timeout=1)
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
            target = target_for(url, "oxigraph")
            print(f"graph: {result.triples} triples; chunks of {args.chunk}")
            for label in ("into an empty store", "replacing the graph"):
                r = push(result.ntriples, target, graph="https://w3id.org/euproj/graph", chunk_triples=args.chunk)
                print(f"oxigraph server, {label}: {r.seconds:.2f} s ({r.triples / r.seconds:,.0f} triples/s)")
        finally:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
