"""Push times into an Oxigraph server or a Virtuoso, started fresh on loopback ports.

    python -m benchmarks.push                                   # the seed records, Oxigraph
    python -m benchmarks.push --projects 18000                  # about 1 M synthetic triples
    python -m benchmarks.push --kind virtuoso [--projects 18000]

Builds the graph (synthetic ones without SHACL, records still checked), starts a fresh server
in a temporary folder, and times `push` twice: into an empty store and replacing the graph.
"""

from __future__ import annotations

import argparse
import re
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


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(kind: str, tmp: Path):
    """A fresh server of ``kind`` in ``tmp``: (process, base URL, push target)."""
    if kind == "oxigraph":
        exe = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
        port = _port()
        proc = subprocess.Popen([exe, "serve", "--location", str(tmp / "oxigraph"), "--bind", f"127.0.0.1:{port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url, probe, target = f"http://127.0.0.1:{port}/", "query", None
    else:
        sql, port = _port(), _port()
        ini = Path("/etc/virtuoso-opensource-7/virtuoso.ini").read_text()
        ini = ini.replace("/var/lib/virtuoso-opensource-7/db/", f"{tmp}/")
        ini = re.sub(r"(?m)^ServerPort(\s*)=\s*1111$", rf"ServerPort\g<1>= {sql}", ini)
        ini = re.sub(r"(?m)^ServerPort(\s*)=\s*8890$", rf"ServerPort\g<1>= {port}", ini)
        (tmp / "virtuoso.ini").write_text(ini)
        proc = subprocess.Popen(["virtuoso-t", "-f", "-c", str(tmp / "virtuoso.ini")], cwd=tmp,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url, probe = f"http://127.0.0.1:{port}/", "sparql"
        target = target_for(url, "virtuoso", user="dba", password="dba")
    for _ in range(600):
        try:
            if requests.get(url + probe, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    return proc, url, target or target_for(url, kind)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=0)
    ap.add_argument("--chunk", type=int, default=100_000)
    ap.add_argument("--kind", choices=["oxigraph", "virtuoso"], default="oxigraph")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.projects:
            result = build(write_csv(tmp / "records", args.projects), tmp / "dist", validate=False)
        else:
            result = build(ROOT / "records", tmp / "dist")
        server, url, target = _start(args.kind, tmp)
        try:
            print(f"graph: {result.triples} triples; chunks of {args.chunk}")
            for label in ("into an empty store", "replacing the graph"):
                r = push(result.ntriples, target, graph="https://w3id.org/euproj/graph", chunk_triples=args.chunk)
                print(f"{args.kind}, {label}: {r.seconds:.2f} s ({r.triples / r.seconds:,.0f} triples/s)")
        finally:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
