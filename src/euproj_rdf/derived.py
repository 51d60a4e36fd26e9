"""Derived shortcuts: what a project's participations already say, as direct properties.

``ep:partnerCountry`` (the countries of a project's participants) and ``ep:leadPartner`` (the
participants in the role lead partner) are stated in the dump so that questions need not walk
every participation; the ontology declares them derived, and :data:`RULES` are the SPARQL
CONSTRUCT queries that derive them from the long path (the same text is in the ontology as
SHACL-AF rules). Both paths give the same triples: the tests check it on the seed graph.
"""

from __future__ import annotations

from collections.abc import Callable

from .ntriples import iri
from .vocab import CONCEPT, EP

__all__ = ["LEAD_PARTNER", "PARTNER_COUNTRY", "RULES", "shortcut_lines"]

PARTNER_COUNTRY = EP + "partnerCountry"
LEAD_PARTNER = EP + "leadPartner"

_PREFIXES = f"PREFIX ep: <{EP}>\nPREFIX role: <{CONCEPT}role/>\n"
#: shortcut property → the CONSTRUCT that derives it from participations
RULES = {
    PARTNER_COUNTRY: _PREFIXES + """CONSTRUCT { ?project ep:partnerCountry ?country }
WHERE { ?project a ep:Project ; ep:participation/ep:participant/ep:country ?country }""",
    LEAD_PARTNER: _PREFIXES + """CONSTRUCT { ?project ep:leadPartner ?partner }
WHERE { ?project a ep:Project ; ep:participation ?participation .
        ?participation ep:role role:lead-partner ; ep:participant ?partner }""",
}

_PARTICIPATION, _PARTICIPANT, _ROLE, _COUNTRY = (iri(EP + n) for n in ("participation", "participant", "role",
                                                                          "country"))
_LEAD = iri(CONCEPT + "role/lead-partner")


def shortcut_lines(subject: str, lines: list[str], countries_of: Callable[[str], tuple[str, ...]]) -> list[str]:
    """The shortcut triples of the project ``subject`` (an N-Triples IRI) from its own mapped
    ``lines``; ``countries_of`` gives the country IRIs of a participant mapped elsewhere (a
    named organisation), given its N-Triples IRI."""
    participations: set[str] = set()
    participant: dict[str, str] = {}
    leads: set[str] = set()
    countries: dict[str, set[str]] = {}
    for line in lines:
        s, p, o = line[:-2].split(" ", 2)
        if p == _PARTICIPATION and s == subject:
            participations.add(o)
        elif p == _PARTICIPANT:
            participant[s] = o
        elif p == _ROLE and o == _LEAD:
            leads.add(s)
        elif p == _COUNTRY:
            countries.setdefault(s, set()).add(o)
    out: set[str] = set()
    for part in participations:
        who = participant.get(part)
        if who is None:
            continue
        for country in countries.get(who) or {iri(c) for c in countries_of(who)}:
            out.add(f"{subject} {iri(PARTNER_COUNTRY)} {country} .")
        if part in leads:
            out.add(f"{subject} {iri(LEAD_PARTNER)} {who} .")
    return sorted(out)
