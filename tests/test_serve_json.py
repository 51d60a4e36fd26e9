"""The endpoint's solutions, written by pyoxigraph as SPARQL TSV (counted row by row against the
server's cap) and converted to the format asked for: read back they are the same solutions,
whatever the terms (IRIs, plain, language-tagged and typed literals with quotes, backslashes,
line breaks, tabs, control characters and non-ASCII text) and whichever variables are unbound;
a line break inside a literal is no row of its own for the cap."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from euproj_rdf.serve.worker import answer_query

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
_iris = st.sampled_from(["https://example.org/a", "https://example.org/ö?q=x#frag", "urn:x:1"])
_terms = st.one_of(
    _iris.map(ox.NamedNode),
    _text.map(ox.Literal),
    st.tuples(_text, st.sampled_from(["en", "sv", "de-ch"])).map(lambda t: ox.Literal(t[0], language=t[1])),
    st.integers().map(ox.Literal),
    st.tuples(_text, _iris).map(lambda t: ox.Literal(t[0], datatype=ox.NamedNode(t[1]))),
)
_rows = st.lists(st.lists(st.one_of(st.none(), _terms), min_size=3, max_size=3), max_size=8)
FORMATS = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
           "application/sparql-results+xml": ox.QueryResultsFormat.XML,
           "text/tab-separated-values": ox.QueryResultsFormat.TSV}


def _query(rows: list[list[ox.NamedNode | ox.Literal | None]]) -> str:
    """A query whose solutions are ``rows`` (terms in their N-Triples form, UNDEF for none)."""
    values = " ".join("(" + " ".join("UNDEF" if t is None else str(t) for t in row) + ")" for row in rows)
    return f"SELECT ?a ?b ?c WHERE {{ VALUES (?a ?b ?c) {{ {values} }} }}"


@settings(max_examples=150, deadline=None)
@given(_rows)
def test_the_solutions_read_back_as_the_same_in_every_format(rows):
    store = ox.Store()
    for accept, fmt in FORMATS.items():
        status, ctype, body = answer_query(store, {"text": _query(rows), "accept": accept}, 100)
        assert (status, ctype.split(";")[0]) == (200, accept)
        if fmt == ox.QueryResultsFormat.JSON:
            assert json.loads(body)["head"] == {"vars": ["a", "b", "c"]}  # well-formed JSON, in UTF-8
        read = ox.parse_query_results(body, format=fmt)
        assert [v.value for v in read.variables] == ["a", "b", "c"]
        assert [[s[v] for v in read.variables] for s in read] == rows


@pytest.mark.parametrize(("cap", "status"), [(3, 200), (2, 413)])
def test_a_line_break_in_a_literal_is_no_row_for_the_cap(cap, status):
    rows = [[ox.Literal("one\ntwo\nthree\n"), None, None]] * 3
    answer = answer_query(ox.Store(), {"text": _query(rows), "accept": "application/sparql-results+json"}, cap)
    assert answer[0] == status
    if status == 413:
        assert answer[2].startswith(b"the result has more than 2 rows")


def test_a_blank_node_comes_back_as_one():
    store = ox.Store()
    store.add(ox.Quad(ox.BlankNode("b0"), ox.NamedNode("https://example.org/p"), ox.Literal("x")))
    _, _, body = answer_query(store, {"text": "SELECT ?s ?o WHERE { ?s ?p ?o }",
                                      "accept": "application/sparql-results+json"}, 10)
    (row,) = json.loads(body)["results"]["bindings"]
    assert row["s"]["type"] == "bnode" and row["o"] == {"type": "literal", "value": "x"}


def test_other_formats_are_converted():
    rows = [[ox.NamedNode("https://example.org/a"), ox.Literal('x, "y"', language="en"), None]]
    _, _, csv = answer_query(ox.Store(), {"text": _query(rows), "accept": "text/csv"}, 10)
    assert csv.decode().splitlines() == ["a,b,c", 'https://example.org/a,"x, ""y""",']
