"""The derived shortcuts in the dump equal what the long path (participations, titles, periods,
funding statements) gives."""

from __future__ import annotations

from array import array
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st

from euproj_rdf import derived
from euproj_rdf.derived import (
    ACTIVE_YEAR,
    DISPLAY_NAME,
    DISPLAY_TITLE,
    LEAD_PARTNER,
    NAME_RANK,
    PARTNER_COUNTRY,
    RULES,
    TITLE_RANK,
    TOTAL_BUDGET_STATED,
    rank_chunks,
    write_titles,
)
from euproj_rdf.pipeline import build

ROOT = Path(__file__).resolve().parents[1]
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def stated(store: ox.Store, prop: str) -> set[str]:
    return {str(q.triple) for q in store.quads_for_pattern(None, ox.NamedNode(prop), None, ox.DefaultGraph())}


def long_path(seed_build, construct: str, keep: frozenset[str] = frozenset()) -> set[str]:
    """The CONSTRUCT on the seed graph without any shortcut triple (but those of ``keep``)."""
    store = ox.Store()
    shortcuts = {f"<{prop}>" for prop in RULES if prop not in keep}
    kept = [line for line in seed_build.ntriples.read_text(encoding="utf-8").splitlines()
            if line and line.split(" ", 2)[1] not in shortcuts]
    store.bulk_load(input="\n".join(kept).encode(), format=ox.RdfFormat.N_TRIPLES)
    return {str(t) for t in store.query(construct)}


#: a shortcut derived from another one: the rule reads that one
NEEDS = {TITLE_RANK: frozenset({DISPLAY_TITLE}), NAME_RANK: frozenset({DISPLAY_NAME})}


@pytest.mark.parametrize("prop", list(RULES))
def test_shortcut_equals_the_long_path(seed_store, seed_build, prop):
    derived = long_path(seed_build, RULES[prop], NEEDS.get(prop, frozenset()))
    assert derived and stated(seed_store, prop) == derived


def test_ontology_rules_derive_the_same_triples(seed_store, seed_build):
    """The SHACL-AF rules of the ontology in their sh:order, with $this bound to every instance
    of their shape's target class, each rule reading what the rules before it derived."""
    onto = rdflib.Graph().parse(ROOT / "ontology" / "euproj.ttl")
    rules = sorted((int(onto.value(r, SH.order) or 0), str(c), str(onto.value(shape, SH.targetClass)))
                   for shape, r in onto.subject_objects(SH.rule) for c in onto.objects(r, SH.construct))
    assert len(rules) == len(RULES)
    store = ox.Store()
    kept = [line for line in seed_build.ntriples.read_text(encoding="utf-8").splitlines()
            if line and line.split(" ", 2)[1] not in {f"<{prop}>" for prop in RULES}]
    store.bulk_load(input="\n".join(kept).encode(), format=ox.RdfFormat.N_TRIPLES)
    found: set[str] = set()
    for _, rule, target in rules:
        derived = list(store.query(rule.replace("$this", "?this").replace("WHERE {", f"WHERE {{ ?this a <{target}> .", 1)))
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in derived)
        found |= {str(t) for t in derived}
    assert found == set().union(*(stated(seed_store, prop) for prop in RULES))


def test_seed_shortcut_counts(seed_store):
    assert (len(stated(seed_store, PARTNER_COUNTRY)), len(stated(seed_store, LEAD_PARTNER))) == (96, 14)


def test_seed_derived_counts(seed_store):
    """One display title, title rank and budget flag per project; active years as the periods span."""
    counts = tuple(len(stated(seed_store, p)) for p in (DISPLAY_TITLE, TITLE_RANK, ACTIVE_YEAR, TOTAL_BUDGET_STATED))
    projects = len(list(seed_store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        ox.NamedNode("https://w3id.org/euproj/ontology#Project"), ox.DefaultGraph())))
    assert counts == (projects, projects, 81, projects)


