"""atomic_write: all or nothing, permissions kept."""

from __future__ import annotations

import os

import pytest

from euproj_rdf.files import atomic_write


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "dump.nt"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_write(target) as fh:
        fh.write("half")
        raise RuntimeError("stopped")
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["dump.nt"]


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "records.yaml"
    target.write_text("- a\n")
    target.chmod(0o640)
    with atomic_write(target, newline="") as fh:
        fh.write("- b\r\n")
    assert target.read_bytes() == b"- b\r\n"
    assert target.stat().st_mode & 0o777 == 0o640


def test_binary_files_and_reading_back_what_was_written(tmp_path):
    target = tmp_path / "sub" / "x.bin"
    with atomic_write(target, "wb") as fh:
        fh.write(b"\x00\x01")
        fh.flush()
        with open(fh.name, "rb") as back:
            assert back.read() == b"\x00\x01"
        assert not target.exists()
    assert target.read_bytes() == b"\x00\x01"
