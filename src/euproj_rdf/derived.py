"""Derived shortcuts: what a project's (or an organisation's) own statements already say, as
direct properties.

``ep:partnerCountry`` (the countries of a project's participants) and ``ep:leadPartner`` (the
participants in the role lead partner) are stated in the dump so that questions need not walk
every participation; ``ep:displayTitle`` (the one title a list shows), ``ep:activeYear`` (the
years the project certainly runs) and ``ep:totalBudgetStated`` (whether a total budget with an
amount is stated) so that list questions need not group every project's titles, compare every
period or look for a missing statement; ``ep:displayName`` (the one name a list shows of an
organisation, chosen as the display title is, from every record naming it: :func:`name_lines`)
so that they need not group every name, and ``ep:nameRank`` (its place in the order of
display names, then IRIs) so that they sort organisations by an integer. ``ep:titleRank`` (the
place of the project in the order of display titles, then IRIs, over the whole dump) lets a list
sort by an integer a store keeps inline instead of by titles it reads back one comparison at a
time. The rank is the one shortcut
that depends on other records: each batch spills its ``(display title, project)`` pairs sorted
(:func:`write_titles`) and :func:`rank_chunks` merges them once every batch is done. The
ontology declares them derived, and :data:`RULES` are the SPARQL CONSTRUCT queries that derive
them from the long path (the same text is in the ontology as SHACL-AF rules). Both paths give
the same triples: the tests check it on the seed graph.
"""

from __future__ import annotations

import heapq
import json
from array import array
from collections.abc import Callable, Collection, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from .export import MERGE_FAN_IN, write_chunk
from .ntriples import iri, literal, typed_literal
from .vocab import CONCEPT, DCT, EP, SKOS, XSD

__all__ = ["ACTIVE_YEAR", "DISPLAY_NAME", "DISPLAY_TITLE", "LEAD_PARTNER", "NAME_RANK", "PAGE", "PARTNER_COUNTRY", "RULES",
           "STATED_FOR_EVERY", "TITLE_RANK", "Page", "Pages", "TOTAL_BUDGET_STATED", "chain_steps", "name_lines", "rank_chunks", "shortcut_lines",
           "shown_key", "write_titles"]

PARTNER_COUNTRY = EP + "partnerCountry"
LEAD_PARTNER = EP + "leadPartner"
DISPLAY_TITLE = EP + "displayTitle"
TITLE_RANK = EP + "titleRank"
ACTIVE_YEAR = EP + "activeYear"
TOTAL_BUDGET_STATED = EP + "totalBudgetStated"
DISPLAY_NAME = EP + "displayName"
NAME_RANK = EP + "nameRank"
#: the shortcuts the build states on every instance of a class (a store holding instances but
#: none of the shortcut's triples holds a release from before the shortcut)
STATED_FOR_EVERY = {DISPLAY_TITLE: EP + "Project", TITLE_RANK: EP + "Project", TOTAL_BUDGET_STATED: EP + "Project",
                    DISPLAY_NAME: EP + "Organisation", NAME_RANK: EP + "Organisation"}

_PREFIXES = f"PREFIX ep: <{EP}>\nPREFIX role: <{CONCEPT}role/>\n"


def _shown(subject: str, cls: str, texts: str, prop: str, shown: str) -> str:
    """The CONSTRUCT of the one text a list shows of each ``cls`` (its English one of
    ``texts`` if it has one, otherwise the first in string order): :func:`shown_key`."""
    return f"PREFIX ep: <{EP}>\n" + f"""CONSTRUCT {{ ?{subject} ep:{prop} ?{shown} }}
WHERE {{
  ?{subject} a {cls} ; {texts} ?t .
  FILTER NOT EXISTS {{
    ?{subject} {texts} ?other .
    FILTER(CONCAT(IF(langMatches(LANG(?other), "en"), "0", "1"), STR(?other))
           < CONCAT(IF(langMatches(LANG(?t), "en"), "0", "1"), STR(?t)))
  }}
  BIND(STR(?t) AS ?{shown})
}}"""


