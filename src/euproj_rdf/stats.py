"""The statistics graph: W3C RDF Data Cube datasets counted by the build as the records pass.

Each batch's worker adds the records it checks to a :class:`Tally` (counters only, no graph);
the build merges the batches' tallies and :func:`~euproj_rdf.stats_write.cube_lines` writes them
as Data Cube datasets (``qb:DataSet`` with its ``qb:DataStructureDefinition`` and ``qb:Observation`` s). Memory
depends on the number of distinct cells, organisations and country pairs, never on the number
of projects. What the tally needs from other records (an organisation's country and kind, a
programme's funds) comes from the build's first pass (:class:`Facts`).

The datasets, each named ``<base>statistics/<name>``:

- ``participations``: participations by programme × fund × country × start year × role ×
  organisation kind (a participation counts once for each of its roles, each of its countries
  and each fund of its project);
- ``projects``: projects by programme × fund × start year;
- ``funding``: summed amounts per programme and currency, as ``queries/funding-per-programme.rq``
  counts them;
- ``countries``: projects with a participant from a country, named organisations from it;
- ``country-pairs``: projects with participants from both countries of a pair (A < B);
- ``organisations``: projects and participations of every named organisation;
- ``programmes`` / ``funds``: projects per programme / fund, as the catalogue counts them;
- ``top-organisations``: the first :data:`TOP` named organisations in the catalogue's order (by
  projects, most first, then the name a list shows, then IRI), each with its projects and its
  place (``topProjects``, ``topRank``) and, as attributes, the name a list shows of it and its
  countries (``topName``, ``topCountry``). Its components are its own (``topOrganisation``, not
  ``organisation``): the question reads each of them whole, 1000 values of one property, and
  joins them as lists instead of looking up every observation's values one at a time;
- ``organisation-kinds``: organisations (every organisation record, whether it takes part in a
  project or not) by kind × country. Its dimensions are its own (``organisationsKind``,
  ``organisationsCountry``, not ``organisationKind`` and ``country``, which the participations
  state on most observations of the graph), so that the question reads each of them whole;
- ``themes``: projects per theme;
- ``links``: records of each class, and how many of them link to a country, a NUTS region,
  Wikidata or another identifier (``queries/link-coverage.rq``). A record type that another one
  extends (an import's ``organisation_facts`` state identifiers of an organisation of the
  records) is counted by the set of its ids with each link, so that the links of the same
  record from two types count once; the others, one per record.
- ``list-pages``, ``year-pages``, ``organisation-pages``, ``country-pair-pages``: the first
  page of a list question, for every list of at least 1000 projects: the ep:titleRank of each
  of its first 1000 projects (``pageRank``, a property of the observation beside its measures,
  one value per project), where the page ends (``pageEnd``: the rank of its 1000th project) and
  how many projects the list has (``listed``); for the lists of projects with a lead partner,
  without a budget or continued by another (``successor-chains``), active in a year, of an
  organisation, and with partners from both countries of an ordered pair; counted in the order
  of the ranks once every batch is done (:class:`~euproj_rdf.derived.Pages`). A list question
  looks up the project of each of the page's ranks instead of reading the list or every rank
  up to the page's end. A page of a pair of countries also states, for each of its projects, a
  row (``pageRow``) with the project's rank (``pageRank``) and how many of its participants come
  from each of the two countries (``partnersFromA``, ``partnersFromB``), which the question
  would otherwise count from every participation of the page's projects. The other pages state
  their projects' ranks and display titles as two columns of their own (:data:`COLUMNS`:
  ``<observation>/rank`` and ``<observation>/title``, from each project to its value, named by
  the observation's ``rankColumn`` and ``titleColumn``): the question reads each column whole
  and joins the two instead of looking up the project of each rank and its title.
- ``successor-steps``: when the list of projects continued by another has a page, every
  project down the chains of each of the page's projects (``chainProject``, ``chainSuccessor``),
  with the steps to it as successor-chains counts them (``chainSteps``) and the project's
  ep:titleRank (``chainRank``), from the links of the records (ep:successor, and ep:predecessor
  read the other way: :func:`~euproj_rdf.derived.chain_steps`). Its properties are its own: the
  question reads each of them whole and joins them, instead of following every chain link by link;
- ``organisation-partners``: for each organisation in more than
  :data:`~euproj_rdf.derived.PARTNERS_FROM` projects, its first 1000 partners (the other
  organisations of its projects) in the catalogue's order (``rank``): by projects shared, most
  first, then the name a list shows (:attr:`Facts.names`), then IRI.

A value a record does not state is ``<base>statistics/not-stated``; years are
``<base>statistics/year/NNNN``. Both are described in the statistics graph itself.
"""

