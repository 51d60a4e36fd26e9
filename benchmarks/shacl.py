"""SHACL validation: our compiled engine against pySHACL, side by side in one run.

    python -m benchmarks shacl [--projects 5000 20000] [--pyshacl-max 5000]

The same shapes (shapes/euproj.ttl) on the same whole graphs: the seed graph and synthetic
graphs of N projects (built without validation, then validated in one piece), and the DCAT-AP 3
shapes on the release description of the seed build. Ours: load into an exact-term store, run
every compiled query. pySHACL: parse into rdflib, validate the SHACL Core constraints, and the
SPARQL constraints once each through rdflib's query engine (pySHACL would run them once per focus
node, quadratic). pySHACL runs up to --pyshacl-max projects (it needs minutes beyond).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib.namespace import SH

from benchmarks.synthetic import write_csv
from euproj_rdf import build, publish
from euproj_rdf.publish import load_release_info
from euproj_rdf.resources import SHAPES_FILE, resource
from euproj_rdf.validation import findings, load_shapes, read_data
from euproj_rdf.validation.terms import preserve_datatypes

ROOT = Path(__file__).resolve().parents[1]
DCAT = ROOT / "shapes" / "dcat-ap" / "dcat-ap-3.0.0-SHACL.ttl"


PARTS: list[str] = []


def ours(nt: Path, shapes_file: Path) -> tuple[float, int]:
    t = time.perf_counter()
    shapes = load_shapes(shapes_file)
    t_shapes = time.perf_counter()
    if nt.suffix != ".nt":
        store = read_data(nt).exact
        t_keep = t_load = time.perf_counter()
    else:
        text = nt.read_text(encoding="utf-8")
        t_read = time.perf_counter()
        kept = preserve_datatypes(text)  # what exact_store does, in two timed steps
        t_keep = time.perf_counter()
        store = ox.Store()
        store.load(input=kept, format=ox.RdfFormat.N_TRIPLES)
        t_load = time.perf_counter()
        t_keep -= t_read
    n = len(findings(store, shapes))
    done = time.perf_counter()
    PARTS.append(f"  {nt.parent.name}/{nt.name}: shapes {t_shapes - t:.2f} s, load {t_load - t_shapes:.2f} s "
                 f"(exact terms: {t_keep if nt.suffix == '.nt' else 0:.2f} s of it), queries {done - t_load:.2f} s")
    return done - t, n


def reference(nt: Path, shapes_file: Path) -> tuple[float, int]:
    t = time.perf_counter()
    shapes = load_shapes(shapes_file)
    core = rdflib.Graph()
    for triple in shapes.graph:
        if triple[1] != SH.sparql:
            core.add(triple)
    data = rdflib.Graph().parse(nt, format="nt" if nt.suffix == ".nt" else "turtle")
    _, report, _ = pyshacl.validate(data, shacl_graph=core, inference="none", allow_warnings=True, allow_infos=True)
    n = len(set(report.objects(None, SH.result)))
    for check in shapes.sparql:
        n += len(data.query(check.fast or check.query))
    return time.perf_counter() - t, n


def _row(name: str, triples: int, a: tuple[float, int], b: tuple[float, int] | None) -> None:
    other = f"{b[0]:>10.2f} {b[1]:>8} {b[0] / a[0]:>9.1f}×" if b else f"{'':>10} {'':>8} {'(not run)':>10}"
    print(f"{name:28} {triples:>9} {a[0]:>8.2f} {a[1]:>8} {other}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--projects", type=int, nargs="*", default=[5000, 20000])
    ap.add_argument("--pyshacl-max", type=int, default=5000, help="largest graph pySHACL is run on")
    args = ap.parse_args()
    print(f"{'graph':28} {'triples':>9} {'ours s':>8} {'results':>8} {'pySHACL s':>10} {'results':>8} {'ours faster':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        seed = build(ROOT / "records", work / "seed", validate=False)
        shapes = resource(SHAPES_FILE)
        _row("seed graph", seed.triples, ours(seed.ntriples, shapes), reference(seed.ntriples, shapes))
        info = load_release_info(ROOT / "release.yaml")
        publish(work / "seed", work / "release", info=info, dcat_shapes=DCAT)
        desc = work / "release" / "description.ttl"
        size = len(rdflib.Graph().parse(desc))
        _row("DCAT-AP 3 on the description", size, ours(desc, DCAT), reference(desc, DCAT))
        for n in args.projects:
            records = write_csv(work / f"records-{n}", n)
            built = build(records, work / f"dist-{n}", validate=False)
            ref = reference(built.ntriples, shapes) if n <= args.pyshacl_max else None
            _row(f"{n} synthetic projects", built.triples, ours(built.ntriples, shapes), ref)
    print("ours faster: pySHACL's seconds ÷ ours (shapes loading and compiling included in both).")
    print("ours, step by step (load includes renaming the literals the store would change):")
    print("\n".join(PARTS))


if __name__ == "__main__":
    main()
