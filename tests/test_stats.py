"""The statistics graph: a Data Cube that passes IC-1 … IC-21 and counts what the graph holds.

The seed build's cube is checked constraint by constraint; each check is shown to fire on a
cube broken on purpose; a count or a dimension value changed in the cube fails the check with
the message a build prints.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from euproj_rdf.errors import StatisticsError
from euproj_rdf.stats import DATASETS, STATISTICS_NT
from euproj_rdf.stats_check import INTEGRITY, NORMALISE, cube_violations, verify_statistics
from euproj_rdf.stats_write import require_statistics
from euproj_rdf.vocab import EP, QB, RDF_TYPE, STATS

BASE = "https://w3id.org/euproj/id/"
STAT = BASE + "statistics"


def lines(path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def cube(seed_build) -> list[str]:
    return lines(seed_build.statistics[1])


@pytest.fixture(scope="module")
def cube_store(cube) -> ox.Store:
    store = ox.Store()
    store.bulk_load(input="\n".join(cube).encode(), format=ox.RdfFormat.N_TRIPLES)
    store.update(NORMALISE)
    return store


def test_build_writes_the_statistics_graph(seed_build):
    ttl, nt = seed_build.statistics
    assert (ttl.name, nt.name) == ("euproj-statistics.ttl", "euproj-statistics.nt")
    parsed = ox.Store()
    parsed.bulk_load(path=str(ttl), format=ox.RdfFormat.TURTLE)
    assert len(parsed) == seed_build.statistics_triples == len(lines(nt))


@pytest.fixture(scope="module")
def seed_violations(cube_store) -> list[str]:
    return cube_violations(cube_store)


@pytest.mark.parametrize("name", sorted(INTEGRITY, key=lambda n: int(n[3:])))
def test_seed_cube_passes_integrity_constraint(seed_violations, name):
    assert f"{name}: {INTEGRITY[name][0]}" not in seed_violations


def test_every_dataset_has_a_structure_and_observations(cube_store):
    rows = list(cube_store.query(f"""PREFIX qb: <{QB}>
        SELECT ?ds (COUNT(?o) AS ?n) WHERE {{ ?ds a qb:DataSet . ?o qb:dataSet ?ds }} GROUP BY ?ds"""))
    assert len(rows) == 12 and all(int(r["n"].value) > 0 for r in rows)
    # the pages of the lists, the chains of a page and the partners of busy organisations:
    # declared, but the seeds have no list of 1000 projects and no organisation in more than 300
    declared = {r["ds"].value.rsplit("/", 1)[1] for r in cube_store.query(f"""PREFIX qb: <{QB}>
        SELECT ?ds WHERE {{ ?ds a qb:DataSet ; qb:structure ?s }}""")}
    assert declared == set(DATASETS) and len(DATASETS) == 18
    assert {r["ds"].value.rsplit("/", 1)[1] for r in rows} == declared - {
        "list-pages", "year-pages", "organisation-pages", "country-pair-pages", "organisation-partners",
        "successor-steps"}


BROKEN = {
    # constraint → triples added to a small valid cube that violate it
    "IC-1": "<o1> qb:dataSet <ds2> .",
    "IC-2": "<ds> qb:structure <dsd2> .",
    "IC-3": "<dsd2> a qb:DataStructureDefinition .",
    "IC-4": "<d2> a qb:DimensionProperty .",
    "IC-5": "<d> rdfs:range skos:Concept .",
    "IC-6": "<dsd/d> qb:componentRequired false .",
    "IC-7": "<key> a qb:SliceKey .",
    "IC-8": "<dsd> qb:sliceKey <key> . <key> a qb:SliceKey ; qb:componentProperty <d9> .",
    "IC-9": "<slice> a qb:Slice .",
    "IC-10": "<slice> a qb:Slice ; qb:sliceStructure <key> . <key> qb:componentProperty <d> .",
    "IC-11": "<o3> a qb:Observation ; qb:dataSet <ds> ; <m> 1 .",
    "IC-12": "<o3> a qb:Observation ; qb:dataSet <ds> ; <d> <a> ; <m> 7 .",
    "IC-13": "<dsd> qb:component <dsd/r> . <dsd/r> qb:attribute <r> ; qb:componentRequired true .",
    "IC-14": "<o3> a qb:Observation ; qb:dataSet <ds> ; <d> <c> .",
    "IC-15": "<dsd> qb:component [ qb:dimension qb:measureType ] . <o1> qb:measureType <m2> .",
    "IC-16": "<dsd> qb:component [ qb:dimension qb:measureType ] . <m2> a qb:MeasureProperty . "
             "<o1> qb:measureType <m2> ; <m2> 3 .",
    "IC-17": "<dsd> qb:component [ qb:dimension qb:measureType ], [ qb:measure <m2> ] . <m2> a qb:MeasureProperty . "
             "<o1> qb:measureType <m> . <o2> qb:measureType <m> .",
    "IC-18": "<ds> qb:slice <slice> . <slice> qb:observation <o9> .",
    "IC-19": "<d> qb:codeList <list> . <list> a skos:ConceptScheme .",
    "IC-20": "<d> qb:codeList <list> . <list> a qb:HierarchicalCodeList ; qb:parentChildProperty <narrower> ; "
             "qb:hierarchyRoot <root> . <root> <narrower> <a> .",
    "IC-21": "<d> qb:codeList <list> . <list> a qb:HierarchicalCodeList ; qb:parentChildProperty <inv> ; "
             "qb:hierarchyRoot <root> . <inv> owl:inverseOf <broader> . <a> <broader> <root> .",
}

SMALL = """
<ds> a qb:DataSet ; qb:structure <dsd> .
<dsd> a qb:DataStructureDefinition ; qb:component <dsd/d>, <dsd/m> .
<dsd/d> qb:dimension <d> . <dsd/m> qb:measure <m> .
<d> a qb:DimensionProperty ; rdfs:range rdfs:Resource . <m> a qb:MeasureProperty ; rdfs:range xsd:integer .
<o1> a qb:Observation ; qb:dataSet <ds> ; <d> <a> ; <m> 1 .
<o2> a qb:Observation ; qb:dataSet <ds> ; <d> <b> ; <m> 2 .
"""
HEAD = f"""@base <http://example.org/> . @prefix qb: <{QB}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
"""


def small_cube(extra: str = "") -> ox.Store:
    store = ox.Store()
    store.bulk_load(input=(HEAD + SMALL + extra).encode(), format=ox.RdfFormat.TURTLE)
    store.update(NORMALISE)
    return store


def test_small_cube_is_valid():
    assert cube_violations(small_cube()) == []


@pytest.mark.parametrize("name", sorted(BROKEN, key=lambda n: int(n[3:])))
def test_integrity_constraint_fires_on_a_broken_cube(name):
    assert f"{name}: {INTEGRITY[name][0]}" in cube_violations(small_cube(BROKEN[name]))


# ---------------------------------------------------------------------------------------------
# The build's check: recount and dimension values (mutations of the seed cube)
# ---------------------------------------------------------------------------------------------


def test_seed_cube_verifies(seed_build, cube):
    verify_statistics(lines(seed_build.ntriples) and [line + "\n" for line in lines(seed_build.ntriples)], cube,
                      base_iri=BASE)


def mutate(cube: list[str], old: str, new: str) -> list[str]:
    hits = [i for i, line in enumerate(cube) if old in line]
    assert hits, old
    out = list(cube)
    out[hits[0]] = out[hits[0]].replace(old, new)
    return out


@pytest.mark.parametrize(("dataset", "measure", "first_key"), [
    ("countries", "projects", "http://publications.europa.eu/resource/authority/country/"),
    ("organisation-kinds", "organisations", "https://w3id.org/euproj/concept/organisation-kind/"),
])
def test_a_count_that_does_not_match_fails(seed_build, cube, dataset, measure, first_key):
    count = next(line for line in cube if f"<{STATS}{measure}> \"" in line and f"/{dataset}/" in line)
    changed = mutate(cube, count, count.replace('"', '"9', 1))
    with pytest.raises(StatisticsError, match=rf"^the statistics dataset '{dataset}' does not match the graph: "
                                              rf"it states \[\('{first_key}"):
        verify_statistics([line + "\n" for line in lines(seed_build.ntriples)], changed, base_iri=BASE)


def test_a_dimension_value_not_in_the_graph_fails(seed_build, cube):
    changed = mutate(cube, f"<{BASE}organisation/region-skane>", f"<{BASE}organisation/no-such-organisation>")
    with pytest.raises(StatisticsError) as info:
        verify_statistics([line + "\n" for line in lines(seed_build.ntriples)], changed, base_iri=BASE)
    assert str(info.value) == ("the statistics name dimension values the graph does not have: "
                               f"{BASE}organisation/no-such-organisation")


def test_a_broken_cube_fails_the_check(seed_build, cube):
    changed = [line for line in cube if f"<{QB}dataSet>" not in line or "/funds/1>" not in line]
    with pytest.raises(StatisticsError, match=r"^the statistics cube violates the Data Cube integrity constraints: "
                                              r"IC-1: every observation belongs to exactly one data set"):
        verify_statistics([line + "\n" for line in lines(seed_build.ntriples)], changed, base_iri=BASE)


# ---------------------------------------------------------------------------------------------
# In the store: a named graph; a store without it gives a clear error
# ---------------------------------------------------------------------------------------------

ASK_CUBE = f"ASK {{ GRAPH <{STAT}> {{ ?o a <{QB}Observation> }} }}"


def test_load_puts_the_statistics_into_their_named_graph(seed_build, tmp_path):
    from euproj_rdf.query import run_query
    from euproj_rdf.store import load_store

    loaded = load_store(seed_build.ntriples, tmp_path / "store")
    assert (loaded.triples, loaded.statistics) == (len(lines(seed_build.ntriples)), seed_build.statistics_triples)
    assert bool(run_query(ASK_CUBE, store=tmp_path / "store"))


def test_a_store_without_statistics_refuses_questions_that_need_them(seed_build, tmp_path):
    from euproj_rdf.query import run_query
    from euproj_rdf.store import load_store

    old = tmp_path / "old"
    old.mkdir()
    (old / "euproj.nt").write_bytes(seed_build.ntriples.read_bytes())  # a release from before the statistics
    load_store(old / "euproj.nt", tmp_path / "store")
    with pytest.raises(StatisticsError) as info:
        run_query(ASK_CUBE, store=tmp_path / "store")
    assert str(info.value) == (f"the store has no statistics graph <{STAT}>, which this question reads: "
                               "build the release again and load it (the store holds an older release)")
    assert info.value.exit_code == 1


def test_serve_answers_a_question_on_the_statistics_only_from_a_store_that_has_them(seed_build, tmp_path):
    import requests

    from euproj_rdf.serve import Endpoint, ServerSettings
    from euproj_rdf.store import load_store

    old = tmp_path / "old"
    old.mkdir()
    (old / "euproj.nt").write_bytes(seed_build.ntriples.read_bytes())
    answers = []
    for dump in (seed_build.ntriples, old / "euproj.nt"):
        store = tmp_path / f"store-{len(answers)}"
        load_store(dump, store)
        server = Endpoint(ServerSettings(store=store, workers=1), port=0).start()
        try:
            answers.append(requests.get(server.url + "/sparql", params={"query": ASK_CUBE}, timeout=60))
        finally:
            server.stop()
    assert answers[0].status_code == 200 and answers[0].json()["boolean"] is True
    assert answers[1].status_code == 409
    assert answers[1].json()["error"]["message"] == (
        f"the store has no statistics graph <{STAT}>, which this question reads: "
        "build the release again and load it (the store holds an older release)")


def test_links_of_a_record_and_an_imports_facts_about_it_count_once():
    """An organisation without a PIC, and an import's facts giving it one: one organisation,
    one with another identifier; two organisations with a PIC each from both types: two."""
    from euproj_rdf.resources import default_schema
    from euproj_rdf.stats import Facts, Tally, link_fields

    facts = Facts(links=link_fields(default_schema()))
    tally = Tally()
    for data in ({"type": "organisation", "id": "a", "country": "SWE"},
                 {"type": "organisation_facts", "id": "a", "pic": "999999997"},
                 {"type": "organisation", "id": "b", "pic": "999999996"},
                 {"type": "organisation_facts", "id": "b", "pic": "999999996"},
                 {"type": "project", "id": "p", "nuts": "SE224"}):
        tally.add(data, facts)
    other = Tally()
    other.add({"type": "organisation", "id": "c", "pic": "999999995"}, facts)
    other.add({"type": "organisation_facts", "id": "a", "pic": "999999997"}, facts)
    tally.merge(other)
    rows = dict(tally.observations(facts)["links"])
    assert rows[(EP + "Organisation",)] == (3, 1, 0, 0, 3)


def test_the_ranked_organisations_are_the_first_named_ones_in_the_catalogues_order(monkeypatch):
    """The first TOP organisations by projects, then by the name a list shows (without its
    English-first flag), then id; an organisation without a name is never listed."""
    from collections import Counter

    from euproj_rdf import stats

    monkeypatch.setattr(stats, "TOP", 4)
    names = {"a": "1Örebro", "b": "0Zeta", "c": "1Alfa", "d": "0Beta", "e": "1Beta", "f": "0Aa"}
    facts = stats.Facts(names=names, countries={"a": ("SE",), "c": (), "d": ("DK",)})
    ranked = stats._top(Counter({"a": 5, "b": 2, "c": 2, "d": 2, "e": 2, "f": 1, "g": 9}), facts)
    assert ranked == [(("a",), (5, 1, "Örebro", ("SE",))), (("c",), (2, 2, "Alfa", ())),
                      (("d",), (2, 3, "Beta", ("DK",))), (("e",), (2, 4, "Beta", ()))]
    assert stats._top(Counter({"a": 1}), stats.Facts()) == []


def test_a_top_organisation_out_of_place_fails(seed_build, cube):
    """The recount ranks the named organisations again by SPARQL: two places swapped fail."""
    first = f"<{BASE}statistics/top-organisations/1> <{STATS}topRank> "
    second = f"<{BASE}statistics/top-organisations/2> <{STATS}topRank> "
    changed = mutate(mutate(cube, first + '"1"', first + '"2"'), second + '"2"', second + '"1"')
    with pytest.raises(StatisticsError, match=r"^the statistics dataset 'top-organisations' does not match the graph: "
                                              rf"it states \[\('{BASE}organisation/"):
        verify_statistics([line + "\n" for line in lines(seed_build.ntriples)], changed, base_iri=BASE)


@pytest.mark.parametrize("attribute", ["topName", "topCountry"])
def test_a_top_organisation_with_another_name_or_country_than_the_graph_fails(seed_build, cube, attribute):
    """The ranked organisations' names and countries are the graph's: the name a list shows
    (by the catalogue's rule) and ep:country; another value stated fails, and so does one left out."""
    first = next(line for line in cube if line.startswith(f"<{BASE}statistics/top-organisations/1> <{STATS}{attribute}> "))
    replaced = (first.replace('" .', ' (Old)" .') if attribute == "topName"
                else first.rsplit(" ", 2)[0] + " <http://publications.europa.eu/resource/authority/country/ISL> .")
    dropped = [line for line in cube if line != first]
    for changed in (mutate(cube, first, replaced), dropped):
        with pytest.raises(StatisticsError, match=r"^the statistics dataset 'top-organisations' does not match "):
            verify_statistics([line + "\n" for line in lines(seed_build.ntriples)], changed, base_iri=BASE)


def test_every_catalogue_question_on_the_statistics_refuses_an_old_store(seed_build, tmp_path):
    """The questions that read the statistics graph (nine of them, six lists for their pages,
    and the partners of an organisation) stop with the error on a store loaded from a release
    without it; the others answer there."""
    from euproj_rdf.query import run_query
    from euproj_rdf.resources import query_catalogue
    from euproj_rdf.store import load_store

    old = tmp_path / "old"
    old.mkdir()
    (old / "euproj.nt").write_bytes(seed_build.ntriples.read_bytes())
    load_store(old / "euproj.nt", tmp_path / "store")
    refused = []
    for q in query_catalogue():
        try:
            run_query(q["text"], store=tmp_path / "store")
        except StatisticsError:
            refused.append(q["name"])
    assert sorted(refused) == ["cross-border-pairs", "funding-per-programme", "lead-partners", "link-coverage",
                               "organisations-by-kind-and-country", "partners-of-organisation", "projects-active-in-year",
                               "projects-of-organisation", "projects-per-country", "projects-per-fund", "projects-per-programme", "projects-per-theme",
                               "projects-with-partners-from-two-countries", "projects-without-budget",
                               "successor-chains", "top-organisations"]


def test_a_question_on_a_statistics_graph_from_before_a_property_it_reads_is_refused(seed_build, tmp_path):
    """A statistics graph that neither declares nor uses a property a question reads (one from
    before the property) stops that question with the error; the others still answer."""
    from euproj_rdf.query import run_query
    from euproj_rdf.resources import query_catalogue
    from euproj_rdf.store import load_store

    old = tmp_path / "old"
    old.mkdir()
    (old / "euproj.nt").write_bytes(seed_build.ntriples.read_bytes())
    statistics = seed_build.ntriples.with_name(STATISTICS_NT).read_text(encoding="utf-8").splitlines(keepends=True)
    (old / STATISTICS_NT).write_text("".join(line for line in statistics if "#pageRow>" not in line), encoding="utf-8")
    load_store(old / "euproj.nt", tmp_path / "store")
    catalogue = {q["name"]: q["text"] for q in query_catalogue()}
    with pytest.raises(StatisticsError, match=r"^the statistics graph <https://w3id.org/euproj/id/statistics> states "
                                              r"nothing with stat:pageRow, which this question reads: "):
        run_query(catalogue["projects-with-partners-from-two-countries"], store=tmp_path / "store")
    assert list(run_query(catalogue["lead-partners"], store=tmp_path / "store"))


@pytest.mark.parametrize("missing", ["displayName", "nameRank"])
def test_a_question_on_a_dump_from_before_a_shortcut_it_reads_is_refused(seed_build, tmp_path, missing):
    """A store whose dump has organisations but no ep:displayName, or no ep:nameRank (a release
    from before it), stops the questions that read it with the error; the others still answer,
    and a store without any organisation is not refused."""
    from euproj_rdf.derived import DISPLAY_NAME
    from euproj_rdf.query import run_query
    from euproj_rdf.resources import query_catalogue
    from euproj_rdf.store import load_store

    old = tmp_path / "old"
    old.mkdir()
    dump = seed_build.ntriples.read_text(encoding="utf-8").splitlines(keepends=True)
    (old / "euproj.nt").write_text("".join(line for line in dump if f"<{EP}{missing}>" not in line), encoding="utf-8")
    (old / STATISTICS_NT).write_bytes(seed_build.ntriples.with_name(STATISTICS_NT).read_bytes())
    load_store(old / "euproj.nt", tmp_path / "store")
    catalogue = {q["name"]: q["text"] for q in query_catalogue()}
    with pytest.raises(StatisticsError, match=rf"^the store has no ep:{missing}, which this question reads, "
                                              r"though it holds Organisation resources: build the release again"):
        run_query(catalogue["partners-of-organisation"], store=tmp_path / "store")
    # the ranked organisations' names are read from the statistics graph
    for name in ("lead-partners", "top-organisations"):
        assert list(run_query(catalogue[name], store=tmp_path / "store"))
    names = f"SELECT ?o ?name WHERE {{ ?o <{DISPLAY_NAME}> ?name }}"
    store = ox.Store()
    require_statistics(store, names)  # no organisation: nothing to miss
    store.add(ox.Quad(ox.NamedNode("https://example.org/o"), ox.NamedNode(RDF_TYPE), ox.NamedNode(EP + "Organisation")))
    with pytest.raises(StatisticsError, match=r"^the store has no ep:displayName"):
        require_statistics(store, names)


def test_a_worker_checks_a_question_once_for_its_store_and_keeps_the_last_verdicts():
    """The store a worker reads never changes, so the check's verdict on a text is kept: the
    same text gets the same answer without looking again (here the store changes under it, to
    show it was not looked at), another text is looked at, and the oldest verdicts go first."""
    from euproj_rdf.derived import DISPLAY_NAME
    from euproj_rdf.serve.worker import Verdicts

    names = f"SELECT ?o ?name WHERE {{ ?o <{DISPLAY_NAME}> ?name }}"
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("https://example.org/o"), ox.NamedNode(RDF_TYPE), ox.NamedNode(EP + "Organisation")))
    verdicts = Verdicts(size=2)
    for _ in range(2):
        with pytest.raises(StatisticsError, match=r"^the store has no ep:displayName"):
            verdicts.check(store, names)
    store.add(ox.Quad(ox.NamedNode("https://example.org/o"), ox.NamedNode(DISPLAY_NAME), ox.Literal("O")))
    with pytest.raises(StatisticsError, match=r"^the store has no ep:displayName"):
        verdicts.check(store, names)  # kept
    verdicts.check(store, names + " ")  # another text: looked at, and now the store has it
    verdicts.check(store, names + "  ")
    verdicts.check(store, names)  # the first verdict was the oldest of three: gone, looked at again


