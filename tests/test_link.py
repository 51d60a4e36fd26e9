"""Link proposals against a real local SPARQL endpoint (an Oxigraph server holding a Wikidata
excerpt): scoring by label, language and country, SSSOM output, cache, rate limit, fail-soft,
and accepted rows flowing back into the records."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from euproj_rdf import build
from euproj_rdf.cli import app
from euproj_rdf.errors import ConfigError
from euproj_rdf.link import ACCEPTED, LinkError, Proposal, SparqlClient, apply_sssom, propose, write_sssom
from tests.conftest import ROOT
from tests.servers import free_port, oxigraph_with

EXCERPT = ROOT / "tests" / "data" / "wikidata-excerpt.ttl"

# record → the item it is (see the comments in the excerpt)
EXPECTED = {
    "organisation/berlin": "Q64",
    "organisation/birmingham": "Q2256",
    "organisation/danmarks-tekniske-universitet": "Q1269766",
    "organisation/helsingfors": "Q1757",
    "organisation/koebenhavns-kommune": "Q504125",
    "organisation/lunds-universitet": "Q218506",
    "organisation/malmo-stad": "Q503361",
    "organisation/oslo-kommune": "Q585",
    "organisation/schleswig-holstein": "Q1194",
}


@pytest.fixture(scope="module")
def wikidata(tmp_path_factory):
    with oxigraph_with(tmp_path_factory.mktemp("wikidata") / "store", EXCERPT) as srv:
        yield srv


@pytest.fixture
def unlinked(tmp_path) -> Path:
    """The curated records without their Wikidata ids."""
    records = tmp_path / "records"
    shutil.copytree(ROOT / "records", records)
    for p in records.rglob("*.yaml"):
        p.write_text(re.sub(r"(?m)^\s+wikidata: Q\d+\n", "", p.read_text(encoding="utf-8")), encoding="utf-8")
    return records


def _client(srv, tmp_path, **kw) -> SparqlClient:
    return SparqlClient(srv.url + "query", cache=tmp_path / "cache", min_interval=0, **kw)


def test_the_right_item_ranks_first(wikidata, unlinked, tmp_path):
    proposals = propose(unlinked, _client(wikidata, tmp_path), batch_size=25)
    top: dict[str, str] = {}
    for p in proposals:  # sorted by subject, then confidence
        top.setdefault(p.subject, p.item)
    assert top == EXPECTED
    by = {(p.subject, p.item): p for p in proposals}
    # "Malmö" is also the city: the municipality, matched by "Malmö kommun", ranks first
    assert by[("organisation/malmo-stad", "Q503361")].confidence > by[("organisation/malmo-stad", "Q2211")].confidence
    # Birmingham, Alabama has the same label in another country: left out
    assert ("organisation/birmingham", "Q79867") not in by
    # Skåne County is not Region Skåne; the Technical University of Munich is not DTU
    assert not {"Q103659", "Q157808"} & {p.item for p in proposals}
    assert all(p.predicate == "owl:sameAs" for p in proposals)


def test_records_with_an_id_are_not_asked_for(wikidata, tmp_path):
    proposals = propose(ROOT / "records", _client(wikidata, tmp_path), batch_size=25)
    assert {p.subject for p in proposals} == {"organisation/birmingham"}


def test_the_table_is_sssom(wikidata, unlinked, tmp_path):
    from sssom.parsers import parse_sssom_table

    proposals = propose(unlinked, _client(wikidata, tmp_path))
    table = write_sssom(proposals, tmp_path / "links.sssom.tsv", endpoint=wikidata.url + "query")
    msdf = parse_sssom_table(str(table))
    df = msdf.df
    assert len(df) == len(proposals)
    row = df[df.subject_id == "euproj:organisation/malmo-stad"].sort_values("confidence").iloc[-1]
    assert (row.object_id, row.predicate_id, row.mapping_justification) == (
        "wikidata:Q503361", "owl:sameAs", "semapv:LexicalMatching")
    assert msdf.converter.expand("wikidata:Q503361") == "http://www.wikidata.org/entity/Q503361"


def test_answers_are_cached_on_disk(unlinked, tmp_path):
    with oxigraph_with(tmp_path / "store", EXCERPT) as srv:
        first = _client(srv, tmp_path)
        a = propose(unlinked, first, batch_size=10)
    assert first.requests_made > 1 and first.cache_hits == 0
    again = _client(srv, tmp_path)  # the server is gone: only the cache can answer
    b = propose(unlinked, again, batch_size=10)
    assert (again.requests_made, again.cache_hits) == (0, first.requests_made)
    assert a == b


def test_requests_are_spaced(wikidata, unlinked, tmp_path):
    waits: list[float] = []
    client = SparqlClient(wikidata.url + "query", cache=None, min_interval=0.25,
                          sleep=waits.append, clock=lambda: 100.0)  # a clock that never moves
    propose(unlinked, client, batch_size=5)
    assert client.requests_made > 3
    assert waits == [0.25] * (client.requests_made - 1)


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def test_offline_is_a_clear_message_and_changes_nothing(unlinked, tmp_path):
    before = _digest(unlinked)
    dead = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(LinkError, match="cannot reach the SPARQL endpoint"):
        propose(unlinked, SparqlClient(dead, cache=tmp_path / "cache", min_interval=0, timeout=2))
    out = tmp_path / "links.tsv"
    result = CliRunner().invoke(app, ["link", "-r", str(unlinked), "--endpoint", dead, "--out", str(out),
                                      "--cache", str(tmp_path / "cache"), "--min-interval", "0"])
    assert result.exit_code == 3
    assert "Error: cannot reach the SPARQL endpoint" in result.output
    assert not out.exists() and _digest(unlinked) == before


def test_accepted_rows_flow_back_into_the_records(wikidata, unlinked, tmp_path):
    out = tmp_path / "links.sssom.tsv"
    result = CliRunner().invoke(app, ["link", "-r", str(unlinked), "--endpoint", wikidata.url + "query",
                                      "--out", str(out), "--cache", str(tmp_path / "cache"), "--min-interval", "0"])
    assert result.exit_code == 0, result.output
    # the curator accepts the municipality for Malmö and DTU, and rejects the rest by leaving them
    lines = out.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        if ("euproj:organisation/malmo-stad\t" in line and "wikidata:Q503361" in line) or \
                "euproj:organisation/danmarks-tekniske-universitet\t" in line:
            lines[i] = line.replace("semapv:LexicalMatching", ACCEPTED)
    out.write_text("\n".join(lines), encoding="utf-8")
    result = CliRunner().invoke(app, ["link", "-r", str(unlinked), "--apply", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 Wikidata id(s)" in result.output
    text = (unlinked / "organisations.yaml").read_text(encoding="utf-8")
    assert "  id: malmo-stad\n  wikidata: Q503361\n" in text
    built = build(unlinked, tmp_path / "dist")
    nt = built.ntriples.read_text(encoding="utf-8")
    assert ("<https://w3id.org/euproj/id/organisation/malmo-stad> <http://www.w3.org/2002/07/owl#sameAs> "
            "<http://www.wikidata.org/entity/Q503361> .") in nt
    # applying again changes nothing; a second, different acceptance is refused
    assert apply_sssom(out, unlinked) == []
    out.write_text(out.read_text(encoding="utf-8").replace(
        "semapv:LexicalMatching", ACCEPTED), encoding="utf-8")
    before = _digest(unlinked)
    with pytest.raises(ConfigError, match="accepted twice|already has wikidata"):
        apply_sssom(out, unlinked)
    assert _digest(unlinked) == before


FLOW_STYLE = """\
- {type: organisation, id: org-a, name: {en: Org A}, country: SWE}
- type: organisation
  id: org-b
  name: {en: Org B}
  country: SWE
