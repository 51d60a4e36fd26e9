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
_PARTNER_COUNTRY, _LEAD_PARTNER = iri(PARTNER_COUNTRY), iri(LEAD_PARTNER)
# each predicate with the space that follows it: a line's predicate is read in place, not split out
_PARTICIPATION_, _PARTICIPANT_, _ROLE_, _COUNTRY_ = (p + " " for p in (_PARTICIPATION, _PARTICIPANT, _ROLE, _COUNTRY))


def shortcut_lines(subject: str, lines: list[str], countries_of: Callable[[str], tuple[str, ...]]) -> list[str]:
    """The shortcut triples of the project ``subject`` (an N-Triples IRI) from its own mapped
    ``lines``; ``countries_of`` gives the country IRIs of a participant mapped elsewhere (a
    named organisation), given its N-Triples IRI."""
    participations: set[str] = set()
    participant: dict[str, str] = {}
    leads: set[str] = set()
    countries: dict[str, set[str]] = {}
    for line in lines:  # "s p o ." with single spaces, as the mapper writes them
        cut = line.find(" ") + 1
        if line.startswith(_PARTICIPATION_, cut):
            if line[:cut - 1] == subject:
                participations.add(line[cut + len(_PARTICIPATION_):-2])
        elif line.startswith(_PARTICIPANT_, cut):
            participant[line[:cut - 1]] = line[cut + len(_PARTICIPANT_):-2]
        elif line.startswith(_ROLE_, cut):
            if line[cut + len(_ROLE_):-2] == _LEAD:
                leads.add(line[:cut - 1])
        elif line.startswith(_COUNTRY_, cut):
            countries.setdefault(line[:cut - 1], set()).add(line[cut + len(_COUNTRY_):-2])
    out: set[str] = set()
    country_p, lead_p = f"{subject} {_PARTNER_COUNTRY} ", f"{subject} {_LEAD_PARTNER} "
    for part in participations:
        who = participant.get(part)
        if who is None:
            continue
        for country in countries.get(who) or {iri(c) for c in countries_of(who)}:
            out.add(f"{country_p}{country} .")
        if part in leads:
            out.add(f"{lead_p}{who} .")
    return sorted(out)
