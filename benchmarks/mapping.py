"""Mapping only: our mapping against Morph-KGC (RML) and maplib (OTTR), on the same CSV records.

Writes N synthetic projects as CSV (projects.csv, organisations.csv and the reference records
in YAML), then maps the two CSV files three ways, each writing N-Triples:

* ours: read the records (records.read_records), index their ids (checks.index_records), check
  them (checks.check_record) and map them (mapping.Mapper.map_record) to N-Triples lines, written
  to a file. No SHACL, no sorting, no Turtle: the mapping part of `euproj-rdf build`, except that
  the files are read once here (build reads them twice: the index pass, then the check pass).
  Once in one process and, with --processes 2, split over two forked processes as the build
  does it: the first reads the ids and splits the files into raw rows; each process turns its
  rows into records, checks and maps them.
* Morph-KGC, with the RML mapping of benchmarks/peers/rml/ (benchmarks/peers/run_morph_kgc.py),
  with number_of_processes 1 and --processes.
* maplib, with the stOTTR templates of benchmarks/peers/maplib/ and polars frames
  (benchmarks/peers/run_maplib.py), on one thread and on all cores.

Each peer runs in its own virtual environment, created on first use under --venvs
(default benchmarks/.venvs/<peer>). The three outputs are compared as sets of triples
(parsed and written again by pyoxigraph). Every engine, ours too, runs in a new process; its
seconds are measured inside that process, from loading the mapping and reading the CSV files to
the N-Triples file written: interpreter start-up and imports are left out (the wall time with
them is shown beside). Each engine runs --repeat times, round after round; the fastest run counts.

    python -m benchmarks.mapping                              # 20 000 projects, both peers
    python -m benchmarks.mapping --projects 2000 --peers maplib --workdir /tmp/map-2k
    python -m benchmarks.mapping --projects 20000 --profile   # ours only, under cProfile
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import multiprocessing as mp
import os
import pstats
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from benchmarks.synthetic import write_csv
from euproj_rdf.checks import RecordIndex, check_record, index_records
from euproj_rdf.mapping import compile_mapping
from euproj_rdf.pipeline import DEFAULT_BASE_IRI, tuned_collector
from euproj_rdf.records import csv_record, csv_rows, load_csv_mapping, read_records, record_files
from euproj_rdf.resources import concept_notations, default_schema, resource_dir

HERE = Path(__file__).resolve().parent
PEERS = HERE / "peers"
DEFAULT_VENVS = HERE / ".venvs"
REQUIREMENTS = {"morph-kgc": "morph-kgc==2.10.0", "maplib": "maplib"}


@dataclass
class Run:
    engine: str
    cores: int
    triples: int
    seconds: float
    output: list[Path]
    parts: dict[str, float] = field(default_factory=dict)
    note: str = ""


# --------------------------------------------------------------------------- ours

# State shared with forked workers (set before the pool starts, inherited, never pickled).
_SHARED: dict = {}


def _check_and_map(part: int, parts: int, out: str) -> tuple[int, float, float, float, float]:
    """Turn every parts-th CSV row from the part-th on into a record, check and map it; write
    the lines to ``out``. As in pipeline.build, rows stay raw until a worker reads them."""
    schema, mapper, concepts = _SHARED["schema"], _SHARED["mapper"], _SHARED["concepts"]
    index, rows, layouts = _SHARED["index"], _SHARED["rows"], _SHARED["layouts"]
    clock = time.perf_counter
    reading = checking = mapping = writing = 0.0
    lines: list[str] = []
    count = 0
    with open(out, "w", encoding="utf-8") as fh:
        for display, layout, header, line, row in rows[part::parts]:
            t0 = clock()
            rec = csv_record(display, layouts[layout], header, line, row)
            t1 = clock()
            data, problems = check_record(rec, schema, index, concepts)
            t2 = clock()
            if problems or data is None:
                raise SystemExit(f"unexpected problem in the synthetic records: {problems[0]}")
            lines.extend(mapper.map_record(data))
            t3 = clock()
            reading += t1 - t0
            checking += t2 - t1
            mapping += t3 - t2
            if len(lines) >= 50_000:  # written in batches, as the build spills its chunks
                fh.write("\n".join(lines))
                fh.write("\n")
                count += len(lines)
                lines = []
                writing += clock() - t3
        t4 = clock()
        if lines:
            fh.write("\n".join(lines))
            fh.write("\n")
            count += len(lines)
        writing += clock() - t4
    return count, reading, checking, mapping, writing


def run_ours(data: Path, work: Path, processes: int = 1) -> Run:
    """Ours in this process (run_ours_fresh runs it in a new one, as the peers are).

    The steps of pipeline.build without SHACL, sorting and Turtle: a first pass reads the ids
    (index), the CSV files are split into raw rows, and each process turns its share of rows
    into records, checks and maps them; with the build's collector settings.
    """
    started = time.perf_counter()
    # what does not depend on the records: schema and mapping, CSV layouts, concept schemes
    schema = default_schema()
    mapper = compile_mapping(schema, base_iri=DEFAULT_BASE_IRI)
    layouts = {p.stem: load_csv_mapping(p) for p in sorted((resource_dir() / "mappings" / "csv").glob("*.yaml"))}
    concepts = concept_notations()
    files = record_files(data)
    t0 = time.perf_counter()
    with tuned_collector():
        # pass 1: ids (and acyclic references) of every record, CSV and YAML
        first = frozenset({"id"} | {f.name for spec in schema.records.values() for f in spec.fields.values() if f.acyclic})
        index = RecordIndex()
        problems = index_records((r for p in files for r in read_records(p, csv_mappings=layouts, fields=first)),
                                 index, schema)
        if problems:
            raise SystemExit(f"unexpected problem in the synthetic records: {problems[0]}")
        t1 = time.perf_counter()
        # the peers map the CSV files; the reference records (YAML) are only there to be referred to
        rows = []
        for p in files:
            if p.suffix == ".csv":
                found = csv_rows(p, str(p), layouts[p.stem])
                _, header = next(found)
                rows.extend((str(p), p.stem, header, line, row) for line, row in found)
        t2 = time.perf_counter()
        _SHARED.update(schema=schema, mapper=mapper, concepts=concepts, index=index, rows=rows, layouts=layouts)
        if processes <= 1:
            outputs = [work / "ours.nt"]
            results = [_check_and_map(0, 1, str(outputs[0]))]
        else:
            # rows interleaved (organisations and projects cost differently); the forked workers
            # inherit the rows and the index
            outputs = [work / f"ours-{i}.nt" for i in range(processes)]
            gc.freeze()
            with mp.get_context("fork").Pool(processes) as pool:
                results = pool.starmap(_check_and_map, [(i, processes, str(outputs[i])) for i in range(processes)])
        t3 = time.perf_counter()
    _SHARED.clear()
    per = "" if processes <= 1 else " (CPU-seconds summed over the processes)"
    return Run(
        engine="ours", cores=processes, triples=sum(r[0] for r in results), seconds=t3 - started, output=outputs,
        parts={"load mapping": t0 - started, "index": t1 - t0, "split rows": t2 - t1,
               "read rows": sum(r[1] for r in results), "check": sum(r[2] for r in results),
               "map": sum(r[3] for r in results), "write": sum(r[4] for r in results)},
        note=f"{len(rows)} CSV records{per}",
    )


def run_ours_fresh(data: Path, work: Path, processes: int) -> Run:
    """Ours in a new Python process, like the peers: no warm caches, its own heap."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "benchmarks.mapping", "--run-ours", str(processes),
                           "--data", str(data), "--workdir", str(work)],
                          cwd=HERE.parent, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"ours with {processes} process(es) failed with exit code {proc.returncode}")
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    run = Run(**{**info, "output": [Path(p) for p in info["output"]]})
    run.parts["wall with start-up"] = wall
    return run


