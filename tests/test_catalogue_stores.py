"""The catalogue of queries/ on every store we push to: the seed dump and a synthetic sample of
1 000 projects (benchmarks/synthetic.py: branching successor chains, thousands of participations),
the latter also built with pages of 15 projects so that the list questions read their pages,
pushed (with `push`) into a real Oxigraph server, Virtuoso and Apache Jena Fuseki
(tests/servers.py), and every query's answer there compared with the embedded store's.

Both sides are read as SPARQL JSON results and compared after normalising only what is
representation: numbers by value (a store may write 3260000 as "3260000.0" or type a count as
xsd:int), language tags in lower case, plain literals with xsd:string as one, and the parts of a
GROUP_CONCAT as a set (SPARQL leaves their order open). The variables, every term and the rows in
the query's order (every catalogue query has an ORDER BY) must agree.
A store that cannot run here is skipped with the reason."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from euproj_rdf import build, push, target_for
from euproj_rdf.stats import STATISTICS_NT, graph_iri
from euproj_rdf.vocab import DATA
from tests.servers import GRAPH, OxigraphServer, select

ROOT = Path(__file__).resolve().parents[1]
QUERIES = sorted((ROOT / "queries").glob("*.rq"))
CATALOGUE_GRAPH = GRAPH + "/catalogue/"  # + the name of the graph: seed or sample
STORES = ["oxigraph", "virtuoso", "fuseki"]
GRAPHS = ["seed", "sample", "paged"]
#: the paged sample: the same records built with pages of PAGE projects (every list of the
#: catalogue then has one, and the questions read it), asked with that LIMIT about org-0
PAGE, PARTNERS_FROM = 15, 40
SAMPLE_PROJECTS = 1000
STATISTICS_GRAPH = graph_iri(DATA)

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                             "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                             "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}


def normalise(term: dict | None):
    """One term of a SPARQL JSON result, with its representation-only differences removed."""
    if term is None:
        return None
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return ("iri", value)
    if kind == "bnode":
        return ("bnode",)
    datatype = term.get("datatype")
    if datatype in NUMERIC:
        return ("number", Decimal(value).normalize())
    if "xml:lang" in term:
        return ("literal", value, term["xml:lang"].lower())
    if datatype in (None, XSD + "string"):
        return ("literal", value)
    return ("literal", value, datatype)


GROUP_CONCAT = re.compile(r'GROUP_CONCAT\((?:DISTINCT\s+)?\?\w+\s*;\s*SEPARATOR\s*=\s*"([^"]*)"\)\s+AS\s+\?(\w+)',
                          re.IGNORECASE)


def table(answer: dict, query: str) -> tuple[list[str], list[tuple]]:
    names = answer["head"]["vars"]
    concatenated = {var: sep for sep, var in GROUP_CONCAT.findall(query)}

    def cell(row: dict, name: str):
        term = normalise(row.get(name))
        if name in concatenated and term is not None and term[0] == "literal":
            return ("parts", tuple(sorted(term[1].split(concatenated[name]))), *term[2:])
        return term

    return names, [tuple(cell(row, n) for n in names) for row in answer["results"]["bindings"]]


@pytest.fixture(scope="module")
def dumps(seed_build, tmp_path_factory) -> dict[str, Path]:
    """Graph name → its N-Triples dump."""
    from benchmarks.synthetic import write_csv
    from euproj_rdf import derived

    tmp = tmp_path_factory.mktemp("sample")
    records = write_csv(tmp / "records", SAMPLE_PROJECTS)
    sample = build(records, tmp / "dist", validate=False)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(derived, "PAGE", PAGE)
        mp.setattr(derived, "PARTNERS_FROM", PARTNERS_FROM)
        paged = build(records, tmp / "paged", validate=False, verify=True)
    return {"seed": seed_build.ntriples, "sample": sample.ntriples, "paged": paged.ntriples}


def asked(graph: str, text: str) -> str:
    """The question as asked of ``graph``: on the paged sample, with the LIMIT of its pages and
    about org-0 (the sample has no Region Skåne)."""
    if graph != "paged":
        return text
    return text.replace("LIMIT 1000", f"LIMIT {PAGE}").replace("organisation:region-skane", "organisation:org-0")


@pytest.fixture(scope="module")
def embedded(dumps):
    """(graph name, query file name) → the embedded store's answer."""
    out = {}
    for graph, dump in dumps.items():
        store = ox.Store()
        store.bulk_load(path=str(dump), format=ox.RdfFormat.N_TRIPLES)
        store.bulk_load(path=str(dump.with_name(STATISTICS_NT)), format=ox.RdfFormat.N_TRIPLES,
                        to_graph=ox.NamedNode(STATISTICS_GRAPH))  # as load does
        for path in QUERIES:
            text = asked(graph, path.read_text(encoding="utf-8"))
            out[graph, path.name] = table(json.loads(store.query(text).serialize(format=ox.QueryResultsFormat.JSON)), text)
    return out


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    srv = OxigraphServer(tmp_path_factory.mktemp("oxigraph-catalogue")).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module", params=STORES)
def store(request, dumps):
    """(query endpoint, credentials) of a store holding each dump in CATALOGUE_GRAPH + its name."""
    kind = request.param
    srv = request.getfixturevalue(f"{kind}_server")
    auth = None
    if kind == "oxigraph":
        target = target_for(srv.url, kind)
    else:
        target = target_for(srv.url, kind, user=srv.user, password=srv.password)
        auth = srv.auth if kind == "fuseki" else None  # Virtuoso's /sparql reads without a login
    for graph, dump in dumps.items():
        push(dump, target, graph=CATALOGUE_GRAPH + graph)
        push(dump.with_name(STATISTICS_NT), target, graph=CATALOGUE_GRAPH + graph + "-statistics")
    return srv.query_url, auth


@pytest.mark.parametrize("graph", GRAPHS)
@pytest.mark.parametrize("name", [p.name for p in QUERIES])
def test_catalogue_answers_as_the_embedded_store(store, embedded, graph, name):
    url, auth = store
    text = asked(graph, (ROOT / "queries" / name).read_text(encoding="utf-8"))
    # each dump's statistics are in a graph of their own there, the dataset's one named graph
    statistics = CATALOGUE_GRAPH + graph + "-statistics"
    text = text.replace(f"<{STATISTICS_GRAPH}>", f"<{statistics}>")
    names, rows = table(select(url, text, auth=auth, default_graph=CATALOGUE_GRAPH + graph, named_graph=statistics),
                        text)
    want_names, want_rows = embedded[graph, name]
    assert names == want_names
    assert rows == want_rows


@pytest.mark.parametrize("name", [p.name for p in QUERIES])
def test_every_query_answers_on_the_seed_graph(embedded, name):
    """Otherwise the comparison proves little (the sample has no Region Skåne, for instance)."""
    assert embedded["seed", name][1]


def test_the_paged_sample_has_a_page_for_every_list(dumps):
    """So that the stores answer the list questions from the pages there."""
    text = dumps["paged"].with_name(STATISTICS_NT).read_text(encoding="utf-8")
    for dataset in ("list-pages", "year-pages", "organisation-pages", "country-pair-pages", "organisation-partners",
                    "successor-steps"):
        assert f"/statistics/{dataset}/1> " in text, dataset
    for listed in ("lead-partners", "projects-without-budget", "successor-chains"):
        assert f"/statistics/list/{listed}> ." in text, listed
