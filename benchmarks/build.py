"""The full validated build against the naive pipeline, and its memory and cores at scale.

Each contestant runs as a separate process on the same synthetic records (CSV), one after the
other; this script samples the memory of the whole process tree (the build's worker processes
included; PSS, so pages the workers share with their parent count once) every 0.1 s for the
first 10 s, then every 0.5 s (each sample reads every process's page tables: at 0.1 s throughout
the sampling took a tenth of a core from a two-core machine), and reads the CPU time it used,
then prints figures and ratios.

    python -m benchmarks.build                                # 20 000 projects, ours vs naive
    python -m benchmarks.build --projects 100000 1000000 --no-naive   # memory at scale
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.synthetic import write_csv


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def tree_memory(pid: int) -> tuple[int, int]:
    """Resident and proportional set sizes (bytes) of a process and all its descendants.

    The RSS sum counts pages the forked workers share with their parent once per process;
    the PSS sum splits each shared page between its sharers: the memory the build really holds.
    """
    tree, rss, pss, todo = _children(), 0, 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(tree.get(p, []))
        try:
            with open(f"/proc/{p}/smaps_rollup", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return rss, pss


@dataclass
class Run:
    name: str
    wall: float = 0.0
    cpu: float = 0.0
    peak: int = 0  # the most PSS of the process tree
    peak_rss: int = 0  # the most RSS (shared pages counted in every process)
    samples: list[tuple[float, int]] = field(default_factory=list)
    output: str = ""
    finished: bool = True
    sampler_cpu: float = 0.0  # CPU seconds the memory sampling took (not in ``cpu``)

    @property
    def cores(self) -> float:
        return self.cpu / self.wall if self.wall else 0.0

    def profile(self, parts: int = 10) -> str:
        """Peak memory (PSS) in each tenth of the run: flat means bounded."""
        if not self.samples:
            return ""
        end = self.samples[-1][0] or 1.0
        peaks = [0] * parts
        for t, rss in self.samples:
            i = min(parts - 1, int(t / end * parts))
            peaks[i] = max(peaks[i], rss)
        return " ".join(f"{p / 2**20:.0f}" for p in peaks)


def measure(name: str, cmd: list[str], timeout: float | None = None) -> Run:
    """Run a command to its end (or until ``timeout`` seconds: then ``run.finished`` is False)."""
    run = Run(name)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, pss = tree_memory(proc.pid)
            elapsed = time.perf_counter() - start
            run.samples.append((elapsed, pss))
            run.peak = max(run.peak, pss)
            run.peak_rss = max(run.peak_rss, rss)
            run.sampler_cpu = time.thread_time()
            done.wait(0.1 if elapsed < 10 else 0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        run.finished = False
    done.set()
    sampler.join()
    run.wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    run.output = out.strip()
    if run.finished and proc.returncode != 0:
        sys.exit(f"{name} failed ({proc.returncode}):\n{run.output}")
    return run


def _triples(nt: Path) -> int:
    with nt.open("rb") as fh:
        return sum(1 for _ in fh)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--projects", type=int, nargs="+", default=[20000])
    ap.add_argument("--no-naive", dest="naive", action="store_false", help="Only our build.")
    ap.add_argument("--workers", type=int, default=None, help="Our build's workers (default: one per core).")
    ap.add_argument("--workdir", type=Path, default=None, help="Keep records and dumps here (default: temporary).")
    ap.add_argument("--naive-timeout", type=float, default=3600.0,
                    help="Stop the naive pipeline after this many seconds and report a lower bound (default 3600).")
    args = ap.parse_args()
    cli = shutil.which("euproj-rdf", path=str(Path(sys.executable).parent)) or shutil.which("euproj-rdf")
    if cli is None:
        sys.exit("euproj-rdf is not installed in this environment")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="euproj-bench-"))
    print(f"machine: {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB")
    rows = []
    for n in args.projects:
        records = work / f"records-{n}"
        if not records.exists():
            t = time.perf_counter()
            write_csv(records, n, seed=1)
            print(f"generated {n} projects in {time.perf_counter() - t:.0f} s")
        cmd = [cli, "build", "-q", "--no-progress", "-r", str(records), "-o", str(work / f"ours-{n}")]
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        load = os.getloadavg()[0]
        ours = measure("ours", cmd)
        triples = _triples(work / f"ours-{n}" / "euproj.nt")
        print(f"ours  {n} projects: {triples} triples, {ours.wall:.1f} s, {ours.cpu:.1f} s CPU, {ours.cores:.2f} cores busy, "
              f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after, "
              f"peak {ours.peak / 2**20:.0f} MB PSS ({ours.peak_rss / 2**20:.0f} MB RSS summed); "
              f"MB per tenth of the run: {ours.profile()}")
        naive = None
        if args.naive:
            naive = measure("naive", [sys.executable, "-m", "benchmarks.naive", str(records), str(work / f"naive-{n}")],
                            timeout=args.naive_timeout)
            for line in naive.output.splitlines():
                print(f"naive {n} projects: {line}")
            state = "" if naive.finished else f" (stopped after {args.naive_timeout:.0f} s: a lower bound)"
            print(f"naive {n} projects: {naive.wall:.1f} s{state}, {naive.cores:.2f} cores busy, "
                  f"peak {naive.peak / 2**20:.0f} MB PSS")
        rows.append((n, triples, ours, naive))
        if args.workdir is None:
            shutil.rmtree(work / f"ours-{n}", ignore_errors=True)
            shutil.rmtree(work / f"naive-{n}", ignore_errors=True)

    print()
    print("| projects | triples | pipeline | wall | triples/s | cores busy | peak memory (PSS) | naive / ours |")
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for n, triples, ours, naive in rows:
        for run in filter(None, (ours, naive)):
            ratio = ""
            if naive and run is ours:
                ratio = f"{naive.wall / ours.wall:.0f}×" if naive.finished else f"> {naive.wall / ours.wall:.0f}×"
            wall = f"{run.wall:.1f} s" if run.finished else f"> {run.wall:.0f} s (stopped)"
            print(f"| {n:,} | {triples:,} | {run.name} | {wall} | {triples / run.wall:,.0f} | "
                  f"{run.cores:.2f} | {run.peak / 2**20:,.0f} MB | {ratio} |")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