def profile_ours(data: Path, work: Path, top: int = 25) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    run = run_ours(data, work)
    profiler.disable()
    print(f"ours, 1 process, under cProfile: {run.triples} triples in {run.seconds:.1f} s "
          f"({_parts(run.parts)}); profiling slows it down")
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key)
        stats.print_stats(top)
        print(f"\n--- top {top} by {key} ---")
        print(out.getvalue().split("\n", 6)[-1].strip("\n"))


# --------------------------------------------------------------------------- peers

def venv_python(venvs: Path, peer: str) -> Path:
    """The peer's virtual environment, created and installed on first use."""
    folder = venvs / peer
    python = folder / "bin" / "python"
    marker = folder / ".installed"
    if marker.is_file() and marker.read_text().strip() == REQUIREMENTS[peer] and python.exists():
        return python
    print(f"creating {folder} and installing {REQUIREMENTS[peer]} (once)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
    pip = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                          REQUIREMENTS[peer]], capture_output=True, text=True)
    if pip.returncode != 0:
        sys.stderr.write(pip.stdout + pip.stderr)
        raise SystemExit(f"could not install {REQUIREMENTS[peer]} into {folder}")
    marker.write_text(REQUIREMENTS[peer] + "\n")
    return python


def _run_peer(python: Path, script: str, args: list[str], env: dict | None = None) -> tuple[dict, float]:
    started = time.perf_counter()
    proc = subprocess.run([str(python), str(PEERS / script), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{script} failed with exit code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall


def _lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def run_morph_kgc(python: Path, data: Path, work: Path, processes: int) -> Run:
    out = work / f"morph-kgc-{processes}.nt"
    info, wall = _run_peer(python, "run_morph_kgc.py", ["--data", str(data), "--mapping",
                                                         str(PEERS / "rml" / "euproj.rml.ttl"),
                                                         "--out", str(out), "--processes", str(processes)])
    read = "read (CPU-seconds summed over the processes)" if processes > 1 else "read"
    return Run(
        engine=f"Morph-KGC {info['version']}", cores=processes, triples=_lines(out), seconds=info["seconds"],
        output=[out],
        parts={"parse mapping": info["parse_mapping_seconds"], "materialise": info["materialise_seconds"],
               read: info["read_seconds"], "wall with start-up": wall},
        note=f"{info['rules']} rules in {info['partitions']} partitions",
    )


def run_maplib(python: Path, data: Path, work: Path, threads: int | None) -> Run:
    out = work / f"maplib-{threads or 'all'}.nt"
    env = {"POLARS_MAX_THREADS": str(threads), "RAYON_NUM_THREADS": str(threads)} if threads else {}
    info, wall = _run_peer(python, "run_maplib.py", ["--data", str(data), "--templates",
                                                     str(PEERS / "maplib" / "euproj.stottr"), "--out", str(out)],
                           env)
    return Run(
        engine=f"maplib {info['version']}", cores=threads or (os.cpu_count() or 1), triples=_lines(out),
        seconds=info["seconds"], output=[out],
        parts={"read": info["read_seconds"], "prepare frames": info["prepare_seconds"], "map": info["map_seconds"],
               "write": info["write_seconds"], "wall with start-up": wall},
        note=f"polars {info['polars']}, {'all cores' if not threads else f'{threads} thread(s)'}",
    )


# --------------------------------------------------------------------------- comparison

def triple_set(paths: list[Path]) -> set[str]:
    """The triples of N-Triples files, each written canonically by pyoxigraph."""
    out: set[str] = set()
    for path in paths:
        out.update(str(t) for t in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES))
    return out


def compare(runs: list[Run], examples: int = 5) -> bool:
    reference = runs[0]
    ref = triple_set(reference.output)
    print(f"\nTriples compared as sets (parsed and written again by pyoxigraph); reference: "
          f"{reference.engine}, {reference.cores} core(s), {len(ref)} distinct triples")
    same = True
    seen: dict[str, set[str]] = {}
    for run in runs[1:]:
        key = "|".join(map(str, run.output))
        got = seen.setdefault(key, triple_set(run.output))
        missing, extra = ref - got, got - ref
        ok = not missing and not extra
        same &= ok
        dup = f", {run.triples - len(got)} duplicate lines" if run.triples != len(got) else ""
        print(f"  {run.engine:18} {run.cores} core(s): {len(got)} distinct{dup}; identical: {'yes' if ok else 'NO'}")
        if not ok:
            print(f"    {len(missing)} only in {reference.engine}, {len(extra)} only in {run.engine}")
            for t in sorted(missing)[:examples]:
                print(f"    - {t}")
            for t in sorted(extra)[:examples]:
                print(f"    + {t}")
    return same


def _parts(parts: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f} s" for k, v in parts.items())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, help="keep the records and the N-Triples files here")
    ap.add_argument("--peers", default="morph-kgc,maplib", help="comma-separated: morph-kgc, maplib (empty: none)")
    ap.add_argument("--processes", type=int, default=2,
                    help="also run ours and Morph-KGC with this many processes, maplib on all cores (1: skip)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each engine; the fastest is reported")
    ap.add_argument("--venvs", type=Path, default=DEFAULT_VENVS, help="where the peers' virtual environments live")
    ap.add_argument("--profile", action="store_true", help="profile ours (1 process) with cProfile, run no peer")
    # internal: one run of ours on --data, printed as JSON (how the benchmark starts ours afresh)
    ap.add_argument("--run-ours", type=int, metavar="PROCESSES", help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run_ours:
        run = run_ours(args.data, args.workdir, args.run_ours)
        json.dump({**run.__dict__, "output": [str(p) for p in run.output]}, sys.stdout)
        print()
        return
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    unknown = [p for p in peers if p not in REQUIREMENTS]
    if unknown:
        ap.error(f"unknown peer {unknown[0]!r}: choose from {', '.join(REQUIREMENTS)}")

    with tempfile.TemporaryDirectory(prefix="euproj-mapping-") as scratch:
        work = args.workdir or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        data = work / "records"
        t0 = time.perf_counter()
        write_csv(data, args.projects, seed=args.seed)
        print(f"{args.projects} synthetic projects written as CSV in {time.perf_counter() - t0:.1f} s ({data})")
        if args.profile:
            profile_ours(data, work)
            return

        pythons = {peer: venv_python(args.venvs, peer) for peer in peers}
        load_before = os.getloadavg()  # another job on the machine makes every figure slower
        cores = [1] + ([args.processes] if args.processes > 1 else [])
        configs = [lambda n=n: run_ours_fresh(data, work, n) for n in cores]
        if "morph-kgc" in peers:
            configs += [lambda n=n: run_morph_kgc(pythons["morph-kgc"], data, work, n) for n in cores]
        if "maplib" in peers:
            configs += [lambda n=n: run_maplib(pythons["maplib"], data, work, n if n == 1 else None) for n in cores]
        # round after round, so that a slow spell of the machine does not hit one engine only
        tries: list[list[Run]] = [[] for _ in configs]
        for i in range(args.repeat):
            print(f"round {i + 1} of {args.repeat}", flush=True)
            for config, done in zip(configs, tries, strict=True):
                done.append(config())
        runs = []
        for done in tries:
            best = min(done, key=lambda r: r.seconds)
            if len(done) > 1:
                best.note += f"; runs {', '.join(f'{r.seconds:.1f}' for r in done)} s"
            runs.append(best)

        ours = {r.cores: r.seconds for r in runs if r.engine == "ours"}
        print(f"\n{'engine':18} {'cores':>5} {'triples':>10} {'seconds':>8} {'triples/s':>10} {'ours faster':>11}")
        for r in runs:
            ratio = f"{r.seconds / ours[r.cores]:.2f}×" if r.cores in ours and r.engine != "ours" else ""
            rate = r.triples / r.seconds
            print(f"{r.engine:18} {r.cores:>5} {r.triples:>10} {r.seconds:>8.2f} {rate:>10.0f} {ratio:>11}")
        print(f"(best of {args.repeat}; seconds inside the process, from loading the mapping to the N-Triples "
              "file written;\n ours faster: the engine's time ÷ ours at the same number of cores, "
              "above 1 ours is faster)")
        print()
        for r in runs:
            print(f"{r.engine:18} {r.cores} core(s): {_parts(r.parts)}; {r.note}")
        identical = compare(runs)
        print(("Common subset: every triple of the CSV records, nothing left out. " if identical else "")
              + "Mapped by none of the three here: the reference records (reference.yaml: source, funds, "
              "programmes, themes), which the CSV rows refer to, and the concept schemes.")
        print("Load average (1, 5, 15 min) at the start: {}; at the end: {}".format(
            *(", ".join(f"{x:.2f}" for x in load) for load in (load_before, os.getloadavg()))))
        if not identical:
            sys.exit(1)


if __name__ == "__main__":
    main()
