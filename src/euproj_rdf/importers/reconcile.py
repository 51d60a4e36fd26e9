"""One organisation, many sources: reconciling imported organisations with each other and with
the records already there.

An organisation is the same as another when (certain) their PICs are equal, or their VAT
numbers, or their normalised names, countries and cities; it then becomes one record that keeps
every source row and every spelling (``alt_names``), or — when the other one is a record of the
records folder — the import refers to that record and writes none of its own. When only the
normalised name and the country agree (no city to compare, or different cities), the two stay
apart and the pair goes into an SSSOM mapping table (``organisations.sssom.tsv``) for a curator:
never merged silently.

The keys, the name groups and the organisations' rows are kept on disk (:mod:`.orgstore`), so
that an import's memory does not grow with the organisations it meets.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..link.sssom import ACCEPTED, PROPOSED, read_sssom
from ..records import Record, read_records, record_files
from ..vocab import DATA, LINKS, SEMAPV, SKOS
from .draft import Draft, Rejects
from .orgstore import Known, OrgStore
from .read import Row
from .values import norm_name, slug

__all__ = ["OrgFacts", "Reconciler", "SSSOM_FILE"]

SSSOM_FILE = "organisations.sssom.tsv"
_COLUMNS = ["subject_id", "subject_label", "predicate_id", "object_id", "object_label",
            "mapping_justification", "confidence", "match_string", "mapping_tool", "comment"]
BASE = DATA + "organisation/"


@dataclass
class OrgFacts:
    """What one input row says about an organisation (values already normalised)."""

    name: str
    lang: str = "en"
    country: str | None = None
    city: str | None = None
    postcode: str | None = None
    pic: str | None = None
    vat: str | None = None
    kohesio: str | None = None
    nuts: str | None = None
    website: dict[str, str] | None = None
    kind: str = "organisation"
    kind_text: str | None = None
    alt_names: list[str] = field(default_factory=list)
    english: bool = False  # the name is the organisation's English name (keep.eu's "Organisation in English")
    columns: dict[str, str] = field(default_factory=dict)  # pic, vat, city → the column they come from

    def keys(self) -> list[tuple[str, ...]]:
        keys: list[tuple[str, ...]] = []
        if self.pic:
            keys.append(("pic", self.pic))
        if self.vat:
            keys.append(("vat", self.vat))
        if self.kohesio:
            keys.append(("kohesio", self.kohesio))
        n = norm_name(self.name)
        if n and self.country and self.city:
            keys.append(("name", n, self.country, norm_name(self.city)))
        return keys

    def loose(self) -> tuple[str, ...] | None:
        n = norm_name(self.name)
        return ("loose", n, self.country or "") if n else None


class Reconciler:
    """Resolves :class:`OrgFacts` to organisation ids, merging certain matches into one record."""

    def __init__(self, draft: Draft, prefix: str, rejects: Rejects | None = None) -> None:
        self.draft = draft
        self.prefix = prefix
        self.rejects = rejects if rejects is not None else Rejects()
        #: id of an existing organisation → its own pic, vat, city and English name (those win)
        self.own: dict[str, dict[str, str]] = {}
        #: the keys and name groups of every organisation, and the organisations' records
        self.store = OrgStore(merge_org)
        draft.spilled["organisation"] = self.store
        self.pairs: dict[tuple[str, str], tuple[str, str, str, float, str]] = {}
        self.merged_into_existing: set[str] = set()
        self.accepted: dict[str, str] = {}  # import id → the id a curator accepted as the same
        self.accepted_rows: list[list[str]] = []
        self.existing: dict[str, str] = {}  # id of an existing organisation → its label
        self.funds: dict[str, str] = {}  # EU programme-table code or acronym of an existing fund → its id
        self.programmes: dict[str, str] = {}  # normalised name or keep.eu number of an existing programme → id
        self.english: set[tuple[str, str]] = set()  # (type, id) of existing funds and programmes with an English name

    # ----------------------------------------------------------------- existing records

    def add_existing(self, records: Path, exclude: Path, csv_mappings: dict | None = None) -> int:
        """Index the organisations of the records folder (not those of ``exclude``)."""
        if not records.exists():
            return 0
        n = 0
        skip = exclude.resolve()
        for path in record_files(records):
            if path.resolve().is_relative_to(skip) or path.suffix not in (".yaml", ".yml", ".csv"):
                continue
            if path.suffix == ".csv" and path.stem not in (csv_mappings or {}):
                continue
            for rec in read_records(path, csv_mappings=csv_mappings, fields=None):
                if rec.type in self.draft.existing and rec.id:
                    self.draft.existing[rec.type].add(rec.id)
                if rec.type in ("fund", "programme", "fund_facts", "programme_facts") and rec.id \
                        and isinstance(rec.data.get("name"), dict) and rec.data["name"].get("en"):
                    self.english.add((rec.type.removesuffix("_facts"), rec.id))
                if rec.type == "organisation" and rec.id:
                    self._index_existing(rec)
                    n += 1
                elif rec.type == "fund" and rec.id:
                    for code in (rec.data.get("eu_programme"), rec.data.get("acronym"), rec.id):
                        if isinstance(code, str):
                            self.funds.setdefault(code.upper(), rec.id)
                elif rec.type == "programme" and rec.id:
                    names = list((rec.data.get("name") or {}).values()) + list(rec.data.get("alt_names") or [])
                    for name in names:
                        if isinstance(name, str) and norm_name(name):
                            self.programmes.setdefault(norm_name(name), rec.id)
                    if rec.data.get("keep_eu_programme"):
                        self.programmes.setdefault(f"keep:{rec.data['keep_eu_programme']}", rec.id)
        return n

    def _index_existing(self, rec: Record) -> None:
        d = rec.data
        names = [v for v in (d.get("name") or {}).values() if isinstance(v, str)]
        names += [v for v in d.get("alt_names") or [] if isinstance(v, str)]
        known = Known(rec.id or "", names[0] if names else rec.id or "", True)
        self.existing[known.id] = known.label
        own = {k: str(d[k]) for k in ("pic", "vat", "city") if d.get(k)}
        if isinstance(d.get("name"), dict) and d["name"].get("en"):
            own["en"] = str(d["name"]["en"])
        self.own[known.id] = own
        country = d.get("country") if isinstance(d.get("country"), str) else None
        for k, v in (("pic", d.get("pic")), ("vat", d.get("vat")), ("kohesio", d.get("kohesio"))):
            if v:
                self.store.set_key((k, str(v)), known)
        city = d.get("city")
        for name in names:
            n = norm_name(name)
            if not n:
                continue
            if country and isinstance(city, str):
                self.store.set_key(("name", n, country, norm_name(city)), known)
            self.store.join(("loose", n, country or ""), known)

    # ----------------------------------------------------------------- resolving

    def resolve(self, facts: OrgFacts, row: Row) -> str:
        """The id of the organisation ``facts`` describe (a record made or merged as needed)."""
        loose = facts.loose()
        found, unknown, settled = self.store.find(facts.keys(), loose)
        new: bool | None = False  # found by a key: an earlier row made it
        if found is None:
            found, new = Known(self._new_id(facts), facts.name, False), True
            target = self.accepted.get(found.id)
            if target is not None:
                found, new = Known(target, self.existing.get(target, target), target in self.existing), None
        if unknown and not settled:
            self.store.add_keys(unknown, found)
        if found.curated:
            self.merged_into_existing.add(found.id)
            self._keep_facts(found.id, facts, row)
        else:
            self._merge(found.id, facts, row, new)
        if loose is not None and not settled:
            others = self.store.group(loose)
            for other in others:
                if other.id != found.id:
                    self._pair(found, other, facts)
            if all(o.id != found.id for o in others):
                self.store.join(loose, found)
        return found.id

    def _new_id(self, f: OrgFacts) -> str:
        if f.pic:
            base = f"pic-{f.pic}"
        elif f.kohesio:
            base = f"kohesio-{f.kohesio.lower()}"
        elif f.vat:
            base = f"vat-{f.vat.lower()}"
        else:
            parts = [self.prefix, slug(f.name, 50)]
            if f.country:
                parts.append(f.country.lower())
            if f.city:
                parts.append(slug(f.city, 20))
            base = "-".join(parts)
        rid, n = base, 2
        while self.store.has(rid):
            rid, n = f"{base}-{n}", n + 1
        return rid

    def _merge(self, rid: str, f: OrgFacts, row: Row, new: bool | None) -> None:
        """One more row of an imported organisation: kept with the others, merged when written."""
        self.store.add(rid, (rid, f.lang, f.name, f.country, f.city, f.postcode, f.nuts, f.pic, f.vat, f.kohesio,
                             f.kind, f.kind_text, f.website, f.alt_names, self.draft.citation(row)), new)

    def _keep_facts(self, rid: str, f: OrgFacts, row: Row) -> None:
        """What a row says about an organisation of the records folder — its PIC, VAT number,
        city and English name — in an ``organisation_facts`` record of the same id, with the
        row as source; the record's own values win, a different one is reported, not kept."""
        own = self.own.get(rid, {})
        rec = self.draft.get("organisation_facts", rid)
        if rec is None:
            rec = self.draft.put({"type": "organisation_facts", "id": rid})
        for key, label in (("pic", "PIC"), ("vat", "VAT number"), ("city", "city")):
            value = getattr(f, key)
            if not value:
                continue
            kept = own.get(key) or rec.get(key)
            same = kept is not None and (norm_name(kept) == norm_name(value) if key == "city" else kept == value)
            if kept is None:
                rec[key] = value
            elif not same:
                whose = f"the records' organisation {rid}" if key in own else f"an earlier row of {rid}"
                self.rejects.value(row, f.columns.get(key, key),
                                   f"{label} {value} not kept: {whose} has {label} {kept}")
        if f.english and "en" not in own and "name" not in rec:
            rec["name"] = {"en": f.name}
        self.draft.cite(rec, row)

    def english_name(self, rtype: str, rid: str, name: str, row: Row) -> None:
        """An English name for a fund or programme of the records that has none (a ``fund_facts``
        or ``programme_facts`` record of the same id, with the row as source)."""
        if not name or (rtype, rid) in self.english or rid not in self.draft.existing.get(rtype, set()):
            return
        rec = self.draft.get(f"{rtype}_facts", rid)
        if rec is None:
            rec = self.draft.put({"type": f"{rtype}_facts", "id": rid, "name": {"en": name}})
        self.draft.cite(rec, row)

    def _pair(self, found: Known, other: Known, f: OrgFacts) -> None:
        a, b = sorted((found.id, other.id))
        if (a, b) in self.pairs:
            return
        why = "same normalised name and country; the cities differ or one is not given"
        if not f.country:
            why = "same normalised name; no country to compare"
        label_a = found.label if a == found.id else other.label
        label_b = other.label if b == other.id else found.label
        self.pairs[(a, b)] = (label_a, label_b, norm_name(f.name), 0.7 if f.country else 0.5, why)

    # ----------------------------------------------------------------- SSSOM

    def read_decisions(self, path: Path) -> None:
        """Rows of an earlier table a curator accepted (``semapv:ManualMappingCuration``): their
        organisations are merged from now on, and the rows are written again."""
        if not path.is_file():
            return
        for row in read_sssom(path)[1]:
            if row.get("mapping_justification") != ACCEPTED:
                continue
            a, b = (row.get("subject_id") or "").removeprefix("euproj:"), (row.get("object_id") or "").removeprefix("euproj:")
            if not a or not b:
                continue
            # the imported one merges into the existing one (or the later into the earlier)
            src, dst = (b, a) if a in self.existing else (a, b)
            self.accepted[src] = dst
            self.accepted_rows.append([row.get(c, "") or "" for c in _COLUMNS])

    def sssom(self) -> str:
        """The uncertain pairs as an SSSOM/TSV table (empty string when there are none)."""
        if not self.pairs and not self.accepted_rows:
            return ""
        out = io.StringIO()
        out.write("# curie_map:\n")
        out.write(f"#   euproj: {BASE}\n")
        out.write(f"#   skos: {SKOS}\n")
        out.write(f"#   semapv: {SEMAPV}\n")
        out.write(f"# mapping_set_id: {LINKS}organisations\n")
        out.write("# mapping_set_description: Organisations that may be the same (same normalised name and"
                  " country, no PIC, VAT number or city to confirm it); a curator decides. Nothing was merged.\n")
        out.write("# license: https://creativecommons.org/publicdomain/zero/1.0/\n")
        w = csv.writer(out, delimiter="\t", lineterminator="\n")
        w.writerow(_COLUMNS)
        decided = set()
        for r in sorted(self.accepted_rows):
            w.writerow(r)
            decided.add((r[0], r[3]))
        for (a, b), (la, lb, match, conf, why) in sorted(self.pairs.items()):
            if (f"euproj:{a}", f"euproj:{b}") in decided:
                continue
            w.writerow([f"euproj:{a}", la, "skos:exactMatch", f"euproj:{b}", lb, PROPOSED,
                        f"{conf:.3f}", match, f"euproj-rdf import {__version__}", why])
        return out.getvalue()


