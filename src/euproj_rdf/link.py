"""Link proposals: find Wikidata items (or another endpoint's) for records that lack an id.

:func:`propose` asks a SPARQL endpoint — Wikidata's query service by default, any endpoint with
``rdfs:label`` / ``skos:altLabel`` works — for items whose label or alias equals a record's
name in the name's language, with the item's country (``wdt:P17`` → ``wdt:P298``, the ISO
3166-1 alpha-3 code, which is also the EU authority-table code of the record's ``country``).
Candidates are scored (the record's name as the item's label in the name's first language 1.0,
in another of its languages 0.9, as an alias 0.8; an alternative name 0.75 as a label, 0.6 as an
alias, less the shorter it is than the name; × 1 when the countries agree, × 0.2 when they
differ, × 0.6 when the item has no country; ambiguous ties lose a fifth) and written as an SSSOM mapping table
(:func:`write_sssom`) for a curator to review.

A curator accepts a row by setting its ``mapping_justification`` to
``semapv:ManualMappingCuration``; :func:`apply_sssom` then writes the accepted ids into the
record files (``wikidata: Q…``), where the mapping turns them into ``owl:sameAs`` /
``skos:exactMatch`` links at the next build.

Requests are batched (``batch_size`` records a query), cached on disk (a file per query,
keyed by endpoint and query text), rate-limited (at least ``min_interval`` seconds between
requests; retried on connection errors, 429 and 5xx, obeying ``Retry-After``) and fail soft: an unreachable endpoint
raises :class:`LinkError` before anything is written, so records and dumps stay as they were.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .http import HttpClient, reply_text
from .version import __version__
from .errors import ConfigError, LinkError
from .files import atomic_write
from .records import Record, RecordFolder
from .vocab import DATA, LINKS, OWL, RDFS, SCHEMA, SEMAPV, SKOS, WIKIDATA_DIRECT, WIKIDATA_ENTITY, WIKIDATA_SPARQL

__all__ = ["WIKIDATA", "LinkError", "Proposal", "SparqlClient", "apply_sssom", "propose", "write_sssom"]

WIKIDATA = WIKIDATA_SPARQL
ITEM_NS = WIKIDATA_ENTITY
ACCEPTED = "semapv:ManualMappingCuration"
PROPOSED = "semapv:LexicalMatching"

#: record type → (predicate of the link, SSSOM CURIE); the mapping file says the same
_PREDICATES = {
    "organisation": "owl:sameAs",
    "programme": "owl:sameAs",
    "fund": "owl:sameAs",
    "project": "owl:sameAs",
    "theme": "skos:exactMatch",
}
_CURIES = {
    "euproj": DATA,
    "wikidata": ITEM_NS,
    "owl": OWL,
    "skos": SKOS,
    "semapv": SEMAPV,
}
_COLUMNS = ["subject_id", "subject_label", "predicate_id", "object_id", "object_label",
            "mapping_justification", "confidence", "match_string", "subject_source", "object_source",
            "mapping_tool", "comment"]


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


def _literal(text: str, lang: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@{lang}'


def _query(batch: list[Target]) -> str:
    values = "\n".join(f'    ("{t.type}/{t.id}" {_literal(text, lang)})' for t in batch for text, lang in t.names)
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
    unknown = set(types) - set(_PREDICATES)
    if unknown:
        raise ConfigError(f"cannot link records of type {', '.join(sorted(unknown))}: "
                          f"choose from {', '.join(sorted(_PREDICATES))}")
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
                                      c["description"] or c["match"], c["match"], comment, _PREDICATES[target.type]))
    return sorted(proposals, key=lambda p: (p.subject, -p.confidence, p.item))


# --------------------------------------------------------------------------- SSSOM


def write_sssom(proposals: list[Proposal], path: Path, *, endpoint: str, today: dt.date | None = None) -> Path:
    """Write the proposals as an SSSOM/TSV mapping table (atomically)."""
    today = today or dt.date.today()
    header = ["# curie_map:"] + [f"#   {k}: {v}" for k, v in _CURIES.items()]
    header += [
        f"# mapping_set_id: {LINKS}wikidata/{today.isoformat()}",
        "# mapping_set_description: Wikidata items proposed for euproj records without one, matched by"
        " label, language and country. Accept a row by setting mapping_justification to"
        f" {ACCEPTED}; euproj-rdf link --apply writes accepted rows into the records.",
        "# license: https://creativecommons.org/publicdomain/zero/1.0/",
        f"# mapping_date: {today.isoformat()}",
        f"# mapping_provider: {endpoint}",
    ]
    with atomic_write(path, newline="") as fh:
        fh.write("\n".join(header) + "\n")
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(_COLUMNS)
        for p in proposals:
            w.writerow([f"euproj:{p.subject}", p.subject_label, p.predicate, f"wikidata:{p.item}",
                        p.object_label, PROPOSED, f"{p.confidence:.3f}", p.match_string,
                        "euproj:", "wikidata:", f"euproj-rdf link {__version__}", p.comment])
    return path


def _read_sssom(path: Path) -> tuple[int, list[dict[str, str]]]:
    """The line of the table's first row, and its rows."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read the mapping table '{path}': {exc.strerror}") from None
    body = [line for line in lines if not line.startswith("#")]
    rows = list(csv.DictReader(body, delimiter="\t"))
    missing = {"subject_id", "object_id", "mapping_justification"} - set(rows[0] if rows else _COLUMNS)
    if missing:
        raise ConfigError(f"{path}: not an SSSOM table of links, it lacks {', '.join(sorted(missing))}")
    return len(lines) - len(body) + 2, rows


