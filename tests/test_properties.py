"""Properties that hold for any valid records (hypothesis).

- a valid record maps to N-Triples that pyoxigraph reads back line for line (canonical form);
- the Turtle and N-Triples dumps parse back isomorphic to each other;
- the build is deterministic and independent of record order;
- valid records conform to the shapes.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pyoxigraph as ox
import rdflib
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic

from euproj_rdf import build
from euproj_rdf.ntriples import lang_literal, literal

ROLES = ["partner", "coordinator", "project-manager", "co-financier", "work-package-lead",
         "associated-partner", "stakeholder", "funder", "participant"]
KINDS = ["municipality", "region", "university", "company", "association", "government-agency"]
COUNTRIES = ["SWE", "DNK", "NOR", "DEU", "FIN", "POL", "LVA", "EST"]
LANGS = ["sv", "da", "en", "de"]

ids = st.from_regex(r"\A[a-z0-9]{1,8}(-[a-z0-9]{1,6}){0,2}\Z")
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufeff"), min_size=1, max_size=20).filter(
    lambda s: s.strip() != ""
)
langmap = st.dictionaries(st.sampled_from(LANGS), text, min_size=1, max_size=3)


@st.composite
def dates(draw, lo=1990, hi=2040):
    year = draw(st.integers(lo, hi))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    if precision == "year":
        return f"{year:04d}"
    month = draw(st.integers(1, 12))
    if precision == "month":
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{draw(st.integers(1, 28)):02d}"


@st.composite
def periods(draw):
    start, end = sorted([draw(dates()), draw(dates())])
    if end[:4] == start[:4] and len(end) < len(start):
        end = start  # "2016" vs "2016-05": keep the order unambiguous
    period = {"text": draw(text)}
    if draw(st.booleans()):
        period["start"] = start
    if draw(st.booleans()) or "start" not in period:
        period["end"] = end
    return period


amounts = st.integers(0, 10**9)


@st.composite
def record_sets(draw):
    """A source, some organisations and some projects that refer to them."""
    org_ids = draw(st.lists(ids, min_size=1, max_size=5, unique=True))
    records = [{"type": "source", "id": "doc", "title": draw(langmap), "language": "sv", "file": "doc.txt"}]
    for oid in org_ids:
        records.append({
            "type": "organisation", "id": oid, "name": draw(langmap),
            "country": draw(st.sampled_from(COUNTRIES)), "kind": draw(st.sampled_from(KINDS)),
            "sources": [{"document": "doc", "text": draw(text)}],
        })
    project_ids = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    for pid in project_ids:
        partners = draw(st.lists(st.sampled_from(org_ids), max_size=len(org_ids), unique=True))
        participants = [
            {"organisation": o, "roles": draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=2, unique=True)),
             "text": draw(text)}
            for o in partners
        ]
        if participants and draw(st.booleans()):
            participants[0]["roles"] = ["lead-partner"]
        project = {"type": "project", "id": pid, "title": draw(langmap),
                   "participants": participants, "sources": [{"document": "doc", "text": draw(text)}]}
        if draw(st.booleans()):
            project["period"] = draw(periods())
        if draw(st.booleans()):
            total = draw(amounts)
            eu = draw(st.integers(0, total))
            project["funding"] = [
                {"kind": "total-budget", "amount": total, "currency": "EUR", "text": draw(text)},
                {"kind": "eu-contribution", "amount": eu, "currency": "EUR", "approximate": draw(st.booleans()),
                 "text": draw(text)},
            ]
        if draw(st.booleans()):
            project["description"] = draw(langmap)
        records.append(project)
    return records


def _write(folder: Path, records: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "records.yaml").write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(record_sets())
def test_valid_records_conform_and_round_trip(records):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        result = build(_write(tmp / "records", records), tmp / "dist")
        assert result.conforms, result.report.text()
        assert result.written
        nt = rdflib.Graph().parse(result.ntriples, format="nt")
        ttl = rdflib.Graph().parse(result.turtle, format="turtle")
        assert isomorphic(nt, ttl)
        assert len(nt) == result.triples
        # every line is already in pyoxigraph's canonical form, and the file is sorted
        lines = result.ntriples.read_text(encoding="utf-8").split("\n")[:-1]  # not splitlines(): U+0085 is text
        assert lines == sorted(lines)
        canonical = [f"{t} ." for t in ox.parse(path=str(result.ntriples), format=ox.RdfFormat.N_TRIPLES)]
        assert canonical == lines


@SLOW
@given(record_sets(), st.randoms(use_true_random=False))
def test_build_is_deterministic_and_order_independent(records, rnd: random.Random):
    shuffled = list(records)
    rnd.shuffle(shuffled)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        a = build(_write(tmp / "a", records), tmp / "out-a")
        b = build(_write(tmp / "b", shuffled), tmp / "out-b")
        c = build(_write(tmp / "c", records), tmp / "out-c")
        for name in ("euproj.nt", "euproj.ttl"):
            assert (tmp / "out-a" / name).read_bytes() == (tmp / "out-b" / name).read_bytes()
            assert (tmp / "out-a" / name).read_bytes() == (tmp / "out-c" / name).read_bytes()
        assert a.triples == b.triples == c.triples


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",))), st.sampled_from(LANGS))
def test_literal_escaping_is_pyoxigraph_canonical(value, lang):
    s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    for ours, term in ((literal(value), ox.Literal(value)), (lang_literal(value, lang), ox.Literal(value, language=lang))):
        expected = ox.serialize([ox.Triple(s, p, term)], format=ox.RdfFormat.N_TRIPLES).decode()
        assert f"<http://example.org/s> <http://example.org/p> {ours} .\n" == expected
