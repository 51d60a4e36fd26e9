"""Derived shortcuts: what a project's own statements already say, as direct properties.

``ep:partnerCountry`` (the countries of a project's participants) and ``ep:leadPartner`` (the
participants in the role lead partner) are stated in the dump so that questions need not walk
every participation; ``ep:displayTitle`` (the one title a list shows), ``ep:activeYear`` (the
years the project certainly runs) and ``ep:totalBudgetStated`` (whether a total budget with an
amount is stated) so that list questions need not group every project's titles, compare every
period or look for a missing statement; ``ep:titlePrefix`` (the first characters of the display
title) lets a list find its page by comparing short strings before it sorts the few titles that
can be on it.  The ontology declares them derived, and :data:`RULES`
are the SPARQL CONSTRUCT queries that derive them from the long path (the same text is in the
ontology as SHACL-AF rules). Both paths give the same triples: the tests check it on the seed
graph.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from .ntriples import iri, literal, typed_literal
from .vocab import CONCEPT, DCT, EP, XSD

__all__ = ["ACTIVE_YEAR", "DISPLAY_TITLE", "LEAD_PARTNER", "PARTNER_COUNTRY", "RULES", "TITLE_PREFIX",
           "TOTAL_BUDGET_STATED", "shortcut_lines"]

PARTNER_COUNTRY = EP + "partnerCountry"
LEAD_PARTNER = EP + "leadPartner"
DISPLAY_TITLE = EP + "displayTitle"
TITLE_PREFIX = EP + "titlePrefix"
#: characters of the display title in ep:titlePrefix (short enough for a store to keep inline)
PREFIX_LENGTH = 7
ACTIVE_YEAR = EP + "activeYear"
TOTAL_BUDGET_STATED = EP + "totalBudgetStated"

_PREFIXES = f"PREFIX ep: <{EP}>\nPREFIX role: <{CONCEPT}role/>\n"
#: shortcut property → the CONSTRUCT that derives it from the long path
RULES = {
    PARTNER_COUNTRY: _PREFIXES + """CONSTRUCT { ?project ep:partnerCountry ?country }
WHERE { ?project a ep:Project ; ep:participation/ep:participant/ep:country ?country }""",
    LEAD_PARTNER: _PREFIXES + """CONSTRUCT { ?project ep:leadPartner ?partner }
WHERE { ?project a ep:Project ; ep:participation ?participation .
        ?participation ep:role role:lead-partner ; ep:participant ?partner }""",
    DISPLAY_TITLE: f"PREFIX ep: <{EP}>\nPREFIX dct: <{DCT}>\n" + """CONSTRUCT { ?project ep:displayTitle ?title }
WHERE {
  ?project a ep:Project ; dct:title ?t .
  FILTER NOT EXISTS {
    ?project dct:title ?other .
    FILTER(CONCAT(IF(langMatches(LANG(?other), "en"), "0", "1"), STR(?other))
           < CONCAT(IF(langMatches(LANG(?t), "en"), "0", "1"), STR(?t)))
  }
  BIND(STR(?t) AS ?title)
}""",
    TITLE_PREFIX: f"PREFIX ep: <{EP}>\n" + f"""CONSTRUCT {{ ?project ep:titlePrefix ?prefix }}
WHERE {{ ?project a ep:Project ; ep:displayTitle ?title . BIND(SUBSTR(?title, 1, {PREFIX_LENGTH}) AS ?prefix) }}""",
    ACTIVE_YEAR: f"PREFIX ep: <{EP}>\n" + """CONSTRUCT { ?project ep:activeYear ?year }
WHERE {
  ?project a ep:Project ; ep:period ?period .
  OPTIONAL { ?period ep:startYear ?startYear }
  OPTIONAL { ?period ep:endYear ?endYear }
  VALUES ?d1 { 0 1 2 3 4 5 6 7 8 9 } VALUES ?d2 { 0 1 2 3 4 5 6 7 8 9 }
  VALUES ?d3 { 0 1 2 3 4 5 6 7 8 9 } VALUES ?d4 { 0 1 2 3 4 5 6 7 8 9 }
  BIND(COALESCE(?startYear, ?endYear) + 1000 * ?d1 + 100 * ?d2 + 10 * ?d3 + ?d4 AS ?year)
  FILTER(?year <= COALESCE(?endYear, ?startYear))
}""",
    TOTAL_BUDGET_STATED: f"PREFIX ep: <{EP}>\nPREFIX fk: <{CONCEPT}funding-kind/>\n" + """CONSTRUCT { ?project ep:totalBudgetStated ?stated }
