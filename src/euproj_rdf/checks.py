"""Checking records against the schema before anything is mapped.

:func:`index_records` is the first pass (every id, with its location, and duplicate ids);
:func:`check_record` checks one record against the schema, the index and the concept schemes,
and returns the record normalised (dates parsed, numbers exact, shorthands expanded) together
with the problems found. A record with problems is never mapped.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import values as V
from .errors import RecordProblem
from .record import Record
from .schema import FieldSpec, ObjectSpec, Schema
from .yamlread import REFUSED

__all__ = ["RecordIndex", "index_records", "check_record"]

_LANG_FIELDS_HINT = "write {sv: …, en: …} with ISO 639-1 language codes"


@dataclass
class RecordIndex:
    """Every (type, id) seen in the first pass, with where it was first defined."""

    ids: dict[str, dict[str, tuple[str, int]]] = field(default_factory=dict)
    #: (type, field) → {id: [ids it points to]} for fields marked acyclic
    edges: dict[tuple[str, str], dict[str, list[str]]] = field(default_factory=dict)

    def has(self, rtype: str, rid: str) -> bool:
        return rid in self.ids.get(rtype, ())

    def add(self, rtype: str, rid: str, file: str, line: int) -> tuple[str, int] | None:
        """Register an id; returns the first location if it was already there."""
        table = self.ids.setdefault(rtype, {})
        if rid in table:
            return table[rid]
        table[rid] = (file, line)
        return None

    def count(self, rtype: str) -> int:
        return len(self.ids.get(rtype, ()))


def index_records(records: Iterable[Record], index: RecordIndex, schema: Schema) -> list[RecordProblem]:
    """First pass: register ids and acyclic edges; report duplicate ids and cycles."""
    problems: list[RecordProblem] = []
    where: dict[tuple[str, str], Record] = {}
    for rec in records:
        rtype, rid = rec.type, rec.id
        if rtype not in schema.records or rid is None:
            continue  # reported by check_record
        first = index.add(rtype, rid, rec.file, rec.line)
        if first is not None and schema.records[rtype].extends is None:
            problems.append(
                rec.problem("id", f"duplicate id '{rid}': the first {rtype} with it is at {first[0]}:{first[1]}",
                            "merge the two records or give one another id")
            )
        for f in schema.records[rtype].fields.values():
            value = rec.data.get(f.name)
            if f.acyclic and value is not None:
                targets = value if isinstance(value, list) else [value]
                index.edges.setdefault((rtype, f.name), {})[rid] = [str(t) for t in targets if isinstance(t, str)]
                where[(rtype, rid)] = rec
    for (rtype, fname), edges in sorted(index.edges.items()):
        for cycle in _cycles(edges):
            rec = where[(rtype, cycle[0])]
            problems.append(rec.problem(fname, f"{fname} forms a cycle: {' → '.join(cycle + [cycle[0]])}",
                                        "nothing can be part of itself, or precede itself"))
    return problems


def _cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """Each cycle once, starting at its smallest id (iterative DFS, no recursion limit)."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in state:
            continue
        stack = [(root, iter(sorted(edges.get(root, ()))))]
        path = [root]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                cycle = path[path.index(child):]
                i = cycle.index(min(cycle))
                found.append(cycle[i:] + cycle[:i])
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(edges.get(child, ())))))
    return found


def _suggest(name: str, options: Iterable[str]) -> str | None:
    """'did you mean …?' for a near miss or an abbreviation, else None."""
    options = sorted(options)
    close = difflib.get_close_matches(name, options, n=1)
    if not close:
        close = [o for o in options if o.startswith(name) or name.startswith(o)][:1]
    return f"did you mean '{close[0]}'?" if close else None


def _at(path: str, key: str | int) -> str:
    """The dotted path of a field or list item below ``path``."""
    return f"{path}.{key}" if path else str(key)


_SPEC_CACHE: dict[int, tuple[ObjectSpec, tuple]] = {}


def _defaults_and_required(spec: ObjectSpec) -> tuple[tuple[tuple[str, Any], ...], tuple[str, ...]]:
    """The fields of an object type with a default, and the required ones (computed once)."""
    found = _SPEC_CACHE.get(id(spec))
    if found is None or found[0] is not spec:
        defaults = tuple((n, f.default) for n, f in spec.fields.items() if f.default is not None)
        required = tuple(n for n, f in spec.fields.items() if f.required)
        found = _SPEC_CACHE[id(spec)] = (spec, (defaults, required))
    return found[1]


