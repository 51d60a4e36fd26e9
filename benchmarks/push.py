"""Push times into an Oxigraph server, Virtuoso and Apache Jena Fuseki, side by side in one run.

    python -m benchmarks.push                                   # the seed records, every store
    python -m benchmarks.push --projects 18000                  # about 1 M synthetic triples
    python -m benchmarks.push --kind fuseki [--projects 18000]  # one store only

Builds the graph once (synthetic ones without SHACL, records still checked), then for each store
starts a fresh server in a temporary folder (the starters of tests/servers.py: Oxigraph from the
`oxigraph` package, Debian's Virtuoso, Fuseki 5.6.0 from tests/fuseki/pom.xml) and times `push`
twice: into an empty store and replacing the graph. A store that cannot run here is reported and
left out; a failed push is printed with its error.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from benchmarks.synthetic import write_csv
from euproj_rdf import StoreError, build, push, target_for
from tests.servers import FusekiServer, OxigraphServer, VirtuosoServer, fuseki_unavailable, virtuoso_unavailable

ROOT = Path(__file__).resolve().parents[1]
KINDS = ["oxigraph", "virtuoso", "fuseki"]
GRAPH = "https://w3id.org/euproj/graph"


def _start(kind: str, folder: Path):
    """A fresh server of ``kind`` in ``folder`` and its push target, or (None, reason)."""
    if kind == "oxigraph":
        srv = OxigraphServer(folder).start()
        return srv, target_for(srv.url, kind)
    reason = virtuoso_unavailable() if kind == "virtuoso" else fuseki_unavailable()
    if reason:
        return None, reason
    srv = (VirtuosoServer if kind == "virtuoso" else FusekiServer)(folder).start()
    return srv, target_for(srv.url, kind, user=srv.user, password=srv.password)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=0)
    ap.add_argument("--chunk", type=int, default=100_000)
    ap.add_argument("--kind", choices=KINDS, action="append", help="store(s) to run (default: every one)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.projects:
            result = build(write_csv(tmp / "records", args.projects), tmp / "dist", validate=False)
        else:
            result = build(ROOT / "records", tmp / "dist")
        print(f"graph: {result.triples} triples; chunks of {args.chunk}")
        rows = []
        for kind in args.kind or KINDS:
            srv, target = _start(kind, tmp / kind)
            if srv is None:
                print(f"{kind}: not run: {target}")
                continue
            try:
                times = []
                for label in ("into an empty store", "replacing the graph"):
                    try:
                        r = push(result.ntriples, target, graph=GRAPH, chunk_triples=args.chunk)
                    except StoreError as exc:
                        print(f"{kind}, {label}: failed: {exc}")
                        times.append(None)
                        continue
                    print(f"{kind}, {label}: {r.seconds:.2f} s ({r.triples / r.seconds:,.0f} triples/s)", flush=True)
                    times.append(r.seconds)
                rows.append((kind, times))
            finally:
                srv.stop()
        base = dict(rows).get("oxigraph")
        if base and all(base):
            print("\nrelative to the Oxigraph server (its time / the store's time; above 1: faster):")
            for kind, times in rows:
                print(f"  {kind}: " + ", ".join("failed" if t is None else f"{b / t:.2f}×" for b, t in zip(base, times, strict=True)))


if __name__ == "__main__":
    main()