def test_the_name_a_list_shows_is_the_english_one_or_the_first_from_every_record_naming_it():
    """As the catalogue's MIN(CONCAT(IF(langMatches(LANG(?label), "en"), "0", "1"), …)): an
    English (or en-GB) name before any other, else the first in code point order; the names
    of an import's facts about an organisation count with its own."""
    from types import SimpleNamespace

    from euproj_rdf.resources import default_schema
    from euproj_rdf.stats import Facts, link_fields

    facts = Facts(links=link_fields(default_schema()))
    records = [("organisation", "a", {"sv": "Bär", "en": "Berry"}), ("organisation", "b", {"sv": "b", "de": "a"}),
               ("organisation", "c", {"sv": "Öst"}), ("organisation_facts", "c", {"en-GB": "East"}),
               ("organisation", "d", {"en": "Zeta"}), ("organisation_facts", "d", {"en": "Alpha", "fi": "A"}),
               ("programme", "e", {"en": "A programme"})]
    list(facts.watch(SimpleNamespace(type=t, id=i, data={"type": t, "id": i, "name": n}) for t, i, n in records))
    assert {o: facts.name(o) for o in "abcdef"} == {"a": "Berry", "b": "a", "c": "East", "d": "Alpha", "e": "",
                                                    "f": ""}
