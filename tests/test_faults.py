"""Faults around the CLI: a read-only or full disk, a killed or stopped build, permissions of what
is written, and an unexpected exception. Each gives one clear line and the documented exit code,
and leaves nothing half-written behind.

The disk faults are real: as root, a small tmpfs is mounted (and remounted read-only); without
root, a read-only folder is made by its mode and a full disk by RLIMIT_FSIZE.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from euproj_rdf.cli import app
from euproj_rdf.outputs import SCRATCH_PREFIX

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "tests" / "cases" / "full-project" / "records"
CLI = [sys.executable, "-m", "euproj_rdf.cli"]


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def _mount_tmpfs(where: Path, size: str) -> bool:
    if os.geteuid() != 0:
        return False
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
                          capture_output=True)
    return done.returncode == 0


def _umount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KB file system (the seed dump alone is over 1 MB), or None without root."""
    where = tmp_path / "tiny"
    if not _mount_tmpfs(where, "256k"):
        yield None
        return
    yield where
    _umount(where)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ------------------------------------------------------------------- read-only and full disks


def test_a_read_only_dist_is_a_clear_error_for_build_and_load(tmp_path):
    dist = tmp_path / "ro"
    mounted = _mount_tmpfs(dist, "8m")
    try:
        assert run("build", "-r", str(CASE), "-o", str(dist)).exit_code == 0
        before = {p.name: p.read_bytes() for p in dist.iterdir()}
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(dist)], check=True)
        else:
            dist.chmod(0o555)
        reason = "Read-only file system" if mounted else "Permission denied"
        result = run("build", "-r", str(CASE), "-o", str(dist))
        assert result.exit_code == 2
        assert result.stderr.startswith(f"Error: cannot write '{dist}")
        assert result.stderr.endswith(f": {reason}; nothing was written\n") and result.stderr.count("\n") == 1
        result = run("load", "--dump", str(dist / "euproj.nt"), "--store", str(dist / "store"))
        assert result.exit_code == 2
        assert result.stderr.startswith(f"Error: cannot write '{dist}")
        assert result.stderr.endswith(f": {reason}; nothing was written\n")
        assert {p.name: p.read_bytes() for p in dist.iterdir()} == before
    finally:
        if mounted:
            _umount(dist)
        else:
            dist.chmod(0o755)


def test_a_full_disk_is_a_clear_error_and_leaves_nothing(tiny_disk, tmp_path):
    out = tiny_disk
    if out is None:  # without root: the same failure through the file size limit
        out = tmp_path / "out"
        limit = lambda: (signal.signal(signal.SIGXFSZ, signal.SIG_IGN),  # noqa: E731
                         resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000)))
        done = subprocess.run(CLI + ["build", "-r", str(ROOT / "records"), "-o", str(out), "-j", "1"],
                              capture_output=True, text=True, preexec_fn=limit)
        reason = "File too large"
    else:
        done = subprocess.run(CLI + ["build", "-r", str(ROOT / "records"), "-o", str(out), "-j", "1"],
                              capture_output=True, text=True)
        reason = "No space left on device"
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"Error: cannot write '{out}")
    assert done.stderr.endswith(f": {reason}; nothing was written\n") and done.stderr.count("\n") == 1
    assert _leftovers(out) == []


# ------------------------------------------------------------------- killed, stopped


@pytest.fixture(scope="module")
def big_records(tmp_path_factory) -> Path:
    """Records that take a few seconds to build: time enough to stop the build in the middle."""
    from benchmarks.synthetic import write_csv

    return write_csv(tmp_path_factory.mktemp("big") / "records", 6000, seed=3)


