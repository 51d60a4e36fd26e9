"""What every importer shares: the import context and small record-building helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from .draft import Draft, Rejects
from .read import Row
from .reconcile import Reconciler
from .values import MISSING, BadValue, amount, check_url_text, date, norm_name, plain, slug

__all__ = ["Context", "EU_PROGRAMME", "cell", "checked", "fund_ref", "funding", "interreg_kind", "period", "programme_ref",
           "website", "where"]

T = TypeVar("T")

_MISSING_LONGEST = max(len(m) for m in MISSING)


@dataclass
class Context:
    """One import run: the records it makes, the rows it rejects, the organisations it knows."""

    draft: Draft
    rejects: Rejects
    orgs: Reconciler
    options: dict[str, Any] = field(default_factory=dict)


def where(row: Row) -> str:
    """``organization.json row 12`` (with the sheet for a workbook)."""
    return row.where


def cell(row: Row, *columns: str) -> str:
    """The first non-missing value of ``columns`` in the row ("" when none)."""
    cells = row.cells
    for c in columns:
        value = cells.get(c)
        if value:
            text = value.strip()
            # no "missing" marker is longer than _MISSING_LONGEST characters
            if len(text) > _MISSING_LONGEST or (text and text.lower() not in MISSING):
                return text
    return ""


def checked(ctx: Context, row: Row, column: str, text: str, parse: Callable[[str], T]) -> T | None:
    """``parse(text)``, or None with the value in the rejects report when it cannot be read."""
    if not text:
        return None
    try:
        return parse(text)
    except BadValue as exc:
        ctx.rejects.value(row, column, str(exc))
        return None


def funding(ctx: Context, row: Row, column: str, kind: str, *, currency: str = "EUR",
            recipients: list[str] | None = None, rate: Decimal | None = None) -> dict[str, Any] | None:
    """A funding statement of one amount column (None when the cell is empty or unreadable)."""
    raw = cell(row, column)
    value = checked(ctx, row, column, raw, amount)
    if value is None:
        return None
    out: dict[str, Any] = {"kind": kind, "amount": plain(value), "currency": currency}
    if rate is not None:
        out["rate"] = rate
    if recipients:
        out["recipients"] = recipients
    out["text"] = f"{column}: {raw} ({where(row)})"
    return out


def period(ctx: Context, row: Row, start_col: str, end_col: str) -> dict[str, Any] | None:
    raw_start, raw_end = cell(row, start_col), cell(row, end_col)
    start = checked(ctx, row, start_col, raw_start, date)
    end = checked(ctx, row, end_col, raw_end, date)
    if start and end and end < start:
        ctx.rejects.value(row, end_col, f"the end {raw_end} is before the start {raw_start}")
        end = None
    if not start and not end:
        return None
    out: dict[str, Any] = {}
    if start:
        out["start"] = start
    if end:
        out["end"] = end
    parts = [f"{c}: {r}" for c, r in ((start_col, raw_start), (end_col, raw_end)) if r]
    out["text"] = f"{'; '.join(parts)} ({where(row)})"
    return out


def website(ctx: Context, row: Row, column: str) -> dict[str, str] | None:
    raw = cell(row, column)
    url = checked(ctx, row, column, raw, check_url_text)
    if url is None:
        return None
    return {"url": url, "text": raw} if url != raw else {"url": url}


#: fund codes of the exports → code of the EU programme authority table
EU_PROGRAMME = {"ERDF": "ERDF", "ESF": "ESF", "CF": "CF", "YEI": "YEI", "IPA II": "IPA2", "IPA2": "IPA2",
                "ENI": "ENI", "EAFRD": "EAFRD2020", "EMFF": "EMFF2020"}


def fund_ref(ctx: Context, code: str, name: str, row: Row) -> str:
    """The id of the fund of an export's fund code: an existing fund with the same EU programme
    code or acronym, or a fund record made from the row."""
    key = code.strip().upper()
    eu = EU_PROGRAMME.get(key)
    existing = ctx.orgs.funds.get(eu or "") or ctx.orgs.funds.get(key)
    if existing:
        ctx.orgs.english_name("fund", existing, name, row)
        return existing
    fid = slug(key)
    rec = ctx.draft.get("fund", fid)
    if rec is None:
        rec = {"type": "fund", "id": fid, "name": {"en": name or code}, "acronym": code.strip()}
        if eu:
            rec["eu_programme"] = eu
        ctx.draft.put(rec)
        ctx.draft.cite(rec, row)
    return fid


def programme_ref(ctx: Context, row: Row, name: str, *, kind: str, code: str = "", prefix: str,
                  keep_number: str = "", lang: str = "en", period_text: str = "") -> str:
    """The id of a programme named in a row: an existing one with that name (or keep.eu number),
    or a programme record made from the row."""
    existing = ctx.orgs.programmes.get(f"keep:{keep_number}") if keep_number else None
    existing = existing or ctx.orgs.programmes.get(norm_name(name))
    if existing:
        if lang == "en" and name:
            ctx.orgs.english_name("programme", existing, name, row)
        return existing
    pid = f"{prefix}-{slug(code or name, 70)}"
    rec = ctx.draft.get("programme", pid)
    if rec is None:
        rec = {"type": "programme", "id": pid, "name": {lang: name or code}, "kind": kind}
        if code:
            rec["notation"] = code
        if keep_number:
            rec["keep_eu_programme"] = keep_number
        m = re.fullmatch(r"\s*(\d{4})\s*[-–]\s*(\d{4})\s*", period_text)
        if m:
            rec["period"] = {"start": m.group(1), "end": m.group(2), "text": period_text}
        ctx.draft.put(rec)
        ctx.draft.cite(rec, row)
    return pid


def interreg_kind(code: str, name: str) -> str:
    """The programme kind from a CCI code (``2014TC16RFCB014``: TC is territorial cooperation, then
    CB cross-border, TN transnational, IR interregional) or from an Interreg programme's name."""
    c, n = code.upper(), name.lower()
    if c[4:6] != "TC" and "interreg" not in n:
        return "regional-structural-fund"
    if "TN" in c[8:] or re.search(r"\bv-?b\b", n) or "transnational" in n:
        return "interreg-transnational"
    if "IR" in c[8:] or re.search(r"\bv-?c\b", n) or "interreg europe" in n:
        return "interreg-interregional"
    return "interreg-cross-border"