from __future__ import annotations

import heapq
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .derived import shown_key
from .vocab import EP

__all__ = ["ATTRIBUTES", "COLUMNS", "DATASETS", "Facts", "LINK_GROUPS", "NOT_STATED", "PAGE_DATASETS", "PAGE_RANK", "PAGE_ROW", "PARTNERS_FROM",
           "STATISTICS_NT", "STATISTICS_TTL", "Tally", "graph_iri", "link_fields"]


NOT_STATED = "not-stated"
#: how many organisations the ranked dataset ``top-organisations`` holds
TOP = 1000
#: the statistics graph's files, beside the dump
STATISTICS_NT, STATISTICS_TTL = "euproj-statistics.nt", "euproj-statistics.ttl"

#: dataset → (dimensions, measures); a dimension is (property, kind of value)
DATASETS: dict[str, tuple[tuple[tuple[str, str], ...], tuple[str, ...]]] = {
    "participations": ((("programme", "programme"), ("fund", "fund"), ("country", "country"), ("year", "year"),
                        ("role", "role"), ("organisationKind", "organisation-kind")), ("participations",)),
    "projects": ((("programme", "programme"), ("fund", "fund"), ("year", "year")), ("projects",)),
    "funding": ((("programme", "programme"), ("currency", "currency")),
                ("totalBudget", "totalBudgetAmounts", "euContribution", "euContributionAmounts",
                 "approximateAmounts", "partnerShareAmounts")),
    "countries": ((("country", "country"),), ("projects", "organisations")),
    "country-pairs": ((("countryA", "country"), ("countryB", "country")), ("projects",)),
    "organisations": ((("organisation", "organisation"),), ("projects", "participations")),
    "programmes": ((("programme", "programme"),), ("projects",)),
    "funds": ((("fund", "fund"),), ("projects",)),
    "themes": ((("theme", "theme"),), ("projects",)),
    "top-organisations": ((("topOrganisation", "organisation"),), ("topProjects", "topRank")),
    "organisation-kinds": ((("organisationsKind", "organisation-kind"), ("organisationsCountry", "country")),
                           ("organisations",)),
    "links": ((("recordClass", "class"),), ("records", "withCountry", "withNuts", "withWikidata", "withOtherIds")),
    "list-pages": ((("list", "list"),), ("pageEnd", "listed")),
    "year-pages": ((("year", "year"),), ("pageEnd", "listed")),
    "organisation-pages": ((("organisation", "resource"),), ("pageEnd", "listed")),
    "country-pair-pages": ((("countryA", "resource"), ("countryB", "resource")), ("pageEnd", "listed")),
    "organisation-partners": ((("organisation", "resource"), ("partner", "resource")), ("sharedProjects", "rank")),
    "successor-steps": ((("chainProject", "resource"), ("chainSuccessor", "resource")), ("chainSteps", "chainRank")),
}
#: dataset → its attributes: (property, kind of value, required); an observation states each
#: attribute's values after its measures (a text, or a tuple of country codes)
ATTRIBUTES: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "top-organisations": (("topName", "string", True), ("topCountry", "country", False)),
}
#: the links queries/link-coverage.rq counts, by the predicates that state them
LINK_GROUPS = {
    "withCountry": ("country", "memberCountry", "coversCountry"),
    "withNuts": ("nutsRegion", "coversRegion"),
    "withWikidata": ("wikidataId",),
    "withOtherIds": ("keepEuId", "kohesioId", "cordisProjectId", "pic", "corporateBodyCode", "euProgrammeCode"),
}
_LINKED_RECORDS = ("organisation", "programme", "fund", "project")
DECIMAL_MEASURES = frozenset({"totalBudget", "euContribution"})
#: the page datasets, whose observations state the ranks of the page's projects as ``PAGE_RANK``
#: (one value per project: not a measure of the cube, which has one value per observation)
PAGE_DATASETS = frozenset({"list-pages", "year-pages", "organisation-pages", "country-pair-pages"})
PAGE_RANK = "pageRank"
#: a page of a pair of countries states a row for each of its projects (``PAGE_ROW``): the
#: project's rank and its participants from each of the two countries
PAGE_ROW, PARTNERS_FROM = "pageRow", ("partnersFromA", "partnersFromB")
#: the other pages state their projects' ranks and titles as two columns: properties of the
#: page's own (``<observation>/rank``, ``<observation>/title``: project → value), named by the
#: observation with these properties, which a question reads whole (1000 values each) and joins
COLUMNS = {"rankColumn": "rank", "titleColumn": "title"}


