"""What every importer shares: the import context and small record-building helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from .draft import Draft, Rejects
from .read import Row
from .reconcile import Reconciler
from .values import BadValue, amount, check_url_text, date, is_missing, plain

__all__ = ["Context", "cell", "checked", "funding", "period", "website", "where"]

T = TypeVar("T")


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
    for c in columns:
        value = row.cells.get(c)
        if value is not None and not is_missing(value):
            return value.strip()
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
