"""Every class of bad input gets one exact, located message, and nothing is written."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from euproj_rdf import RecordError, RecordSyntaxError, build

SOURCE = """\
- type: source
  id: doc
  title: {sv: Källa}
  language: sv
  file: doc.txt
"""

ORG = """\
- type: organisation
  id: region-a
  name: {sv: Region A}
  country: SWE
  kind: region
  sources: [{document: doc, text: "Region A"}]
"""


def _records(tmp_path: Path, body: str, *, extra: str = SOURCE + ORG) -> Path:
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "a.yaml").write_text(extra, encoding="utf-8")
    (folder / "b.yaml").write_text(textwrap.dedent(body), encoding="utf-8")
    return folder


def _project(**fields: str) -> str:
    lines = ["- type: project", f"  id: {fields.pop('id', 'p1')}", "  title: {sv: P}"]
    lines += [f"  {k}: {v}" for k, v in fields.items()]
    lines.append('  sources: [{document: doc, text: "P"}]')
    return "\n".join(lines) + "\n"


def _problems(tmp_path: Path, body: str, **kw) -> list[str]:
    out = tmp_path / "dist"
    with pytest.raises(RecordError) as info:
        build(_records(tmp_path, body, **kw), out)
    assert not out.exists(), "nothing may be written when records have problems"
    return [str(p) for p in info.value.problems]


def test_malformed_yaml(tmp_path):
    with pytest.raises(RecordSyntaxError, match=r"records/b\.yaml:4: malformed YAML at column 1: did not find expected .,. or .}. \(while parsing a flow mapping that starts at line 3, column 10\)"):
        build(_records(tmp_path, "- type: project\n  id: p1\n  title: {sv: P\n"), tmp_path / "dist")


def test_unknown_field(tmp_path):
    assert _problems(tmp_path, _project(titel="{sv: P}")) == [
        "records/b.yaml:4: project 'p1', field 'titel': unknown field 'titel' (did you mean 'title'?)"
    ]


def test_duplicate_id(tmp_path):
    assert _problems(tmp_path, _project() + _project()) == [
        "records/b.yaml:6: project 'p1', field 'id': duplicate id 'p1': the first project with it is at "
        "records/b.yaml:1 (merge the two records or give one another id)"
    ]


def test_unknown_reference(tmp_path):
    body = _project(participants="[{organisation: region-b, roles: [partner], text: B}]")
    assert _problems(tmp_path, body) == [
        "records/b.yaml:4: project 'p1', field 'participants.0.organisation': unknown organisation "
        "'region-b' (did you mean 'region-a'?)"
    ]


def test_unknown_programme(tmp_path):
    assert _problems(tmp_path, _project(programme="interreg-oks")) == [
        "records/b.yaml:4: project 'p1', field 'programme.id': unknown programme 'interreg-oks' "
        "(add a programme record with id 'interreg-oks')"
    ]


def test_unparseable_date(tmp_path):
    assert _problems(tmp_path, _project(period='{start: "April 2016", text: "April 2016"}')) == [
        "records/b.yaml:4: project 'p1', field 'period.start': unparseable date 'April 2016': "
        "write YYYY-MM-DD, YYYY-MM or YYYY"
    ]


def test_impossible_date(tmp_path):
    body = _project(period='{start: "2016-05-01", end: "2019-04-31", text: "2016-05-01 – 2019-04-31"}')
    assert _problems(tmp_path, body) == [
        "records/b.yaml:4: project 'p1', field 'period.end': impossible date '2019-04-31': April 2019 has 30 days"
    ]


def test_unknown_currency(tmp_path):
    body = _project(funding="[{kind: total-budget, amount: 10, currency: EUROS, text: 10 euro}]")
    assert _problems(tmp_path, body) == [
        "records/b.yaml:4: project 'p1', field 'funding.0.currency': unknown currency 'EUROS': "
        "use an ISO 4217 code such as EUR, DKK or SEK"
    ]


def test_negative_amount(tmp_path):
    body = _project(funding="[{kind: total-budget, amount: -5, currency: EUR, text: minus}]")
    assert _problems(tmp_path, body) == [
        "records/b.yaml:4: project 'p1', field 'funding.0.amount': negative amount -5"
    ]


def test_iri_unsafe_id(tmp_path):
    assert _problems(tmp_path, _project(id='"Region Skåne"')) == [
        "records/b.yaml:2: project 'Region Skåne', field 'id': id 'Region Skåne' is not IRI-safe: use "
        "lower-case ASCII letters, digits and single hyphens (for example 'region-skane')"
    ]


def test_unknown_controlled_value(tmp_path):
    body = _project(participants="[{organisation: region-a, roles: [lead], text: A}]")
    assert _problems(tmp_path, body) == [
        "records/b.yaml:4: project 'p1', field 'participants.0.roles.0': unknown role 'lead' "
        "(did you mean 'lead-partner'?)"
    ]


def test_missing_required_field(tmp_path):
    body = "- type: organisation\n  id: org-x\n  name: {sv: X}\n  country: SWE\n  sources: [{document: doc, text: X}]\n"
    assert _problems(tmp_path, body) == [
        "records/b.yaml:1: organisation 'org-x', field 'kind': missing required field"
    ]


def test_unknown_record_type(tmp_path):
    assert _problems(tmp_path, "- type: projekt\n  id: p\n") == [
        "records/b.yaml:1: projekt 'p', field 'type': unknown record type 'projekt' (did you mean 'project'?)"
    ]


def test_every_problem_is_reported_at_once(tmp_path):
    body = _project(id="p1", titel="x") + _project(id="p2", period='{start: "2019-02-30", text: x}')
    problems = _problems(tmp_path, body)
    assert [p.split(":")[1] for p in problems] == ["4", "9"]


def test_shacl_result_is_traced_to_the_record(tmp_path):
    body = _project(period='{start: "2019-05", end: "2018", text: "maj 2019 – 2018"}')
    result = build(_records(tmp_path, body), tmp_path / "dist")
    assert not result.written and not (tmp_path / "dist").exists()
    assert [str(v) for v in result.report.violations] == [
        "records/b.yaml:4: project 'p1' (period): Violation: The period ends (2018) before it starts "
        "(2019-05) (fields 'period.start' and 'period.end')."
    ]


def test_failed_build_leaves_the_previous_dump_untouched(tmp_path):
    out = tmp_path / "dist"
    good = _records(tmp_path, _project())
    assert build(good, out).written
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (good / "b.yaml").write_text(_project(period='{start: "2019", end: "2018", text: x}'), encoding="utf-8")
    assert not build(good, out).written
    (good / "b.yaml").write_text(_project(titel="x"), encoding="utf-8")
    with pytest.raises(RecordError):
        build(good, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_csv_bad_cell_is_located(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "a.yaml").write_text(SOURCE + ORG, encoding="utf-8")
    (folder / "projects.csv").write_text(
        "id,title_sv,start,period_text,partners,source,source_text\n"
        "p1,P,2016,2016,region-a=partner,doc,P\n"
        "p2,Q,2016-13,2016,region-a=partner,doc,Q\n",
        encoding="utf-8",
    )
    with pytest.raises(RecordError) as info:
        build(folder, tmp_path / "dist")
    assert [str(p) for p in info.value.problems] == [
        "records/projects.csv:3: project 'p2', field 'period.start': impossible date '2016-13': there is no month 13"
    ]


def test_csv_unknown_column(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "projects.csv").write_text("id,titel\np1,P\n", encoding="utf-8")
    with pytest.raises(RecordSyntaxError) as info:
        build(folder, tmp_path / "dist")
    assert [str(p) for p in info.value.problems] == [
        "records/projects.csv:1: project, field 'titel': unknown column 'titel' (map it in mappings/csv/projects.yaml)"
    ]


def test_part_of_cycle(tmp_path):
    orgs = "".join(
        f"- type: organisation\n  id: {a}\n  name: {{sv: {a}}}\n  kind: region\n  part_of: {b}\n"
        f"  sources: [{{document: doc, text: x}}]\n"
        for a, b in (("org-a", "org-b"), ("org-b", "org-c"), ("org-c", "org-a"))
    )
    assert _problems(tmp_path, orgs) == [
        "records/b.yaml:5: organisation 'org-a', field 'part_of': part_of forms a cycle: "
        "org-a → org-b → org-c → org-a (nothing can be part of itself, or precede itself)"
    ]


def test_a_build_that_would_publish_personal_data_fails(tmp_path):
    """Contacts without consent are left out; if a mapping ever emitted them, the shapes stop the build."""
    case = Path(__file__).parent / "cases" / "personal-data-omitted" / "records"
    assert build(case, tmp_path / "public").written
    result = build(case, tmp_path / "internal", include_personal_data=True)
    assert not result.written and not (tmp_path / "internal").exists()
    assert [str(v) for v in result.report.violations] == [
        "records/records.yaml:12: project 'with-contacts' (contacts.0), ep:publicationConsent: Violation: Personal data (a contact person, "
        "a phone number) would be published without consent: keep 'publish: false' or record a documented consent."
    ]
