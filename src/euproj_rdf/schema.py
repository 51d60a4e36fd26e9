"""The record schema, read from the mapping file (``mappings/records.yaml``).

The same file says which fields a record may have (checked by :mod:`euproj_rdf.checks`) and how
each becomes RDF (compiled by :mod:`euproj_rdf.mapping`): one source, two uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .files import read_yaml

__all__ = ["FieldSpec", "ObjectSpec", "Schema", "load_schema", "FIELD_KINDS"]

FIELD_KINDS = frozenset(
    {
        "string", "langmap", "integer", "decimal", "boolean", "date", "duration", "url",
        "country", "currency", "language", "concept", "ref", "object", "identifier",
    }
)
_FIELD_KEYS = frozenset(
    {
        "kind", "required", "many", "predicate", "target", "object", "inline", "iri", "shorthand",
        "scheme", "minimum", "maximum", "datatype", "year_predicate", "default", "acyclic",
        "pattern", "link", "link_predicate", "example",
    }
)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    predicate: str | None = None  # full IRI
    required: bool = False
    many: bool = False
    target: str | None = None  # ref: record type
    object: str | None = None  # object: object type
    inline: bool = False
    iri: tuple[str, ...] = ()
    shorthand: str | None = None
    scheme: str | None = None
    minimum: Any = None
    maximum: Any = None
    datatype: str | None = None  # full IRI
    year_predicate: str | None = None
    default: Any = None
    acyclic: bool = False
    pattern: str | None = None  # identifier: the code's regular expression
    link: str | None = None  # identifier: IRI template of the linked resource, "{}" is the code
    link_predicate: str | None = None  # identifier: full IRI of the linking predicate
    example: str | None = None  # identifier: a valid code, shown in hints


@dataclass(frozen=True)
class ObjectSpec:
    """A record type (with ``iri``) or a nested object type."""

    name: str
    fields: dict[str, FieldSpec]
    classes: tuple[str, ...] = ()
    iri: str | None = None
    constants: tuple[tuple[str, str], ...] = ()
    exactly_one_of: tuple[str, ...] = ()
    at_least_one_of: tuple[str, ...] = ()
    requires: tuple[tuple[str, tuple[str, ...]], ...] = ()
    personal_data: bool = False
    consent: str | None = None
    #: a record type that adds to records of another type with the same id (and may repeat)
    extends: str | None = None


@dataclass(frozen=True)
class Schema:
    prefixes: dict[str, str]
    namespaces: dict[str, str]
    records: dict[str, ObjectSpec]
    objects: dict[str, ObjectSpec]
    source: str = field(default="mappings/records.yaml", compare=False)

    def expand(self, curie: str) -> str:
        """``ep:Project`` → full IRI, using the file's prefixes and namespaces."""
        prefix, sep, local = curie.partition(":")
        if sep and prefix in self.prefixes:
            return self.prefixes[prefix] + local
        if sep and prefix in self.namespaces:
            return self.namespaces[prefix] + local
        raise ConfigError(f"{self.source}: unknown prefix in '{curie}'")


def _as_tuple(value: Any) -> tuple:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _check_field(loc: str, fraw: Any) -> None:
    """A field entry of the mapping file is consistent (``loc``: where it is, for the message)."""
    if not isinstance(fraw, dict) or fraw.get("kind") not in FIELD_KINDS:
        raise ConfigError(f"{loc}: 'kind' must be one of {', '.join(sorted(FIELD_KINDS))}")
    unknown = set(fraw) - _FIELD_KEYS
    if unknown:
        raise ConfigError(f"{loc}: unknown key(s) {', '.join(sorted(unknown))}")
    kind = fraw["kind"]
    if kind == "ref" and not fraw.get("target"):
        raise ConfigError(f"{loc}: a ref needs a 'target' record type")
    if kind == "object" and not fraw.get("object"):
        raise ConfigError(f"{loc}: an object field needs an 'object' type")
    if kind == "concept" and not fraw.get("scheme"):
        raise ConfigError(f"{loc}: a concept field needs a 'scheme'")
    if kind == "identifier" and not (fraw.get("pattern") and fraw.get("example")):
        raise ConfigError(f"{loc}: an identifier needs a 'pattern' and an 'example'")
    if kind == "identifier":
        try:
            ok = re.fullmatch(fraw["pattern"], str(fraw["example"]))
        except re.error as exc:
            raise ConfigError(f"{loc}: bad pattern: {exc}") from None
        if not ok:
            raise ConfigError(f"{loc}: the example '{fraw['example']}' does not match the pattern")
    if bool(fraw.get("link")) != bool(fraw.get("link_predicate")):
        raise ConfigError(f"{loc}: 'link' and 'link_predicate' go together")
    if kind == "object" and not fraw.get("inline") and not fraw.get("iri"):
        raise ConfigError(f"{loc}: a non-inline object needs an 'iri' template")
    if kind != "object" or not fraw.get("inline"):
        if not fraw.get("predicate"):
            raise ConfigError(f"{loc}: needs a 'predicate'")


