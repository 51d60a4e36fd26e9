"""The endpoint's SPARQL JSON results, written from the solutions it has counted: read back by
pyoxigraph's own SPARQL JSON parser they are the same solutions, whatever the terms (IRIs,
blank nodes, plain, language-tagged and typed literals with quotes, backslashes, control
characters and non-ASCII text) and whichever variables are unbound."""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph as ox
from hypothesis import given, settings
from hypothesis import strategies as st

from euproj_rdf.serve.worker import _solutions_bytes

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
_iris = st.sampled_from(["https://example.org/a", "https://example.org/ö?q=x#frag", "urn:x:1"])
_terms = st.one_of(
    _iris.map(ox.NamedNode),
    st.sampled_from(["b0", "b1"]).map(ox.BlankNode),
    _text.map(ox.Literal),
    st.tuples(_text, st.sampled_from(["en", "sv", "de-ch"])).map(lambda t: ox.Literal(t[0], language=t[1])),
    st.integers().map(ox.Literal),
    st.tuples(_text, _iris).map(lambda t: ox.Literal(t[0], datatype=ox.NamedNode(t[1]))),
)
VARIABLES = [ox.Variable(n) for n in ("a", "b", "c")]


class _Solution:
    """What the endpoint holds: a solution read by position."""

    def __init__(self, values: list[Any]) -> None:
        self.values = values

    def __getitem__(self, i: int) -> Any:
        return self.values[i]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), _terms), min_size=3, max_size=3), max_size=8))
def test_the_json_reads_back_as_the_same_solutions(rows):
    data = _solutions_bytes(VARIABLES, [_Solution(r) for r in rows], ox.QueryResultsFormat.JSON)
    document = json.loads(data)  # well-formed JSON, in UTF-8
    assert document["head"] == {"vars": ["a", "b", "c"]}
    read = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    assert [v.value for v in read.variables] == ["a", "b", "c"]
    assert [[s[v] for v in read.variables] for s in read] == rows


def test_other_formats_are_converted_from_it():
    rows = [[ox.NamedNode("https://example.org/a"), ox.Literal('x, "y"', language="en"), None]]
    csv = _solutions_bytes(VARIABLES, [_Solution(r) for r in rows], ox.QueryResultsFormat.CSV)
    assert csv.decode().splitlines() == ["a,b,c", 'https://example.org/a,"x, ""y""",']
