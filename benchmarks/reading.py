"""Reading YAML records under limits, and the personal-data guard, against PyYAML's own readers.

Writes N synthetic projects as YAML (benchmarks.synthetic.write_yaml, as PyYAML dumps them:
shared values become aliases), then reads every file three ways, in this process, each the
fastest of --repeat runs:

* ours: ``records.read_records`` — libyaml's parser events turned into records with the line of
  every field, under the limits of ``yamlread`` (aliases, depth, digits) and refusing YAML 1.1
  surprises;
* compose: what the reader did before the limits — ``yaml.compose`` (libyaml's composer) and a
  recursive walk of the nodes that records the lines (no limits: an alias bomb or 600 nested
  lists ended in MemoryError or RecursionError);
* safe_load: ``yaml.load(…, CSafeLoader)``, PyYAML's fastest full reader, with no line numbers
  at all (the floor).

Then the guard: ``privacy.scan_record`` over every record read, per record.

    python -m benchmarks reading                     # 20 000 projects
    python -m benchmarks reading --projects 2000 --repeat 5
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from benchmarks.synthetic import write_yaml
from euproj_rdf.privacy import scan_record
from euproj_rdf.records import read_records, record_files
from euproj_rdf.resources import default_schema

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _convert(node: yaml.Node, path: str, lines: dict[str, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = {}
        for k, v in node.value:
            sub = f"{path}.{k.value}" if path else str(k.value)
            out[k.value] = _convert(v, sub, lines)
            lines[sub] = k.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, f"{path}.{i}" if path else str(i), lines) for i, item in enumerate(node.value)]
    return node.value


def read_ours(files: list[Path]) -> int:
    return sum(1 for p in files for _ in read_records(p))


def read_compose(files: list[Path]) -> int:
    n = 0
    for p in files:
        with p.open("rb") as fh:
            root = yaml.compose(fh, Loader=_Loader)
        for item in root.value:
            _convert(item, "", {})
            n += 1
    return n


def read_safe_load(files: list[Path]) -> int:
    n = 0
    for p in files:
        with p.open("rb") as fh:
            n += len(yaml.load(fh, Loader=_Loader))
    return n


def _best(fn: Callable[[list[Path]], int], files: list[Path], repeat: int) -> tuple[float, int]:
    best, n = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        n = fn(files)
        best = min(best, time.perf_counter() - started)
    return best, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="euproj-reading-") as tmp:
        folder = write_yaml(Path(tmp) / "records", args.projects, seed=args.seed)
        files = record_files(folder)
        size = sum(p.stat().st_size for p in files)
        print(f"{args.projects} projects: {len(files)} YAML files, {size / 1e6:.1f} MB")
        results = {}
        for name, fn in (("ours (events, limits)", read_ours), ("compose + walk", read_compose),
                         ("safe_load (no lines)", read_safe_load)):
            seconds, n = _best(fn, files, args.repeat)
            results[name] = seconds
            print(f"  {name:24} {seconds:7.2f} s  {n} records  {size / 1e6 / seconds:6.1f} MB/s")
        ours = results["ours (events, limits)"]
        print(f"  ours vs compose + walk: {results['compose + walk'] / ours:.2f}× faster; "
              f"vs safe_load: {results['safe_load (no lines)'] / ours:.2f}×")
        schema = default_schema()
        recs = [r for p in files for r in read_records(p)]
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            hits = sum(len(scan_record(r, schema)) for r in recs)
            best = min(best, time.perf_counter() - started)
        print(f"  privacy guard: {best:.2f} s for {len(recs)} records ({best / len(recs) * 1e6:.1f} µs a record, "
              f"{hits} hit(s)); reading them took {ours:.2f} s")


if __name__ == "__main__":
    main()
