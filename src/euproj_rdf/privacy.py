"""The personal-data guard: free text scanned for contact details and identity numbers.

Contact persons live in ``contacts`` (an object type marked ``personal_data``, emitted only with
consent); everything else goes into the public dump. :func:`scan_record` looks through every
free-text field of a record (``kind: string`` and ``langmap`` fields of the objects that are
not personal data: notes, quotes of the sources, descriptions, names) for

- e-mail addresses;
- phone numbers: international (``+46 40 12 34 56``), Swedish national (``040-12 34 56``),
  Danish (``33 12 34 56``), and any number after "tel", "telefon", "phone", "mobil", "tlf";
- Swedish personal identity numbers (``YYMMDD-NNNN`` or ``YYYYMMDDNNNN`` with a valid date,
  coordination numbers included, and a valid check digit);
- Danish CPR numbers (``DDMMYY-NNNN`` with a valid date).

Each hit is a :class:`~euproj_rdf.errors.RecordProblem` at the field's line; a build reports
them as warnings, and as errors (nothing written) with ``strict_privacy`` (``build
--strict-privacy``, always on in ``publish``).

>>> [kind for kind, _ in find_personal_data("Kontakt: anna.svensson@skane.se, 040-12 34 56")]
['e-mail address', 'phone number']
>>> find_personal_data("Budget EUR 1 390 000, 2016-05-01 – 2019-04-30, call 2019-04")
[]
"""

from __future__ import annotations

import calendar
import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import RecordProblem
from .record import Record
from .schema import ObjectSpec, Schema
from .vocab import RDF, XSD

__all__ = ["find_personal_data", "scan_record", "scan_dump", "as_warning"]

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONES = (
    # international: + country code, then 6 to 12 more digits in groups
    re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(0\))?(?:[ .-]?\d){6,12}(?![\d])"),
    # Swedish national: area code with a leading 0, then the number (040-12 34 56, 08-123 456 78)
    re.compile(r"(?<![\w.,/-])0\d{1,3}(?: ?[-/] ?| )\d{2,4}(?:[ -]\d{2,4}){0,3}(?![\d.,-]?\d)"),
    # Danish: eight digits in pairs (33 12 34 56)
    re.compile(r"(?<![\w.,-])\d{2} \d{2} \d{2} \d{2}(?![\d.,-]?\d)"),
    # any number after a telephone word
    re.compile(r"(?i)\b(?:tel|tfn|telefon|phone|mobil|mobile|mob|tlf|fax)\b\.?:?\s*\+?\(?\d[\d ()./-]{5,}\d"),
)
_CANDIDATE = re.compile(r"@|\d(?:\D{0,3}\d){5}")  # an @, or six digits close together
_DATE_LIKE = re.compile(r"^\d{1,4}[-./]\d{1,2}[-./]\d{1,4}$")
_PERSONNUMMER = re.compile(r"(?<![\w-])(?:(?:19|20)(\d{6})|(\d{6}))([-+]?)(\d{4})(?![\w-])")