def graph_iri(base_iri: str) -> str:
    """The IRI of the statistics graph (and the prefix of everything in it)."""
    return base_iri + "statistics"


@dataclass
class Facts:
    """What the tally needs to know about records other than the one it counts, from pass 1."""

    countries: dict[str, tuple[str, ...]] = field(default_factory=dict)  # organisation → countries
    kinds: dict[str, str] = field(default_factory=dict)  # organisation → kind
    funds: dict[str, tuple[str, ...]] = field(default_factory=dict)  # programme → funds
    #: record type → its class, {field: link group}, the type it counts as, and whether that type
    #: is counted by id (see :func:`link_fields`)
    links: dict[str, tuple[str, dict[str, str], str, bool]] = field(default_factory=dict)
    #: organisation → the name a list shows, as the catalogue chooses it ("0" + the English name
    #: if there is one, otherwise "1" + the first in code point order), from every record naming it
    names: dict[str, str] = field(default_factory=dict)

    def watch(self, records: Iterable[Any]) -> Iterator[Any]:
        """Pass ``records`` through, noting the facts of organisations and programmes."""
        for rec in records:
            data, rid = rec.data, rec.id
            if isinstance(rid, str) and isinstance(data.get("name"), dict) and \
                    self.links.get(rec.type, ("", {}, ""))[2] == "organisation":
                self._name(rid, data["name"])
            if rec.type == "organisation" and isinstance(rid, str):
                country = data.get("country")
                self.countries[rid] = (country,) if isinstance(country, str) else ()
                if isinstance(data.get("kind"), str):
                    self.kinds[rid] = data["kind"]
            elif rec.type == "programme" and isinstance(rid, str) and isinstance(data.get("funds"), list):
                self.funds[rid] = tuple(f for f in data["funds"] if isinstance(f, str))
            yield rec

    def _name(self, rid: str, names: dict[str, Any]) -> None:
        keys = [shown_key(lang, text) for lang, text in names.items()
                if isinstance(lang, str) and isinstance(text, str) and text.strip()]
        if keys:
            known = self.names.get(rid)
            self.names[rid] = min(keys) if known is None else min(min(keys), known)

    def name(self, rid: str) -> str:
        """The name a list shows of the organisation ``rid`` ("" when none is known)."""
        return self.names.get(rid, " ")[1:]

    #: the fields pass 1 must read for these facts
    FIELDS = frozenset({"country", "kind", "funds", "name"})


def _year(period: Any) -> str:
    start = (period or {}).get("start")
    return str(start.text)[:4] if start is not None else NOT_STATED


