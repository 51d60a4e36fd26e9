"""Checking the statistics graph: the Data Cube integrity constraints, and a recount on the graph.

:data:`INTEGRITY` holds the integrity constraints IC-1 … IC-21 of the W3C RDF Data Cube
recommendation (section 11) as SPARQL ASK queries, each true when the constraint is violated,
to be asked of the cube after the normalisation of section 10.2 (:data:`NORMALISE`, the part
this cube needs: the ``qb:componentProperty`` closure). IC-20 and IC-21 are templates over each
hierarchical code list's parent–child property (``$p``).

:func:`verify_statistics` loads a graph and its cube into a store of its own, and fails with
:class:`~euproj_rdf.errors.StatisticsError` when a constraint is violated, when an observation
names a dimension value the graph does not have, or when a count differs from what SPARQL
counts on the graph.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from . import derived, stats
from .errors import StatisticsError
from .stats import PAGE_RANK, PAGE_ROW, PARTNERS_FROM, graph_iri
from .vocab import CONCEPT, EP, OWL, QB, RDFS, SKOS, STATS, XSD

__all__ = ["INTEGRITY", "NORMALISE", "VERIFY_UP_TO", "cube_violations", "verify_statistics"]

#: graphs up to this many triples are recounted by default at the end of a build
VERIFY_UP_TO = 200_000

_P = f"PREFIX qb: <{QB}>\nPREFIX rdfs: <{RDFS}>\nPREFIX skos: <{SKOS}>\nPREFIX xsd: <{XSD}>\n"

#: the normalisation the constraints assume: each component property as qb:componentProperty
NORMALISE = _P + """INSERT { ?cs qb:componentProperty ?p . ?p a ?type }
WHERE {
  { ?cs qb:dimension ?p BIND(qb:DimensionProperty AS ?type) }
  UNION { ?cs qb:measure ?p BIND(qb:MeasureProperty AS ?type) }
  UNION { ?cs qb:attribute ?p BIND(qb:AttributeProperty AS ?type) }
}"""

#: IC-n → (what it requires, ASK query true when violated)
INTEGRITY: dict[str, tuple[str, str]] = {
    "IC-1": ("every observation belongs to exactly one data set", """ASK {
  { ?obs a qb:Observation FILTER NOT EXISTS { ?obs qb:dataSet ?any } }
  UNION { ?obs a qb:Observation ; qb:dataSet ?a, ?b FILTER(?a != ?b) } }"""),
    "IC-2": ("every data set has exactly one structure", """ASK {
  { ?ds a qb:DataSet FILTER NOT EXISTS { ?ds qb:structure ?any } }
  UNION { ?ds a qb:DataSet ; qb:structure ?a, ?b FILTER(?a != ?b) } }"""),
    "IC-3": ("every structure declares a measure", """ASK {
  ?dsd a qb:DataStructureDefinition
  FILTER NOT EXISTS { ?dsd qb:component/qb:componentProperty ?m . ?m a qb:MeasureProperty } }"""),
    "IC-4": ("every dimension has a range", """ASK {
  ?dim a qb:DimensionProperty FILTER NOT EXISTS { ?dim rdfs:range ?range } }"""),
    "IC-5": ("a dimension whose range is skos:Concept has a code list", """ASK {
  ?dim a qb:DimensionProperty ; rdfs:range skos:Concept FILTER NOT EXISTS { ?dim qb:codeList ?list } }"""),
    "IC-6": ("only attributes may be optional", """ASK {
  ?dsd qb:component ?cs . ?cs qb:componentProperty ?p ; qb:componentRequired "false"^^xsd:boolean
  FILTER NOT EXISTS { ?p a qb:AttributeProperty } }"""),
    "IC-7": ("every slice key belongs to a structure", """ASK {
  ?key a qb:SliceKey FILTER NOT EXISTS { ?dsd a qb:DataStructureDefinition ; qb:sliceKey ?key } }"""),
    "IC-8": ("a slice key's properties are components of its structure", """ASK {
  ?key a qb:SliceKey ; qb:componentProperty ?p . ?dsd qb:sliceKey ?key
  FILTER NOT EXISTS { ?dsd qb:component/qb:componentProperty ?p } }"""),
    "IC-9": ("every slice has exactly one slice structure", """ASK {
  { ?slice a qb:Slice FILTER NOT EXISTS { ?slice qb:sliceStructure ?any } }
  UNION { ?slice a qb:Slice ; qb:sliceStructure ?a, ?b FILTER(?a != ?b) } }"""),
    "IC-10": ("a slice has a value for every dimension of its key", """ASK {
  ?slice qb:sliceStructure/qb:componentProperty ?dim FILTER NOT EXISTS { ?slice ?dim ?v } }"""),
    "IC-11": ("every observation has a value for every dimension", """ASK {
  ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim . ?dim a qb:DimensionProperty
  FILTER NOT EXISTS { ?obs ?dim ?v } }"""),
    "IC-12": ("no two observations of a data set have the same dimension values", """ASK {
  ?a qb:dataSet ?ds . ?b qb:dataSet ?ds FILTER(?a != ?b)
  FILTER NOT EXISTS {
    ?ds qb:structure/qb:component/qb:componentProperty ?dim . ?dim a qb:DimensionProperty .
    ?a ?dim ?va . ?b ?dim ?vb FILTER(?va != ?vb) } }"""),
    "IC-13": ("every observation has a value for every required attribute", """ASK {
  ?obs qb:dataSet/qb:structure/qb:component ?cs .
  ?cs qb:componentRequired "true"^^xsd:boolean ; qb:componentProperty ?attr
  FILTER NOT EXISTS { ?obs ?attr ?v } }"""),
    "IC-14": ("without a measure dimension, every observation has a value for every measure", """ASK {
  ?obs qb:dataSet/qb:structure ?dsd
  FILTER NOT EXISTS { ?dsd qb:component/qb:componentProperty qb:measureType }
  ?dsd qb:component/qb:componentProperty ?m . ?m a qb:MeasureProperty
  FILTER NOT EXISTS { ?obs ?m ?v } }"""),
    "IC-15": ("with a measure dimension, an observation has a value for its measure", """ASK {
  ?obs qb:dataSet/qb:structure ?dsd ; qb:measureType ?m .
  ?dsd qb:component/qb:componentProperty qb:measureType
  FILTER NOT EXISTS { ?obs ?m ?v } }"""),
    "IC-16": ("with a measure dimension, an observation has no other measure", """ASK {
  ?obs qb:dataSet/qb:structure ?dsd ; qb:measureType ?m ; ?other ?v .
  ?dsd qb:component/qb:componentProperty qb:measureType , ?other .
  ?other a qb:MeasureProperty FILTER(?other != ?m) }"""),
    "IC-17": ("with a measure dimension, every measure is present for each cell", """ASK {
  { SELECT ?a ?n WHERE {
      { SELECT ?dsd (COUNT(?m) AS ?n) WHERE {
          ?dsd qb:component/qb:componentProperty ?m . ?m a qb:MeasureProperty } GROUP BY ?dsd }
      ?a qb:dataSet/qb:structure ?dsd ; qb:dataSet ?ds ; qb:measureType ?ma .
      ?b qb:dataSet ?ds ; qb:measureType ?mb .
      FILTER NOT EXISTS {
        ?dsd qb:component/qb:componentProperty ?dim FILTER(?dim != qb:measureType)
        ?dim a qb:DimensionProperty . ?a ?dim ?va . ?b ?dim ?vb FILTER(?va != ?vb) }
    } GROUP BY ?a ?n HAVING (COUNT(?b) != ?n) } }"""),
    "IC-18": ("the observations of a data set's slices belong to the data set", """ASK {
  ?ds qb:slice ?slice . ?slice qb:observation ?obs FILTER NOT EXISTS { ?obs qb:dataSet ?ds } }"""),
    "IC-19": ("a dimension with a code list takes its values from it", """ASK {
  ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
  ?dim a qb:DimensionProperty ; qb:codeList ?list . ?obs ?dim ?v .
  { ?list a skos:ConceptScheme FILTER NOT EXISTS { ?v a skos:Concept ; skos:inScheme ?list } }
  UNION { ?list a skos:Collection FILTER NOT EXISTS { ?list skos:member+ ?v } } }"""),
    "IC-20": ("a value from a hierarchical code list is reached from its roots", """ASK {
  ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
  ?dim a qb:DimensionProperty ; qb:codeList ?list . ?list a qb:HierarchicalCodeList ;
  qb:parentChildProperty <$p> . ?obs ?dim ?v
  FILTER NOT EXISTS { ?list qb:hierarchyRoot/<$p>* ?v } }"""),
    "IC-21": ("a value from an inverse hierarchical code list is reached from its roots", """ASK {
  ?obs qb:dataSet/qb:structure/qb:component/qb:componentProperty ?dim .
  ?dim a qb:DimensionProperty ; qb:codeList ?list . ?list a qb:HierarchicalCodeList ;
  qb:parentChildProperty ?inverse . ?inverse owl:inverseOf <$p> . ?obs ?dim ?v
  FILTER NOT EXISTS { ?list qb:hierarchyRoot/(^<$p>)* ?v } }"""),
}
_TEMPLATED = {"IC-20": "?list qb:parentChildProperty ?p", "IC-21": "?list qb:parentChildProperty ?i . ?i owl:inverseOf ?p"}
_OWL = f"PREFIX owl: <{OWL}>\n"


def cube_violations(store: ox.Store, *, skip: tuple[str, ...] = ()) -> list[str]:
    """The integrity constraints the cube in ``store`` (default graph, normalised) violates."""
    failed = []
    for name, (rule, ask) in INTEGRITY.items():
        if name in skip:
            continue
        if name in _TEMPLATED:
            found = store.query(_P + _OWL + f"SELECT DISTINCT ?p WHERE {{ {_TEMPLATED[name]} }}")
            queries = [ask.replace("$p", row["p"].value) for row in found]  # type: ignore[union-attr]
        else:
            queries = [ask]
        if any(bool(store.query(_P + _OWL + q)) for q in queries):
            failed.append(f"{name}: {rule}")
    return failed


_EP = f"PREFIX ep: <{EP}>\nPREFIX stat: <{STATS}>\n"

#: dataset → (SPARQL counting on the graph, SPARQL reading the cube): rows of (key, count)
_RECOUNTS: dict[str, tuple[str, str]] = {
    "countries": ("""SELECT ?k (COUNT(DISTINCT ?project) AS ?n) WHERE {
      ?project a ep:Project ; ep:participation/ep:participant/ep:country ?k } GROUP BY ?k""",
                  "SELECT ?k ?n WHERE { GRAPH ?g { ?o stat:country ?k ; stat:projects ?n } }"),
    "country-pairs": ("""SELECT ?k ?k2 (COUNT(DISTINCT ?project) AS ?n) WHERE {
      ?project a ep:Project ; ep:participation/ep:participant/ep:country ?k, ?k2 FILTER(STR(?k) < STR(?k2)) }
      GROUP BY ?k ?k2""", "SELECT ?k ?k2 ?n WHERE { GRAPH ?g { ?o stat:countryA ?k ; stat:countryB ?k2 ; stat:projects ?n } }"),
    "organisations": ("""SELECT ?k (COUNT(DISTINCT ?project) AS ?n) WHERE {
      ?project a ep:Project ; ep:participation/ep:participant ?k . ?k a ep:Organisation } GROUP BY ?k""",
                      "SELECT ?k ?n WHERE { GRAPH ?g { ?o stat:organisation ?k ; stat:projects ?n } }"),
    "programmes": ("""SELECT ?k (COUNT(DISTINCT ?project) AS ?n) WHERE {
      ?project a ep:Project ; ep:programme|ep:funding/ep:programme ?k } GROUP BY ?k""",
                   "SELECT ?k ?n WHERE { GRAPH ?g { ?o qb:dataSet ?ds ; stat:programme ?k ; stat:projects ?n "
                   "FILTER NOT EXISTS { ?o stat:fund ?f } } }"),
    "funds": ("""SELECT ?k (COUNT(DISTINCT ?project) AS ?n) WHERE {
      ?project a ep:Project ; ep:funding/ep:fund|ep:programme/ep:fund ?k } GROUP BY ?k""",
              "SELECT ?k ?n WHERE { GRAPH ?g { ?o stat:fund ?k ; stat:projects ?n "
              "FILTER NOT EXISTS { ?o stat:programme ?p } } }"),
    "themes": ("""SELECT ?k (COUNT(DISTINCT ?project) AS ?n) WHERE { ?project a ep:Project ; ep:theme ?k } GROUP BY ?k""",
               "SELECT ?k ?n WHERE { GRAPH ?g { ?o stat:theme ?k ; stat:projects ?n } }"),
    "organisation-kinds": ("""SELECT ?k ?k2 (COUNT(DISTINCT ?o) AS ?n) WHERE {
      ?o a ep:Organisation ; ep:organisationKind ?k . OPTIONAL { ?o ep:country ?k2 } } GROUP BY ?k ?k2""",
                           """SELECT ?k ?k2 ?n WHERE { GRAPH ?g { ?o qb:dataSet ?ds ; stat:organisationsKind ?k ;
      stat:organisationsCountry ?c ; stat:organisations ?n FILTER(STRENDS(STR(?ds), "/statistics/organisation-kinds")) }
      BIND(IF(STRENDS(STR(?c), "/statistics/not-stated"), ?none, ?c) AS ?k2) }"""),
    "links": ("""SELECT ?k ?n ?c ?u ?w ?x WHERE { { SELECT ?k (COUNT(DISTINCT ?thing) AS ?n)
      (COUNT(DISTINCT ?withCountry) AS ?c) (COUNT(DISTINCT ?withNuts) AS ?u)
      (COUNT(DISTINCT ?withWikidata) AS ?w) (COUNT(DISTINCT ?withOther) AS ?x) WHERE {
      VALUES ?k { ep:Organisation ep:Programme ep:Fund ep:Project } ?thing a ?k .
      OPTIONAL { ?thing ep:country|ep:memberCountry|ep:coversCountry ?country . BIND(?thing AS ?withCountry) }
      OPTIONAL { ?thing ep:nutsRegion|ep:coversRegion ?region . BIND(?thing AS ?withNuts) }
      OPTIONAL { ?thing ep:wikidataId ?item . BIND(?thing AS ?withWikidata) }
      OPTIONAL { ?thing ep:keepEuId|ep:kohesioId|ep:cordisProjectId|ep:pic|ep:corporateBodyCode|ep:euProgrammeCode ?id .
                 BIND(?thing AS ?withOther) } } GROUP BY ?k } FILTER(?n > 0) }""",
              """SELECT ?k ?n ?c ?u ?w ?x WHERE { GRAPH ?g { ?o stat:recordClass ?k ; stat:records ?n ;
      stat:withCountry ?c ; stat:withNuts ?u ; stat:withWikidata ?w ; stat:withOtherIds ?x } }"""),
    "participations": ("""SELECT (COUNT(*) AS ?n) WHERE { ?project a ep:Project ; ep:participation ?p .
      ?p ep:participant ?who . ?who a ep:Organisation }""",
                       "SELECT (SUM(?n) AS ?n) WHERE { GRAPH ?g { ?o stat:organisation ?k ; stat:participations ?n } }"),
}


_FK = f"PREFIX role: <{CONCEPT}role/>\nPREFIX fk: <{CONCEPT}funding-kind/>\n"

#: page dataset → (SPARQL listing (key…, project, rank) on the graph, the dimensions of its cube rows)
_PAGE_RECOUNTS: dict[str, tuple[str, str]] = {
    "list-pages": ("""SELECT ?k ?project ?rank WHERE {
      { ?project ep:titleRank ?rank ; ep:participation/ep:role role:lead-partner BIND("lead-partners" AS ?k) }
      UNION { ?project ep:titleRank ?rank BIND("projects-without-budget" AS ?k)
              FILTER NOT EXISTS { ?project ep:funding ?f . ?f ep:fundingKind fk:total-budget ; ep:amount ?a } }
      UNION { ?project ep:titleRank ?rank ; ep:successor|^ep:predecessor ?next
              FILTER(?next != ?project) BIND("successor-chains" AS ?k) } }""",
                   "?o stat:list ?list BIND(STRAFTER(STR(?list), \"/list/\") AS ?k)"),
    "year-pages": ("SELECT ?k ?project ?rank WHERE { ?project ep:titleRank ?rank ; ep:activeYear ?k }",
                   "?o stat:year/stat:yearValue ?k"),
    "organisation-pages": ("""SELECT ?k ?project ?rank WHERE {
      ?project ep:titleRank ?rank ; ep:participation/ep:participant ?k FILTER(isIRI(?k)) }""",
                           "?o stat:organisation ?k"),
    "country-pair-pages": ("""SELECT ?k ?k2 ?project ?rank WHERE {
      ?project ep:titleRank ?rank ; ep:participation/ep:participant/ep:country ?k, ?k2 FILTER(?k != ?k2) }""",
                           "?o stat:countryA ?k ; stat:countryB ?k2"),
}


def _pages_recounted(store: ox.Store, query: str) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]],
                                                             set[tuple[str, ...]]]:
    """(key…, the rank of the PAGE-th project, projects) of each list of at least PAGE projects,
    (key…, rank) for each of its first PAGE ranks, and (key…, project, rank) for each of those
    projects, from the (key…, project, rank) rows SPARQL finds on the graph."""
    ranks: dict[tuple[str, ...], set[tuple[str, int]]] = {}
    for row in _rows(store, query):
        ranks.setdefault(row[:-2], set()).add((row[-2], int(row[-1])))
    ends: set[tuple[str, ...]] = set()
    firsts: set[tuple[str, ...]] = set()
    projects: set[tuple[str, ...]] = set()
    for key, found in ranks.items():
        ordered = sorted((r, p) for p, r in found)
        if len(ordered) >= derived.PAGE:
            ends.add((*key, str(ordered[derived.PAGE - 1][0]), str(len(ordered))))
            firsts.update((*key, str(r)) for r, _ in ordered[:derived.PAGE])
            projects.update((*key, p, str(r)) for r, p in ordered[:derived.PAGE])
    return ends, firsts, projects


def _partners_recounted(store: ox.Store) -> set[tuple[str, ...]]:
    """(organisation, partner, projects shared, place) as the dataset organisation-partners
    states them, from the projects SPARQL finds each pair of organisations in and the names of
    the partners: the first PAGE by projects shared, then name, then IRI."""
    busy = {k for k, n in _rows(store, """SELECT ?k (COUNT(DISTINCT ?project) AS ?n) WHERE {
      ?project a ep:Project ; ep:participation/ep:participant ?k FILTER(isIRI(?k)) } GROUP BY ?k""")
            if int(n) > derived.PARTNERS_FROM}
    label = _labels(store)
    shared: dict[str, list[tuple[int, str, str]]] = {}
    for k, partner, n in _rows(store, """SELECT ?k ?partner (COUNT(DISTINCT ?project) AS ?n) WHERE {
      ?project a ep:Project ; ep:participation/ep:participant ?k, ?partner
      FILTER(isIRI(?k) && isIRI(?partner) && ?k != ?partner) } GROUP BY ?k ?partner"""):
        if k in busy:
            shared.setdefault(k, []).append((-int(n), label.get(partner, ""), partner))
    return {(k, partner, str(-n), str(place)) for k, found in shared.items()
            for place, (n, _, partner) in enumerate(sorted(found)[:derived.PAGE], 1)}


def _pair_rows_recounted(store: ox.Store) -> set[tuple[str, ...]]:
    """(country A, country B, rank, participants from A, participants from B) for each of the
    first PAGE projects of each pair of countries with a page, as SPARQL finds and counts them
    on the graph."""
    listed: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for a, b, project, rank in _rows(store, _FK + _PAGE_RECOUNTS["country-pair-pages"][0]):
        listed.setdefault((a, b), []).append((int(rank), project))
    partners = {(project, country): n for project, country, n in _rows(store, """SELECT ?project ?k
      (COUNT(DISTINCT ?partner) AS ?n) WHERE { ?project ep:titleRank ?rank ; ep:participation/ep:participant ?partner .
      ?partner ep:country ?k } GROUP BY ?project ?k""")}
    return {(a, b, str(rank), partners[(project, a)], partners[(project, b)])
            for (a, b), found in listed.items() if len(found) >= derived.PAGE
            for rank, project in sorted(found)[:derived.PAGE]}


def _steps_recounted(store: ox.Store) -> set[tuple[str, ...]]:
    """(project, successor, steps, rank) as the dataset successor-steps states them: when
    SPARQL finds PAGE projects or more continued by another, every project down the chains of
    the first PAGE of them by rank, with the steps successor-chains counts."""
    continued = sorted((int(rank), project) for project, rank in _rows(store, """SELECT ?project ?rank WHERE {
      ?project ep:titleRank ?rank ; ep:successor|^ep:predecessor ?next FILTER(?next != ?project) }"""))
    if len(continued) < derived.PAGE:
        return set()
    first = " ".join(f"<{project}>" for _, project in continued[:derived.PAGE])
    return _rows(store, f"""SELECT ?project ?successor (COUNT(DISTINCT ?on) AS ?steps) ?rank WHERE {{
      VALUES ?project {{ {first} }}
      ?project ep:titleRank ?rank ; (ep:successor|^ep:predecessor)+ ?on .
      ?on (ep:successor|^ep:predecessor)* ?successor FILTER(?successor != ?project) }}
      GROUP BY ?project ?successor ?rank""")


def _top_recounted(store: ox.Store) -> set[tuple[str, ...]]:
    """(organisation, projects, place, name, country) as the dataset top-organisations states
    them: the first TOP named organisations by the projects SPARQL finds them in, then name,
    then IRI; with the name a list shows and each country of the organisation ("" for none)."""
    label = _labels(store)
    counted = [(k, n, label[k]) for k, n in _rows(store, """SELECT ?k (COUNT(DISTINCT ?project) AS ?n) WHERE {
      ?project a ep:Project ; ep:participation/ep:participant ?k . ?k a ep:Organisation } GROUP BY ?k""")
               if k in label]
    countries: dict[str, set[str]] = {}
    for k, country in _rows(store, "SELECT ?k ?c WHERE { ?k a ep:Organisation OPTIONAL { ?k ep:country ?c } }"):
        countries.setdefault(k, set()).add(country)
    ranked = sorted(counted, key=lambda row: (-int(row[1]), row[2], row[0]))[:stats.TOP]
    return {(k, n, str(place), name, country) for place, (k, n, name) in enumerate(ranked, 1)
            for country in countries.get(k, {""})}


def _labels(store: ox.Store) -> dict[str, str]:
    """Each named organisation's name as a list shows it (the catalogue's rule: English first)."""
    return {o: name for o, name in _rows(store, """SELECT ?o (SUBSTR(MIN(CONCAT(IF(langMatches(LANG(?l), "en"), "0", "1"), STR(?l))), 2)
      AS ?label) WHERE { ?o a ep:Organisation ; skos:prefLabel ?l } GROUP BY ?o""")}


def _same(name: str, expected: set[tuple[str, ...]], stated: set[tuple[str, ...]]) -> None:
    """Fail unless the dataset ``name`` states the rows SPARQL counts on the graph."""
    if expected != stated:
        raise StatisticsError(f"the statistics dataset '{name}' does not match the graph: it states "
                              f"{sorted(stated - expected)[:3]}, SPARQL counts {sorted(expected - stated)[:3]}")


def _rows(store: ox.Store, query: str) -> set[tuple[str, ...]]:
    result = store.query(_P + _EP + query)
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return {tuple(row[n].value if row[n] is not None else "" for n in names) for row in result}  # type: ignore[union-attr]


def verify_statistics(graph_lines: Iterable[str], cube: list[str], *, base_iri: str) -> None:
    """Fail with :class:`StatisticsError` unless ``cube`` passes IC-1 … IC-21, names only
    dimension values the graph (or the cube itself) has, and counts what the graph holds."""
    store = ox.Store()
    store.bulk_load(input="".join(graph_lines).encode(), format=ox.RdfFormat.N_TRIPLES)
    named = ox.NamedNode(graph_iri(base_iri))
    store.bulk_load(input="".join(line + "\n" for line in cube).encode(), format=ox.RdfFormat.N_TRIPLES,
                    to_graph=named)
    missing = _rows(store, """SELECT DISTINCT ?v WHERE { GRAPH ?g { ?o qb:dataSet ?ds ; ?dim ?v . ?dim a qb:DimensionProperty }
      FILTER(isIRI(?v)) FILTER NOT EXISTS { { ?v ?p ?x } UNION { ?y ?q ?v } }
      FILTER NOT EXISTS { GRAPH ?g { ?v ?p2 ?x2 } } } ORDER BY ?v LIMIT 5""")
    if missing:
        raise StatisticsError("the statistics name dimension values the graph does not have: "
                              + ", ".join(sorted(v for (v,) in missing)))
    for name, (count, read) in _RECOUNTS.items():
        _same(name, _rows(store, count), _rows(store, read))
    titles = {p: t for p, t in _rows(store, "SELECT ?p ?t WHERE { ?p ep:displayTitle ?t }")}
    for name, (listed, dims) in _PAGE_RECOUNTS.items():
        ends, firsts, projects = _pages_recounted(store, _FK + listed)
        variables = "?k ?k2" if "?k2" in dims else "?k"
        _same(name, ends, _rows(store, f"""SELECT {variables} ?end ?n WHERE {{ GRAPH ?g {{ ?o qb:dataSet ?ds ;
          stat:pageEnd ?end ; stat:listed ?n . {dims} FILTER(STRENDS(STR(?ds), "/statistics/{name}")) }} }}"""))
        _same(f"{name} ({PAGE_RANK})", firsts, _rows(store, f"""SELECT {variables} ?rank WHERE {{ GRAPH ?g {{
          ?o qb:dataSet ?ds ; stat:{PAGE_RANK} ?rank . {dims} FILTER(STRENDS(STR(?ds), "/statistics/{name}")) }} }}"""))
        if name == "country-pair-pages":  # its rows instead: checked below
            continue
        _same(f"{name} (columns)", {(*row, titles.get(row[-2], "")) for row in projects}, _rows(store, f"""
          SELECT {variables} ?project ?rank ?title WHERE {{ GRAPH ?g {{ ?o qb:dataSet ?ds ;
          stat:rankColumn ?ranks ; stat:titleColumn ?titles . {dims} . ?project ?ranks ?rank ; ?titles ?title
          FILTER(STRENDS(STR(?ds), "/statistics/{name}")) }} }}"""))
    _same(f"country-pair-pages ({PAGE_ROW})", _pair_rows_recounted(store), _rows(store, f"""SELECT ?k ?k2 ?rank ?a ?b
      WHERE {{ GRAPH ?g {{ ?o qb:dataSet ?ds ; stat:countryA ?k ; stat:countryB ?k2 ; stat:{PAGE_ROW} ?row .
      ?row stat:{PAGE_RANK} ?rank ; stat:{PARTNERS_FROM[0]} ?a ; stat:{PARTNERS_FROM[1]} ?b
      FILTER(STRENDS(STR(?ds), "/statistics/country-pair-pages")) }} }}"""))
    _same("top-organisations", _top_recounted(store), _rows(store, """SELECT ?k ?n ?place ?name ?c WHERE { GRAPH ?g {
      ?o qb:dataSet ?ds ; stat:topOrganisation ?k ; stat:topProjects ?n ; stat:topRank ?place ; stat:topName ?name
      OPTIONAL { ?o stat:topCountry ?c } FILTER(STRENDS(STR(?ds), "/statistics/top-organisations")) } }"""))
    _same("successor-steps", _steps_recounted(store), _rows(store, """SELECT ?k ?k2 ?n ?rank WHERE { GRAPH ?g {
      ?o stat:chainProject ?k ; stat:chainSuccessor ?k2 ; stat:chainSteps ?n ; stat:chainRank ?rank } }"""))
    _same("organisation-partners", _partners_recounted(store), _rows(store, """SELECT ?k ?partner ?n ?place WHERE {
      GRAPH ?g { ?o stat:organisation ?k ; stat:partner ?partner ; stat:sharedProjects ?n ; stat:rank ?place } }"""))
    cube_store = ox.Store()
    cube_store.bulk_load(input="".join(line + "\n" for line in cube).encode(), format=ox.RdfFormat.N_TRIPLES)
    cube_store.update(NORMALISE)
    # IC-12 compares every pair of observations (seconds even on the seed cube); the cube's
    # observations are the keys of its counters, so no two have the same dimension values
    failed = cube_violations(cube_store, skip=("IC-12",))
    if failed:
        raise StatisticsError("the statistics cube violates the Data Cube integrity constraints: " + "; ".join(failed))