def _start_and_wait_for_scratch(records: Path, out: Path) -> subprocess.Popen:
    proc = subprocess.Popen(CLI + ["build", "-r", str(records), "-o", str(out), "-j", "2", "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        scratch = list(out.glob(f"{SCRATCH_PREFIX}*/batch-*.nt")) if out.exists() else []
        if scratch:
            return proc
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    proc.kill()
    pytest.fail("the build never started writing batches")


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def test_a_killed_build_leaves_nothing_after_the_next_run(big_records, tmp_path):
    out = tmp_path / "dist"
    proc = _start_and_wait_for_scratch(big_records, out)
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.communicate()
    assert any(p.name.startswith(SCRATCH_PREFIX) for p in out.iterdir())  # what the crash left
    for pid in workers:  # orphaned workers notice that their parent is gone and exit
        for _ in range(600):
            if not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3]:
                break
            time.sleep(0.05)
    assert run("build", "-r", str(CASE), "-o", str(out), "--force").exit_code == 0
    assert _leftovers(out) == [".euproj-dump", "euproj-statistics.nt", "euproj-statistics.ttl", "euproj.nt", "euproj.ttl"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stopped_build_cleans_up_and_says_so(big_records, tmp_path, signum):
    out = tmp_path / "dist"
    proc = _start_and_wait_for_scratch(big_records, out)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum
    assert stderr == (f"Error: stopped ({signal.Signals(signum).name}); temporary files were removed and "
                      "nothing was half-written.\n")
    assert _leftovers(out) == []


def test_a_stale_scratch_folder_beside_a_store_is_swept_by_the_next_load(tmp_path):
    """`kill -9` during `load` left a partial store folder beside the target."""
    assert run("build", "-r", str(CASE), "-o", str(tmp_path)).exit_code == 0
    stale = tmp_path / f"{SCRATCH_PREFIX}abc123"
    (stale / "new").mkdir(parents=True)
    (stale / ".lock").touch()  # its process is gone: nobody holds the lock
    (stale / "new" / "000001.sst").write_bytes(b"x" * 1000)
    assert run("load", "--dump", str(tmp_path / "euproj.nt"), "--store", str(tmp_path / "store")).exit_code == 0
    assert _leftovers(tmp_path) == [".euproj-dump", "euproj-statistics.nt", "euproj-statistics.ttl", "euproj.nt", "euproj.ttl",
                                     "store"]


def test_a_scratch_folder_of_a_running_build_is_left_alone(tmp_path):
    from euproj_rdf.outputs import scratch, sweep

    with scratch(tmp_path) as mine:
        assert sweep(tmp_path) == [] and mine.exists()
    assert not mine.exists()


# ------------------------------------------------------------------- permissions


@pytest.mark.parametrize("umask, folder, file", [(0o022, 0o755, 0o644), (0o002, 0o775, 0o664)])
def test_outputs_get_the_users_umask(tmp_path, umask, folder, file):
    """A release folder was created with mode 0700: a web server could not read it."""
    old = os.umask(umask)
    try:
        dist = tmp_path / "dist"
        assert run("build", "-r", str(CASE), "-o", str(dist)).exit_code == 0
        assert run("load", "--dump", str(dist / "euproj.nt"), "--store", str(dist / "store")).exit_code == 0
        assert run("publish", "--dist", str(dist), "--out", str(dist / "release"),
                   "--config", str(ROOT / "release.yaml")).exit_code == 0
    finally:
        os.umask(old)
    for path in (dist, dist / "store", dist / "release"):
        assert path.stat().st_mode & 0o777 == folder, path
    for path in (dist / "euproj.nt", dist / "euproj.ttl", dist / "release" / "euproj.jsonld"):
        assert path.stat().st_mode & 0o777 == file, path


# ------------------------------------------------------------------- unexpected failures


BOOM = """
import sys
from euproj_rdf import cli, pipeline

def boom(*args, **kwargs):
    raise RuntimeError("an unforeseen failure")

pipeline.build = boom
sys.argv = ["euproj-rdf", *sys.argv[1:]]
cli.main()
"""


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_an_unexpected_exception_is_one_line_and_a_log_file(tmp_path, debug):
    env = {**os.environ, "EUPROJ_LOG_DIR": str(tmp_path / "logs")}
    args = ["--debug"] if debug else []
    done = subprocess.run([sys.executable, "-c", BOOM, *args, "build", "-r", str(CASE), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, env=env)
    if debug:  # the traceback, as asked for
        assert done.returncode == 1 and "Traceback (most recent call last)" in done.stderr
        return
    logs = list((tmp_path / "logs").iterdir())
    assert len(logs) == 1
    assert (done.returncode, done.stderr) == (3, (
        f"Error: unexpected failure (RuntimeError: an unforeseen failure); the traceback is in {logs[0]}. "
        "Please report it.\n"))
    text = logs[0].read_text()
    assert "Traceback (most recent call last)" in text and "RuntimeError: an unforeseen failure" in text


def test_link_apply_on_a_table_that_is_not_utf8(tmp_path):
    table = tmp_path / "links.sssom.tsv"
    table.write_bytes(b"# curie_map:\n#   wikidata: http://www.wikidata.org/entity/\n"
                      b"subject_id\tsubject_label\tpredicate_id\tobject_id\tmapping_justification\n"
                      b"euproj:organisation/x\tMalm\xf6 stad\towl:sameAs\twikidata:Q2211\tsemapv:ManualMappingCuration\n")
    result = run("link", "-r", str(CASE), "--apply", str(table))
    assert (result.exit_code, result.stderr) == (
        2, f"Error: {table}:4: byte 0xF6 at column 27 is not UTF-8 (save the table as UTF-8)\n")