@dataclass
class Tally:
    """Counters of one batch (or, merged, of the whole build)."""

    cells: Counter[tuple] = field(default_factory=Counter)  # participations cube
    projects: Counter[tuple] = field(default_factory=Counter)
    funding: dict[tuple[str, str], list] = field(default_factory=dict)
    country_projects: Counter[str] = field(default_factory=Counter)
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    org_projects: Counter[str] = field(default_factory=Counter)
    org_participations: Counter[str] = field(default_factory=Counter)
    group_countries: set[str] = field(default_factory=set)  # countries with an unnamed group only
    programme_projects: Counter[str] = field(default_factory=Counter)
    fund_projects: Counter[str] = field(default_factory=Counter)
    links: Counter[tuple[str, str]] = field(default_factory=Counter)  # (class, measure)
    #: (class, link group) → ids with that link, for the types another type extends
    link_ids: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    theme_projects: Counter[str] = field(default_factory=Counter)
    #: where the lists' first pages end (set once the ranks are counted, not by the batches)
    pages: Any = None

    def add(self, data: dict[str, Any], facts: Facts) -> None:
        """Count one checked, normalised record."""
        rtype = data.get("type")
        if rtype in facts.links:
            self._links(data, *facts.links[rtype])
        if rtype != "project":
            return
        programme = (data.get("programme") or {}).get("id")
        fundings = data.get("funding") or []
        programmes = {p for p in [programme] + [f.get("programme") for f in fundings] if p}
        funds = {f["fund"] for f in fundings if f.get("fund")} | set(facts.funds.get(programme or "", ()))
        year = _year(data.get("period"))
        prog, fund_keys = programme or NOT_STATED, sorted(funds) or [NOT_STATED]
        countries: set[str] = set()
        seen: set[str] = set()
        for part in data.get("participants") or []:
            org = part.get("organisation")
            if org is not None:
                where, kind = facts.countries.get(org, ()), facts.kinds.get(org, NOT_STATED)
                if org not in seen:  # one participation per organisation (one IRI)
                    self.org_participations[org] += 1
                seen.add(org)
            else:
                group = part.get("group") or {}
                where, kind = tuple(group.get("countries") or ()), group.get("kind") or NOT_STATED
            countries.update(where)
            for role in part.get("roles") or [NOT_STATED]:
                for country in where or (NOT_STATED,):
                    for fund in fund_keys:
                        self.cells[(prog, fund, country, year, role, kind)] += 1
        for org in seen:
            self.org_projects[org] += 1
        for country in countries:
            self.country_projects[country] += 1
        ordered = sorted(countries)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                self.pairs[(a, b)] += 1
        for fund in fund_keys:
            self.projects[(prog, fund, year)] += 1
        self.programme_projects.update(programmes)
        self.fund_projects.update(funds)
        self.theme_projects.update(set(data.get("themes") or ()))
        for f in fundings:
            self._fund(f, programme)

    def _links(self, data: dict[str, Any], cls: str, fields: dict[str, str], counted_as: str, by_id: bool) -> None:
        groups = {group for name, group in fields.items() if data.get(name) not in (None, [], "")}
        if data.get("type") == counted_as:
            self.links[(cls, "records")] += 1
        if by_id:
            for group in groups:
                self.link_ids.setdefault((cls, group), set()).add(_interned(str(data.get("id"))))
        else:
            self.links.update((cls, g) for g in groups)

    def _fund(self, f: dict[str, Any], project_programme: str | None) -> None:
        kind, amount, programme = f.get("kind"), f.get("amount"), f.get("programme") or project_programme
        if kind not in ("total-budget", "eu-contribution") or amount is None or not programme:
            return
        row = self.funding.setdefault((programme, f["currency"]), [Decimal(0), 0, Decimal(0), 0, 0, 0])
        at = 0 if kind == "total-budget" else 2
        row[at] += Decimal(amount)
        row[at + 1] += 1
        row[4] += bool(f.get("approximate")) or "approximate" in (f.get("flags") or ())
        row[5] += bool(f.get("recipients"))

    def merge(self, other: Tally) -> None:
        """Add another batch's counts to these.

        A key new here is kept with its texts interned: each batch's keys arrive as copies of
        their own (unpickled), and the build keeps a cell for every distinct combination, so
        one text object for each programme, country or year keeps the merged counters compact.
        """
        for name in ("cells", "projects", "country_projects", "pairs", "org_projects", "org_participations",
                     "programme_projects", "fund_projects", "links", "theme_projects"):
            counts: Counter[Any] = getattr(self, name)
            for key, n in getattr(other, name).items():
                if key in counts:
                    counts[key] += n
                else:
                    counts[tuple(map(_interned, key)) if type(key) is tuple else _interned(key)] = n
        for key, ids in other.link_ids.items():
            mine_ids = self.link_ids.get(key)
            if mine_ids is None:
                self.link_ids[key] = {_interned(i) for i in ids}
            else:
                mine_ids.update(_interned(i) for i in ids if i not in mine_ids)
        for key, row in other.funding.items():
            mine = self.funding.setdefault(key, [Decimal(0), 0, Decimal(0), 0, 0, 0])
            for i, v in enumerate(row):
                mine[i] += v

    def observations(self, facts: Facts) -> dict[str, list[tuple[tuple[str, ...], tuple]]]:
        """Every dataset's observations: (dimension values, measure values), sorted."""
        orgs_of: Counter[str] = Counter()
        for org in self.org_projects:
            orgs_of.update(facts.countries.get(org, ()))
        return {
            "participations": sorted((k, (n,)) for k, n in self.cells.items()),
            "projects": sorted((k, (n,)) for k, n in self.projects.items()),
            "funding": sorted((k, tuple(v)) for k, v in self.funding.items()),
            "countries": sorted(((c,), (n, orgs_of[c])) for c, n in self.country_projects.items()),
            "country-pairs": sorted((k, (n,)) for k, n in self.pairs.items()),
            "organisations": sorted(((o,), (n, self.org_participations[o])) for o, n in self.org_projects.items()),
            "programmes": sorted(((p,), (n,)) for p, n in self.programme_projects.items()),
            "funds": sorted(((f,), (n,)) for f, n in self.fund_projects.items()),
            "top-organisations": _top(self.org_projects, facts),
            "themes": sorted(((t,), (n,)) for t, n in self.theme_projects.items()),
            "organisation-kinds": _organisation_kinds(facts),
            "links": _link_rows(self),
            **_page_rows(self.pages),
        }