def _object_spec(name: str, raw: dict, where: str, expand) -> ObjectSpec:
    if not isinstance(raw, dict) or not isinstance(raw.get("fields"), dict):
        raise ConfigError(f"{where}: '{name}' needs a 'fields' mapping")
    fields: dict[str, FieldSpec] = {}
    for fname, fraw in raw["fields"].items():
        _check_field(f"{where}: {name}.{fname}", fraw)
        kind = fraw["kind"]
        fields[fname] = FieldSpec(
            name=fname,
            kind=kind,
            predicate=expand(fraw["predicate"]) if fraw.get("predicate") else None,
            required=bool(fraw.get("required", False)),
            many=bool(fraw.get("many", False)),
            target=fraw.get("target"),
            object=fraw.get("object"),
            inline=bool(fraw.get("inline", False)),
            iri=_as_tuple(fraw.get("iri")),
            shorthand=fraw.get("shorthand"),
            scheme=fraw.get("scheme"),
            minimum=fraw.get("minimum"),
            maximum=fraw.get("maximum"),
            datatype=expand(fraw["datatype"]) if fraw.get("datatype") else None,
            year_predicate=expand(fraw["year_predicate"]) if fraw.get("year_predicate") else None,
            default=fraw.get("default"),
            acyclic=bool(fraw.get("acyclic", False)),
            pattern=fraw.get("pattern"),
            link=fraw.get("link"),
            link_predicate=expand(fraw["link_predicate"]) if fraw.get("link_predicate") else None,
            example=fraw.get("example"),
        )
    requires = tuple((k, tuple(v)) for k, v in (raw.get("requires") or {}).items())
    return ObjectSpec(
        name=name,
        fields=fields,
        classes=tuple(expand(c) for c in _as_tuple(raw.get("class"))),
        iri=raw.get("iri"),
        constants=tuple((expand(p), expand(o)) for p, o in (raw.get("constants") or {}).items()),
        exactly_one_of=_as_tuple(raw.get("exactly_one_of")),
        at_least_one_of=_as_tuple(raw.get("at_least_one_of")),
        requires=requires,
        personal_data=bool(raw.get("personal_data", False)),
        consent=raw.get("consent"),
        extends=raw.get("extends"),
    )


def parse_schema(raw: Any, *, source: str = "mappings/records.yaml") -> Schema:
    """Build a :class:`Schema` from the parsed mapping file, checking its consistency."""
    if not isinstance(raw, dict) or raw.get("version") != 1:
        raise ConfigError(f"{source}: expected 'version: 1' at the top")
    prefixes = dict(raw.get("prefixes") or {})
    namespaces = dict(raw.get("namespaces") or {})
    proto = Schema(prefixes, namespaces, {}, {}, source)
    records = {n: _object_spec(n, r, source, proto.expand) for n, r in (raw.get("records") or {}).items()}
    objects = {n: _object_spec(n, r, source, proto.expand) for n, r in (raw.get("objects") or {}).items()}
    for spec in list(records.values()) + list(objects.values()):
        for f in spec.fields.values():
            if f.kind == "ref" and f.target not in records:
                raise ConfigError(f"{source}: {spec.name}.{f.name} refers to unknown record type '{f.target}'")
            if f.kind == "object" and f.object not in objects:
                raise ConfigError(f"{source}: {spec.name}.{f.name} uses unknown object type '{f.object}'")
    for name, spec in records.items():
        for f in spec.fields.values():
            if f.acyclic and f.target != name:
                raise ConfigError(f"{source}: {name}.{f.name} is acyclic but refers to '{f.target}', not '{name}'")
        if spec.extends is not None and (spec.extends not in records or records[spec.extends].iri != spec.iri):
            raise ConfigError(f"{source}: record type '{name}' extends '{spec.extends}', which must be a record "
                              f"type with the same 'iri'")
        if not spec.iri or "{id}" not in spec.iri:
            raise ConfigError(f"{source}: record type '{name}' needs an 'iri' template with {{id}}")
    return Schema(prefixes, namespaces, records, objects, source)


def load_schema(path: Path) -> Schema:
    """Read and check a mapping file."""
    return parse_schema(read_yaml(path, "mapping file"), source=str(path))
