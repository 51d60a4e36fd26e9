"""CORDIS: the project and organisation exports (JSON, CSV with ``;``, XLSX) and the tables of
legal bases, topics and programmes that go with them.

Which file is which is read from its columns, not its name:

- **projects** (``id``/``projectID``, ``acronym``, ``title``, …): one project record each;
  ``totalCost`` and ``ecMaxContribution`` become funding statements (``total-budget``,
  ``eu-max-contribution``), ``frameworkProgramme`` and ``legalBasis`` programmes of the CORDIS
  programme hierarchy (a SKOS scheme: ``H2020-EU.2.1.1.`` is narrower than ``H2020-EU.2.1.``
  … than ``H2020``), ``topics`` themes.
- **organisations** (``organisationID``/``organizationID``, ``role``, …): one participation
  each, with its role (coordinator, participant, partner, associatedPartner, thirdParty,
  internationalPartner) and its ``ecContribution``, ``netEcContribution`` and ``totalCost``
  as funding statements received by the organisation; the organisation itself is reconciled
  (by PIC, VAT number, name + country + city) into one record.
- **legal bases** (``projectID``, ``legalBasis``, ``title``, ``uniqueProgrammePart``) and
  **topics** (``projectID``, ``topic``, ``title``): the titles of the programmes and topics,
  and the legal basis of projects whose project file leaves it empty.
- **programmes** (``code``, ``title``, ``language``): titles of programme codes in any language.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from .common import Context, cell, checked, funding, period, website, where
from .draft import csv_row
from .read import ImportInputError, Row, read_table
from .reconcile import OrgFacts
from .spill import ProjectSpill
from .values import country, norm_name, nuts, pic, postcode, project_id, single, slug, vat

__all__ = ["import_cordis", "ROLES", "ACTIVITY_TYPES"]

ROLES = {
    "coordinator": "coordinator",
    "participant": "participant",
    "partner": "partner",
    "associatedpartner": "associated-partner",
    "thirdparty": "third-party",
    "internationalpartner": "international-partner",
}
ACTIVITY_TYPES = {"HES": "university", "REC": "research-institute", "PRC": "company",
                  "PUB": "public-body", "OTH": "organisation"}
SCHEME = "cordis-programmes"
TOPICS = "cordis-topics"
PUBLISHER = "CORDIS (European Commission)"

_PROJECT_ID = ("projectID", "id")
_ORG_ID = ("organisationID", "organizationID")


def _kind_of(columns: set[str]) -> str:
    if {"legalBasis", "projectID", "title"} <= columns and "acronym" not in columns:
        return "legal-basis"
    if {"topic", "projectID", "title"} <= columns:
        return "topics"
    if columns & set(_ORG_ID) and "role" in columns:
        return "organisations"
    if {"acronym", "title"} <= columns and columns & set(_PROJECT_ID):
        return "projects"
    lower = {c.lower() for c in columns}
    if {"code", "title", "language"} <= lower:
        return "programmes"
    raise ImportInputError("")


def _classify(rows: list[Row], display: str, sheet: str | None) -> str:
    columns = set().union(*(r.cells for r in rows[:50]))
    try:
        return _kind_of(columns)
    except ImportInputError:
        raise ImportInputError(
            f"{display}{f' sheet {sheet!r}' if sheet else ''}: not a CORDIS file this importer knows (projects, "
            f"organisations, legal bases, topics or programmes); its columns are {', '.join(sorted(columns)[:12])}"
        ) from None


def import_cordis(ctx: Context, files: Iterable[tuple[Path, str]]) -> None:
    """Import CORDIS files (``(path, display name)`` pairs) into ``ctx``.

    Projects and reference tables are read first; the participations of a CSV or JSON file are
    then streamed, row by row, so that the biggest file is never held as rows.
    """
    tables: dict[str, list[Iterable[Row]]] = {}
    firsts: list[Row] = []  # the first row of each project file
    for path, display in files:
        rows_of = iter(read_table(path, display, encoding=ctx.options.get("encoding"), prepare=_prepare))
        head = list(itertools.islice(rows_of, 50))
        if not head:
            raise ImportInputError(f"{display}: the file has no rows")
        if path.suffix.lower() in (".xlsx", ".xlsm"):  # sheets of one workbook: one table each
            sheets: dict[str | None, list[Row]] = {}
            for r in itertools.chain(head, rows_of):
                sheets.setdefault(r.sheet, []).append(r)
            for sheet, rows in sheets.items():
                tables.setdefault(_classify(rows, display, sheet), []).append(rows)
                if _classify(rows, display, sheet) == "projects":
                    firsts.append(rows[0])
            continue
        kind = _classify(head, display, None)
        rest = itertools.chain(head, rows_of)
        # projects and participations are streamed; the reference tables, read first, are held
        tables.setdefault(kind, []).append(rest if kind in ("organisations", "projects") else list(rest))
        if kind == "projects":
            firsts.append(head[0])
    if "projects" not in tables:
        raise ImportInputError("a CORDIS import needs the project file (columns id, acronym, title, …)")
    titles = _titles(ctx, tables)
    legal = _legal_bases(ctx, tables)
    _scheme(ctx, firsts[0])
    projects = ProjectSpill(columns=csv_row)  # the records, and where each came from, go to disk
    ctx.draft.spilled["project"] = projects
    for table in tables["projects"]:
        for row in table:
            _project(ctx, row, projects, titles, legal)
    for table in tables.get("organisations", []):
        for row in table:
            _participation(ctx, row, projects)


# ------------------------------------------------------------------ reference tables


def _titles(ctx: Context, tables: dict[str, list[Any]]) -> dict[str, dict[str, str]]:
    """Programme and topic code → {language: title} from every table that names one."""
    titles: dict[str, dict[str, str]] = {}
    for rows in tables.get("programmes", []):
        for row in rows:
            low = {k.lower(): v for k, v in row.cells.items()}
            code, title, lang = (low.get("code") or "").strip(), (low.get("title") or "").strip(), (low.get("language") or "").strip().lower()
            if code and title and len(lang) == 2:
                titles.setdefault(code, {}).setdefault(lang, title)
            else:
                ctx.rejects.row(row, "code", "a programme row needs a code, a title and a two-letter language")
    for kind, column in (("legal-basis", "legalBasis"), ("topics", "topic")):
        for rows in tables.get(kind, []):
            for row in rows:
                code, title = cell(row, column), cell(row, "title")
                if code and title:
                    titles.setdefault(code, {}).setdefault("en", title)
    return titles


def _legal_bases(ctx: Context, tables: dict[str, list[Any]]) -> dict[str, list[tuple[str, bool, Row]]]:
    """Project number → its legal bases from the legal-basis tables (code, main part?, row)."""
    out: dict[str, list[tuple[str, bool, Row]]] = {}
    for rows in tables.get("legal-basis", []):
        for row in rows:
            pid = checked(ctx, row, "projectID", cell(row, "projectID"), project_id)
            code = cell(row, "legalBasis")
            if pid is None or not code:
                ctx.rejects.row(row, "legalBasis" if pid else "projectID", "no project number or no legal basis")
                continue
            out.setdefault(pid, []).append((code, cell(row, "uniqueProgrammePart").lower() == "true", row))
    for rows in tables.get("topics", []):
        for row in rows:
            pid = checked(ctx, row, "projectID", cell(row, "projectID"), project_id)
            code = cell(row, "topic")
            if pid is None or not code:
                ctx.rejects.row(row, "topic" if pid else "projectID", "no project number or no topic")
                continue
            out.setdefault(f"topic:{pid}", []).append((code, True, row))
    return out


def _scheme(ctx: Context, first: Row) -> None:
    src = ctx.draft.source(first.file, "cordis", PUBLISHER)
    for sid, title, what in ((SCHEME, "CORDIS programme hierarchy", "frameworkProgramme and legalBasis"),
                             (TOPICS, "CORDIS topics", "topics")):
        ctx.draft.put({"type": "concept_scheme", "id": sid, "title": {"en": title},
                       "sources": [{"document": src, "text": f"the columns {what} of {first.file}"}]})


def programme_id(code: str) -> str:
    return "cordis-" + slug(code.rstrip("."), 80)


def _parent(code: str, framework: str) -> str | None:
    """The broader programme code: ``H2020-EU.2.1.1.`` → ``H2020-EU.2.1.``, ``H2020-EU.2.`` → the
    framework programme, ``HORIZON.1.1`` → ``HORIZON.1`` → ``HORIZON``."""
    dotted = code.endswith(".")
    parts = code.rstrip(".").split(".")
    if len(parts) <= 1:
        return None if code == framework or not framework else framework
    if len(parts) == 2 and parts[0].endswith("-EU"):
        return framework or parts[0].split("-")[0]
    return ".".join(parts[:-1]) + ("." if dotted else "")


def _programme(ctx: Context, code: str, framework: str, titles: dict[str, dict[str, str]], row: Row) -> str:
    """The id of the programme of a code (and of its broader ones), made on first use."""
    pid = programme_id(code)
    rec = ctx.draft.get("programme", pid)
    if rec is None:
        name = dict(sorted(titles.get(code, {}).items())) or {"en": code}
        rec = {"type": "programme", "id": pid, "name": name, "kind": "eu-direct", "notation": code,
               "in_scheme": SCHEME}
        parent = _parent(code, framework)
        if parent and parent != code:
            rec["broader"] = _programme(ctx, parent, framework, titles, row)
        ctx.draft.put(rec)
    if not any(s["document"] == ctx.draft.source(row.file, "cordis", PUBLISHER) for s in rec.get("sources", [])):
        ctx.draft.cite(rec, row)
    return pid


def _theme(ctx: Context, code: str, titles: dict[str, dict[str, str]], row: Row) -> str:
    tid = "cordis-topic-" + slug(code, 80)
    rec = ctx.draft.get("theme", tid)
    if rec is None:
        rec = ctx.draft.put({"type": "theme", "id": tid, "label": dict(sorted(titles.get(code, {}).items())) or {"en": code},
                             "notation": code, "in_scheme": TOPICS})
        ctx.draft.cite(rec, row)
    return tid


# ------------------------------------------------------------------ projects


def _project(ctx: Context, row: Row, projects: ProjectSpill, titles: dict[str, dict[str, str]],
             legal: dict[str, list[tuple[str, bool, Row]]]) -> None:
    ctx.draft.source(row.file, "cordis", PUBLISHER)
    column = "id" if "id" in row.cells else "projectID"
    raw_id = cell(row, column)
    if not raw_id:
        ctx.rejects.row(row, column, "no project number")
        return
    pid = checked(ctx, row, column, raw_id, project_id)
    if pid is None:
        ctx.rejects.row(row, column, "the project number cannot be read")
        return
    title, acronym = cell(row, "title"), cell(row, "acronym", "projectAcronym")
    if not title and not acronym:
        ctx.rejects.row(row, "title", "no title and no acronym")
        return
    first = projects.first_at(f"cordis-{pid}")
    if first is not None:
        ctx.rejects.row(row, column, f"project {pid} appears again (first at {first})")
        return
    rec: dict[str, Any] = {"type": "project", "id": f"cordis-{pid}", "title": {"en": " ".join((title or acronym).split())}}
    if acronym:
        rec["acronym"] = acronym
    rec["identifier"] = pid
    if len(pid) >= 4:
        rec["cordis"] = pid
    objective = cell(row, "objective")
    if objective:
        rec["description"] = {"en": objective}
    framework = cell(row, "frameworkProgramme")
    codes = [c.strip() for c in cell(row, "legalBasis", "programme").split(";") if c.strip()]
    main = None
    if codes:
        main = (codes[0], "legalBasis")
    else:
        table = [(c, r) for c, unique, r in legal.get(pid, []) if unique] or [(c, r) for c, _, r in legal.get(pid, [])]
        if table:
            main = (table[0][0], "legalBasis")
            for code, _, lrow in legal.get(pid, []):
                _programme(ctx, code, framework or code.split(".")[0], titles, lrow)
    if main is None and framework:
        main = (framework, "frameworkProgramme")
    if main:
        rec["programme"] = {"id": _programme(ctx, main[0], framework, titles, row),
                            "text": f"{main[1]}: {main[0]} ({where(row)})"}
    topics = [t.strip() for t in cell(row, "topics").split(";") if t.strip()]
    topics += [c for c, _, _ in legal.get(f"topic:{pid}", []) if c not in topics]
    if topics:
        rec["themes"] = list(dict.fromkeys(_theme(ctx, t, titles, row) for t in topics))
    p = period(ctx, row, "startDate", "endDate")
    if p:
        rec["period"] = p
    rec["participants"] = []
    rec["funding"] = [f for f in (funding(ctx, row, "totalCost", "total-budget"),
                                  funding(ctx, row, "ecMaxContribution", "eu-max-contribution")) if f]
    ctx.draft.cite(rec, row)
    projects.add(rec, where(row))


# ------------------------------------------------------------------ participations


#: a participation row's money columns and the kind of funding statement each gives
_MONEY = (("ecContribution", "eu-contribution"), ("netEcContribution", "eu-net-contribution"), ("totalCost", "eligible-cost"))


class _Noted:
    """Stands for the import's context where a row is read away from it: keeps what the checks
    would put in the rejects report, as (column, reason, whole row), to be put there later."""

    def __init__(self) -> None:
        self.rejects = self
        self.items: list[tuple[str, str, bool]] = []

    def value(self, row: Row, column: str, reason: str) -> None:  # noqa: ARG002 - as Rejects.value
        self.items.append((column, reason, False))

    def row(self, row: Row, column: str, reason: str) -> None:  # noqa: ARG002 - as Rejects.row
        self.items.append((column, reason, True))

    def take(self) -> list[tuple[str, str, bool]]:
        items, self.items = self.items, []
        return items


def prepare_participation(row: Row) -> tuple[Any, ...]:
    """What a participation row says, read and checked, with the rejects each step gives (to
    be reported only for the steps the row reaches): all that needs nothing of the import, so
    the process reading the file ahead can do it (:func:`~.read.read_table`). Only data
    :mod:`marshal` sends: amounts as text, the organisation's facts as a tuple."""
    noted = _Noted()
    ctx: Any = noted
    raw_pid = cell(row, "projectID")
    pid = checked(ctx, row, "projectID", raw_pid, project_id)
    steps = [noted.take()]
    raw_role = cell(row, "role")
    facts = _org_facts(ctx, row)
    steps.append(noted.take())
    money = []
    for column, kind in _MONEY:
        f = funding(ctx, row, column, kind)
        if f:
            f["amount"] = str(f["amount"])
            money.append(f)
    steps.append(noted.take())
    return raw_pid, pid, raw_role, None if facts is None else _facts_tuple(facts), money, steps