def label_of(rec: dict[str, Any]) -> str:
    name = rec.get("name") or {}
    return next(iter(name.values()), rec.get("id", ""))


_FIELDS = ("country", "city", "postcode", "nuts", "pic", "vat", "kohesio")


def merge_org(rec: dict[str, Any] | None, facts: tuple[Any, ...]) -> dict[str, Any]:
    """The organisation record after one more of its rows (``Reconciler._merge``'s facts): the
    first row makes it, later ones fill what it lacks; every spelling and every row is kept."""
    rid, lang, name, *values, kind, kind_text, website, alt_names, citation = facts
    if rec is None:
        rec = {"type": "organisation", "id": rid, "name": {lang: name}}
        for key, value in zip(_FIELDS, values, strict=True):
            if value:
                rec[key] = value
        rec["kind"] = kind
        if kind_text:
            rec["kind_text"] = kind_text
        if website:
            rec["website"] = website
    else:
        for key, value in zip(_FIELDS, values, strict=True):
            if value and key not in rec:
                rec[key] = value
        if rec.get("kind") == "organisation" and kind != "organisation":
            rec["kind"] = kind
            if kind_text:
                rec["kind_text"] = kind_text
        if website and "website" not in rec:
            rec["website"] = website
    names = set(rec["name"].values())
    alts = rec.setdefault("alt_names", [])
    for alt in [name, *alt_names]:
        if alt and alt not in names and alt not in alts:
            alts.append(alt)
    if not alts:
        del rec["alt_names"]
    sources = rec.setdefault("sources", [])
    if citation not in sources:
        sources.append(citation)
    return rec
