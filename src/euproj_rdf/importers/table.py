"""Any list of projects (CSV, XLSX or JSON) through a column layout file: the lists of operations
of Interreg programmes, national project lists.

A layout (YAML) names the columns; every key but ``project.title`` is optional::

    publisher: Interreg Central Baltic          # who publishes the list (the source's title)
    prefix: central-baltic                      # ids of the records made: <prefix>-<id>
    language: en                                # language of titles and summaries
    programme: {name: Interreg Central Baltic, code: 2014TC16RFCB014, kind: interreg-cross-border}
    currency: EUR
    project:
      id: Operation ID                          # else the slug of the title
      title: Operation name
      acronym: …, identifier: …, description: Operation summary,
      start: Operation start date, end: Operation end date,
      total_budget: Total eligible expenditure, eu_contribution: Total Union co-financing,
      rate: Co-financing rate, keep_eu: keep.eu ID, kohesio: Kohesio ID,
      themes: Intervention categories           # split on theme_split (default ";")
    partners:                                   # partner lists in the project's own row
      split: ";"
      name: Beneficiary name
      role: Beneficiary role
      roles: {Lead partner: lead-partner, Project partner: partner, Associated partner: associated-partner}
      country: Country, pic: PIC, postcode: Location indicator,
      total: Total eligible expenditure allocated to the beneficiary     # eligible-cost
      eu: Total Union co-financing allocated to the beneficiary          # eu-contribution
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..files import read_yaml
from .common import Context, cell, checked, funding, period, programme_ref, where
from .read import Row, read_table
from .reconcile import OrgFacts
from .values import BadValue, country, pic, postcode, rate, slug

__all__ = ["import_table", "Layout", "load_layout"]

_PROJECT_KEYS = {"id", "title", "acronym", "identifier", "description", "start", "end", "total_budget",
                 "eu_contribution", "rate", "keep_eu", "kohesio", "themes", "theme_split"}
_PARTNER_KEYS = {"split", "name", "role", "roles", "country", "pic", "postcode", "total", "eu"}
_TOP_KEYS = {"publisher", "prefix", "language", "programme", "currency", "project", "partners", "sheet"}
_ROLES = {"lead-partner", "partner", "coordinator", "associated-partner", "participant", "beneficiary",
          "co-financier", "stakeholder", "project-manager", "work-package-lead", "funder", "third-party",
          "international-partner"}


class Layout(dict):  # the parsed YAML, checked
    pass


def load_layout(path: Path) -> Layout:
    spec = read_yaml(path, "column layout")
    if not isinstance(spec, dict):
        raise ConfigError(f"{path}: a column layout is a YAML mapping (publisher, prefix, project, partners …)")
    unknown = set(spec) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(_TOP_KEYS))}")
    project = spec.get("project")
    if not isinstance(project, dict) or not project.get("title"):
        raise ConfigError(f"{path}: 'project.title' names the column of the project titles")
    bad = set(project) - _PROJECT_KEYS
    if bad:
        raise ConfigError(f"{path}: unknown key(s) under project: {', '.join(sorted(bad))}")
    partners = spec.get("partners") or {}
    if not isinstance(partners, dict) or (partners and not partners.get("name")):
        raise ConfigError(f"{path}: 'partners.name' names the column of the partner names")
    bad = set(partners) - _PARTNER_KEYS
    if bad:
        raise ConfigError(f"{path}: unknown key(s) under partners: {', '.join(sorted(bad))}")
    for raw, role in (partners.get("roles") or {}).items():
        if role not in _ROLES:
            raise ConfigError(f"{path}: partners.roles: '{raw}' → '{role}' is not a role ({', '.join(sorted(_ROLES))})")
    prog = spec.get("programme")
    if prog is not None and (not isinstance(prog, dict) or not prog.get("name")):
        raise ConfigError(f"{path}: 'programme' needs a name (and may give code and kind)")
    prefix = str(spec.get("prefix") or slug(path.stem))
    if slug(prefix) != prefix:
        raise ConfigError(f"{path}: prefix '{prefix}' must be lower-case letters, digits and hyphens")
    return Layout(spec, prefix=prefix)


def import_table(ctx: Context, files: Iterable[tuple[Path, str]], layout_path: Path) -> None:
    layout = load_layout(layout_path)
    ctx.orgs.prefix = layout["prefix"]
    for path, display in files:
        rows = read_table(path, display, encoding=ctx.options.get("encoding"), sheet=layout.get("sheet"))
        for row in rows:
            ctx.draft.source(display, layout["prefix"], str(layout.get("publisher") or "Project list"))
            _row(ctx, row, layout)


def _col(row: Row, layout: dict, key: str) -> tuple[str, str]:
    column = (layout.get("project") or {}).get(key)
    return (column, cell(row, column)) if column else ("", "")


def _row(ctx: Context, row: Row, layout: dict) -> None:
    prefix, lang = layout["prefix"], str(layout.get("language") or "en")
    currency = str(layout.get("currency") or "EUR")
    tcol, title = _col(row, layout, "title")
    if not title:
        ctx.rejects.row(row, tcol, "no project title")
        return
    icol, ident = _col(row, layout, "id")
    pid = f"{prefix}-{slug(ident or title, 70)}"
    if ctx.draft.get("project", pid) is not None:
        ctx.rejects.row(row, icol or tcol, f"the project {ident or title!r} appears again")
        return
    rec: dict[str, Any] = {"type": "project", "id": pid, "title": {lang: " ".join(title.split())}}
    for key in ("acronym", "identifier"):
        _, value = _col(row, layout, key)
        if value:
            rec[key] = value
    _, description = _col(row, layout, "description")
    if description:
        rec["description"] = {lang: description}
    for key, parse in (("keep_eu", _digits), ("kohesio", _qid)):
        column, value = _col(row, layout, key)
        parsed = checked(ctx, row, column, value, parse)
        if parsed:
            rec[key] = parsed
    prog = layout.get("programme")
    if prog:
        kind = prog.get("kind") or "interreg-cross-border"
        rec["programme"] = {"id": programme_ref(ctx, row, prog["name"], kind=kind, code=str(prog.get("code") or ""),
                                                prefix=prefix)}
    scol, _ = _col(row, layout, "start")
    ecol, _ = _col(row, layout, "end")
    if scol or ecol:
        p = period(ctx, row, scol, ecol)
        if p:
            rec["period"] = p
    themes_col, themes = _col(row, layout, "themes")
    if themes:
        split = (layout.get("project") or {}).get("theme_split", ";")
        rec["themes"] = list(dict.fromkeys(_theme(ctx, row, prefix, lang, t.strip())
                                           for t in themes.split(split) if t.strip()))
    money = []
    rate_col, rate_text = _col(row, layout, "rate")
    share = checked(ctx, row, rate_col, rate_text, rate)
    for key, kind in (("total_budget", "total-budget"), ("eu_contribution", "eu-contribution")):
        column, _ = _col(row, layout, key)
        if column:
            f = funding(ctx, row, column, kind, currency=currency, rate=share if kind == "eu-contribution" else None)
            if f:
                money.append(f)
    participants = _partners(ctx, row, layout, money, currency) if layout.get("partners") else []
    if money:
        rec["funding"] = money
    if participants:
        rec["participants"] = participants
    ctx.draft.cite(rec, row)
    ctx.draft.put(rec)


def _digits(text: str) -> str:
    t = text.strip()
    if not t.isdigit() or t.startswith("0"):
        raise BadValue(f"'{text}' is not a keep.eu number")
    return t


def _qid(text: str) -> str:
    from .kohesio import qid

    return qid(text)


def _theme(ctx: Context, row: Row, prefix: str, lang: str, label: str) -> str:
    tid = f"{prefix}-theme-{slug(label, 60)}"
    if ctx.draft.get("theme", tid) is None:
        ctx.draft.cite(ctx.draft.put({"type": "theme", "id": tid, "label": {lang: label}}), row)
    return tid


def _partners(ctx: Context, row: Row, layout: dict, money: list, currency: str) -> list[dict[str, Any]]:
    spec = layout["partners"]
    split = spec.get("split", ";")

    def column(key: str) -> tuple[str, list[str]]:
        name = spec.get(key)
        if not name:
            return "", []
        return name, [v.strip() for v in row.get(name).split(split)] if row.get(name).strip() else []

    ncol, names = column("name")
    lists = {k: column(k) for k in ("role", "country", "pic", "postcode", "total", "eu")}
    for key, (col, values) in lists.items():
        if values and len(values) != len(names):
            ctx.rejects.value(row, col, f"{len(values)} values for {len(names)} partners; the column is left out")
            lists[key] = (col, [])
    roles = spec.get("roles") or {}
    out: list[dict[str, Any]] = []
    for i, name in enumerate(names):
        if not name:
            ctx.rejects.value(row, ncol, f"partner {i + 1} has no name")
            continue

        def at(key: str, i: int = i) -> tuple[str, str]:
            col, values = lists[key]
            return col, values[i] if values else ""

        rcol, raw_role = at("role")
        role = roles.get(raw_role, "partner" if not raw_role else None) if roles else "partner"
        if role is None:
            ctx.rejects.value(row, rcol, f"partner {i + 1}: the role '{raw_role}' is not in the layout's roles")
            role = "participant"
        ccol, cc_text = at("country")
        cc = checked(ctx, row, ccol, cc_text, country)
        pcol, pic_text = at("pic")
        _, pc = at("postcode")
        facts = OrgFacts(name=" ".join(name.split()), lang=str(layout.get("language") or "en"), country=cc,
                         pic=checked(ctx, row, pcol, pic_text, pic), postcode=postcode(pc, cc) or None)
        org = ctx.orgs.resolve(facts, row)
        if any(p["organisation"] == org for p in out):
            continue
        text = f"{ncol}: {name}" + (f"; {rcol}: {raw_role}" if raw_role else "") + f" ({where(row)})"
        out.append({"organisation": org, "roles": [role], "text": text})
        for key, kind in (("total", "eligible-cost"), ("eu", "eu-contribution")):
            col, value = at(key)
            if value:
                one = Row(row.file, row.row, {col: value}, row.sheet)
                f = funding(ctx, one, col, kind, currency=currency, recipients=[org])
                if f:
                    money.append(f)
    return out
