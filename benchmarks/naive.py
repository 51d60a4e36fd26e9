"""The naive pipeline the build is measured against: one rdflib graph, pySHACL, rdflib's writers.

Same records, same checks, same mapping (so the same triples) as ``euproj-rdf build``; then
what a first version would do: put every triple into an ``rdflib.Graph``, validate it with
pySHACL in one call, and write Turtle and N-Triples with rdflib's serializers.

One concession keeps it finishing at all: pySHACL evaluates a SPARQL-based constraint once per
focus node over the whole graph (quadratic: 630 s for 300 projects), so here the four SPARQL
constraints run once each through rdflib's query engine, the way our validator rewrites them.

    python -m benchmarks.naive RECORDS OUT
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pyshacl
import rdflib

from euproj_rdf.checks import RecordIndex, check_record, index_records
from euproj_rdf.mapping import compile_mapping
from euproj_rdf.pipeline import DEFAULT_BASE_IRI
from euproj_rdf.records import csv_layouts, read_records, record_files
from euproj_rdf.resources import SHAPES_FILE, concept_lines, concept_notations, default_schema, resource
from euproj_rdf.validation import load_shapes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("records", type=Path)
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    t0 = time.perf_counter()
    schema, concepts = default_schema(), concept_notations()
    csv_mappings = csv_layouts()
    files = record_files(args.records)
    records = [r for p in files for r in read_records(p, display=str(p), csv_mappings=csv_mappings)]
    index = RecordIndex()
    problems = index_records(records, index, schema)
    mapper = compile_mapping(schema, base_iri=DEFAULT_BASE_IRI)
    lines = list(concept_lines())
    for rec in records:
        data, found = check_record(rec, schema, index, concepts)
        problems += found
        if data is not None and not found:
            lines += mapper.map_record(data)
    if problems:
        sys.exit(f"{len(problems)} record problem(s), first: {problems[0]}")
    del records
    t_map = time.perf_counter()
    print(f"check and map {t_map - t0:.1f} s", flush=True)

    graph = rdflib.Graph()
    graph.parse(data="\n".join(lines) + "\n", format="nt")
    del lines
    t_graph = time.perf_counter()
    print(f"rdflib graph of {len(graph)} triples {t_graph - t_map:.1f} s", flush=True)

    shapes = load_shapes(resource(SHAPES_FILE))
    core = rdflib.Graph()
    for triple in shapes.graph:
        if triple[1] != rdflib.namespace.SH.sparql:
            core.add(triple)
    conforms, report, _ = pyshacl.validate(graph, shacl_graph=core, inference="none",
                                           allow_warnings=True, allow_infos=True)
    results = len(set(report.objects(None, rdflib.namespace.SH.result)))
    t_core = time.perf_counter()
    print(f"pySHACL, core constraints {t_core - t_graph:.1f} s", flush=True)
    for c in shapes.sparql:
        t = time.perf_counter()
        results += len(graph.query(c.fast or c.query))
        print(f"rdflib SPARQL constraint of {str(c.shape).rsplit('#', 1)[-1]} {time.perf_counter() - t:.1f} s", flush=True)
    t_shacl = time.perf_counter()

    args.out.mkdir(parents=True, exist_ok=True)
    graph.serialize(args.out / "euproj.ttl", format="turtle")
    t_ttl = time.perf_counter()
    print(f"rdflib Turtle writer {t_ttl - t_shacl:.1f} s", flush=True)
    graph.serialize(args.out / "euproj.nt", format="nt", encoding="utf-8")
    t_nt = time.perf_counter()
    print(f"triples {len(graph)} results {results} map {t_map - t0:.1f} s graph {t_graph - t_map:.1f} s "
          f"shacl {t_shacl - t_graph:.1f} s turtle {t_ttl - t_shacl:.1f} s ntriples {t_nt - t_ttl:.1f} s")


if __name__ == "__main__":
    main()
