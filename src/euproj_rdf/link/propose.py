"""Link proposals: Wikidata items (or another endpoint's) for records that lack an id.

:func:`propose` asks a SPARQL endpoint for items whose label or alias equals a record's name in
the name's language, with the item's country, and scores the candidates (see the package's
documentation, :mod:`euproj_rdf.link`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError, LinkError
from ..files import atomic_write
from ..http import HttpClient, reply_text
from ..ntriples import lang_literal
from ..records import Record, RecordFolder
from ..vocab import RDFS, SCHEMA, SKOS, WIKIDATA_DIRECT, WIKIDATA_ENTITY, WIKIDATA_SPARQL

__all__ = ["WIKIDATA", "ITEM_NS", "PREDICATES", "Proposal", "SparqlClient", "Target", "propose"]

WIKIDATA = WIKIDATA_SPARQL
ITEM_NS = WIKIDATA_ENTITY

#: record type → (predicate of the link, SSSOM CURIE); the mapping file says the same
PREDICATES = {
    "organisation": "owl:sameAs",
    "programme": "owl:sameAs",
    "fund": "owl:sameAs",
    "project": "owl:sameAs",
    "theme": "skos:exactMatch",
}


# --------------------------------------------------------------------------- the endpoint


@dataclass
class SparqlClient:
    """SELECT queries over HTTP with a disk cache and a minimum interval between requests.

    Retries (connection errors, 429 and 5xx answers, ``Retry-After``) are the shared HTTP
    client's (:mod:`euproj_rdf.http`).
    """

    endpoint: str = WIKIDATA
    cache: Path | None = None
    min_interval: float = 1.0
    timeout: float = 60.0
    retries: int = 3
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    requests_made: int = 0
    cache_hits: int = 0
    _last: float | None = field(default=None, repr=False)
    _http: HttpClient | None = field(default=None, repr=False)

    def _cache_file(self, query: str) -> Path | None:
        if self.cache is None:
            return None
        key = hashlib.sha256(f"{self.endpoint}\n{query}".encode()).hexdigest()
        return self.cache / f"{key}.json"

    def _wait(self) -> None:
        if self._last is not None:
            delay = self.min_interval - (self.clock() - self._last)
            if delay > 0:
                self.sleep(delay)
        self._last = self.clock()

    def select(self, query: str) -> list[dict[str, dict]]:
        """The bindings of a SELECT (SPARQL JSON results), from the cache when asked before."""
        cached = self._cache_file(query)
        if cached is not None and cached.is_file():
            self.cache_hits += 1
            return json.loads(cached.read_text(encoding="utf-8"))["results"]["bindings"]
        if self._http is None:
            self._http = HttpClient(
                error=LinkError, retries=self.retries, backoff=0.5, timeout=self.timeout,
                unreachable="cannot reach the SPARQL endpoint {url}: {error}; "
                            "no links were proposed and nothing was written",
            )
        self._wait()
        resp = self._http.request("POST", self.endpoint, data={"query": query},
                                  headers={"Accept": "application/sparql-results+json"})
        self.requests_made += 1
        if resp.status_code != 200:
            raise LinkError(f"the SPARQL endpoint {self.endpoint} answered {resp.status_code}: "
                            f"{reply_text(resp)}; nothing was written")
        try:
            body = resp.json()
            bindings = body["results"]["bindings"]
        except (ValueError, KeyError):
            raise LinkError(f"the SPARQL endpoint {self.endpoint} did not answer with SPARQL JSON results; "
                            "nothing was written") from None
        if cached is not None:
            with atomic_write(cached) as fh:
                fh.write(json.dumps(body))
        return bindings


# --------------------------------------------------------------------------- proposals


@dataclass(frozen=True)
class Target:
    """A record to find links for."""

    type: str
    id: str
    label: str
    names: tuple[tuple[str, str], ...]  # (text, language): the record's names, then alt names
    languages: tuple[str, ...]
    country: str | None
    primary: frozenset[tuple[str, str]] = frozenset()  # the names (not alt names)


@dataclass(frozen=True, order=True)
class Proposal:
    """One row of the mapping table."""

    subject: str  # "organisation/malmo-stad"
    confidence: float
    item: str  # "Q503361"
    subject_label: str
    object_label: str
    match_string: str
    comment: str
    predicate: str


def _targets(records: Iterable[Record], types: set[str]) -> list[Target]:
    out = []
    for rec in records:
        d = rec.data
        if rec.type not in types or not rec.id or d.get("wikidata"):
            continue
        name = d.get("name") or d.get("title") or d.get("label")
        if not isinstance(name, dict) or not name:
            continue
        langs = tuple(str(k) for k in name)
        names = [(str(v), str(k)) for k, v in name.items()]
        for alt in d.get("alt_names") or []:
            for lang in dict.fromkeys(langs + ("en",)):
                names.append((str(alt), lang))
        country = d.get("country") if isinstance(d.get("country"), str) else None
        primary = frozenset((str(v), str(k)) for k, v in name.items())
        out.append(Target(rec.type, rec.id, str(next(iter(name.values()))), tuple(dict.fromkeys(names)), langs,
                          country, primary))
    return out


def _query(batch: list[Target]) -> str:
    values = "\n".join(f'    ("{t.type}/{t.id}" {lang_literal(text, lang)})' for t in batch for text, lang in t.names)
    return f"""PREFIX rdfs: <{RDFS}>