def test_seed_title_ranks_count_up_in_title_order(seed_store):
    """The ranks are 1 … n, in the order of the display titles (code points), then IRIs."""
    rows = seed_store.query(f"""SELECT ?project ?title ?rank WHERE {{
        ?project <{DISPLAY_TITLE}> ?title ; <{TITLE_RANK}> ?rank }}""")
    found = sorted((int(r["rank"].value), r["title"].value, r["project"].value) for r in rows)
    assert [rank for rank, _, _ in found] == list(range(1, len(found) + 1))
    assert [(t, p) for _, t, p in found] == sorted((t, p) for _, t, p in found)


def test_seed_name_ranks_count_up_in_name_order(seed_store):
    """Every organisation with a display name has a rank: 1 … n, in the order of the names
    (code points), then IRIs."""
    rows = seed_store.query(f"""SELECT ?organisation ?name ?rank WHERE {{
        ?organisation <{DISPLAY_NAME}> ?name OPTIONAL {{ ?organisation <{NAME_RANK}> ?rank }} }}""")
    found = sorted((int(r["rank"].value) if r["rank"] else 0, r["name"].value, r["organisation"].value) for r in rows)
    assert len(found) > 10
    assert [rank for rank, _, _ in found] == list(range(1, len(found) + 1))
    assert [(n, o) for _, n, o in found] == sorted((n, o) for _, n, o in found)


@given(st.dictionaries(st.text(alphabet="ab-", min_size=1, max_size=3),
                       st.tuples(st.sampled_from("01"), st.text(alphabet="aAåz\u00e9\U0001f600 ", max_size=4)),
                       max_size=30))
def test_name_ranks_sort_as_sparql_sorts(names):
    """The ranks name_lines states order the organisations as SPARQL's ORDER BY of the display
    names, then the IRIs, orders them (the same names, ties and all)."""
    keys = {rid: lang + text for rid, (lang, text) in names.items()}
    store = ox.Store()
    store.bulk_load(input="\n".join(derived.name_lines(keys, "https://example.org/o/")).encode(),
                    format=ox.RdfFormat.N_TRIPLES)
    by_sparql = [r["o"].value for r in store.query(
        f"SELECT ?o WHERE {{ ?o <{DISPLAY_NAME}> ?name }} ORDER BY ?name ?o")]
    by_rank = [r["o"].value for r in store.query(
        f"SELECT ?o WHERE {{ ?o <{NAME_RANK}> ?rank }} ORDER BY ?rank")]
    assert by_rank == by_sparql
    assert len(by_rank) == len(names)


#: the list keys a project may carry (see derived.shortcut_lines): lead partner, no budget, with
#: a successor, a year, two organisations; and of three countries, with the participants from it
_KEYS = ["L", "B", "S", "y2017", "ohttps://example.org/o/1", "ohttps://example.org/o/2"]
_COUNTRIES = ["https://example.org/c/A", "https://example.org/c/B", "https://example.org/c/C"]
_keys = st.builds(lambda keys, countries: sorted(keys | {f"c{c} {n}" for c, n in countries.items()}),
                  st.sets(st.sampled_from(_KEYS)), st.dictionaries(st.sampled_from(_COUNTRIES), st.integers(1, 3)))
titles = st.lists(st.tuples(st.text(max_size=6), st.integers(0, 40), _keys), max_size=60)