def _luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(digits):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _valid_day(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _identity_number(m: re.Match[str]) -> str | None:
    """'Swedish personnummer', 'Danish CPR number' or None for a 6+4-digit match."""
    long_form, short, sep, tail = m.group(1), m.group(2), m.group(3), m.group(4)
    six = long_form or short
    if not sep and not long_form:
        return None  # ten bare digits: too often some other number
    a, b, c = int(six[:2]), int(six[2:4]), int(six[4:6])
    # Swedish: YYMMDD (day + 60 for a coordination number) and the Luhn check digit
    day = c - 60 if c > 60 else c
    if _valid_day(2000 + a, b, day) and _luhn(six + tail):
        return "Swedish personnummer"
    # Danish CPR: DDMMYY with a dash (no check digit since 2007)
    if sep == "-" and not long_form and _valid_day(2000 + c, b, a):
        return "Danish CPR number"
    return None


def find_personal_data(text: str) -> list[tuple[str, str]]:
    """(kind, the text found) for every piece of personal data in ``text``, in order."""
    hits: list[tuple[int, str, str]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, kind: str) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        hits.append((start, kind, text[start:end]))

    for m in _EMAIL.finditer(text):
        add(m.start(), m.end(), "e-mail address")
    for m in _PERSONNUMMER.finditer(text):
        kind = _identity_number(m)
        if kind:
            add(m.start(), m.end(), kind)
    for pattern in _PHONES:
        for m in pattern.finditer(text):
            found = m.group(0)
            digits = sum(c.isdigit() for c in found)
            if 7 <= digits <= 15 and not _DATE_LIKE.match(found.strip()):
                add(m.start(), m.end(), "phone number")
    return [(kind, found) for _, kind, found in sorted(hits)]


#: a necessary condition of every pattern above (an @; a + before a digit; ten digits, maybe
#: split once by - or +; two digits apart by a space, a dash or a slash; a telephone word): a
#: text without any of these has no personal data, and is not searched further
_QUICK = re.compile(r"@|\+\d|\d{6}[-+]?\d{4}|\d ?[-/] ?\d|\d \d|(?i:tel|tfn|phone|mob|tlf|fax)")

#: object type → (the type, its free-text fields: name → (0 string, 1 langmap or 2 object; many; object type))
_PLANS: dict[int, tuple[ObjectSpec, dict[str, tuple[int, bool, ObjectSpec | None]]]] = {}


def _plan(spec: ObjectSpec, schema: Schema) -> dict[str, tuple[int, bool, ObjectSpec | None]]:
    """The fields of an object type that hold free text or objects (worked out once a type)."""
    found = _PLANS.get(id(spec))
    if found is None or found[0] is not spec:
        plan: dict[str, tuple[int, bool, ObjectSpec | None]] = {}
        for name, f in spec.fields.items():
            if f.kind == "string":
                plan[name] = (0, f.many, None)
            elif f.kind == "langmap":
                plan[name] = (1, f.many, None)
            elif f.kind == "object" and f.object in schema.objects:
                plan[name] = (2, f.many, schema.objects[str(f.object)])
        found = _PLANS[id(spec)] = (spec, plan)
    return found[1]


# the same two tests, in cheaper pieces: Python's regular expressions try every alternative at
# every place of a long text, while ``in`` and a pattern that starts with a digit skip ahead
_SIX_DIGITS = re.compile(r"\d(?:\D{0,3}\d){5}")
_PLUS_DIGIT = re.compile(r"\+\d")
_DIGIT_PAIRS = re.compile(r"\d(?:\d{5}[-+]?\d{4}| ?[-/] ?\d| \d)")
_PHONE_WORDS = ("tel", "tfn", "phone", "mob", "tlf", "fax")


def candidate(text: str) -> bool:
    """``_CANDIDATE.search(text) is not None``, faster."""
    return "@" in text or _SIX_DIGITS.search(text) is not None


def quick(text: str) -> bool:
    """``_QUICK.search(text) is not None``, faster."""
    if "@" in text or _PLUS_DIGIT.search(text) is not None or _DIGIT_PAIRS.search(text) is not None:
        return True
    low = text.lower()
    return any(word in low for word in _PHONE_WORDS)


def _suspect(text: str) -> bool:
    return candidate(text) and quick(text)


def _at(path: str, name: str, i: int | None) -> str:
    sub = f"{path}.{name}" if path else name
    return sub if i is None else f"{sub}.{i}"


def _texts(spec: ObjectSpec, data: Any, path: str, schema: Schema, out: list[tuple[str, str]]) -> None:
    """Add (field path, text) of every free-text value of an object that is not personal data
    and may hold some (:data:`_CANDIDATE`, :data:`_QUICK`) to ``out``, in the fields' order."""
    if spec.personal_data or not isinstance(data, dict):
        return
    plan = _plan(spec, schema)
    for name, value in data.items():
        how = plan.get(name)
        if how is None or value is None:
            continue
        kind, many, sub = how
        items = enumerate(value) if many and isinstance(value, list) else ((None, value),)
        for i, item in items:
            if kind == 0:
                if isinstance(item, str) and _suspect(item):
                    out.append((_at(path, name, i), item))
            elif kind == 1:
                if isinstance(item, dict):
                    for lang, text in item.items():
                        if isinstance(text, str) and _suspect(text):
                            out.append((f"{_at(path, name, i)}.{lang}", text))
            elif sub is not None:
                _texts(sub, item, _at(path, name, i), schema, out)


def scan_record(record: Record, schema: Schema) -> list[RecordProblem]:
    """The personal data found in the free text of ``record``, one problem per hit."""
    spec = schema.records.get(record.type or "")
    if spec is None:
        return []
    texts: list[tuple[str, str]] = []
    _texts(spec, record.data, "", schema, texts)  # only texts that may hold some (kept cheap)
    found = []
    for path, text in texts:
        for kind, what in find_personal_data(text):
            found.append(record.problem(path, f"{kind} '{what}' in free text: personal data does not belong in the public dump",
                                        "remove it; a contact person goes into 'contacts'"))
    return found


_TEXT_TYPES = {XSD + "string", RDF + "langString"}


def scan_dump(nt: Path, schema: Schema) -> list[tuple[str, str, str, str]]:
    """(subject, predicate, kind, text found) for personal data in the text literals of a dump.

    The fields of personal-data objects (contacts, published only with their consent) are not
    looked at: they are personal data by design.
    """
    personal = {f.predicate for spec in schema.objects.values() if spec.personal_data
                for f in spec.fields.values() if f.predicate}
    hits = []
    for t in ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES):
        o = t.object
        if not isinstance(o, ox.Literal) or o.datatype.value not in _TEXT_TYPES or t.predicate.value in personal:
            continue
        text = o.value
        if _suspect(text):
            for kind, what in find_personal_data(text):
                hits.append((t.subject.value if hasattr(t.subject, "value") else str(t.subject), t.predicate.value, kind, what))
    return hits


def as_warning(problem: RecordProblem) -> str:
    """The line a build prints for a hit that is not an error (without --strict-privacy)."""
    text = str(problem)
    head = f"{problem.file}:{problem.line}: "
    where, _, rest = text[len(head):].partition(": ")
    return f"{head}{where}: Warning: {rest}" if rest else f"{head}Warning: {where}"
