"""The mapping engine: the declarative mapping compiled once into emitters of N-Triples lines.

:func:`compile_mapping` turns the :class:`~euproj_rdf.schema.Schema` into one closure per field,
with every predicate and datatype pre-formatted, so mapping a record is a walk over its fields
appending strings. Records must have been checked (:func:`euproj_rdf.checks.check_record`):
the emitters trust the normalised values.

>>> from euproj_rdf.resources import default_schema
>>> m = compile_mapping(default_schema(), base_iri="https://example.org/id/")
>>> for line in m.map_record({"type": "fund", "id": "erdf", "name": {"en": "ERDF"},
...                           "sources": [{"document": "doc", "text": "ERDF-medel"}]}):
...     print(line)
<https://example.org/id/fund/erdf> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/euproj/ontology#Fund> .
<https://example.org/id/fund/erdf> <http://www.w3.org/2004/02/skos/core#prefLabel> "ERDF"@en .
<https://example.org/id/fund/erdf> <http://www.w3.org/ns/prov#wasDerivedFrom> <https://example.org/id/source/doc> .
<https://example.org/id/fund/erdf> <https://w3id.org/euproj/ontology#sourceQuote> "ERDF-medel" .
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .ntriples import iri, lang_literal, literal, typed_literal
from .schema import FieldSpec, ObjectSpec, Schema
from .vocab import RDF_TYPE, XSD

__all__ = ["Mapper", "compile_mapping"]

_TYPE = iri(RDF_TYPE)
_TEMPLATE_FIELD = re.compile(r"\{([^}]+)\}")

_PARENT, _POSITION = object(), object()


def _compile_template(template: str) -> tuple[tuple[str, ...], tuple]:
    """An IRI template as (the fields it needs, its parts): text, the parent IRI, the position,
    or a field's value (a 1-tuple of its name).

    >>> needed, parts = _compile_template("{parent}/participation/{organisation}")
    >>> needed, parts[1:]
    (('organisation',), ('/participation/', ('organisation',)))
    """
    parts: list = []
    needed: list[str] = []
    for i, piece in enumerate(_TEMPLATE_FIELD.split(template)):
        if i % 2 == 0:
            if piece:
                parts.append(piece)
        elif piece == "parent":
            parts.append(_PARENT)
        elif piece == "#":
            parts.append(_POSITION)
        else:
            parts.append((piece,))
            needed.append(piece)
    return tuple(needed), tuple(parts)


# (value, subject IRI, output lines, referenced (type, id) pairs) -> None
Emitter = Callable[[Any, str, list, set], None]


@dataclass
class Mapper:
    """Compiled mapping: ``map_record(normalised_record) -> list of N-Triples lines``."""

    base_iri: str
    record_iris: dict[str, str]
    record_classes: dict[str, tuple[str, ...]]
    _emitters: dict[str, Callable[[dict, str, list, set], None]]

    def record_iri(self, rtype: str, rid: str) -> str:
        return self.base_iri + self.record_iris[rtype].replace("{id}", rid)

    def map_record(self, record: dict[str, Any], refs: set | None = None) -> list[str]:
        """The N-Triples lines (without newline) of one checked, normalised record.

        ``refs``, when given, collects the ``(type, id)`` of every record referred to.
        """
        out: list[str] = []
        rtype = record["type"]
        self._emitters[rtype](record, self.record_iri(rtype, record["id"]), out, refs if refs is not None else set())
        return out


def compile_mapping(schema: Schema, *, base_iri: str, include_personal_data: bool = False) -> Mapper:
    """Compile the schema's mapping for one base IRI.

    ``include_personal_data`` emits contact persons whatever their consent; the shapes make a
    build with such data fail, so it is only for internal, unpublished use.
    """
    compiler = _Compiler(schema, base_iri, include_personal_data)
    return Mapper(
        base_iri=base_iri,
        record_iris={name: str(spec.iri) for name, spec in schema.records.items()},
        record_classes={name: spec.classes for name, spec in schema.records.items()},
        _emitters={name: compiler.body(spec) for name, spec in schema.records.items()},
    )


#: the lexical form of a checked value of a kind written as a typed literal
_LEXICAL: dict[str, Callable[[Any], str]] = {
    "integer": str,
    "decimal": lambda v: format(v, "f"),
    "boolean": lambda v: "true" if v else "false",
    "duration": str,
}


def _authority_language(ns: str) -> Callable[[Any], str]:
    from .values import authority_language

    return lambda v: f"<{ns}{authority_language(v)}>"


class _Compiler:
    """Turns the schema's entries into emitters: closures with every predicate, datatype and
    namespace pre-formatted, so mapping a record is a walk over its fields appending strings."""

    def __init__(self, schema: Schema, base_iri: str, include_personal_data: bool):
        self.schema = schema
        self.base_iri = base_iri
        self.include_personal_data = include_personal_data
        self.objects: dict[str, Callable[[dict, str, list, set], None]] = {}  # object type → its body

    def record_ref(self, target: str) -> Callable[[str], str]:
        template = self.base_iri + str(self.schema.records[target].iri)
        return lambda rid: template.replace("{id}", rid)

    def term(self, f: FieldSpec) -> Callable[[Any], str]:
        """How a checked value of a scalar kind is written as an N-Triples term."""
        kind, ns = f.kind, self.schema.namespaces
        if kind in ("string", "identifier"):
            return literal
        if kind == "url":
            return iri
        if kind == "date":
            return lambda v: typed_literal(v.text, v.datatype)
        if kind in ("country", "currency"):
            prefix = ns[kind]
            return lambda v: f"<{prefix}{v}>"
        if kind == "language":
            return _authority_language(ns["language"])
        if kind == "concept":
            scheme = f"{ns['concept']}{f.scheme}/"
            return lambda v: f"<{scheme}{v}>"
        lexical = _LEXICAL[kind]
        dt = f.datatype if kind in ("integer", "decimal") and f.datatype else XSD + kind
        return lambda v: typed_literal(lexical(v), dt)

    def field(self, f: FieldSpec) -> Emitter:
        """The emitter of a field (of all its values when it has many)."""
        one = self.object_node(f) if f.kind == "object" else self.value(f)
        if not f.many:
            return one

        def many(values, subj, out, refs, _one=one, _obj=f.kind == "object"):
            if _obj:
                for i, v in enumerate(values, 1):
                    _one(v, subj, out, refs, i)
            else:
                for v in values:
                    _one(v, subj, out, refs)
        return many

    def value(self, f: FieldSpec) -> Emitter:
        """The emitter of one value of a field that is not an object."""
        pred = iri(f.predicate) if f.predicate else ""
        if f.kind == "langmap":
            def langmap(value, subj, out, _refs, _p=pred):
                for lang in sorted(value):
                    out.append(f"<{subj}> {_p} {lang_literal(value[lang], lang)} .")
            return langmap
        if f.kind == "ref":
            make = self.record_ref(str(f.target))

            def ref(value, subj, out, refs, _p=pred, _make=make, _t=f.target):
                refs.add((_t, value))
                out.append(f"<{subj}> {_p} <{_make(value)}> .")
            return ref
        if f.kind == "identifier" and f.link:
            link_p = iri(str(f.link_predicate))

            def linked(value, subj, out, _refs, _p=pred, _l=link_p, _t=f.link):
                out.append(f"<{subj}> {_p} {literal(value)} .")
                out.append(f"<{subj}> {_l} <{_t.replace('{}', value)}> .")
            return linked
        term = self.term(f)
        if f.kind == "date" and f.year_predicate:
            year_p = iri(f.year_predicate)

            def dated(value, subj, out, _refs, _p=pred, _t=term, _y=year_p, _dt=XSD + "integer"):
                out.append(f"<{subj}> {_p} {_t(value)} .")
                out.append(f"<{subj}> {_y} {typed_literal(str(value.year), _dt)} .")
            return dated

        def plain(value, subj, out, _refs, _p=pred, _t=term):
            out.append(f"<{subj}> {_p} {_t(value)} .")
        return plain

    def body(self, spec: ObjectSpec) -> Callable[[dict, str, list, set], None]:
        """Emit an object's classes, constants and fields on a given subject."""
        head = [f"{_TYPE} {iri(c)}" for c in spec.classes]
        head += [f"{iri(p)} {iri(o)}" for p, o in spec.constants]
        fields = {name: self.field(f) for name, f in spec.fields.items()}

        def emit(data, subj, out, refs, _head=head, _fields=fields):
            for h in _head:
                out.append(f"<{subj}> {h} .")
            # the fields the record has (a record has few of the many its type allows)
            for name, value in data.items():
                if value is not None:
                    em = _fields.get(name)
                    if em is not None:
                        em(value, subj, out, refs)
        return emit

    def object_node(self, f: FieldSpec) -> Emitter:
        """The emitter of a nested object: inline on its parent, or a node of its own."""
        name = str(f.object)
        spec = self.schema.objects[name]
        if name not in self.objects:
            self.objects[name] = self.body(spec)
        body = self.objects[name]
        if f.inline:
            def inline(value, subj, out, refs, _index=None, _b=body):
                _b(value, subj, out, refs)
            return inline
        consent = spec.consent if spec.personal_data and not self.include_personal_data else None
        templates = [_compile_template(t) for t in f.iri]
        pred = iri(str(f.predicate))

        def node(value, subj, out, refs, index=None, _b=body, _p=pred, _ts=templates, _c=consent):
            if _c is not None and value.get(_c) is not True:
                return
            child = None
            for needed, parts in _ts:
                if all(value.get(n) is not None for n in needed):
                    child = "".join(subj if p is _PARENT else str(index or 1) if p is _POSITION
                                    else p if isinstance(p, str) else str(value[p[0]]) for p in parts)
                    break
            if child is None:
                raise AssertionError(f"no IRI template of {f.name} applies")
            out.append(f"<{subj}> {_p} <{child}> .")
            _b(value, child, out, refs)
        return node
