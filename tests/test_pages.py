"""The pages of the lists (statistics datasets list-pages, year-pages, organisation-pages and
country-pair-pages): a list question that reads the projects up to the rank where its page ends
answers as the same question without the pages does (looking up the rank of every project in
the list). And the partners of an organisation read from the dataset organisation-partners are
those counted from its participations.

A page ends at the list's :data:`~euproj_rdf.derived.PAGE`-th project, which is the catalogue's
LIMIT. Here both are 15, on 300 synthetic projects, so that every kind of list has pages (and
org-68, in 14 projects, has none): the questions are asked with ``LIMIT 15``, once with the
pages and once with them deleted from the store."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from euproj_rdf import build, derived
from euproj_rdf.errors import StatisticsError
from euproj_rdf.stats import STATISTICS_NT
from euproj_rdf.stats_check import verify_statistics
from euproj_rdf.vocab import DATA, QB

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
STATISTICS = DATA + "statistics"
PAGE = 15

#: question → the parameter's default in its VALUES blocks, and the values asked here
ASKED = {
    "lead-partners.rq": (None, [None]),
    "projects-without-budget.rq": (None, [None]),
    "successor-chains.rq": (None, [None]),
    "projects-active-in-year.rq": ("2017", ["2017", "2010", "2030"]),
    "projects-of-organisation.rq": ("organisation:region-skane", ["organisation:org-0", "organisation:org-3",
                                                                  "organisation:org-68"]),
    "projects-with-partners-from-two-countries.rq": ("(country:SWE country:DNK)", [
        "(country:SWE country:DNK)", "(country:DNK country:SWE)", "(country:NOR country:NOR)"]),
    "partners-of-organisation.rq": ("organisation:region-skane", ["organisation:org-0", "organisation:org-3",
                                                                  "organisation:org-70"]),
}
#: organisations in more projects than this have their partners in the statistics
PARTNERS_FROM = 40


@pytest.fixture(scope="module")
def dump(tmp_path_factory) -> Path:
    from benchmarks.synthetic import write_csv

    tmp = tmp_path_factory.mktemp("pages")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(derived, "PAGE", PAGE)
        mp.setattr(derived, "PARTNERS_FROM", PARTNERS_FROM)
        records = write_csv(tmp / "records", 300)
        _continue_more(records / "projects.csv")
        return build(records, tmp / "dist", validate=False, verify=True).ntriples


def _continue_more(projects: Path) -> None:
    """Every third project names an earlier one as its predecessor (the synthetic records link
    one project in twenty): about a hundred projects are continued, so that their list has a page."""
    with projects.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        n = int(row["id"].removeprefix("p-"))
        if n and n % 3 == 0:
            row["predecessors"] = f"p-{n // 3}"
    with projects.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def store(dump) -> ox.Store:
    db = ox.Store()
    db.bulk_load(path=str(dump), format=ox.RdfFormat.N_TRIPLES)
    db.bulk_load(path=str(dump.with_name(STATISTICS_NT)), format=ox.RdfFormat.N_TRIPLES,
                 to_graph=ox.NamedNode(STATISTICS))
    return db


def _text(name: str, default: str | None, value: str | None) -> str:
    text = (QUERIES / name).read_text(encoding="utf-8")
    if name == "successor-chains.rq":  # a page of projects, each with its successors: every row of the page
        text = re.sub(r"^LIMIT 1000$", "LIMIT 100000", text, flags=re.MULTILINE)
    text = text.replace("LIMIT 1000", f"LIMIT {PAGE}")
    if default is not None:
        text = re.sub(r"VALUES[^{]*\{[^}]*\}", lambda m: m.group(0).replace(default, value), text)
    return text


def _answers(db: ox.Store) -> dict[tuple[str, str | None], list[tuple]]:
    out = {}
    for name, (default, values) in ASKED.items():
        for value in values:
            solutions = db.query(_text(name, default, value))
            names = [v.value for v in solutions.variables]
            out[name, value] = [tuple(str(row[n]) if row[n] is not None else None for n in names) for row in solutions]
    return out


_PAGED = ('FILTER(STRENDS(STR(?ds), "-pages") || STRENDS(STR(?ds), "/organisation-partners") '
          '|| STRENDS(STR(?ds), "/successor-steps"))')


def _pages(db: ox.Store) -> int:
    return len(list(db.query(f"SELECT ?o WHERE {{ GRAPH <{STATISTICS}> {{ ?o <{QB}dataSet> ?ds {_PAGED} }} }}")))


def test_the_lists_answer_the_same_with_their_pages_and_without(store):
    with_pages = _answers(store)
    pages = {r["ds"].value.rsplit("/", 1)[1] for r in store.query(
        f"SELECT DISTINCT ?ds WHERE {{ GRAPH <{STATISTICS}> {{ ?o <{QB}dataSet> ?ds {_PAGED} }} }}")}
    assert pages == {"list-pages", "year-pages", "organisation-pages", "country-pair-pages", "organisation-partners",
                     "successor-steps"}
    busy = {r["k"].value for r in store.query(f"""PREFIX stat: <https://w3id.org/euproj/statistics#>
        SELECT DISTINCT ?k WHERE {{ GRAPH <{STATISTICS}> {{ ?o stat:partner ?p ; stat:organisation ?k }} }}""")}
    assert DATA + "organisation/org-0" in busy and DATA + "organisation/org-70" not in busy
    # the values asked: some with a page (org-0, 2017, Sweden and Denmark), some without
    found = {(r["k"].value) for r in store.query(f"""PREFIX stat: <https://w3id.org/euproj/statistics#>
        SELECT ?k WHERE {{ GRAPH <{STATISTICS}> {{ {{ ?o stat:organisation ?k }} UNION {{ ?o stat:year/stat:yearValue ?k }}
        UNION {{ ?o stat:countryA ?a ; stat:countryB ?b BIND(CONCAT(STR(?a), STR(?b)) AS ?k) }}
        UNION {{ ?o stat:list ?k }} ?o <{QB}dataSet> ?ds FILTER(STRENDS(STR(?ds), "-pages")) }} }}""")}
    assert {DATA + "organisation/org-0", "2017", DATA + "statistics/list/lead-partners",
            DATA + "statistics/list/successor-chains",
            "http://publications.europa.eu/resource/authority/country/SWEhttp://publications.europa.eu/resource/authority"
            "/country/DNK"} <= found
    assert DATA + "organisation/org-68" not in found and "2030" not in found
    # the chains of the page of successor-chains go further than one step
    steps = {int(r["n"].value) for r in store.query(f"""PREFIX stat: <https://w3id.org/euproj/statistics#>
        SELECT ?n WHERE {{ GRAPH <{STATISTICS}> {{ ?o stat:chainSteps ?n }} }}""")}
    assert 1 in steps and max(steps) >= 3
    store.update(f"""DELETE {{ GRAPH <{STATISTICS}> {{ ?o ?p ?v }} }}
        WHERE {{ GRAPH <{STATISTICS}> {{ ?o <{QB}dataSet> ?ds ; ?p ?v {_PAGED} }} }}""")
    assert _pages(store) == 0
    without = _answers(store)
    assert with_pages == without
    # the lists with a page fill it
    for asked in [("lead-partners.rq", None), ("projects-without-budget.rq", None), ("successor-chains.rq", None),
                  ("projects-active-in-year.rq", "2017"), ("projects-of-organisation.rq", "organisation:org-0"),
                  ("projects-with-partners-from-two-countries.rq", "(country:SWE country:DNK)")]:
        assert len(without[asked]) >= PAGE, asked


@pytest.mark.parametrize(("dataset", "measure"), [
    ("list-pages", "pageEnd"), ("year-pages", "pageEnd"), ("organisation-pages", "pageEnd"),
    ("country-pair-pages", "pageEnd"), ("organisation-partners", "sharedProjects"),
    ("list-pages", "pageRank"), ("year-pages", "pageRank"), ("organisation-pages", "pageRank"),
    ("country-pair-pages", "pageRank"), ("country-pair-pages", "partnersFromA"),
    ("country-pair-pages", "partnersFromB"), ("successor-steps", "chainSteps"), ("successor-steps", "chainRank")])
def test_a_page_that_does_not_match_the_graph_fails(dump, monkeypatch, dataset, measure):
    """A page ending one rank later than the graph says it does, the last rank of a page moved
    one on (past the page's end), a partner with one shared project more, a row of a pair's
    page with one participant more from a country than the graph has, or a step down a chain
    more (or a project's rank one on), fails the recount."""
    cube = dump.with_name(STATISTICS_NT).read_text(encoding="utf-8").splitlines()
    stated = [i for i, line in enumerate(cube) if f"/{dataset}/" in line and f"#{measure}> \"" in line]
    observation = cube[stated[0]].split(" ")[0]
    at = max(i for i in stated if cube[i].startswith(observation + " "))  # its last value (ranks come in order)
    end = int(cube[at].split('"')[1])
    cube[at] = cube[at].replace(f'"{end}"', f'"{end + 1}"')
    monkeypatch.setattr(derived, "PAGE", PAGE)
    monkeypatch.setattr(derived, "PARTNERS_FROM", PARTNERS_FROM)
    graph = dump.read_text(encoding="utf-8").splitlines(keepends=True)
    named = re.escape(f"{dataset} (pageRank)" if measure == "pageRank" else
                      f"{dataset} (pageRow)" if measure.startswith("partnersFrom") else dataset)
    with pytest.raises(StatisticsError, match=rf"^the statistics dataset '{named}' does not match the graph: "
                                              rf"it states \[\(.*'{end + 1}'"):
        verify_statistics(graph, cube, base_iri=DATA)


@pytest.mark.parametrize("dataset", ["list-pages", "year-pages", "organisation-pages"])
@pytest.mark.parametrize("column", ["rank", "title"])
def test_a_page_column_that_does_not_match_the_graph_fails(dump, monkeypatch, dataset, column):
    """A page's column of ranks or titles with one value other than the graph's (a rank one
    on, another title) fails the recount."""
    cube = dump.with_name(STATISTICS_NT).read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(cube) if f"/statistics/{dataset}/" in line.split(" ")[1]
              and line.split(" ")[1].endswith(f"/{column}>"))
    subject, predicate, value = cube[at].split(" ", 2)
    if column == "rank":
        rank = int(value.split('"')[1])
        cube[at] = cube[at].replace(f'"{rank}"', f'"{rank + 1}"')
    else:
        cube[at] = f'{subject} {predicate} "Another title" .'
    monkeypatch.setattr(derived, "PAGE", PAGE)
    monkeypatch.setattr(derived, "PARTNERS_FROM", PARTNERS_FROM)
    graph = dump.read_text(encoding="utf-8").splitlines(keepends=True)
    with pytest.raises(StatisticsError, match=rf"^the statistics dataset '{dataset} \(columns\)' does not match "):
        verify_statistics(graph, cube, base_iri=DATA)