def _rank(subject: str, cls: str, shown: str, prop: str, text: str) -> str:
    """The CONSTRUCT of each ``cls``'s place in the order of the ``shown`` texts, then of the
    IRIs (1 for the first)."""
    return f"PREFIX ep: <{EP}>\n" + f"""CONSTRUCT {{ ?{subject} ep:{prop} ?rank }}
WHERE {{
  {{ SELECT ?{subject} (COUNT(?before) + 1 AS ?rank)
    WHERE {{
      ?{subject} a {cls} ; ep:{shown} ?{text} .
      OPTIONAL {{
        ?before a {cls} ; ep:{shown} ?before{text.capitalize()} .
        FILTER(?before{text.capitalize()} < ?{text} || (?before{text.capitalize()} = ?{text} && STR(?before) < STR(?{subject})))
      }}
    }}
    GROUP BY ?{subject} }}
}}"""


#: shortcut property → the CONSTRUCT that derives it from the long path
RULES = {
    PARTNER_COUNTRY: _PREFIXES + """CONSTRUCT { ?project ep:partnerCountry ?country }
WHERE { ?project a ep:Project ; ep:participation/ep:participant/ep:country ?country }""",
    LEAD_PARTNER: _PREFIXES + """CONSTRUCT { ?project ep:leadPartner ?partner }
WHERE { ?project a ep:Project ; ep:participation ?participation .
        ?participation ep:role role:lead-partner ; ep:participant ?partner }""",
    DISPLAY_TITLE: _shown("project", "ep:Project", f"<{DCT}title>", "displayTitle", "title"),
    DISPLAY_NAME: _shown("organisation", "ep:Organisation", f"<{SKOS}prefLabel>", "displayName", "name"),
    TITLE_RANK: _rank("project", "ep:Project", "displayTitle", "titleRank", "title"),
    NAME_RANK: _rank("organisation", "ep:Organisation", "displayName", "nameRank", "name"),
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
_SUCCESSOR = iri(EP + "successor")
_LEAD = iri(CONCEPT + "role/lead-partner")
#: the keys of the lists a project is in, carried with its title to the rank (see :class:`Pages`)
_LEAD_KEY, _NO_BUDGET_KEY, _YEAR_KEY, _COUNTRY_KEY, _ORGANISATION_KEY = "L", "B", "y", "c", "o"
_PAIR_KEY = "p"
#: the key of the projects continued by another: named with a successor or as another's predecessor
_CONTINUED_KEY = "S"
#: the rows of a list question's first page (the LIMIT of the catalogue's lists)
PAGE = 1000
#: an organisation in more projects than this has its partners counted (:attr:`Pages.partners`)
PARTNERS_FROM = 300
_PARTNER_COUNTRY, _LEAD_PARTNER = iri(PARTNER_COUNTRY), iri(LEAD_PARTNER)
_TOTAL_BUDGET = iri(CONCEPT + "funding-kind/total-budget")
_INTEGER, _BOOLEAN = XSD + "integer", XSD + "boolean"
_READ = frozenset((_PARTICIPATION, _PARTICIPANT, _ROLE, _COUNTRY, _TITLE, _PERIOD, _START_YEAR, _END_YEAR, _FUNDING,
                   _FUNDING_KIND, _AMOUNT, _SUCCESSOR))  # the predicates shortcut_lines looks at


def shown_key(lang: str, text: str) -> str:
    """The order the one text a list shows (a display title, an organisation's name) is chosen
    by, as the catalogue's ``MIN(CONCAT(IF(langMatches(LANG(?t), "en"), "0", "1"), STR(?t)))``:
    "0" + an English text, "1" + any other."""
    lang = lang.lower()
    return ("0" if lang == "en" or lang.startswith("en-") else "1") + text


def name_lines(names: dict[str, str], organisations: str) -> list[str]:
    """The ``ep:displayName`` and ``ep:nameRank`` triples of the organisations: ``names`` maps an
    organisation's id to :func:`shown_key` of the name a list shows
    (:attr:`euproj_rdf.stats.Facts.names`, chosen from every record naming it, as the build reads
    them before the batches); ``organisations`` is the IRI of an organisation without its id.
    The ranks count 1, 2, 3 … in the order of the names, then of the IRIs, comparing code points
    as SPARQL compares strings."""
    name_p, rank_p = iri(DISPLAY_NAME), iri(NAME_RANK)
    shown = sorted((key[1:], organisations + rid) for rid, key in names.items())
    lines = [f"{iri(o)} {name_p} {literal(name)} ." for name, o in shown]
    lines += [f"{iri(o)} {rank_p} {typed_literal(str(rank), _INTEGER)} ." for rank, (_, o) in enumerate(shown, 1)]
    return lines


def _title_key(obj: str) -> str:
    """:func:`shown_key` of an N-Triples literal (the text unescaped, so that strings compare as
    SPARQL compares them)."""
    close = obj.rindex('"')
    return shown_key(obj[close + 2:] if obj[close + 1:close + 2] == "@" else "", json.loads(obj[:close + 1]))


def shortcut_lines(subject: str, lines: list[str], countries_of: Callable[[str], tuple[str, ...]],
                   ranked: list[tuple[str, str, list[str]]] | None = None) -> list[str]:
    """The shortcut triples of the project ``subject`` (an N-Triples IRI) from its own mapped
    ``lines``; ``countries_of`` gives the country IRIs of a participant mapped elsewhere (a
    named organisation), given its N-Triples IRI. The project's ``(display title, IRI, list
    keys)`` is added to ``ranked`` for its ep:titleRank and the pages of the lists it is in
    (:func:`rank_chunks`); the key of each country of its participants carries how many of them
    come from it (for the pages of pairs of countries). The projects it names as its
    predecessors are in the list of projects continued by another too, which their own lines do
    not show: the build gives them to :func:`rank_chunks` from the records' index."""
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
    successors = False
    for line in lines:
        # only the predicate is cut out of every line (no IRI holds a space): most lines are
        # of no use here
        i = line.find(" ")
        j = line.find(" ", i + 1)
        p = line[i + 1:j]
        if p not in _READ:
            continue
        s, o = line[:i], line[j + 1:-2]
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
        elif p == _SUCCESSOR and s == subject and o != subject:  # a self-link continues nothing
            successors = True
    out: set[str] = set()
    keys: set[str] = set()  # the lists the project is in (see rank_chunks)
    partners_from: dict[str, set[str]] = {}  # country → the participants from it
    country_p, lead_p = f"{subject} {_PARTNER_COUNTRY} ", f"{subject} {_LEAD_PARTNER} "
    for part in participations:
        who = participant.get(part)
        if who is None:
            continue
        if who[0] == "<":
            keys.add(_ORGANISATION_KEY + who[1:-1])
        for country in countries.get(who) or {iri(c) for c in countries_of(who)}:
            out.add(f"{country_p}{country} .")
            partners_from.setdefault(country, set()).add(who)
        if part in leads:
            out.add(f"{lead_p}{who} .")
            keys.add(_LEAD_KEY)
    # a country's key carries how many participants come from it (no IRI holds a space)
    keys.update(f"{_COUNTRY_KEY}{country[1:-1]} {len(who)}" for country, who in partners_from.items())
    for period in periods:
        start, end = years.get((period, _START_YEAR)), years.get((period, _END_YEAR))
        first, last = (start if start is not None else end), (end if end is not None else start)
        if first is None or last is None:
            continue
        for year in range(first, last + 1):
            out.add(f"{subject} {iri(ACTIVE_YEAR)} {typed_literal(str(year), _INTEGER)} .")
            keys.add(f"{_YEAR_KEY}{year}")
    stated = any(f in total_budgets and f in amounts for f in fundings)
    out.add(f"{subject} {iri(TOTAL_BUDGET_STATED)} {typed_literal('true' if stated else 'false', _BOOLEAN)} .")
    if not stated:
        keys.add(_NO_BUDGET_KEY)
    if successors:
        keys.add(_CONTINUED_KEY)
    if titles:
        title = min(_title_key(t) for t in titles)[1:]
        out.add(f"{subject} {iri(DISPLAY_TITLE)} {literal(title)} .")
        if ranked is not None:
            ranked.append((title, subject[1:-1], sorted(keys)))
    return sorted(out)


def write_titles(titles: list[tuple[str, str, list[str]]], path: Path) -> Path:
    """Spill a batch's ``(display title, project IRI, list keys)`` to ``path``, sorted as the
    ranks count them: by title, then IRI, comparing code points as SPARQL compares strings."""
    titles.sort()
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for pair in titles:
            fh.write(json.dumps(pair, ensure_ascii=False))
            fh.write("\n")
    return path


def _merged_titles(paths: list[Path]) -> Iterator[str]:
    with ExitStack() as stack:
        files = [stack.enter_context(p.open("r", encoding="utf-8", newline="\n")) for p in paths]
        yield from heapq.merge(*files, key=json.loads)


def merge_titles(paths: list[Path], target: Path) -> Path:
    """Merge spilled title files into one (removing them)."""
    with target.open("w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(_merged_titles(paths))
    for p in paths:
        p.unlink()
    return target


#: rank lines sorted and spilled at a time (memory stays bounded however many projects there are)
RANK_CHUNK = 200_000


#: a list's first page: (the rank of its PAGE-th project, the projects in the list, the ranks of
#: its first PAGE projects, in order)
Page = tuple[int, int, "array[int]"]


@dataclass
class Pages:
    """The first :data:`PAGE` projects of every list of at least :data:`PAGE` projects, in the
    order of ep:titleRank: for each list, ``(the rank of its PAGE-th project, the projects in it,
    the ranks of its first PAGE projects)``. A list question reads the page's ranks and looks up
    the project of each (an index lookup by value) instead of reading the whole list, or every
    rank up to the page's end; a list of fewer projects has no page (looking up their ranks is
    as cheap).

    The lists: ``lists`` — ``lead-partners`` (projects with a lead partner),
    ``projects-without-budget`` (no total budget stated) and ``successor-chains`` (projects
    continued by another: with a successor, or named as another's predecessor); ``years`` —
    projects active in a year; ``organisations`` — projects an organisation (IRI) takes part
    in; ``country_pairs`` — projects with partners from both countries (IRIs) of an ordered pair
    of two countries.
    """

    lists: dict[str, Page] = field(default_factory=dict)
    years: dict[int, Page] = field(default_factory=dict)
    organisations: dict[str, Page] = field(default_factory=dict)
    country_pairs: dict[tuple[str, str], Page] = field(default_factory=dict)
    #: organisation in more than :data:`PARTNERS_FROM` projects → its first :data:`PAGE`
    #: partners, ``(partner, projects shared, place)``, in the catalogue's order: by projects
    #: shared (most first), then the name a list shows, then IRI
    partners: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)
    #: pair of countries with a page → for each project of the page, in order, its participants
    #: from the first country and from the second (two numbers a project)
    pair_partners: dict[tuple[str, str], array[int]] = field(default_factory=dict)
    #: page (by the key of its list: see :meth:`Pages.of`) → its projects, in order, each with its
    #: display title: a list question reads them as two columns (see
    #: :mod:`~euproj_rdf.stats`); the pages of pairs of countries have rows of their own instead
    columns: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: when the list successor-chains has a page: for each of its projects, each project down
    #: its chains, ``(project, its rank, successor, steps)`` (see :func:`chain_steps`)
    chain_steps: list[tuple[str, int, str, int]] = field(default_factory=list)

    def column(self, name: str, value: object = None) -> list[tuple[str, str]]:
        """The projects and titles of the page of a list: ``name`` is ``lead-partners``,
        ``projects-without-budget``, ``successor-chains``, ``year`` (``value``: the year) or
        ``organisation`` (``value``: its IRI)."""
        key = {"lead-partners": _LEAD_KEY, "projects-without-budget": _NO_BUDGET_KEY,
               "successor-chains": _CONTINUED_KEY}.get(name)
        if key is None:
            key = (_YEAR_KEY if name == "year" else _ORGANISATION_KEY) + str(value)
        return self.columns.get(key, [])

    @classmethod
    def of(cls, firsts: dict[str, array[int]], counts: dict[str, int],
           pair_partners: dict[str, array[int]], columns: dict[str, list[tuple[str, str]]] | None = None) -> Pages:
        """The pages of the lists (by key) whose ``firsts`` (the ranks of their first projects,
        in order) reach :data:`PAGE`; ``counts``: the projects in each list; ``pair_partners``:
        for the lists of pairs of countries, the participants of each of those projects from
        each of the two countries; ``columns``: for the other lists, those projects and their
        titles."""
        pages = cls()
        for key, ranks in firsts.items():
            if len(ranks) < PAGE:
                continue
            if columns is not None and key in columns:
                pages.columns[key] = columns[key]
            kind, value, page = key[0], key[1:], (ranks[-1], counts[key], ranks)
            if key == _LEAD_KEY:
                pages.lists["lead-partners"] = page
            elif key == _CONTINUED_KEY:
                pages.lists["successor-chains"] = page
            elif key == _NO_BUDGET_KEY:
                pages.lists["projects-without-budget"] = page
            elif kind == _YEAR_KEY:
                pages.years[int(value)] = page
            elif kind == _ORGANISATION_KEY:
                pages.organisations[value] = page
            elif kind == _PAIR_KEY:
                a, b = value.split(" ")
                pages.country_pairs[(a, b)] = page
                pages.pair_partners[(a, b)] = pair_partners[key]
        return pages


class _Partners:
    """The projects each busy organisation shares with every other organisation: one array of
    counts per busy organisation, indexed by a number given to each organisation met (4 bytes
    a partner, not a dictionary entry)."""

    def __init__(self, busy: set[str], name: Callable[[str], str]):
        self.busy, self.name = busy, name
        self.number: dict[str, int] = {}
        self.counts: dict[str, array[int]] = {org: array("I") for org in busy}

    def add(self, organisations: list[str]) -> None:
        mine = [o for o in organisations if o in self.busy]
        if not mine:
            return
        numbers = [self.number.setdefault(o, len(self.number)) for o in organisations]
        for org in mine:
            counts = self.counts[org]
            if len(counts) < len(self.number):
                counts.frombytes(bytes(counts.itemsize * (len(self.number) - len(counts))))
            for n in numbers:
                counts[n] += 1

    def ranked(self) -> dict[str, list[tuple[str, int, int]]]:
        name = list(self.number)
        out = {}
        for org, counts in self.counts.items():
            me = self.number.get(org)
            shared = [(c, n) for n, c in enumerate(counts) if c and n != me]
            # names are looked up only for the partners with as many shared projects as the
            # PAGE-th or more (all partners of a busy organisation at a million projects)
            least = heapq.nlargest(PAGE, (c for c, _ in shared))[-1] if shared else 0
            ranked = heapq.nsmallest(PAGE, ((-c, self.name(name[n]), name[n]) for c, n in shared if c >= least))
            out[org] = [(p, -c, place) for place, (c, _, p) in enumerate(ranked, 1)]
        return out


def chain_steps(projects: list[tuple[int, str]], later: dict[str, list[str]]) -> list[tuple[str, int, str, int]]:
    """For each ``(rank, project)``, every project down its chains with the steps to it, as
    successor-chains counts them: ``later`` maps a project to the projects that directly
    continue it (its ep:successor, and those naming it as ep:predecessor); a successor is any
    project reached in one step or more other than the project itself, and its steps are the
    projects reached from the project in one step or more from which the successor is reached in
    none or more (``project →+ on →* successor``, each ``on`` counted once: the chain's length
    when it does not branch and join again)."""

    def reached(start: str, *, itself: bool) -> set[str]:
        seen: set[str] = {start} if itself else set()
        todo = list(later.get(start, ()))
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(later.get(node, ()))
        return seen

    out: list[tuple[str, int, str, int]] = []
    closure: dict[str, set[str]] = {}  # project → reached in none or more steps (shared along chains)
    for rank, project in projects:
        steps: dict[str, int] = {}
        for on in reached(project, itself=False):
            below = closure.get(on)
            if below is None:
                below = closure[on] = reached(on, itself=True)
            for successor in below:
                steps[successor] = steps.get(successor, 0) + 1
        out.extend((project, rank, successor, n) for successor, n in sorted(steps.items()) if successor != project)
    return out


def rank_chunks(paths: list[Path], workdir: Path, busy: Collection[str] = (),
                name: Callable[[str], str] = str, continued: Collection[str] = (),
                paged: Collection[str] | None = None,
                later: dict[str, list[str]] | None = None) -> tuple[list[Path], Pages]:
    """The ep:titleRank triples of every project in the title files ``paths``, as sorted chunk
    files in ``workdir`` for the dump's merge: 1 for the first display title in code point order
    (ties by IRI), counting up; and the :class:`Pages` of the lists, counted on the way, with the
    partners of the ``busy`` organisations (IRIs; ``name`` gives the name a list shows of an
    organisation, by IRI). ``continued``: the projects (IRIs) other projects name as their
    predecessor (see :func:`shortcut_lines`). ``paged``: the organisations (IRIs) that may have a
    page (in :data:`PAGE` projects or more; the others' ranks are not kept on the way); ``None``:
    every organisation. ``later``: the projects (IRIs) that directly continue each project, for
    the chains of the page of successor-chains (:func:`chain_steps`)."""
    level = 0
    while len(paths) > MERGE_FAN_IN:
        level += 1
        paths = [merge_titles(paths[i:i + MERGE_FAN_IN], workdir / f"titles-{level}-{i:06d}.json")
                 for i in range(0, len(paths), MERGE_FAN_IN)]
    rank_p, integer = iri(TITLE_RANK), XSD + "integer"
    chunks: list[Path] = []
    lines: list[str] = []
    counts: dict[str, int] = {}
    firsts: dict[str, array[int]] = {}  # the ranks of the first PAGE projects of each list that may have a page
    # for each of them in the list of a pair of countries: its partners from each of the two
    pair_partners: dict[str, array[int]] = {}
    partners = _Partners(set(busy), name)
    # the keys of the organisations that may have a page (None: every organisation)
    paged_keys = None if paged is None else {_ORGANISATION_KEY + o for o in paged}
    continued_first: list[tuple[int, str]] = []  # the first PAGE projects continued by another
    # the projects and titles of the first PAGE of each list but the pairs of countries'
    columns: dict[str, list[tuple[str, str]]] = {}
    for rank, line in enumerate(_merged_titles(paths), 1):
        title, project, keys = json.loads(line)
        if project in continued and _CONTINUED_KEY not in keys:
            keys.append(_CONTINUED_KEY)
        lines.append(f"{iri(project)} {rank_p} {typed_literal(str(rank), integer)} .")
        if len(lines) == RANK_CHUNK:
            chunks.append(write_chunk(lines, workdir / f"ranks-{len(chunks):05d}.nt"))
            lines = []
        partners.add([k[1:] for k in keys if k[0] == _ORGANISATION_KEY])
        # country → the participants from it (a country is no list of its own)
        countries = {c: int(n) for c, _, n in (k[1:].partition(" ") for k in keys if k[0] == _COUNTRY_KEY)}
        for key in keys:
            if key[0] == _COUNTRY_KEY:
                continue
            n = counts.get(key, 0) + 1
            counts[key] = n
            if n <= PAGE and (key[0] != _ORGANISATION_KEY or paged_keys is None or key in paged_keys):
                kept = firsts.get(key)
                if kept is None:
                    kept = firsts[key] = array("I")
                kept.append(rank)
                columns.setdefault(key, []).append((project, title))
                if key == _CONTINUED_KEY:
                    continued_first.append((rank, project))
        for a, from_a in countries.items():
            for b, from_b in countries.items():
                if a == b:
                    continue
                key = f"{_PAIR_KEY}{a} {b}"
                n = counts.get(key, 0) + 1
                counts[key] = n
                if n <= PAGE:
                    kept = firsts.get(key)
                    if kept is None:
                        kept = firsts[key] = array("I")
                        pair_partners[key] = array("I")
                    kept.append(rank)
                    both = pair_partners[key]
                    both.append(from_a)
                    both.append(from_b)
    if lines:
        chunks.append(write_chunk(lines, workdir / f"ranks-{len(chunks):05d}.nt"))
    for p in paths:
        p.unlink()
    pages = Pages.of(firsts, counts, pair_partners, columns)
    pages.partners = partners.ranked()
    if "successor-chains" in pages.lists:
        pages.chain_steps = chain_steps(continued_first, later or {})
    return chunks, pages