def _pages_by_sort(ranked: list[tuple[str, str, list[str]]], page: int, continued: set[str]) -> derived.Pages:
    """The pages of the lists, from the ranked projects (one sort, every list read in full); the
    ``continued`` projects (named as another's predecessor) are in the list of those with a
    successor."""
    members: dict[str, list[int]] = {}
    partners: dict[str, list[int]] = {}  # pair → the participants from each country, of each project
    shown: dict[str, list[tuple[str, str]]] = {}  # list → its projects and titles, in order
    for rank, (title, project, keys) in enumerate(ranked, 1):
        countries = dict(k[1:].split(" ") for k in keys if k.startswith("c"))
        keys = [k for k in keys if not k.startswith("c")]
        if project in continued:
            keys = sorted(set(keys) | {"S"})
        for key in keys:
            members.setdefault(key, []).append(rank)
            shown.setdefault(key, []).append((project, title))
        for a in countries:
            for b in countries:
                if a != b:
                    members.setdefault(f"p{a} {b}", []).append(rank)
                    partners.setdefault(f"p{a} {b}", []).extend((int(countries[a]), int(countries[b])))
    pages = derived.Pages()
    for key, ranks in members.items():
        if len(ranks) < page:
            continue
        found = (ranks[page - 1], len(ranks), array("I", ranks[:page]))
        if key[0] != "p":
            pages.columns[key] = shown[key][:page]
        if key in ("L", "B", "S"):
            pages.lists[{"L": "lead-partners", "B": "projects-without-budget", "S": "successor-chains"}[key]] = found
        elif key[0] == "y":
            pages.years[int(key[1:])] = found
        elif key[0] == "o":
            pages.organisations[key[1:]] = found
        elif key[0] == "p":
            a, b = key[1:].split(" ")
            pages.country_pairs[(a, b)] = found
            pages.pair_partners[(a, b)] = array("I", partners[key][:2 * page])
    return pages