def _prepare(row: Row) -> tuple[Any, ...] | None:
    """:func:`prepare_participation` for the rows of an organisation file (None for the others)."""
    return prepare_participation(row) if "role" in row.cells and "projectID" in row.cells else None


#: the fields of OrgFacts in their order: the facts of a row are sent as a tuple of their values
_FACTS = tuple(f.name for f in fields(OrgFacts))


def _facts_tuple(facts: OrgFacts) -> tuple[Any, ...]:
    return tuple([getattr(facts, name) for name in _FACTS])


def _participation(ctx: Context, row: Row, projects: ProjectSpill) -> None:
    ctx.draft.source(row.file, "cordis", PUBLISHER)
    raw_pid, pid, raw_role, facts, money, steps = row.prepared or prepare_participation(row)

    def report(step: list[tuple[str, str, bool]]) -> None:
        for column, reason, whole in step:
            (ctx.rejects.row if whole else ctx.rejects.value)(row, column, reason)

    report(steps[0])
    if pid is None:
        ctx.rejects.row(row, "projectID", "no project number" if not raw_pid else "the project number cannot be read")
        return
    if projects.first_at(f"cordis-{pid}") is None:
        ctx.rejects.row(row, "projectID", f"project {pid} is not in the project file")
        return
    role = ROLES.get(raw_role.lower().replace("_", "").replace(" ", ""))
    if role is None:
        ctx.rejects.row(row, "role", f"unknown role '{raw_role}'" if raw_role else "no role")
        return
    report(steps[1])
    if facts is None:
        return
    org = ctx.orgs.resolve(OrgFacts(*facts), row)
    report(steps[2])
    text = f"role: {raw_role} ({where(row)})"
    statements = []
    for f in money:  # as common.funding writes them: the recipients before the text
        text_of = f.pop("text")
        statements.append({**f, "amount": Decimal(f["amount"]), "recipients": [org], "text": text_of})
    projects.participation(f"cordis-{pid}", org, role, text, statements, ctx.draft.citation(row))


