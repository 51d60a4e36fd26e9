"""Latency of the researcher query catalogue (queries/*.rq) through `euproj-rdf serve`.

Builds a graph (the seed records, or N synthetic projects), loads it into the embedded store,
starts the server (`euproj-rdf serve`, a process of its own) on a loopback port and asks every catalogue query R times over HTTP (POST,
SPARQL JSON results), one client at a time, with the server's result cache off so that every
run is evaluated by the store (a repeated question is otherwise answered from memory). Side by
side, in the same run, Virtuoso 7.2 (Debian's package, see benchmarks/virtuoso.py) is
bulk-loaded with the same N-Triples (the dump in one graph, the statistics in theirs) and asked
the same questions, the two stores in turn, one request each. Prints load time and disk of both
stores, then p50/p95 per query for both (p95: the nearest rank, the largest of up to 10 runs, the
second largest of 20), the ratio of the p95s, and whether the two stores gave the same answer
(compared on each store's first answer: the same rows in the same order, "same rows" when only
the order of rows the question leaves tied differs).

    python -m benchmarks.queries                      # the seed records
    python -m benchmarks.queries --projects 100000    # a synthetic graph of 100 000 projects

On a synthetic graph the questions about Region Skåne ask about org-0, the busiest partner (in
about four projects of five), or about each organisation ``--organisations`` names.

Synthetic graphs are built without SHACL validation (records are still checked) to keep the
set-up short; validation does not change the graph.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import requests

from benchmarks.synthetic import write_csv
from benchmarks.virtuoso import Virtuoso
from euproj_rdf import build, load_store
from euproj_rdf.resources import query_catalogue
from euproj_rdf.stats import STATISTICS_NT, graph_iri
from euproj_rdf.vocab import DATA

ROOT = Path(__file__).resolve().parents[1]
#: the graph Virtuoso holds the dump in (its default graph is the union of all graphs)
GRAPH = "https://w3id.org/euproj/graph"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def _disk(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


_NUMBERS = tuple(f"http://www.w3.org/2001/XMLSchema#{t}" for t in ("integer", "decimal", "double", "float", "long", "int"))


#: ``GROUP_CONCAT(… ; SEPARATOR="…") AS ?name`` in a question: SPARQL leaves the order of the
#: joined values open, so two stores may join them in two orders
_CONCATS = re.compile(r'GROUP_CONCAT\((?:[^()]|\([^()]*\))*?SEPARATOR\s*=\s*"([^"]*)"\s*\)\s+AS\s+\?(\w+)', re.I)


def concatenated(text: str) -> dict[str, str]:
    """The variables ``text`` binds with GROUP_CONCAT, each with its separator."""
    return {name: sep for sep, name in _CONCATS.findall(text)}


def _row(binding: dict[str, dict[str, str]], names: list[str], joined: dict[str, str]) -> tuple[str, ...]:
    """A row of SPARQL JSON results as comparable values: a number by its value (the two stores
    write 1.50 and 1.5, or 2 and 2.0E0, alike), a text a GROUP_CONCAT joined (``joined``: the
    variable's separator) by its parts in order, a term otherwise by its text and language."""
    out = []
    for name in names:
        term = binding.get(name)
        if term is None:
            out.append("")
        elif term.get("datatype") in _NUMBERS:
            out.append(str(Decimal(term["value"]).normalize()))
        elif name in joined and joined[name]:
            out.append(joined[name].join(sorted(term["value"].split(joined[name]))))
        else:
            out.append(term["value"] + "@" + term.get("xml:lang", ""))
    return tuple(out)


def _ask(session: requests.Session, url: str, text: str, *, form: bool,
         timeout: float) -> tuple[float, int, str, list[tuple[str, ...]]]:
    """One request: (milliseconds, rows, error message or "", the rows as :func:`_row` gives them)."""
    accept = {"Accept": "application/sparql-results+json"}
    start = time.perf_counter()
    if form:  # Virtuoso: the SPARQL protocol's form-encoded POST
        resp = session.post(url, data={"query": text}, headers=accept, timeout=timeout)
    else:
        resp = session.post(url, data=text.encode(), timeout=timeout,
                            headers={**accept, "Content-Type": "application/sparql-query"})
    ms = (time.perf_counter() - start) * 1000
    if resp.status_code != 200:
        try:
            message = resp.json()["error"]["message"]
        except ValueError:
            message = resp.text.strip().splitlines()[0][:60] if resp.text.strip() else str(resp.status_code)
        return ms, 0, message, []
    answer = resp.json()
    names, joined = answer["head"]["vars"], concatenated(text)
    rows = [_row(b, names, joined) for b in answer["results"]["bindings"]]
    return ms, len(rows), "", rows


class _Series:
    """The times of one question on one store, asked one request at a time."""

    def __init__(self, session: requests.Session, url: str, text: str, *, form: bool, timeout: float):
        self.session, self.url, self.text, self.form, self.timeout = session, url, text, form, timeout
        self.times: list[float] = []
        self.rows, self.error = 0, ""
        self.answer: list[tuple[str, ...]] = []  # the rows of the first answer, in order

    def ask(self) -> None:
        if self.error:  # a store that failed once is not asked again
            return
        try:
            ms, self.rows, self.error, rows = _ask(self.session, self.url, self.text, form=self.form,
                                                   timeout=self.timeout)
        except requests.RequestException as exc:
            self.error = f"no answer ({type(exc).__name__})"
            return
        if not self.error:
            self.times.append(ms)
            if len(self.times) == 1:
                self.answer = rows


def _compare(session: requests.Session, url: str, peer: Virtuoso | None, name: str, text: str,
             args: argparse.Namespace) -> list[float]:
    """Ask one question of ours and of Virtuoso ``args.repeat`` times each, the two stores in
    turn (ours, Virtuoso, ours …: a machine that slows down for a while slows both); print a
    row; our times."""
    ours = _Series(session, url, text, form=False, timeout=args.timeout + 10)
    theirs = _Series(session, peer.url, text, form=True, timeout=args.timeout + 10) if peer is not None else None
    for _ in range(args.repeat):
        ours.ask()
        if theirs is not None:
            theirs.ask()
    mine = (f"{ours.rows:>6} {percentile(ours.times, .5):>8.1f} {percentile(ours.times, .95):>8.1f}"
            if not ours.error else f"{ours.error[:24]:>24}")
    peers, ratio = "", ""
    if theirs is not None:
        vt = theirs.times
        peers = (f"{percentile(vt, .5):>12.1f} {percentile(vt, .95):>8.1f} {theirs.rows:>6}" if not theirs.error
                 else f"{theirs.error[:28]:>28}")
        if not ours.error and not theirs.error:
            ratio = f"{percentile(vt, .95) / percentile(ours.times, .95):>8.1f}x"
            # the same answer: the same rows in the same order, or (rows the question's ORDER BY
            # leaves tied) the same rows
            ratio += (" same" if ours.answer == theirs.answer else " same rows" if sorted(ours.answer) == sorted(
                theirs.answer) else " DIFFERENT ANSWER")
    print(f"{name:45} {mine} | {peers} | {ratio}", flush=True)
    return ours.times


class _Served:
    """`euproj-rdf serve` in a process of its own, as it runs in use (a server thread in this
    process would share its interpreter with the client), on a free port."""

    def __init__(self, store: Path, timeout: float):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from euproj_rdf.cli import main; main()", "serve", "--store", str(store),
             "--port", "0", "--timeout", str(timeout), "--max-results", str(10**7), "--cache-mb", "0"],
            stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # "Serving <store> at http://127.0.0.1:<port>/ (SPARQL: /sparql) …"
        found = re.search(r" at (http://\S+?)/ ", line)
        if found is None:
            self.stop()
            raise RuntimeError(f"serve did not start: {line.strip()!r}")
        self.url = found.group(1) + "/sparql"
        deadline = time.monotonic() + 120
        while True:  # its workers are ready: the first timed question does not wait for them
            try:
                if requests.get(self.url, params={"query": "ASK {}"}, timeout=60).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("serve did not answer")
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=0, help="synthetic projects (0: the seed records)")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=60.0, help="the server's time limit per query (s)")
    ap.add_argument("--workdir", type=Path, help="keep the built graph and store here, and reuse them next time")
    ap.add_argument("--only", nargs="*", help="run only these catalogue queries (file names without .rq)")
    ap.add_argument("--organisations", nargs="+", default=["org-0"],
                    help="on a synthetic graph, the organisations the questions about one organisation ask about")
    ap.add_argument("--no-virtuoso", dest="virtuoso", action="store_false",
                    help="do not run Virtuoso side by side")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.workdir or Path(scratch)
        if (tmp / "store").is_dir():
            print(f"reusing the store in {tmp}")
            dump = tmp / "dist" / "euproj.nt"
        else:
            t0 = time.perf_counter()
            if args.projects:
                records = write_csv(tmp / "records", args.projects)
                result = build(records, tmp / "dist", validate=False)
            else:
                result = build(ROOT / "records", tmp / "dist")
            t1 = time.perf_counter()
            loaded = load_store(result.ntriples, tmp / "store")
            t2 = time.perf_counter()
            what = "seed records" if not args.projects else f"{args.projects} synthetic projects"
            print(f"graph: {result.triples} triples + {result.statistics_triples} statistics ({what}); "
                  f"build {t1 - t0:.1f} s")
            print(f"ours: store load {t2 - t1:.1f} s ({loaded.triples} triples), disk {_disk(tmp / 'store') / 2**20:.0f} MB")
            dump = result.ntriples
        peer = None
        if args.virtuoso:
            peer = Virtuoso(tmp / "virtuoso").start(timeout_s=int(args.timeout))
            t = time.perf_counter()
            peer.bulk_load({dump: GRAPH, dump.with_name(STATISTICS_NT): graph_iri(DATA)})
            print(f"Virtuoso 7.2: bulk load {time.perf_counter() - t:.1f} s, disk {peer.disk() / 2**20:.0f} MB")
        server = _Served(tmp / "store", args.timeout)
        url = server.url
        session = requests.Session()
        everything: list[float] = []
        print(f"{'query':45} {'rows':>6} {'p50 ms':>8} {'p95 ms':>8} | {'Virtuoso p50':>12} {'p95':>8} {'rows':>6}"
              f" | {'p95 ratio':>9} answer")
        try:
            for q in query_catalogue():
                if args.only and q["name"] not in args.only:
                    continue
                asked = [(q["name"], q["text"])]
                if args.projects and "organisation:region-skane" in q["text"]:
                    # the synthetic graph has no Region Skåne: ask about its busiest partner instead
                    asked = [(q["name"] if len(args.organisations) == 1 else f"{q['name']} ({org})",
                              q["text"].replace("organisation:region-skane", f"organisation:{org}"))
                             for org in args.organisations]
                for name, text in asked:
                    everything += _compare(session, url, peer, name, text, args)
            if everything:
                print(f"{'all queries (ours)':45} {'':>6} {percentile(everything, .5):>8.1f} "
                      f"{percentile(everything, .95):>8.1f}")
                print(f"(mean {statistics.fmean(everything):.1f} ms over {len(everything)} requests; "
                      "p95 ratio: Virtuoso's p95 over ours, above 1 means ours is faster)")
        finally:
            server.stop()
            if peer is not None:
                peer.stop()


if __name__ == "__main__":
    main()