class _Checker:
    def __init__(self, schema: Schema, index: RecordIndex, concepts: Mapping[str, frozenset[str]], record: Record):
        self.schema = schema
        self.index = index
        self.concepts = concepts
        self.rec = record
        self.problems: list[RecordProblem] = []

    def fail(self, path: str, message: str, hint: str | None = None) -> None:
        self.problems.append(self.rec.problem(path, message, hint))

    # -- objects ---------------------------------------------------------------------------
    def obj(self, spec: ObjectSpec, data: Any, path: str, skip: Iterable[str] = ()) -> dict | None:
        if not isinstance(data, dict):
            self.fail(path, f"expected a mapping of {spec.name} fields, got {_show(data)}")
            return None
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key in skip:
                continue
            fspec = spec.fields.get(key)
            if fspec is None:
                self.fail(_at(path, key), f"unknown field '{key}'", _suggest(key, spec.fields) or
                          f"allowed: {', '.join(spec.fields)}")
                continue
            if value is None or value is REFUSED:
                continue
            norm = self.field(fspec, value, path, key)
            if norm is not None:
                out[key] = norm
        defaults, required = _defaults_and_required(spec)
        for fname, default in defaults:
            if fname not in out:
                out[fname] = default
        for fname in required:
            if fname not in out and data.get(fname) is None:
                self.fail(f"{path}.{fname}" if path else fname, "missing required field")
        present = [f for f in spec.exactly_one_of if data.get(f) is not None]
        if spec.exactly_one_of and len(present) != 1:
            self.fail(path, f"needs exactly one of {' or '.join(spec.exactly_one_of)}"
                      + (f", got {' and '.join(present)}" if present else ""))
        if spec.at_least_one_of and not any(data.get(f) is not None for f in spec.at_least_one_of):
            self.fail(path, f"needs at least one of {', '.join(spec.at_least_one_of)}")
        for fname, needed in spec.requires:
            if data.get(fname) is not None:
                for other in needed:
                    if data.get(other) is None:
                        self.fail(f"{path}.{fname}" if path else fname, f"'{fname}' needs '{other}' too")
        return out

    # -- fields ----------------------------------------------------------------------------
    # A field's path ("participants.2.roles") is only made when needed (a problem, a nested
    # object): ``path`` is the parent's, ``key`` the field's name or the item's position.
    def field(self, f: FieldSpec, value: Any, path: str, key: str) -> Any:
        if f.many:
            sub = _at(path, key)
            if not isinstance(value, list):
                self.fail(sub, f"expected a list, got {_show(value)}", f"write it as [{_show(value)}]")
                return None
            out = []
            for i, item in enumerate(value):
                norm = self.one(f, item, sub, i)
                if norm is not None:
                    out.append(norm)
            return out
        return self.one(f, value, path, key)

    def one(self, f: FieldSpec, value: Any, path: str, key: str | int) -> Any:
        """One value of a field, normalised by the checker of its kind (:data:`_SCALARS`)."""
        if value is REFUSED:
            return None
        try:
            if f.kind == "object":
                if f.shorthand and not isinstance(value, dict):
                    value = {f.shorthand: value}
                return self.obj(self.schema.objects[str(f.object)], value, _at(path, key))
            if f.kind == "langmap":
                return self.langmap(value, _at(path, key))
            if isinstance(value, str) and len(value) > V.MAX_TEXT:
                V.check_length(value)
            if isinstance(value, (dict, list)):
                raise ValueError(f"expected a single value, got {_show(value)}")
            return _SCALARS[f.kind](self, f, value)
        except _Hinted as exc:
            self.fail(_at(path, key), exc.message, exc.hint)
            return None
        except ValueError as exc:
            self.fail(_at(path, key), str(exc))
            return None

    def langmap(self, value: Any, path: str) -> dict[str, str] | None:
        if not isinstance(value, dict) or not value:
            raise _Hinted(f"expected language-tagged text, got {_show(value)}", _LANG_FIELDS_HINT)
        out = {}
        for lang, text in value.items():
            if text is REFUSED:
                continue
            try:
                V.language_code(lang)
            except ValueError as exc:
                self.fail(f"{path}.{lang}", str(exc))
                continue
            if not isinstance(text, str) or not text.strip():
                self.fail(f"{path}.{lang}", f"expected text, got {_show(text)}")
                continue
            if len(text) > V.MAX_TEXT:
                self.fail(f"{path}.{lang}", f"a text of {len(text)} characters is longer than the limit of {V.MAX_TEXT}")
                continue
            out[lang] = text
        return out

    def bounds(self, f: FieldSpec, d: Decimal) -> None:
        if f.minimum is not None and d < Decimal(str(f.minimum)):
            raise ValueError(f"negative amount {d}" if f.minimum == 0 else f"{d} is below {f.minimum}")
        if f.maximum is not None and d > Decimal(str(f.maximum)):
            raise ValueError(f"{d} is above {f.maximum}")


class _Hinted(Exception):
    def __init__(self, message: str, hint: str | None):
        super().__init__(message)
        self.message = message
        self.hint = hint


# -- the checkers of scalar kinds: (checker, field, value) → the normalised value, or raise
# ValueError (or _Hinted, with a hint) saying what is wrong


