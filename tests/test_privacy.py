"""The personal-data guard: phone numbers, e-mail addresses and identity numbers in free text are
a warning at file:line, an error with --strict-privacy, and always an error for publish;
contacts (personal data by design, published only with consent) and the seed records are not
flagged."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from euproj_rdf.cli import app
from euproj_rdf.privacy import find_personal_data

ROOT = Path(__file__).resolve().parents[1]

RECORDS = """\
- type: source
  id: doc
  title: {sv: Källa}
  language: sv
  file: doc.txt
- type: project
  id: p1
  title: {sv: Projekt}
  notes: Ring projektledaren på 040-12 34 56.
  sources: [{document: doc, text: "Projekt"}]
"""
WARNING = ("records/a.yaml:9: project 'p1', field 'notes': Warning: phone number '040-12 34 56' in free text: "
           "personal data does not belong in the public dump (remove it; a contact person goes into 'contacts')\n")


def _run(tmp_path: Path, body: str, *args: str):
    (tmp_path / "records").mkdir(exist_ok=True)
    (tmp_path / "records" / "a.yaml").write_text(body, encoding="utf-8")
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        return CliRunner().invoke(app, ["build", "--no-progress", *args])
    finally:
        os.chdir(cwd)


def test_a_phone_number_in_a_note_is_a_warning_at_its_line(tmp_path):
    result = _run(tmp_path, RECORDS)
    assert result.exit_code == 0
    assert WARNING in result.stderr
    assert (tmp_path / "dist" / "euproj.nt").exists()


def test_quiet_leaves_out_the_warning(tmp_path):
    result = _run(tmp_path, RECORDS, "-q")
    assert (result.exit_code, result.stderr) == (0, "")


def test_strict_privacy_makes_it_an_error_and_writes_nothing(tmp_path):
    result = _run(tmp_path, RECORDS, "--strict-privacy")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: records/a.yaml:9: project 'p1', field 'notes': phone number '040-12 34 56' in free text: personal "
        "data does not belong in the public dump (remove it; a contact person goes into 'contacts')\n"
        "1 problem(s) in the records; nothing was written.\n")
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("where, text, kind, found", [
    ("notes", "Kontakt: anna.svensson@skane.se", "e-mail address", "anna.svensson@skane.se"),
    ("notes", "Projektledare (personnr 19811218-9876)", "Swedish personnummer", "19811218-9876"),
    ("notes", "CPR 311299-1234", "Danish CPR number", "311299-1234"),
    ("sources.0.text", "Projektet, tlf. 33 12 34 56", "phone number", "33 12 34 56"),
    ("sources.0.text", "Projektet, +45 33 12 34 56", "phone number", "+45 33 12 34 56"),
])
def test_each_kind_in_each_free_text_field(tmp_path, where, text, kind, found):
    body = RECORDS.replace("  notes: Ring projektledaren på 040-12 34 56.\n", "")
    if where == "notes":
        body = body.replace("  sources:", f"  notes: \"{text}\"\n  sources:")
    else:
        body = body.replace('text: "Projekt"', f'text: "{text}"')
    result = _run(tmp_path, body, "--strict-privacy")
    assert result.exit_code == 2
    assert f"field '{where}': {kind} '{found}' in free text" in result.stderr


def test_a_participation_text_is_scanned(tmp_path):
    body = RECORDS.replace("  notes: Ring projektledaren på 040-12 34 56.\n", "") + """\
- type: organisation
  id: org
  name: {sv: Org}
  country: SWE
  kind: region
  sources: [{document: doc, text: "Org"}]
