"""Kohesio: the per-country project CSVs (2014–2020 and 2021–2027) and the answers of its search
API (JSON).

One row is one operation (a project): ``Operation_Unique_Identifier`` (an EU Knowledge Graph
entity, ``https://linkedopendata.eu/entity/Q…``) becomes the project's ``kohesio`` id and its
``owl:sameAs`` link; ``Total_Eligible_Expenditure_amount`` a ``total-budget`` and
``Project_EU_Budget`` an ``eu-contribution`` with its ``Cofinancing_Rate`` and its fund
(``Fund_Code`` → the EU programme table: ERDF, ESF, CF, YEI, EAFRD → EAFRD2020 …); the
beneficiary a participation with the role ``beneficiary`` of an organisation reconciled by its
Kohesio entity, name and country; the programme (``Programme_Code``, a CCI) a programme, the
category of intervention and the thematic and policy objectives themes, ``NUTS3_Code`` the
territory (checked against the NUTS 2021 and 2024 lists). Dates are DD/MM/YYYY.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..vocab import KOHESIO_ENTITY
from .common import Context, cell, checked, fund_ref, funding, interreg_kind, period, programme_ref, where
from .read import ImportInputError, Row, read_table
from .reconcile import OrgFacts
from .values import country, nuts, rate, slug

__all__ = ["import_kohesio"]

PUBLISHER = "Kohesio (European Commission, DG REGIO)"
_QID = re.compile(r"(?:" + re.escape(KOHESIO_ENTITY).replace("https", "https?") + r")?(Q[1-9][0-9]*)$")


def qid(text: str) -> str:
    from .values import BadValue

    m = _QID.match(text.strip())
    if not m:
        raise BadValue(f"'{text}' is not a Kohesio entity (https://linkedopendata.eu/entity/Q…)")
    return m.group(1)


def import_kohesio(ctx: Context, files: Iterable[tuple[Path, str]]) -> None:
    seen: dict[str, str] = {}
    for path, display in files:
        rows = read_table(path, display, encoding=ctx.options.get("encoding"))
        first = True
        for row in rows:
            if first:
                if "Operation_Unique_Identifier" not in row.cells and "item" not in row.cells:
                    raise ImportInputError(
                        f"{display}: not a Kohesio export: it lacks the column Operation_Unique_Identifier "
                        "(a project CSV) or item (an API answer)")
                ctx.draft.source(display, "kohesio", PUBLISHER)
                first = False
            if "Operation_Unique_Identifier" in row.cells:
                _operation(ctx, row, seen)
            else:
                _api_item(ctx, row, seen)


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(";") if p.strip()]


def _project(ctx: Context, row: Row, column: str, raw: str, seen: dict[str, str]) -> dict[str, Any] | None:
    q = checked(ctx, row, column, raw, qid) if raw else None
    if q is None:
        ctx.rejects.row(row, column, "no Kohesio entity" if not raw else "the Kohesio entity cannot be read")
        return None
    if q in seen:
        ctx.rejects.row(row, column, f"operation {q} appears again (first at {seen[q]})")
        return None
    seen[q] = where(row)
    return {"type": "project", "id": f"kohesio-{q.lower()}", "kohesio": q}


def _operation(ctx: Context, row: Row, seen: dict[str, str]) -> None:
    rec = _project(ctx, row, "Operation_Unique_Identifier", cell(row, "Operation_Unique_Identifier"), seen)
    if rec is None:
        return
    title = cell(row, "Operation_Name_English") or cell(row, "Operation_Name_Programme_Language")
    if not title:
        ctx.rejects.row(row, "Operation_Name_English", "no operation name")
        return
    rec = {"type": "project", "id": rec["id"], "title": {"en": " ".join(title.split())}, "kohesio": rec["kohesio"]}
    local = cell(row, "Operation_Local_Identifier")
    if local:
        rec["identifier"] = local
    summary = cell(row, "Operation_Summary_English")
    if summary:
        rec["description"] = {"en": summary}
    code, name = cell(row, "Programme_Code"), cell(row, "Programme_Name")
    if code or name:
        pid = programme_ref(ctx, row, name or code, kind=interreg_kind(code, name), code=code, prefix="kohesio",
                            period_text=cell(row, "Programming_Period"))
        rec["programme"] = {"id": pid, "text": f"Programme_Code: {code}; Programme_Name: {name} ({where(row)})"}
    themes = []
    for id_col, label_col, kind in (("Category_Of_Intervention", "Category_Label", "category"),
                                    ("Thematic_Objective_ID", "Thematic_Objective_Label", "objective"),
                                    ("Policy_Objective_ID", "Policy_Objective_Label", "policy-objective"),
                                    ("Specific_Objective_ID", "Specific_Objective_Label", "specific-objective")):
        ids, labels = _split(cell(row, id_col)), _split(cell(row, label_col))
        for i, tid in enumerate(ids):
            label = labels[i] if len(labels) == len(ids) else tid
            themes.append(_theme(ctx, row, kind, tid, label))
    if themes:
        rec["themes"] = list(dict.fromkeys(themes))
    p = period(ctx, row, "Operation_Start_Date", "Operation_End_Date")
    if p:
        rec["period"] = p
    territory = []
    for col in ("NUTS3_Code", "NUTS2_Code", "NUTS1_Code"):
        codes = [c for c in (checked(ctx, row, col, t, nuts) for t in _split(cell(row, col))) if c]
        if codes:
            territory = codes
            break
    if territory:
        rec["territory"] = list(dict.fromkeys(territory))
    currency = cell(row, "Total_Eligible_Expenditure_Currency") or "EUR"
    fund = None
    fund_codes = _split(cell(row, "Fund_Code"))
    if len(fund_codes) == 1:
        fund = fund_ref(ctx, fund_codes[0], cell(row, "Fund_Name"), row)
    rate_value = checked(ctx, row, "Cofinancing_Rate", cell(row, "Cofinancing_Rate"), rate)
    money = []
    total = funding(ctx, row, "Total_Eligible_Expenditure_amount", "total-budget", currency=currency)
    if total:
        money.append(total)
    eu = funding(ctx, row, "Project_EU_Budget", "eu-contribution", currency=currency, rate=rate_value)
    if eu:
        if fund:
            eu["fund"] = fund
        money.append(eu)
    if money:
        rec["funding"] = money
    participants = _beneficiaries(ctx, row)
    if participants:
        rec["participants"] = participants
    ctx.draft.cite(rec, row)
    ctx.draft.put(rec)


def _theme(ctx: Context, row: Row, kind: str, code: str, label: str) -> str:
    tid = f"kohesio-{kind}-{slug(code, 40)}"
    if ctx.draft.get("theme", tid) is None:
        rec = ctx.draft.put({"type": "theme", "id": tid, "label": {"en": label}, "notation": code})
        ctx.draft.cite(rec, row)
    return tid


def _beneficiaries(ctx: Context, row: Row) -> list[dict[str, Any]]:
    names = _split(cell(row, "Beneficiary_Name"))
    ids = _split(cell(row, "Beneficiary_Unique_Identifier"))
    if not names:
        return []
    if ids and len(ids) != len(names):
        ctx.rejects.value(row, "Beneficiary_Unique_Identifier",
                          f"{len(ids)} beneficiary entities for {len(names)} names; the entities are left out")
        ids = []
    cc = checked(ctx, row, "CountryCode" if cell(row, "CountryCode") else "Country",
                 cell(row, "CountryCode", "Country"), country)
    out: list[dict[str, Any]] = []
    for i, name in enumerate(names):
        k = checked(ctx, row, "Beneficiary_Unique_Identifier", ids[i], qid) if ids else None
        facts = OrgFacts(name=" ".join(name.split()), country=cc, kohesio=k)
        org = ctx.orgs.resolve(facts, row)
        if all(p["organisation"] != org for p in out):
            out.append({"organisation": org, "roles": ["beneficiary"],
                        "text": f"Beneficiary_Name: {name} ({where(row)})"})
    return out


def _api_item(ctx: Context, row: Row, seen: dict[str, str]) -> None:
    """One project of a Kohesio API answer (``link``, ``labels``, ``startTimes`` … as JSON lists)."""
    import json

    def first(column: str) -> str:
        raw = row.get(column)
        try:
            values = json.loads(raw) if raw.startswith("[") else [raw]
        except ValueError:
            values = [raw]
        return str(values[0]).strip() if values and values[0] not in (None, "") else ""

    rec = _project(ctx, row, "link", cell(row, "link") or cell(row, "item"), seen)
    if rec is None:
        return
    title = first("labels") or first("originalLabels")
    if not title:
        ctx.rejects.row(row, "labels", "no project label")
        return
    rec = {"type": "project", "id": rec["id"], "title": {"en": " ".join(title.split())}, "kohesio": rec["kohesio"]}
    description = first("descriptions")
    if description and description != title:
        rec["description"] = {"en": description}
    synthetic = Row(row.file, row.row, {"startTimes": first("startTimes"), "endTimes": first("endTimes"),
                                        "euBudgets": first("euBudgets"), "totalBudgets": first("totalBudgets")})
    p = period(ctx, synthetic, "startTimes", "endTimes")
    if p:
        rec["period"] = p
    money = [f for f in (funding(ctx, synthetic, "totalBudgets", "total-budget"),
                         funding(ctx, synthetic, "euBudgets", "eu-contribution")) if f]
    if money:
        rec["funding"] = money
    objectives = row.get("objectiveIds")
    codes = json.loads(objectives) if objectives.startswith("[") else _split(objectives)
    if codes:
        rec["themes"] = [_theme(ctx, row, "objective", str(c), str(c)) for c in codes]
    ctx.draft.cite(rec, row)
    ctx.draft.put(rec)