def _org_facts(ctx: Context, row: Row) -> OrgFacts | None:
    column = next((c for c in _ORG_ID if c in row.cells), _ORG_ID[0])
    name = " ".join(cell(row, "name", "organisationName", "organizationName").split())
    the_pic = checked(ctx, row, column, cell(row, column), pic)
    if not name:
        ctx.rejects.row(row, "name", "no organisation name")
        return None
    cc = checked(ctx, row, "country", single(cell(row, "country")), country)
    activity = cell(row, "activityType")
    if ";" in activity:
        types = list(dict.fromkeys(t.strip() for t in activity.split(";") if t.strip()))
    else:
        types = [activity] if activity else []
    kind = "organisation"
    if len(types) == 1 and types[0] in ACTIVITY_TYPES:
        kind = ACTIVITY_TYPES[types[0]]
    elif types:
        ctx.rejects.value(row, "activityType", f"'{activity}' names no single known activity type")
    city = " ".join(cell(row, "city").split()) or None
    facts = OrgFacts(
        name=name, country=cc, city=city,
        postcode=postcode(cell(row, "postCode"), cc) or None,
        pic=the_pic, vat=checked(ctx, row, "vatNumber", cell(row, "vatNumber"), vat),
        nuts=checked(ctx, row, "nutsCode", cell(row, "nutsCode"), nuts),
        website=website(ctx, row, "organizationURL") if "organizationURL" in row.cells else website(ctx, row, "organizationUrl"),
        kind=kind, kind_text=f"activityType: {activity}" if types else None,
        columns={"pic": column, "vat": "vatNumber", "city": "city"},
    )
    short = cell(row, "shortName")
    if short and norm_name(short) != norm_name(name):
        facts.alt_names.append(short)
    return facts
