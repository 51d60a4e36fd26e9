"""Link tables as SSSOM/TSV: written for a curator, read back, and the accepted rows applied.

A curator accepts a row by setting its ``mapping_justification`` to
``semapv:ManualMappingCuration``; :func:`apply_sssom` then writes the accepted ids into the YAML
record files (``wikidata: Q…``, right after the record's ``id:`` line), where the mapping turns
them into ``owl:sameAs`` / ``skos:exactMatch`` links at the next build.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import yaml

from ..errors import ConfigError
from ..files import atomic_write
from ..record import Record
from ..records import RecordFolder
from ..version import __version__
from ..vocab import DATA, LINKS, OWL, SEMAPV, SKOS
from ..yamlread import first_bad_utf8
from .propose import ITEM_NS, Proposal

__all__ = ["ACCEPTED", "PROPOSED", "apply_sssom", "read_sssom", "write_sssom"]

ACCEPTED = "semapv:ManualMappingCuration"
PROPOSED = "semapv:LexicalMatching"

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



def write_sssom(proposals: list[Proposal], path: Path, *, endpoint: str, today: dt.date | None = None) -> Path:
    """Write the proposals as an SSSOM/TSV mapping table (atomically)."""
    today = today or dt.date.today()
    header = ["# curie_map:"] + [f"#   {k}: {v}" for k, v in _CURIES.items()]
    header += [
        f"# mapping_set_id: {LINKS}wikidata/{today.isoformat()}",
        "# mapping_set_description: Wikidata items proposed for euproj records without one, matched by"
        " label, language and country. Accept a row by setting mapping_justification to"
        f" {ACCEPTED}; euproj-rdf link-apply writes accepted rows into the records.",
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


def read_sssom(path: Path) -> tuple[int, list[dict[str, str]]]:
    """The line of the table's first row, and its rows (dicts by column)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read the mapping table '{path}': {exc.strerror}") from None
    except UnicodeDecodeError:
        line, col, byte = first_bad_utf8(path) or (1, 1, 0)
        raise ConfigError(f"{path}:{line}: byte 0x{byte:02X} at column {col} is not UTF-8 (save the table as UTF-8)") from None
    body = [line for line in lines if not line.startswith("#")]
    rows = list(csv.DictReader(body, delimiter="\t"))
    missing = {"subject_id", "object_id", "mapping_justification"} - set(rows[0] if rows else _COLUMNS)
    if missing:
        raise ConfigError(f"{path}: not an SSSOM table of links, it lacks {', '.join(sorted(missing))}")
    return len(lines) - len(body) + 2, rows


def _accepted(path: Path) -> tuple[dict[str, tuple[str, int]], list[str]]:
    """The accepted rows: ``type/id`` → (Wikidata id, line in the table); and the bad rows."""
    accepted: dict[str, tuple[str, int]] = {}
    problems = []
    first, rows = read_sssom(path)
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
    return accepted, problems


#: a record's ``id:`` key on a line of its own, in block style (``- id: x`` or ``  id: x``)
_BLOCK_ID = re.compile(r"^(\s*-\s+|\s+)id:[ \t]*[^\s{\[]")


def _with_ids(file: Path, changes: list[tuple[int, Record, str, str]]) -> tuple[str, list[str]]:
    """The text of a YAML record file with ``wikidata: Q…`` after each changed record's ``id:``
    line (found through :attr:`Record.lines`), and the changes that cannot be made safely.

    ``changes`` holds (position of the record in the file, record, Wikidata id, where the row
    is). The new text is parsed again: it must hold the same records, with only the ids added.
    """
    text = file.read_text(encoding="utf-8")
    lines = text.split("\n")
    refused = []
    for _, rec, qid, row in sorted(changes, key=lambda c: -c[1].lines["id"]):  # from the bottom up
        at = rec.lines["id"]
        m = _BLOCK_ID.match(lines[at - 1])
        if m is None:
            refused.append(f"{row}: {rec.type}/{rec.id} is not written one field a line ({rec.file}:{at}); "
                           f"add 'wikidata: {qid}' to it by hand")
            continue
        lines.insert(at, " " * len(m.group(1)) + f"wikidata: {qid}")
    new = "\n".join(lines)
    if refused:
        return new, refused
    expected = yaml.safe_load(text)
    for pos, _, qid, _ in changes:
        expected[pos] = {**expected[pos], "wikidata": qid}
    try:
        same = yaml.safe_load(new) == expected
    except yaml.YAMLError:
        same = False
    if not same:
        where = ", ".join(f"{rec.file}:{rec.lines['id']}" for _, rec, _, _ in changes)
        refused.append(f"cannot add the ids to {where} safely; add them by hand")
    return new, refused


def apply_sssom(path: Path | str, records: Path | str = "records") -> list[tuple[str, str]]:
    """Write the accepted rows' Wikidata ids into the YAML record files; return (subject, id) pairs.

    A subject accepted twice, or already linked to another item, is refused with the table's
    line; so is a record in a CSV file (add a column instead) and one that cannot be edited
    safely (a record written in flow style, ``- {type: …, id: …}``). Nothing is written then.
    """
    path = Path(path)
    accepted, problems = _accepted(path)
    folder = RecordFolder(records)
    edits: dict[Path, list[tuple[int, Record, str, str]]] = {}
    done = []
    for p in folder.files:
        for pos, rec in enumerate(folder.read(p)):
            key = f"{rec.type}/{rec.id}"
            if key not in accepted:
                continue
            qid, n = accepted.pop(key)
            current = rec.data.get("wikidata")
            if current == qid:
                continue
            if "wikidata" in rec.data:
                problems.append(f"{path}:{n}: {key} already has wikidata {current} ({rec.file}:{rec.line_of('wikidata')})")
            elif p.suffix == ".csv":
                problems.append(f"{path}:{n}: {key} is in a CSV file ({rec.file}:{rec.line}); add a wikidata column there")
            else:
                edits.setdefault(p, []).append((pos, rec, qid, f"{path}:{n}"))
                done.append((key, qid))
    problems += [f"{path}:{n}: no record {key}" for key, (_, n) in accepted.items()]
    texts = {}
    for p, changes in edits.items():
        texts[p], refused = _with_ids(p, changes)
        problems += refused
    if problems:
        raise ConfigError("; ".join(problems) + "; no record was changed")
    for p, text in texts.items():
        with atomic_write(p, newline="") as fh:
            fh.write(text)
    return done