def _string(_: _Checker, __: FieldSpec, value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    if not text.strip():
        raise ValueError("empty text")
    return text


def _integer(c: _Checker, f: FieldSpec, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {_show(value)}")
    if abs(value) >= 10 ** V.MAX_DIGITS:
        raise ValueError(f"a number of more than {V.MAX_DIGITS} digits is out of range")
    c.bounds(f, Decimal(value))
    return value


def _decimal(c: _Checker, f: FieldSpec, value: Any) -> Decimal:
    d = V.parse_decimal(value)
    c.bounds(f, d)
    return d


def _boolean(_: _Checker, __: FieldSpec, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {_show(value)}")
    return value


def _identifier(_: _Checker, f: FieldSpec, value: Any) -> str:
    text = str(value).strip()
    if not re.fullmatch(str(f.pattern), text):
        raise _Hinted(f"'{text}' is not a valid {f.name} code", f"write it like '{f.example}'")
    return text


def _concept(c: _Checker, f: FieldSpec, value: Any) -> str:
    allowed = c.concepts.get(str(f.scheme), frozenset())
    text = str(value)
    if text not in allowed:
        hint = _suggest(text, allowed) or f"allowed: {', '.join(sorted(allowed))}"
        raise _Hinted(f"unknown {f.scheme} '{text}'", hint)
    return text


def _ref(c: _Checker, f: FieldSpec, value: Any) -> str:
    text, target = str(value), str(f.target)
    if not V.ID_PATTERN.match(text) or not c.index.has(target, text):
        known = c.index.ids.get(target, {})
        hint = _suggest(text, known) or f"add a {target} record with id '{text}'"
        raise _Hinted(f"unknown {target} '{text}'", hint)
    return text


def _plain(parse: Callable[[Any], Any]) -> Callable[[_Checker, FieldSpec, Any], Any]:
    """A checker that is just a value parser of :mod:`euproj_rdf.values`."""
    return lambda _c, _f, value: parse(value)


#: every scalar kind of schema.FIELD_KINDS (object and langmap are checked by the checker itself)
_SCALARS: dict[str, Callable[[_Checker, FieldSpec, Any], Any]] = {
    "string": _string,
    "integer": _integer,
    "decimal": _decimal,
    "boolean": _boolean,
    "date": _plain(V.parse_date),
    "duration": _plain(V.parse_duration),
    "url": _plain(V.check_url),
    "country": _plain(V.country_code),
    "currency": _plain(V.currency_code),
    "language": _plain(V.language_code),
    "identifier": _identifier,
    "concept": _concept,
    "ref": _ref,
}


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value) if isinstance(value, str) else str(value)


def check_record(
    record: Record,
    schema: Schema,
    index: RecordIndex,
    concepts: Mapping[str, frozenset[str]],
) -> tuple[dict[str, Any] | None, list[RecordProblem]]:
    """Check one record; return it normalised (or ``None``) and its problems.

    The normalised record has ``type`` and ``id`` plus every field present, with dates as
    :class:`~euproj_rdf.values.FlexDate`, numbers as ``int``/``Decimal`` and shorthands expanded.
    """
    data, problems = _check_record(record, schema, index, concepts)
    if record.read_problems:  # a value refused while reading is not reported again as missing
        refused = {p.field for p in record.read_problems}
        problems = [p for p in problems if p in record.read_problems or p.field not in refused]
    return data, problems


def _check_record(
    record: Record,
    schema: Schema,
    index: RecordIndex,
    concepts: Mapping[str, frozenset[str]],
) -> tuple[dict[str, Any] | None, list[RecordProblem]]:
    checker = _Checker(schema, index, concepts, record)
    problems = checker.problems
    problems.extend(record.read_problems)
    rtype = record.data.get("type")
    if rtype is None:
        checker.fail("type", "missing record type", f"add 'type:' with one of {', '.join(schema.records)}")
        return None, problems
    if rtype not in schema.records:
        checker.fail("type", f"unknown record type '{rtype}'",
                     _suggest(str(rtype), schema.records) or f"one of {', '.join(schema.records)}")
        return None, problems
    rid = record.data.get("id")
    if rid is None:
        checker.fail("id", "missing id")
    else:
        try:
            V.check_id(rid)
        except ValueError as exc:
            checker.fail("id", str(exc), "for example 'region-skane'")
    spec = schema.records[rtype]
    if spec.extends is not None and rid is not None and not index.has(spec.extends, str(rid)):
        checker.fail("id", f"unknown {spec.extends} '{rid}'",
                     f"a {rtype} record adds to the {spec.extends} record with the same id")
    data = checker.obj(spec, record.data, "", skip=("type", "id"))
    if problems or data is None:
        return None, problems
    data["type"] = rtype
    data["id"] = str(rid)
    return data, problems