def _page_rows(pages: Any) -> dict[str, list[tuple[tuple[str, ...], tuple]]]:
    """The page datasets of :class:`~euproj_rdf.derived.Pages` (none before the ranks)."""
    if pages is None:
        return {"list-pages": [], "year-pages": [], "organisation-pages": [], "country-pair-pages": [],
                "organisation-partners": [], "successor-steps": []}
    return {
        "list-pages": sorted(((name,), (*page, pages.column(name))) for name, page in pages.lists.items()),
        "year-pages": sorted(((str(year),), (*page, pages.column("year", year))) for year, page in pages.years.items()),
        "organisation-pages": sorted(((org,), (*page, pages.column("organisation", org)))
                                     for org, page in pages.organisations.items()),
        "country-pair-pages": sorted((pair, (*page, pages.pair_partners[pair]))
                                     for pair, page in pages.country_pairs.items()),
        "organisation-partners": sorted(((org, partner), (shared, place)) for org, ranked in pages.partners.items()
                                        for partner, shared, place in ranked),
        "successor-steps": sorted(((project, successor), (steps, rank))
                                  for project, rank, successor, steps in pages.chain_steps),
    }


def _top(org_projects: Counter[str], facts: Facts) -> list[tuple[tuple[str, ...], tuple]]:
    """The ranked organisations: the first :data:`TOP` of those with a name, in the catalogue's
    order (by projects, most first, then the name a list shows, then IRI: the ids share the
    IRIs' prefix), each with its projects, its place, its name and its countries."""
    names = facts.names
    named = ((o, n) for o, n in org_projects.items() if o in names)
    ranked = heapq.nsmallest(TOP, named, key=lambda on: (-on[1], names[on[0]][1:], on[0]))
    return [((o,), (n, rank, names[o][1:], facts.countries.get(o, ()))) for rank, (o, n) in enumerate(ranked, 1)]


def _link_rows(tally: Tally) -> list[tuple[tuple[str, ...], tuple]]:
    measures = DATASETS["links"][1]
    classes = {c for c, _ in tally.links} | {c for c, _ in tally.link_ids}
    return sorted(((c,), tuple(tally.links[(c, m)] + len(tally.link_ids.get((c, m), ())) for m in measures))
                  for c in classes)


def _organisation_kinds(facts: Facts) -> list[tuple[tuple[str, ...], tuple]]:
    """Organisation records by kind × country (every organisation has a kind; its country may be
    not stated), from the facts of the build's first pass."""
    counts = Counter((kind, (facts.countries.get(org) or (NOT_STATED,))[0]) for org, kind in facts.kinds.items())
    return sorted((k, (n,)) for k, n in counts.items())


def _interned(value: Any) -> Any:
    return sys.intern(value) if type(value) is str else value


def link_fields(schema: Any) -> dict[str, tuple[str, dict[str, str], str, bool]]:
    """For each record type the link dataset counts: its class, {field: link group} from the
    predicates the schema maps its fields to, the type it counts as (itself, or the type it
    extends), and whether that type is counted by id (when another type extends it)."""
    group_of = {EP + p: g for g, preds in LINK_GROUPS.items() for p in preds}
    extended = {spec.extends for spec in schema.records.values() if spec.extends is not None}
    out = {}
    for rtype, spec in schema.records.items():
        base = spec.extends if spec.extends in _LINKED_RECORDS else rtype
        if base not in _LINKED_RECORDS:
            continue
        fields = {f.name: group_of[pred] for f in spec.fields.values()
                  for pred in (f.predicate, getattr(f, "link_predicate", None)) if pred in group_of}
        out[rtype] = (schema.records[base].classes[0], fields, base, base in extended)
    return out