PREFIX skos: <{SKOS}>
PREFIX wdt: <{WIKIDATA_DIRECT}>
PREFIX schema: <{SCHEMA}>
SELECT ?key ?item ?label ?via ?iso ?description WHERE {{
  VALUES (?key ?label) {{
{values}
  }}
  {{ ?item rdfs:label ?label . BIND("label" AS ?via) }}
  UNION
  {{ ?item skos:altLabel ?label . BIND("alias" AS ?via) }}
  OPTIONAL {{ ?item wdt:P17/wdt:P298 ?iso }}
  OPTIONAL {{ ?item schema:description ?description . FILTER (LANG(?description) = "en") }}
}}"""


def _score(target: Target, via: str, text: str, lang: str, iso: set[str]) -> tuple[float, str]:
    """How likely the item is the record, and why."""
    if (text, lang) in target.primary:
        if via == "label":
            base = 1.0 if lang == target.languages[0] else 0.9
        else:
            base = 0.8
    else:
        # an alternative name: the shorter it is against the name, the more things it may name
        # ("Malmö" for Malmö stad is also the city; "Malmö kommun" is the municipality)
        specificity = min(1.0, len(text) / max(1, len(target.label)))
        base = (0.75 if via == "label" else 0.6) * (0.6 + 0.4 * specificity)
    if target.country is None:
        return base * 0.8, "the record has no country"
    if not iso:
        return base * 0.6, "the item has no country"
    if target.country in iso:
        return base, f"same country ({target.country})"
    return base * 0.2, f"other country ({', '.join(sorted(iso))}, record {target.country})"


def propose(records: Path | str, client: SparqlClient, *, types: Iterable[str] = ("organisation", "programme", "fund"),
            batch_size: int = 20, min_confidence: float = 0.3,
            progress: Callable[[int, int], None] | None = None) -> list[Proposal]:
    """Link proposals for the records of the given types that have no ``wikidata`` id yet."""
    unknown = set(types) - set(PREDICATES)
    if unknown:
        raise ConfigError(f"cannot link records of type {', '.join(sorted(unknown))}: "
                          f"choose from {', '.join(sorted(PREDICATES))}")
    folder = RecordFolder(records)
    targets = _targets((r for p in folder.files for r in folder.read(p)), set(types))
    by_key = {f"{t.type}/{t.id}": t for t in targets}
    found: dict[str, dict[str, dict]] = {}  # key → item → best {score, …}
    for start in range(0, len(targets), batch_size):
        batch = targets[start:start + batch_size]
        rows = client.select(_query(batch))
        isos: dict[tuple[str, str], set[str]] = {}
        for row in rows:
            if "iso" in row:
                isos.setdefault((row["key"]["value"], row["item"]["value"]), set()).add(row["iso"]["value"])
        for row in rows:
            key, item = row["key"]["value"], row["item"]["value"]
            if key not in by_key or not item.startswith(ITEM_NS):
                continue
            target = by_key[key]
            label = row["label"]
            score, why = _score(target, row["via"]["value"], label["value"], label.get("xml:lang", ""),
                                isos.get((key, item), set()))
            best = found.setdefault(key, {}).get(item)
            if best is None or score > best["score"]:
                found[key][item] = {"score": score, "why": why, "via": row["via"]["value"],
                                    "match": label["value"], "description": row.get("description", {}).get("value", "")}
        if progress:
            progress(min(start + batch_size, len(targets)), len(targets))
    proposals = []
    for key, items in found.items():
        target = by_key[key]
        top = max(c["score"] for c in items.values())
        ties = sum(1 for c in items.values() if top - c["score"] < 0.05)
        for item, c in items.items():
            score = c["score"] * (0.8 if ties > 1 and top - c["score"] < 0.05 else 1.0)
            if score < min_confidence:
                continue
            comment = f"{c['via']} match; {c['why']}" + (f"; {ties} candidates tie" if ties > 1 else "")
            proposals.append(Proposal(key, round(score, 3), item[len(ITEM_NS):], target.label,
                                      c["description"] or c["match"], c["match"], comment, PREDICATES[target.type]))
    return sorted(proposals, key=lambda p: (p.subject, -p.confidence, p.item))