_ID_LINE = re.compile(r"^(\s*-\s+|\s+)id:\s*\S")


def apply_sssom(path: Path | str, records: Path | str = "records") -> list[tuple[str, str]]:
    """Write the accepted rows' Wikidata ids into the YAML record files; return (subject, id) pairs.

    A subject accepted twice, or already linked to another item, is refused with the table's
    line; nothing is written then. Records in CSV files are refused too (add a column instead).
    """
    path, root = Path(path), Path(records)
    accepted: dict[str, tuple[str, int]] = {}
    problems = []
    first, rows = _read_sssom(path)
    for n, row in enumerate(rows, first):
        if row.get("mapping_justification") != ACCEPTED:
            continue
        subject, obj = row["subject_id"], row["object_id"]
        if not subject.startswith("euproj:") or not re.fullmatch(r"wikidata:Q[1-9][0-9]*", obj or ""):
            problems.append(f"{path}:{n}: expected euproj:<type>/<id> and wikidata:Q… , got {subject} {obj}")
            continue
        key = subject[len("euproj:"):]
        if key in accepted and accepted[key][0] != obj[len("wikidata:"):]:
            problems.append(f"{path}:{n}: {key} is accepted twice (also line {accepted[key][1]})")
            continue
        accepted[key] = (obj[len("wikidata:"):], n)
    folder = RecordFolder(root)
    edits: dict[Path, list[tuple[int, str]]] = {}
    done = []
    for p in folder.files:
        for rec in folder.read(p):
            key = f"{rec.type}/{rec.id}"
            if key not in accepted:
                continue
            qid, n = accepted.pop(key)
            current = rec.data.get("wikidata")
            if current == qid:
                continue
            if current:
                problems.append(f"{path}:{n}: {key} already has wikidata {current} ({rec.file}:{rec.line_of('wikidata')})")
            elif p.suffix == ".csv":
                problems.append(f"{path}:{n}: {key} is in a CSV file ({rec.file}:{rec.line}); add a wikidata column there")
            else:
                edits.setdefault(p, []).append((rec.line, qid))
                done.append((key, qid))
    problems += [f"{path}:{n}: no record {key}" for key, (_, n) in accepted.items()]
    if problems:
        raise ConfigError("; ".join(problems) + "; no record was changed")
    for p, changes in edits.items():
        lines = p.read_text(encoding="utf-8").split("\n")
        for start, qid in sorted(changes, reverse=True):  # from the bottom, so earlier lines keep their numbers
            i = start - 1
            while i < len(lines) and not _ID_LINE.match(lines[i]):
                i += 1
            m = _ID_LINE.match(lines[i]) if i < len(lines) else None
            indent = " " * len(m.group(1)) if m else "  "
            lines.insert(i + 1, f"{indent}wikidata: {qid}")
        with atomic_write(p, newline="") as fh:
            fh.write("\n".join(lines))
    return done
