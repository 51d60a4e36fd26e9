"""CORDIS import at the size of a full framework programme, then the build of what it wrote.

    python -m benchmarks import [--projects 35000] [--participations 180000] [--import-only] [--workdir DIR]

The input is generated in the real CORDIS JSON layout (project.json, organization.json) from
the value distributions of the real CORDIS subset in ../shared/eudata: every generated project
copies the fields of a real project drawn at random (amounts, dates, legal basis, topics,
funding scheme, objective), every participation those of a real participation (role, activity
type, country, city, postcode, NUTS code, VAT number shape, contributions); organisations are a
pool that recurs across projects as in CORDIS, with PICs of nine digits. Project sizes follow
the real sizes scaled to the requested number of participations. The import and the build run
as the CLI does (one process each, sampled for memory as in benchmarks.build).

``--synthetic N`` also builds N synthetic projects (benchmarks.synthetic, CSV) right after, as
a peer: CPU seconds per triple of the imported records against the synthetic ones, measured
under the same load. The load average is printed at the start and end of each step.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.build import measure
from benchmarks.synthetic import write_csv

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "eudata" / "cordis" / "edvard_h2020_semiconductor_ev"


def generate(folder: Path, projects: int, participations: int, seed: int = 1) -> tuple[Path, Path]:
    rnd = random.Random(seed)
    real_projects = json.loads((REAL / "project.json").read_text(encoding="utf-8"))
    real_orgs = json.loads((REAL / "organization.json").read_text(encoding="utf-8"))
    sizes = [sum(1 for o in real_orgs if o["projectID"] == p["id"]) for p in real_projects]
    scale = participations / projects / (sum(sizes) / len(sizes))
    pool = max(1, participations // 4)
    org_templates = [rnd.choice(real_orgs) for _ in range(pool)]
    folder.mkdir(parents=True, exist_ok=True)
    out_projects, out_orgs = [], []
    counts = [max(1, round(rnd.choice(sizes) * scale)) for _ in range(projects)]
    diff = participations - sum(counts)
    while diff:  # reach the exact number of participations, one project at a time
        i = rnd.randrange(projects)
        if diff > 0:
            counts[i] += 1
            diff -= 1
        elif counts[i] > 1:
            counts[i] -= 1
            diff += 1
    for i in range(projects):
        template = dict(rnd.choice(real_projects))
        pid = 800000 + i
        template.update(id=pid, acronym=f"{template['acronym']}-{i}", rcn=300000 + i)
        out_projects.append(template)
        size = min(counts[i], pool)
        used: set[int] = set()
        for k in range(size):
            n = rnd.randrange(pool)
            while n in used:
                n = rnd.randrange(pool)
            used.add(n)
            org = dict(rnd.choice(real_orgs))  # the participation's own values
            who = org_templates[n]  # the organisation's identity
            org.update(projectID=pid, projectAcronym=template["acronym"], organisationID=900000000 + n,
                       name=f"{who['name']} {n}", shortName=who["shortName"], activityType=who["activityType"],
                       country=who["country"], city=who["city"], postCode=who["postCode"], nutsCode=who["nutsCode"],
                       vatNumber=f"{who['vatNumber'][:2]}{n:09d}" if who["vatNumber"] else "",
                       role="coordinator" if k == 0 else ("participant" if org["role"] == "coordinator" else org["role"]),
                       order=k + 1, rcn=4000000 + len(out_orgs))
            for money in ("ecContribution", "netEcContribution", "totalCost"):  # a share of the project
                if isinstance(org[money], (int, float)) and isinstance(template["totalCost"], (int, float)):
                    org[money] = round(min(org[money], template["totalCost"] / size), 2)
            out_orgs.append(org)
    p, o = folder / "project.json", folder / "organization.json"
    p.write_text(json.dumps(out_projects, ensure_ascii=False), encoding="utf-8")
    o.write_text(json.dumps(out_orgs, ensure_ascii=False), encoding="utf-8")
    return p, o


def _load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def _triples(nt: Path) -> int:
    with nt.open("rb") as fh:
        return sum(1 for _ in fh)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--projects", type=int, default=35000)
    ap.add_argument("--participations", type=int, default=180000)
    ap.add_argument("--import-only", action="store_true", help="Measure the import only, not the build.")
    ap.add_argument("--workdir", type=Path, default=None, help="Keep input, records and dump here (default: temporary).")
    ap.add_argument("--synthetic", type=int, default=0, metavar="N",
                    help="Also build N synthetic projects as a peer (CPU per triple, same load).")
    args = ap.parse_args()
    if not REAL.is_dir():
        sys.exit(f"the real CORDIS files are not here ({REAL}); they give the value distributions")
    cli = shutil.which("euproj-rdf", path=str(Path(sys.executable).parent)) or shutil.which("euproj-rdf")
    if cli is None:
        sys.exit("euproj-rdf is not installed in this environment")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="euproj-import-bench-"))
    t = time.perf_counter()
    project_file, org_file = generate(work / "input", args.projects, args.participations)
    print(f"generated {args.projects} projects, {args.participations} participations "
          f"({(project_file.stat().st_size + org_file.stat().st_size) / 2**20:.0f} MB of JSON) in {time.perf_counter() - t:.0f} s")
    records = work / "records"
    shutil.rmtree(records, ignore_errors=True)
    shutil.copytree(ROOT / "records", records)
    print(f"import starts: {_load()}", flush=True)
    imp = measure("import", [cli, "import", "cordis", str(project_file), str(org_file), "--records", str(records),
                             "--out", str(records / "cordis"), "--allow-rejects", "--as-csv"])
    print(imp.output)
    size = sum(f.stat().st_size for f in (records / "cordis").iterdir()) / 2**20
    print(f"import: {imp.wall:.1f} s, {imp.cpu:.1f} CPU s, {imp.cores:.2f} cores busy, peak {imp.peak / 2**20:.0f} MB PSS; "
          f"{size:.0f} MB of records; MB per tenth of the run: {imp.profile()}; memory sampling {imp.sampler_cpu:.1f} CPU s")
    print(f"import ends: {_load()}", flush=True)
    if args.import_only:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
        return
    print(f"build starts: {_load()}", flush=True)
    build = measure("build", [cli, "build", "-q", "--no-progress", "-r", str(records), "-o", str(work / "dist")])
    triples = _triples(work / "dist" / "euproj.nt")
    print(f"build: {build.wall:.1f} s, {build.cpu:.1f} CPU s, {triples} triples, {build.cores:.2f} cores busy, peak {build.peak / 2**20:.0f} MB PSS; "
          f"MB per tenth of the run: {build.profile()}; memory sampling {build.sampler_cpu:.1f} CPU s")
    print(f"build ends: {_load()}", flush=True)
    peer = None
    if args.synthetic:
        write_csv(work / "synthetic", args.synthetic)
        print(f"synthetic build starts: {_load()}", flush=True)
        peer = measure("build, synthetic", [cli, "build", "-q", "--no-progress", "-r", str(work / "synthetic"),
                                             "-o", str(work / "dist-synthetic")])
        peer_triples = _triples(work / "dist-synthetic" / "euproj.nt")
        print(f"synthetic build ({args.synthetic} projects): {peer.wall:.1f} s, {peer.cpu:.1f} CPU s, {peer_triples} triples, "
              f"peak {peer.peak / 2**20:.0f} MB PSS; ends: {_load()}")
        mine, theirs = build.cpu / triples * 1e6, peer.cpu / peer_triples * 1e6
        print(f"CPU per triple: imported {mine:.1f} µs, synthetic {theirs:.1f} µs, ratio {mine / theirs:.2f}")
    total = imp.wall + build.wall
    print()
    print("| step | wall | CPU | cores busy | peak memory (PSS) | MB per tenth of the run |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for run in (imp, build):
        print(f"| {run.name} | {run.wall:.1f} s | {run.cpu:.1f} s | {run.cores:.2f} | {run.peak / 2**20:,.0f} MB | {run.profile()} |")
    print(f"| import + build | {total:.1f} s | {imp.cpu + build.cpu:.1f} s | | | target ≤ 120 s: {total / 120:.2f} of it |")
    if peer is not None:
        print(f"| {peer.name} | {peer.wall:.1f} s | {peer.cpu:.1f} s | {peer.cores:.2f} | {peer.peak / 2**20:,.0f} MB | {peer.profile()} |")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
