"""A build gives the same files and the same report whatever the workers and batch sizes."""

from __future__ import annotations

import pytest
import yaml

from benchmarks.synthetic import generate, write_csv
from euproj_rdf import build
from euproj_rdf.errors import RecordError, RecordSyntaxError


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return write_csv(tmp_path_factory.mktemp("sample") / "records", 2000, seed=5)


def test_workers_and_batches_do_not_change_the_dump(sample, tmp_path):
    one = build(sample, tmp_path / "one", workers=1)
    # tiny batches: hundreds of chunks, merged in the background while mapping goes on
    many = build(sample, tmp_path / "many", workers=2, batch_triples=400)
    assert one.written and many.written
    assert one.triples == many.triples > 100_000
    assert (tmp_path / "one" / "euproj.nt").read_bytes() == (tmp_path / "many" / "euproj.nt").read_bytes()
    assert (tmp_path / "one" / "euproj.ttl").read_bytes() == (tmp_path / "many" / "euproj.ttl").read_bytes()
    assert one.records == many.records


def test_workers_report_the_same_problems(tmp_path):
    sources, orgs, projects = generate(300, seed=9)
    projects[5]["programme"] = "no-such-programme"
    projects[250]["period"] = {"start": "2019-13", "text": "x"}
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "all.yaml").write_text(yaml.safe_dump(sources + orgs + projects, allow_unicode=True), encoding="utf-8")
    found = []
    for workers in (1, 2):
        with pytest.raises(RecordError) as exc:
            build(folder, tmp_path / f"out-{workers}", workers=workers, batch_triples=300)
        found.append([str(p) for p in exc.value.problems])
        assert not (tmp_path / f"out-{workers}").exists()
    assert found[0] == found[1] and len(found[0]) == 2


def test_a_bad_csv_row_is_reported_by_the_worker_that_reads_it(sample, tmp_path):
    rows = (sample / "projects.csv").read_text(encoding="utf-8").splitlines()
    rows[1500] = rows[1500].replace("=lead-partner", "=lead partner", 1)
    bad = tmp_path / "records"
    bad.mkdir()
    for p in sample.iterdir():
        (bad / p.name).write_bytes(p.read_bytes())
    (bad / "projects.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(RecordSyntaxError) as exc:
        build(bad, tmp_path / "out", workers=2, batch_triples=2000)
    assert [(p.file, p.line) for p in exc.value.problems] == [("records/projects.csv", 1501)]
    assert "cannot read" in exc.value.problems[0].message