- {type: organisation,
   id: org-c, name: {en: Org C}, country: SWE}
"""


def _accepting(tmp_path: Path, *subjects: str) -> Path:
    table = tmp_path / "links.sssom.tsv"
    proposals = [Proposal(s, 1.0, f"Q{i + 1}", s, s, s, "test", "owl:sameAs") for i, s in enumerate(subjects)]
    write_sssom(proposals, table, endpoint="http://example.org/sparql")
    table.write_text(table.read_text(encoding="utf-8").replace("semapv:LexicalMatching", ACCEPTED), encoding="utf-8")
    return table


def test_a_flow_style_record_is_refused_and_nothing_changes(tmp_path):
    """Regression: the id of a flow-style record went into the next record."""
    records = tmp_path / "records"
    records.mkdir()
    (records / "orgs.yaml").write_text(FLOW_STYLE, encoding="utf-8")
    table = _accepting(tmp_path, "organisation/org-a")
    with pytest.raises(ConfigError) as info:
        apply_sssom(table, records)
    assert str(info.value) == (
        f"{table}:13: organisation/org-a is not written one field a line (records/orgs.yaml:1); "
        "add 'wikidata: Q1' to it by hand; no record was changed")
    assert (records / "orgs.yaml").read_text(encoding="utf-8") == FLOW_STYLE
    result = CliRunner().invoke(app, ["link", "-r", str(records), "--apply", str(table)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {table}:13: organisation/org-a is not written one field a line")


def test_a_flow_style_record_over_two_lines_is_refused(tmp_path):
    records = tmp_path / "records"
    records.mkdir()
    (records / "orgs.yaml").write_text(FLOW_STYLE, encoding="utf-8")
    table = _accepting(tmp_path, "organisation/org-c")
    with pytest.raises(ConfigError, match=r"^cannot add the ids to records/orgs.yaml:7 safely; add them by hand; "
                                          r"no record was changed$"):
        apply_sssom(table, records)
    assert (records / "orgs.yaml").read_text(encoding="utf-8") == FLOW_STYLE


def test_the_id_goes_into_its_own_record_next_to_flow_style_ones(tmp_path):
    records = tmp_path / "records"
    records.mkdir()
    (records / "orgs.yaml").write_text(FLOW_STYLE, encoding="utf-8")
    assert apply_sssom(_accepting(tmp_path, "organisation/org-b"), records) == [("organisation/org-b", "Q1")]
    assert (records / "orgs.yaml").read_text(encoding="utf-8") == FLOW_STYLE.replace(
        "  id: org-b\n", "  id: org-b\n  wikidata: Q1\n")