WHERE {
  ?project a ep:Project .
  BIND(EXISTS { ?project ep:funding ?funding . ?funding ep:fundingKind fk:total-budget ; ep:amount ?amount }
       AS ?stated)
}""",
}

_PARTICIPATION, _PARTICIPANT, _ROLE, _COUNTRY = (iri(EP + n) for n in ("participation", "participant", "role",
                                                                          "country"))
_PERIOD, _START_YEAR, _END_YEAR, _FUNDING, _FUNDING_KIND, _AMOUNT = (
    iri(EP + n) for n in ("period", "startYear", "endYear", "funding", "fundingKind", "amount"))
_TITLE = iri(DCT + "title")
_LEAD = iri(CONCEPT + "role/lead-partner")
_PARTNER_COUNTRY, _LEAD_PARTNER = iri(PARTNER_COUNTRY), iri(LEAD_PARTNER)
_TOTAL_BUDGET = iri(CONCEPT + "funding-kind/total-budget")
_INTEGER, _BOOLEAN = XSD + "integer", XSD + "boolean"


def _title_key(obj: str) -> str:
    """The order the display title is chosen by: "0" + the text of an English title, "1" + the
    text of any other (the text unescaped, so that strings compare as SPARQL compares them)."""
    close = obj.rindex('"')
    lang = obj[close + 2:].lower() if obj[close + 1:close + 2] == "@" else ""
    english = lang == "en" or lang.startswith("en-")
    return ("0" if english else "1") + json.loads(obj[:close + 1])


def shortcut_lines(subject: str, lines: list[str], countries_of: Callable[[str], tuple[str, ...]]) -> list[str]:
    """The shortcut triples of the project ``subject`` (an N-Triples IRI) from its own mapped
    ``lines``; ``countries_of`` gives the country IRIs of a participant mapped elsewhere (a
    named organisation), given its N-Triples IRI."""
    participations: set[str] = set()
    participant: dict[str, str] = {}
    leads: set[str] = set()
    countries: dict[str, set[str]] = {}
    titles: list[str] = []
    periods: set[str] = set()
    years: dict[tuple[str, str], int] = {}
    fundings: set[str] = set()
    total_budgets: set[str] = set()
    amounts: set[str] = set()
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
        elif p == _TITLE and s == subject:
            titles.append(o)
        elif p == _PERIOD and s == subject:
            periods.add(o)
        elif p in (_START_YEAR, _END_YEAR):
            years[(s, p)] = int(o[1:o.index('"', 1)])
        elif p == _FUNDING and s == subject:
            fundings.add(o)
        elif p == _FUNDING_KIND and o == _TOTAL_BUDGET:
            total_budgets.add(s)
        elif p == _AMOUNT:
            amounts.add(s)
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
    if titles:
        title = min(_title_key(t) for t in titles)[1:]
        out.add(f"{subject} {iri(DISPLAY_TITLE)} {literal(title)} .")
        out.add(f"{subject} {iri(TITLE_PREFIX)} {literal(title[:PREFIX_LENGTH])} .")
    for period in periods:
        start, end = years.get((period, _START_YEAR)), years.get((period, _END_YEAR))
        first, last = (start if start is not None else end), (end if end is not None else start)
        if first is None or last is None:
            continue
        for year in range(first, last + 1):
            out.add(f"{subject} {iri(ACTIVE_YEAR)} {typed_literal(str(year), _INTEGER)} .")
    stated = any(f in total_budgets and f in amounts for f in fundings)
    out.add(f"{subject} {iri(TOTAL_BUDGET_STATED)} {typed_literal('true' if stated else 'false', _BOOLEAN)} .")
    return sorted(out)
