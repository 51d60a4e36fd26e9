"""Bad records as case folders: tests/bad/<case>/records → the exact errors in expected.txt.

Each case is built with the CLI; it must exit 2 with exactly the expected lines on stderr (no
traceback) and write nothing. Cases too large to keep as files are generated here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from euproj_rdf.cli import app
from euproj_rdf.values import MAX_TEXT

BAD = Path(__file__).parent / "bad"
CASES = sorted(p for p in BAD.iterdir() if (p / "records").is_dir())

SOURCE = """\
- type: source
  id: doc
  title: {sv: Källa}
  language: sv
  file: doc.txt
"""


def _build(records: Path, out: Path):
    cwd = Path.cwd()
    os.chdir(records.parent)  # errors name records/… as a curator sees them
    try:
        return CliRunner().invoke(app, ["build", "-r", "records", "-o", str(out), "--no-progress"])
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_records(case: Path, tmp_path: Path):
    out = tmp_path / "dist"
    result = _build(case / "records", out)
    expected = (case / "expected.txt").read_text(encoding="utf-8")
    assert (result.exit_code, result.stderr) == (2, expected)
    assert result.stdout == ""
    assert not out.exists(), "nothing may be written"


def _generated(tmp_path: Path, body: str) -> Path:
    records = tmp_path / "records"
    records.mkdir()
    (records / "a.yaml").write_text(SOURCE, encoding="utf-8")
    (records / "b.yaml").write_text(body, encoding="utf-8")
    return records


def test_a_17_mb_text_is_refused_by_the_checker(tmp_path):
    """A 17 MB text field failed in pyoxigraph's serializer at the end of the build."""
    text = "x" * (17 * 1024 * 1024)
    records = _generated(tmp_path, f"- type: project\n  id: p1\n  title: {{sv: P}}\n  notes: {text}\n"
                                   "  sources: [{document: doc, text: P}]\n")
    result = _build(records, tmp_path / "dist")
    assert (result.exit_code, result.stderr) == (2, (
        f"Error: records/b.yaml:4: project 'p1', field 'notes': a text of {len(text)} characters is longer "
        f"than the limit of {MAX_TEXT}\n1 problem(s) in the records; nothing was written.\n"))
    assert not (tmp_path / "dist").exists()


def test_a_text_at_the_limit_is_fine_and_one_over_is_refused(tmp_path):
    body = ("- type: project\n  id: p1\n  title: {{sv: {title}}}\n  notes: {notes}\n"
            "  sources: [{{document: doc, text: P}}]\n")
    records = _generated(tmp_path, body.format(title="x" * (MAX_TEXT + 1), notes="y" * MAX_TEXT))
    result = _build(records, tmp_path / "dist")
    assert (result.exit_code, result.stderr) == (2, (
        f"Error: records/b.yaml:3: project 'p1', field 'title.sv': a text of {MAX_TEXT + 1} characters is longer "
        f"than the limit of {MAX_TEXT}\n1 problem(s) in the records; nothing was written.\n"))
