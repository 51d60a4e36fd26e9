"""Content negotiation: the media type an ``Accept`` header prefers among what we can write.

Quality values are honoured as RFC 9110 says: a type at ``q=0`` is never chosen, the highest
q wins, and among equal q the more specific range (``text/csv`` over ``text/*`` over ``*/*``)
decides; among offers equally acceptable the server's order decides.
"""

from __future__ import annotations

__all__ = ["negotiate", "SOLUTION_TYPES", "GRAPH_TYPES", "Offer"]

Offer = tuple[str, str]  # (media type, pyoxigraph format name)

SOLUTION_TYPES: list[Offer] = [
    ("application/sparql-results+json", "JSON"),
    ("application/sparql-results+xml", "XML"),
    ("text/csv", "CSV"),
    ("text/tab-separated-values", "TSV"),
    ("application/json", "JSON"),
    ("application/xml", "XML"),
]
GRAPH_TYPES: list[Offer] = [
    ("text/turtle", "TURTLE"),
    ("application/n-triples", "N_TRIPLES"),
    ("application/ld+json", "JSON_LD"),
    ("application/rdf+xml", "RDF_XML"),
    ("application/n-quads", "N_QUADS"),
    ("application/trig", "TRIG"),
    ("text/n3", "N3"),
]


def _ranges(accept: str) -> list[tuple[str, float, int]]:
    """(media range, q, specificity) of each part of an Accept header; malformed parts are skipped."""
    out = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        mtype = fields[0].lower()
        if "/" not in mtype:
            continue
        q = 1.0
        for f in fields[1:]:
            name, _, value = f.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        kind, sub = mtype.split("/", 1)
        specificity = 0 if mtype == "*/*" else (1 if sub == "*" else 2)
        out.append((mtype, q, specificity))
    return out


def _quality(offer: str, ranges: list[tuple[str, float, int]]) -> float:
    """The q of the most specific range that matches ``offer`` (0 when none does)."""
    best_spec, q = -1, 0.0
    for mtype, rq, spec in ranges:
        if mtype == offer or mtype == "*/*" or (spec == 1 and offer.startswith(mtype[:-1])):
            if spec > best_spec:
                best_spec, q = spec, rq
    return q


def negotiate(accept: str | None, offers: list[Offer]) -> Offer | None:
    """The offer the ``Accept`` header prefers, or None when it accepts none of them.

    >>> negotiate("text/csv;q=0.5, application/sparql-results+json", SOLUTION_TYPES)
    ('application/sparql-results+json', 'JSON')
    >>> negotiate("application/sparql-results+json;q=0, */*", SOLUTION_TYPES)
    ('application/sparql-results+xml', 'XML')
    >>> negotiate("text/csv;q=0.5, text/tab-separated-values;q=0.9", SOLUTION_TYPES)
    ('text/tab-separated-values', 'TSV')
    >>> negotiate("image/png", SOLUTION_TYPES) is None
    True
    """
    if not accept or not accept.strip():
        return offers[0]
    ranges = _ranges(accept)
    if not ranges:
        return offers[0]
    best, best_q = None, 0.0
    for offer in offers:
        q = _quality(offer[0], ranges)
        if q > best_q:
            best, best_q = offer, q
    return best
