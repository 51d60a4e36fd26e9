"""Map the synthetic CSV records with Morph-KGC and write N-Triples; print the timings as JSON.

Runs in Morph-KGC's own virtual environment (benchmarks/mapping.py creates it and starts this
script there); it imports nothing of euproj_rdf. The CSV folder is the working directory, so the
RML mapping refers to ``projects.csv`` and ``organisations.csv`` by name.

    python run_morph_kgc.py --data DIR --mapping rml/euproj.rml.ttl --out morph-kgc.nt [--processes N]

It does what ``python -m morph_kgc config.ini`` does (parse the mapping, materialise each
mapping partition into the output file), timing the parts separately. "read" is the time spent
in Morph-KGC's data-source reader: reading a CSV file or running a tabular view (DuckDB SQL over
the file) for each mapping rule. Morph-KGC reads the source again for every rule, so that time
is a property of the engine, not a separate step that could be left out.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from importlib.metadata import version
from pathlib import Path

import morph_kgc.materializer as materializer
from morph_kgc.args_parser import load_config_from_argument
from morph_kgc.constants import RML_TRIPLES_MAP_CLASS
from morph_kgc.mapping.mapping_parser import retrieve_mappings
from morph_kgc.utils import prepare_output_files

_read_seconds = 0.0
_get_file_data = materializer.get_file_data


def _timed_get_file_data(*args, **kwargs):
    global _read_seconds
    started = time.perf_counter()
    try:
        return _get_file_data(*args, **kwargs)
    finally:
        _read_seconds += time.perf_counter() - started


materializer.get_file_data = _timed_get_file_data


def _materialize_group(group, rml_df, fnml_df, config) -> tuple[int, float]:
    """One mapping partition into the output file: (triples, seconds reading the sources)."""
    global _read_seconds
    _read_seconds = 0.0
    n = materializer._materialize_mapping_group_to_file(group, rml_df, fnml_df, config)
    return n, _read_seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="folder with projects.csv and organisations.csv")
    ap.add_argument("--mapping", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--processes", type=int, default=1, help="Morph-KGC's number_of_processes")
    args = ap.parse_args()
    mapping, out = args.mapping.resolve(), args.out.resolve()
    os.chdir(args.data)

    started = time.perf_counter()
    config = load_config_from_argument(
        "[CONFIGURATION]\n"
        f"output_file: {out}\n"
        "output_format: N-TRIPLES\n"
        f"number_of_processes: {args.processes}\n"
        "logging_level: WARNING\n"
        "[Synthetic]\n"
        f"mappings: {mapping}\n"
    )
    rml_df, fnml_df, http_api_df = retrieve_mappings(config)
    config.set("CONFIGURATION", "http_api_df", http_api_df.to_csv())
    rules = rml_df.loc[rml_df["triples_map_type"] == RML_TRIPLES_MAP_CLASS]
    groups = [group for _, group in rules.groupby(by="mapping_partition")]
    prepare_output_files(config, rml_df)
    parsed = time.perf_counter()

    jobs = [(g, rml_df, fnml_df, config) for g in groups]
    if args.processes > 1:
        with mp.get_context("fork").Pool(args.processes) as pool:
            results = pool.starmap(_materialize_group, jobs)
    else:
        results = [_materialize_group(*job) for job in jobs]
    done = time.perf_counter()

    json.dump({
        "engine": "morph-kgc",
        "version": version("morph-kgc"),
        "processes": args.processes,
        "rules": len(rules),
        "partitions": len(groups),
        "triples": sum(n for n, _ in results),
        # the reading time is summed over processes: CPU-seconds when there are several
        "read_seconds": sum(r for _, r in results),
        "parse_mapping_seconds": parsed - started,
        "materialise_seconds": done - parsed,
        "seconds": done - started,
    }, sys.stdout)
    print()


if __name__ == "__main__":
    main()
