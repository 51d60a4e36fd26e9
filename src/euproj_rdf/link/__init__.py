"""Link proposals: find Wikidata items (or another endpoint's) for records that lack an id.

:func:`propose` asks a SPARQL endpoint — Wikidata's query service by default, any endpoint with
``rdfs:label`` / ``skos:altLabel`` works — for items whose label or alias equals a record's
name in the name's language, with the item's country (``wdt:P17`` → ``wdt:P298``, the ISO
3166-1 alpha-3 code, which is also the EU authority-table code of the record's ``country``).
Candidates are scored (the record's name as the item's label in the name's first language 1.0,
in another of its languages 0.9, as an alias 0.8; an alternative name 0.75 as a label, 0.6 as an
alias, less the shorter it is than the name; × 1 when the countries agree, × 0.2 when they
differ, × 0.6 when the item has no country; ambiguous ties lose a fifth) and written as an SSSOM mapping table
(:func:`write_sssom`) for a curator to review.

A curator accepts a row by setting its ``mapping_justification`` to
``semapv:ManualMappingCuration``; :func:`apply_sssom` then writes the accepted ids into the
record files (``wikidata: Q…``), where the mapping turns them into ``owl:sameAs`` /
``skos:exactMatch`` links at the next build.

Requests are batched (``batch_size`` records a query), cached on disk (a file per query,
keyed by endpoint and query text), rate-limited (at least ``min_interval`` seconds between
requests; retried on connection errors, 429 and 5xx, obeying ``Retry-After``) and fail soft: an unreachable endpoint
raises :class:`LinkError` before anything is written, so records and dumps stay as they were.
"""

from ..errors import LinkError
from .propose import ITEM_NS, PREDICATES, WIKIDATA, Proposal, SparqlClient, Target, propose
from .sssom import ACCEPTED, PROPOSED, apply_sssom, read_sssom, write_sssom

__all__ = [
    "WIKIDATA", "ITEM_NS", "PREDICATES", "ACCEPTED", "PROPOSED", "LinkError", "Proposal", "SparqlClient",
    "Target", "apply_sssom", "propose", "read_sssom", "write_sssom",
]