"""
    body = body.replace('  sources: [{document: doc, text: "Projekt"}]\n',
                        '  participants: [{organisation: org, roles: [partner], text: "Org, kontakt bo@org.se"}]\n'
                        '  sources: [{document: doc, text: "Projekt"}]\n', 1)
    result = _run(tmp_path, body, "--strict-privacy")
    assert "records/a.yaml:9: project 'p1', field 'participants.0.text': e-mail address 'bo@org.se'" in result.stderr


def test_contacts_are_not_flagged(tmp_path):
    """Contacts hold phone numbers by design and reach the dump only with consent."""
    case = ROOT / "tests" / "cases" / "personal-data-omitted" / "records"
    result = CliRunner().invoke(app, ["build", "-r", str(case), "-o", str(tmp_path / "out"), "--strict-privacy"])
    assert result.exit_code == 0, result.stderr
    assert "personal data" not in result.stderr


def test_the_seed_records_are_clean(seed_build):
    assert seed_build.privacy == []


def test_publish_refuses_a_dump_with_personal_data(tmp_path):
    assert _run(tmp_path, RECORDS).exit_code == 0
    result = CliRunner().invoke(app, ["publish", "--dist", str(tmp_path / "dist"), "--out", str(tmp_path / "release"),
                                      "--config", str(ROOT / "release.yaml")])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {tmp_path / 'dist' / 'euproj.nt'}: <https://w3id.org/euproj/id/project/p1> holds personal data in "
        "free text (phone number '040-12 34 56'), which is not published: remove it from the records "
        "('euproj-rdf build --strict-privacy' lists them)\n")
    assert not (tmp_path / "release").exists()


@pytest.mark.parametrize("text", [
    "EUR 1 390 000", "30 000 000 SEK", "Projektperiod: 2016-05-01 – 2019-04-31", "01.05.2019", "01-05-2019",
    "Dnr 2015-00123", "projektnummer 20201234", "Org.nr 232100-0255", "0,5 miljoner kronor", "2014–2020",
    "Call 3, 2017", "http://www.skane.se/sv/regional-utveckling", "NUTS SE224", "PIC 999999999",
])
def test_numbers_that_are_not_personal_data(text):
    assert find_personal_data(text) == []


PERSONAL_EXAMPLES = [
    "Kontakt: anna.svensson@skane.se", "+46 40 12 34 56", "+45(0)33123456", "040-12 34 56", "08-123 456 78",
    "08 / 123 45 67", "33 12 34 56", "tel. 4012345678", "Phone:(040)123456", "MOBIL 0701234567",
    "811218-9876", "198112189876", "121212-1212", "010203-1234 and more", "ecContribution: 223125 (row 120034)",
]


def test_the_quick_tests_in_pieces_agree_with_their_patterns():
    """candidate() and quick() are the patterns _CANDIDATE and _QUICK written as cheaper pieces:
    they agree on every text (generated from the pieces the patterns look for, in any case and
    with other digits and letters)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from euproj_rdf.privacy import _CANDIDATE, _QUICK, candidate, quick

    pieces = st.sampled_from(["0", "1", "5", "9", "٣", " ", "  ", "-", "/", "+", ".", "@", "a", "x", "é", "İ", "K",
                              "tel", "TEL", "Tfn", "pHone", "MOB", "tlF", "fax", "te", "l", "\n"])

    @settings(max_examples=4000, deadline=None)
    @given(st.lists(pieces, max_size=30).map("".join) | st.text(max_size=40))
    def check(text: str) -> None:
        assert candidate(text) == (_CANDIDATE.search(text) is not None), text
        assert quick(text) == (_QUICK.search(text) is not None), text

    check()


def test_the_quick_test_lets_every_text_with_personal_data_through():
    """Free text is searched in full only when the quick test finds a necessary part of some
    pattern: every text with personal data passes it (examples and generated texts), and the
    imported records' amounts and row numbers do not."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from euproj_rdf.privacy import _QUICK

    for text in PERSONAL_EXAMPLES:
        assert not find_personal_data(text) or _QUICK.search(text), text
    assert not _QUICK.search("ecContribution: 223125.5 (organization.json row 123456)")
    assert not _QUICK.search("role: participant (organization.json row 180000)")

    pieces = st.sampled_from(["0", "1", "4", "6", "8", "9", "12", "19", "20", " ", "-", "/", "+", ".", "(", ")",
                              "@", "a", "b.se", "tel", "Tfn", "fax:", ",", "x"])

    @settings(max_examples=3000, deadline=None)
    @given(st.lists(pieces, max_size=24).map("".join))
    def check(text: str) -> None:
        if find_personal_data(text):
            assert _QUICK.search(text), text

    check()
