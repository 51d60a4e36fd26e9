"""keep.eu (Interact): the two-sheet search export — "Search results, projects" and "Search
results, partners" — as one XLSX workbook or as two CSV files.

Projects: acronym, English name, start and end (DD/MM/YYYY or ISO), total budget
(``total-budget``), EU funding (``eu-contribution`` with the ``Union co-financing rate``), the
programme (an existing programme of the same name or keep.eu number, or a new one) and the
keep.eu project id (``keep_eu``, its link ``https://keep.eu/projects/{id}/``; in Excel the id is
often a HYPERLINK formula, whose shown text is read). Partners join their project by id, or by
acronym when the sheet has no id: ``Lead partner`` Yes → ``lead-partner``, No → ``partner``;
``Participant Identification Code`` is the PIC; ``Type of Organisation`` gives the kind (the
original kept in ``kind_text``); ``ERDF contribution (2014-2020 only)`` an ``eu-contribution``
from the ERDF received by the partner. "N.a." is keep.eu's empty marker.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .common import Context, cell, checked, fund_ref, funding, interreg_kind, period, programme_ref, where
from .read import ImportInputError, Row, read_table
from .reconcile import OrgFacts
from .values import BadValue, country, pic, rate

__all__ = ["import_keep", "ORGANISATION_TYPES"]

PUBLISHER = "keep.eu (Interact)"
PROJECTS_SHEET = "Search results, projects"
PARTNERS_SHEET = "Search results, partners"
_ID_COLUMNS = ("Project ID", "Project id", "ID", "Id", "keep.eu ID", "Project identifier")

#: keep.eu's "Type of Organisation" (lower case) → organisation kind
ORGANISATION_TYPES = {
    "local public authority": "municipality",
    "regional public authority": "region",
    "national public authority": "government-agency",
    "sectoral agency": "government-agency",
    "higher education and research": "university",
    "education/training centre and school": "organisation",
    "sme": "company",
    "large enterprise": "company",
    "enterprise, except sme": "company",
    "business support organisation": "business-support",
    "interest groups including ngos": "association",
    "international organisation": "organisation",
    "infrastructure and (public) service provider": "organisation",
    "other": "organisation",
}


def keep_id(text: str) -> str:
    """A keep.eu project number, from the number or from its keep.eu address."""
    t = text.strip()
    m = re.search(r"keep\.eu/projects/(\d+)", t) or re.fullmatch(r"(\d+)(?:\.0)?", t)
    if not m or m.group(1).startswith("0"):
        raise BadValue(f"'{text}' is not a keep.eu project number")
    return m.group(1)


def import_keep(ctx: Context, files: Iterable[tuple[Path, str]]) -> None:
    projects: list[Row] = []
    partners: list[Row] = []
    for path, display in files:
        for row in read_table(path, display, encoding=ctx.options.get("encoding")):
            if "Organisation in English" in row.cells or "Lead partner" in row.cells:
                partners.append(row)
            elif "Project acronym" in row.cells or "Project name in English" in row.cells:
                projects.append(row)
            else:
                raise ImportInputError(
                    f"{row.where}: not a keep.eu export sheet: expected the columns of "
                    f"'{PROJECTS_SHEET}' (Project acronym …) or '{PARTNERS_SHEET}' (Organisation in English …)")
            ctx.draft.source(row.file, "keep", PUBLISHER)
    if not projects:
        raise ImportInputError(f"a keep.eu import needs the projects ('{PROJECTS_SHEET}')")
    by_id: dict[str, dict[str, Any]] = {}
    by_acronym: dict[str, list[dict[str, Any]]] = {}
    for row in projects:
        rec = _project(ctx, row, by_id)
        if rec is not None:
            by_acronym.setdefault(rec.get("acronym", "").lower(), []).append(rec)
    for row in partners:
        _partner(ctx, row, by_id, by_acronym)


def _id_column(row: Row) -> str | None:
    return next((c for c in _ID_COLUMNS if c in row.cells), None)


def _project(ctx: Context, row: Row, by_id: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    acronym, name = cell(row, "Project acronym"), cell(row, "Project name in English")
    column = _id_column(row)
    number = checked(ctx, row, column, cell(row, column), keep_id) if column else None
    if column and number is None:
        ctx.rejects.row(row, column, "no keep.eu project number")
        return None
    if not acronym and not name:
        ctx.rejects.row(row, "Project acronym", "no acronym and no name")
        return None
    from .values import slug

    pid = f"keep-{number}" if number else f"keep-{slug(acronym or name)}"
    if ctx.draft.get("project", pid) is not None:
        ctx.rejects.row(row, column or "Project acronym", f"the project {number or acronym} appears again")
        return None
    rec: dict[str, Any] = {"type": "project", "id": pid, "title": {"en": " ".join((name or acronym).split())}}
    if acronym:
        rec["acronym"] = acronym
    if number:
        rec["keep_eu"] = number
    programme = cell(row, "Programme")
    if programme:
        rec["programme"] = {"id": programme_ref(ctx, row, programme, kind=interreg_kind("", programme), prefix="keep"),
                            "text": f"Programme: {programme} ({where(row)})"}
    p = period(ctx, row, "Project start", "Project end")
    if p:
        rec["period"] = p
    money = []
    total = funding(ctx, row, "Project's total budget / expenditure", "total-budget")
    if total:
        money.append(total)
    share = checked(ctx, row, "Union co-financing rate", cell(row, "Union co-financing rate"), rate)
    eu = funding(ctx, row, "Project's EU funding", "eu-contribution", rate=share)
    if eu:
        money.append(eu)
    rec["funding"] = money
    rec["participants"] = []
    ctx.draft.cite(rec, row)
    ctx.draft.put(rec)
    by_id[number or pid] = rec
    return rec


def _partner(ctx: Context, row: Row, by_id: dict[str, dict[str, Any]],
             by_acronym: dict[str, list[dict[str, Any]]]) -> None:
    column = _id_column(row)
    project = None
    if column:
        number = checked(ctx, row, column, cell(row, column), keep_id)
        project = by_id.get(number or "")
        if project is None:
            ctx.rejects.row(row, column, f"project {cell(row, column) or '(none)'} is not in the projects sheet")
            return
    else:
        found = by_acronym.get(cell(row, "Project acronym").lower(), [])
        if len(found) != 1:
            why = "is not in the projects sheet" if not found else f"names {len(found)} projects"
            ctx.rejects.row(row, "Project acronym", f"the acronym '{cell(row, 'Project acronym')}' {why}")
            return
        project = found[0]
    name = " ".join(cell(row, "Organisation in English", "Organisation").split())
    if not name:
        ctx.rejects.row(row, "Organisation in English", "no organisation name")
        return
    lead = cell(row, "Lead partner").lower()
    if lead not in ("yes", "no", ""):
        ctx.rejects.row(row, "Lead partner", f"'{cell(row, 'Lead partner')}' is neither Yes nor No")
        return
    role = "lead-partner" if lead == "yes" else "partner"
    raw_type = cell(row, "Type of Organisation")
    facts = OrgFacts(
        name=name,
        country=checked(ctx, row, "Country code", cell(row, "Country code"), country),
        pic=checked(ctx, row, "Participant Identification Code", cell(row, "Participant Identification Code"), pic),
        kind=ORGANISATION_TYPES.get(raw_type.lower(), "organisation"),
        kind_text=f"Type of Organisation: {raw_type}" if raw_type else None,
        english=bool(cell(row, "Organisation in English")),
        columns={"pic": "Participant Identification Code"},
    )
    org = ctx.orgs.resolve(facts, row)
    text = f"Lead partner: {cell(row, 'Lead partner') or '(empty)'} ({where(row)})"
    if any(p["organisation"] == org for p in project["participants"]):
        ctx.rejects.row(row, "Organisation in English", f"{name} is already a partner of this project")
        return
    project["participants"].append({"organisation": org, "roles": [role], "text": text})
    erdf = funding(ctx, row, "ERDF contribution (2014-2020 only)", "eu-contribution", recipients=[org])
    if erdf:
        erdf["fund"] = fund_ref(ctx, "ERDF", "European Regional Development Fund", row)
        project["funding"].append(erdf)
    ctx.draft.cite(project, row)
