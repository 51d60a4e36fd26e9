"""Any YAML scalar in any field gives a clear error or a valid dump, never a traceback.

Random scalars — YAML 1.1 surprises (``.nan``, ``1:30``, ``yes``), huge and odd numbers, dates
that are not, quoted and unquoted text with anything in it — are written into a field of every
kind of a small, otherwise valid set of records, and the records are built. The build must
either raise a :class:`RecordError` whose every problem is one line naming ``file:line``, return
a report of a graph that does not conform, or write a dump that parses.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from euproj_rdf import RecordError, build
from euproj_rdf.errors import EuprojError

BASE = """\
- type: source
  id: doc
  title: {sv: Källa}
  language: <<language>>
  file: doc.txt
  issued: <<date>>
- type: fund
  id: erdf
  name: {en: ERDF}
  sources: [{document: doc, text: ERDF}]
- type: programme
  id: prog
  name:
    en: <<langmap>>
  kind: <<concept>>
  funds: [erdf]
  countries:
    - <<country>>
  sources: [{document: doc, text: Programme}]
- type: organisation
  id: org
  name: {sv: Org}
  country: SWE
  kind: region
  wikidata: <<identifier>>
  website:
    url: <<url>>
    text: org
  sources: [{document: doc, text: Org}]
- type: project
  id: <<id>>
  title: {sv: P}
  acronym: <<string>>
  programme: <<ref>>
  duration:
    value: <<duration>>
    text: x
  partner_count:
    value: <<integer>>
    text: x
  funding:
    - kind: total-budget
      amount: <<decimal>>
      currency: <<currency>>
      approximate: <<boolean>>
      text: x
  sources: [{document: doc, text: Project}]
"""

VALID = {
    "language": "sv", "date": '"2018-02-05"', "langmap": "Programme", "concept": "interreg-interregional",
    "country": "SWE", "identifier": "Q1", "url": "http://org.example", "id": "p1", "string": "ALPHA",
    "ref": "prog", "duration": "P4Y", "integer": "3", "decimal": "2440000", "currency": "EUR", "boolean": "true",
}

SURPRISES = [
    ".nan", ".NaN", ".inf", "-.inf", "+.INF", "1:30", "190:20:30", "1:30.5", "yes", "No", "on", "OFF", "y", "~",
    "null", "", "0x1F", "0o17", "017", "0b101", "1e400", "1.0e+400", "-0", "+12", "12_000", "1_0.5_0",
    "2019-02-29", "2016-13-01", "2016-05-01T10:00:00Z", "'quoted'", '"a\\nb"', '"tab\\tin"', "&a x", "*a",
    "!!binary aGk=", "!!python/object:os.system", "!!int '12'", "!!float x", "[]", "{}", "- x", "|\n  block",
    "9" * 5000, "9" * 60, "0." + "0" * 60 + "1", "Q1\u0000", "http://x.example/a b", "sv\n", "\ufeffSWE",
    "&a [*a]", '"\\ud800"', "? x", "%TAG", "@x", "`x`", "#comment", "P1Y2M3D", "P0D", "EUR ", "Q01",
]


def _scalars() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(SURPRISES),
        st.integers().map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.floats().map(repr),
        st.text(max_size=40),
        st.text(max_size=40).map(json.dumps),
        st.from_regex(r"\A-?\d{1,5}(-\d{1,3}){0,2}\Z"),
    )


def _records(folder: Path, kind: str, value: str) -> Path:
    text = BASE
    for k, v in VALID.items():
        text = text.replace(f"<<{k}>>", value if k == kind else v)
    records = folder / "records"
    records.mkdir()
    (records / "a.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    return records


def _check(kind: str, value: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        records = _records(folder, kind, value)
        out = folder / "dist"
        try:
            result = build(records, out, workers=1)
        except RecordError as exc:
            assert exc.problems
            for p in exc.problems:
                line = str(p)
                assert "\n" not in line and re.match(r"records/a\.yaml:\d+: \S", line), line
            assert not out.exists(), "nothing may be written"
            return
        except EuprojError as exc:
            assert "\n" not in str(exc)
            assert not out.exists()
            return
        if not result.written:
            assert result.report.violations
            assert not out.exists()
            return
        ox.parse(path=str(out / "euproj.nt"), format=ox.RdfFormat.N_TRIPLES).__iter__().__next__()
        assert sum(1 for _ in ox.parse(path=str(out / "euproj.ttl"), format=ox.RdfFormat.TURTLE)) == result.triples


def test_the_base_records_are_valid(tmp_path):
    result = build(_records(tmp_path, "", ""), tmp_path / "dist", workers=1)
    assert result.written, result.report.text()


@pytest.mark.parametrize("kind", sorted(VALID))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_scalars())
@example(value=".nan")
@example(value="1:30")
@example(value="yes")
@example(value="\"a\\nb\"")
def test_any_scalar_in_any_field_is_a_clear_error_or_a_valid_dump(kind, value):
    _check(kind, value)