@settings(max_examples=60, deadline=None)
@given(titles, st.integers(1, 5), st.integers(2, 4), st.integers(1, 4), st.sets(st.integers(0, 40)))
def test_ranks_from_spilled_batches_equal_one_global_sort(tmp_path_factory, pairs, batches, fan_in, page, named):
    """However the projects fall into batches, and however many rounds of merging the title
    files need, the ranks are those of one sort of every project, and the lists' pages end
    where that sort puts their PAGE-th project (a project named as another's predecessor is in
    the list of those with a successor, whatever its own keys)."""
    continued = {f"https://example.org/p/{n}" for n in named}
    work = tmp_path_factory.mktemp("ranks")
    keys_of = {}
    for t, n, keys in pairs:
        keys_of.setdefault((t, f"https://example.org/p/{n}"), sorted(keys))
    unique = sorted((t, p, keys) for (t, p), keys in keys_of.items())
    paths = [write_titles(unique[i::batches], work / f"b{i}.titles") for i in range(batches)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(derived, "MERGE_FAN_IN", fan_in)
        mp.setattr(derived, "RANK_CHUNK", 7)
        mp.setattr(derived, "PAGE", page)
        chunks, pages = rank_chunks(paths, work, continued=continued)
    lines = sorted(line for c in chunks for line in c.read_text(encoding="utf-8").splitlines())
    expected = sorted(f'<{p}> <{TITLE_RANK}> "{n}"^^<http://www.w3.org/2001/XMLSchema#integer> .'
                      for n, (_, p, _) in enumerate(unique, 1))
    assert lines == expected
    assert sorted(p.name for p in work.iterdir()) == sorted(c.name for c in chunks)
    assert pages == _pages_by_sort(unique, page, continued)
    # the build names the organisations in PAGE projects or more (from its tally): the pages are
    # the same when only those keep their ranks on the way
    paged = {o for o in pages.organisations}
    again = tmp_path_factory.mktemp("again")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(derived, "PAGE", page)
        _, kept = rank_chunks([write_titles(unique, again / "all.titles")], again, continued=continued, paged=paged)
    assert kept == pages


def test_the_partners_of_a_busy_organisation_come_in_the_catalogues_order(tmp_path, monkeypatch):
    """By projects shared (most first), then the name a list shows (not the IRI), then IRI; the
    first PAGE of them; only for the busy organisations; the organisation is not its own partner."""
    o = "https://example.org/o/"
    projects = [["a", "b", "c", "d"], ["a", "c", "d"], ["a", "d", "e"], ["b", "c"], ["a", "e"]]
    titles = [(f"t{i}", f"https://example.org/p/{i}", sorted("o" + o + m for m in members))
              for i, members in enumerate(projects)]
    names = {"a": "Zed", "b": "Ann", "c": "Bo", "d": "Bo", "e": "Al"}
    monkeypatch.setattr(derived, "PAGE", 3)
    _, pages = rank_chunks([write_titles(titles, tmp_path / "t.titles")], tmp_path, {o + "a", o + "c"},
                           lambda iri: names[iri[len(o):]])
    # a shares: d 3, c 2, e 2, b 1 (c and e tie: "Al" before "Bo"); c shares: a 2, b 2, d 2 ("Ann", "Bo", "Zed")
    assert pages.partners == {o + "a": [(o + "d", 3, 1), (o + "e", 2, 2), (o + "c", 2, 3)],
                              o + "c": [(o + "b", 2, 1), (o + "d", 2, 2), (o + "a", 2, 3)]}


def test_a_project_with_a_successor_of_its_own_is_in_the_successor_list():
    """Its own successor gives the project the key; the predecessors it names do not (they are
    in the list, which their own lines do not show: the build gives them to the walk from the
    records' index); a link to itself is no link."""
    p = "https://w3id.org/euproj/id/project/"
    succ, pred, title = "<https://w3id.org/euproj/ontology#successor>", "<https://w3id.org/euproj/ontology#predecessor>", \
        "<http://purl.org/dc/terms/title>"

    def keys_of(links: list[str]) -> list[str]:
        ranked: list[tuple[str, str, list[str]]] = []
        lines = [f'<{p}a> {title} "A"@en .'] + [f"<{p}a> {link} ." for link in links]
        derived.shortcut_lines(f"<{p}a>", lines, lambda _: (), ranked)
        return [k for k in ranked[0][2] if k == "S"]

    assert keys_of([f"{succ} <{p}b>"]) == ["S"]
    assert keys_of([f"{pred} <{p}b>", f"{pred} <{p}c>"]) == []
    assert keys_of([f"{succ} <{p}a>"]) == []
    assert keys_of([]) == []


def test_a_projects_country_keys_count_its_participants_from_each_country():
    """Each participant once in each of its countries: a named organisation in the country the
    graph gives it elsewhere, a group in each country its own lines state; a participant without
    a country in none."""
    ep, d = "https://w3id.org/euproj/ontology#", "https://w3id.org/euproj/id/"
    c = "http://publications.europa.eu/resource/authority/country/"
    project = f"<{d}project/a>"
    lines = [f'{project} <http://purl.org/dc/terms/title> "A"@en .']
    for n, who in enumerate([f"<{d}organisation/x>", f"<{d}organisation/y>", f"<{d}organisation/z>",
                             f"<{d}project/a/participation/group-4/group>"]):
        lines += [f"{project} <{ep}participation> <{d}project/a/participation/{n}> .",
                  f"<{d}project/a/participation/{n}> <{ep}participant> {who} ."]
    lines += [f"<{d}project/a/participation/group-4/group> <{ep}country> <{c}SWE> .",
              f"<{d}project/a/participation/group-4/group> <{ep}country> <{c}DNK> ."]
    countries = {f"<{d}organisation/x>": (c + "SWE",), f"<{d}organisation/y>": (c + "DNK",)}
    ranked: list[tuple[str, str, list[str]]] = []
    derived.shortcut_lines(project, lines, lambda who: countries.get(who, ()), ranked)
    assert [k for k in ranked[0][2] if k[0] == "c"] == [f"c{c}DNK 2", f"c{c}SWE 2"]


def test_every_list_of_page_projects_has_a_page_with_their_ranks(monkeypatch):
    """A list of at least PAGE projects has a page: the ranks of its first PAGE projects, the
    last of them where it ends, and the list's count; a shorter list has none."""
    monkeypatch.setattr(derived, "PAGE", 3)
    firsts = {"L": [1, 2, 3], "B": [4, 9, 12], "S": [5, 6], "y2017": [1, 7, 8], "ohttps://example.org/o/1": [2, 3, 30],
              "ohttps://example.org/o/2": [10], "phttps://c/A https://c/B": [4, 40, 400]}
    counts = {"L": 90, "B": 3, "S": 2, "y2017": 20, "ohttps://example.org/o/1": 3, "ohttps://example.org/o/2": 1,
              "phttps://c/A https://c/B": 9}
    pair_partners = {"phttps://c/A https://c/B": array("I", [1, 2, 3, 1, 1, 1])}
    pages = derived.Pages.of({k: array("I", v) for k, v in firsts.items()}, counts, pair_partners)
    assert pages.lists == {"lead-partners": (3, 90, array("I", [1, 2, 3])),
                           "projects-without-budget": (12, 3, array("I", [4, 9, 12]))}
    assert pages.years == {2017: (8, 20, array("I", [1, 7, 8]))}
    assert pages.organisations == {"https://example.org/o/1": (30, 3, array("I", [2, 3, 30]))}
    assert pages.country_pairs == {("https://c/A", "https://c/B"): (400, 9, array("I", [4, 40, 400]))}
    assert pages.pair_partners == {("https://c/A", "https://c/B"): array("I", [1, 2, 3, 1, 1, 1])}


def test_ranks_do_not_depend_on_batches_or_workers(tmp_path, monkeypatch):
    """The seed records built in many small batches over two workers, their title files merged
    in runs of three as they come, give the same dump."""
    from euproj_rdf import batches

    one = build(ROOT / "records", tmp_path / "one", workers=1)
    monkeypatch.setattr(batches, "MERGE_FAN_IN", 3)
    many = build(ROOT / "records", tmp_path / "many", workers=2, batch_triples=200)
    assert one.ntriples.read_bytes() == many.ntriples.read_bytes()


_CHAIN_LINKS = st.lists(st.tuples(st.integers(0, 6), st.sampled_from(["successor", "predecessor"]), st.integers(0, 6)),
                        max_size=14)


@settings(max_examples=60, deadline=None)
@given(_CHAIN_LINKS)
def test_the_steps_down_the_chains_are_those_successor_chains_counts(links):
    """chain_steps gives, for each project, the successors and steps successor-chains counts
    with SPARQL paths on the same links, whether chains branch, join again or loop."""
    ep = "https://w3id.org/euproj/ontology#"
    node = "https://example.org/p{}".format
    db = ox.Store()
    later: dict[str, list[str]] = {}
    for a, how, b in links:
        db.add(ox.Quad(ox.NamedNode(node(a)), ox.NamedNode(ep + how), ox.NamedNode(node(b))))
        first, then = (a, b) if how == "successor" else (b, a)
        later.setdefault(node(first), []).append(node(then))
    projects = [(rank, node(n)) for rank, n in enumerate(range(7), 1)]
    found = {(p, s, int(n)) for p, s, n in (
        (r["project"].value, r["successor"].value, r["steps"].value) for r in db.query(f"""
        PREFIX ep: <{ep}>
        SELECT ?project ?successor (COUNT(DISTINCT ?on) AS ?steps) WHERE {{
          VALUES ?project {{ {" ".join(f"<{p}>" for _, p in projects)} }}
          ?project (ep:successor|^ep:predecessor)+ ?on . ?on (ep:successor|^ep:predecessor)* ?successor
          FILTER(?successor != ?project) }} GROUP BY ?project ?successor"""))}
    steps = derived.chain_steps(projects, later)
    assert {(p, s, n) for p, _, s, n in steps} == found
    assert len(steps) == len(found)
    assert all(rank == int(p.rsplit("p", 1)[1]) + 1 for p, rank, _, _ in steps)


def test_a_chain_that_branches_and_joins_again_counts_every_project_on_the_way():
    """A → B → D and A → C → D: D is three steps from A (B, C and D are on the way)."""
    later = {"A": ["B", "C"], "B": ["D"], "C": ["D"]}
    assert derived.chain_steps([(1, "A"), (2, "B")], later) == [
        ("A", 1, "B", 1), ("A", 1, "C", 1), ("A", 1, "D", 3), ("B", 2, "D", 1)]
