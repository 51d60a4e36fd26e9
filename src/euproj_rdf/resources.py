"""Where the sources of truth live: ``ontology/``, ``shapes/``, ``mappings/``.

In a source checkout they are the top-level folders; in an installed wheel they are packaged
under ``euproj_rdf/resources/``. Nothing here touches the network or the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from .errors import ConfigError
from .schema import Schema, load_schema
from .vocab import SKOS

__all__ = [
    "resource_dir",
    "default_schema",
    "concept_notations",
    "ONTOLOGY_FILE",
    "CONCEPTS_FILE",
    "SHAPES_FILE",
    "ALIGNMENT_FILE",
    "MAPPING_FILE",
    "QUERIES_DIR",
    "DCAT_AP_SHAPES_FILE",
    "query_catalogue",
    "concept_lines",
    "EXTRA_CONCEPTS_FILE",
    "extra_concept_lines",
    "used_concepts",
]

_PACKAGED = Path(__file__).parent / "resources"
_CHECKOUT = Path(__file__).resolve().parents[2]

ONTOLOGY_FILE = "ontology/euproj.ttl"
CONCEPTS_FILE = "ontology/concepts.ttl"
#: concepts that imported exports use; a dump holds one only when a record uses it
EXTRA_CONCEPTS_FILE = "ontology/concepts-import.ttl"
SHAPES_FILE = "shapes/euproj.ttl"
ALIGNMENT_FILE = "ontology/alignment.ttl"
MAPPING_FILE = "mappings/records.yaml"
QUERIES_DIR = "queries"
DCAT_AP_SHAPES_FILE = "shapes/dcat-ap/dcat-ap-3.0.0-SHACL.ttl"


def resource_dir() -> Path:
    """The folder holding ``ontology/``, ``shapes/`` and ``mappings/``."""
    if (_PACKAGED / "mappings").is_dir():
        return _PACKAGED
    if (_CHECKOUT / "mappings").is_dir():
        return _CHECKOUT
    raise ConfigError("cannot find the ontology, shapes and mappings folders of euproj-rdf")


def resource(relative: str) -> Path:
    path = resource_dir() / relative
    if not path.exists():
        raise ConfigError(f"missing resource '{relative}'")
    return path


@lru_cache(maxsize=4)
def _schema_at(path: Path) -> Schema:
    return load_schema(path)


def default_schema() -> Schema:
    """The record schema and mapping of ``mappings/records.yaml``."""
    return _schema_at(resource(MAPPING_FILE))


@lru_cache(maxsize=4)
def _notations_at(path: Path) -> dict[str, frozenset[str]]:
    try:
        triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    except (SyntaxError, OSError) as exc:
        raise ConfigError(f"cannot read the concept schemes '{path}': {exc}") from None
    in_scheme: dict[str, str] = {}
    notation: dict[str, str] = {}
    for t in triples:
        p = t.predicate.value
        if p == SKOS + "inScheme":
            in_scheme[t.subject.value] = t.object.value
        elif p == SKOS + "notation":
            notation[t.subject.value] = t.object.value
    schemes: dict[str, set[str]] = {}
    for concept, scheme in in_scheme.items():
        if concept in notation:
            schemes.setdefault(scheme.rstrip("/").rsplit("/", 1)[-1], set()).add(notation[concept])
    return {k: frozenset(v) for k, v in schemes.items()}


def concept_notations() -> dict[str, frozenset[str]]:
    """Allowed values of each controlled field: scheme name → notations (``ontology/concepts.ttl``
    and ``ontology/concepts-import.ttl``)."""
    base = _notations_at(resource(CONCEPTS_FILE))
    extra = _notations_at(resource(EXTRA_CONCEPTS_FILE))
    return {k: base.get(k, frozenset()) | extra.get(k, frozenset()) for k in sorted(set(base) | set(extra))}


def concept_lines() -> list[str]:
    """The concept schemes (roles, kinds, flags…) as sorted N-Triples lines: they are part of the dump."""
    triples = ox.parse(path=str(resource(CONCEPTS_FILE)), format=ox.RdfFormat.TURTLE)
    return sorted(str(t) + " ." for t in triples)


def query_catalogue() -> list[dict[str, str]]:
    """The researcher questions of ``queries/*.rq``: name, question (the first comment line), text."""
    out = []
    for path in sorted(resource(QUERIES_DIR).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        out.append({"name": path.stem, "question": first.lstrip("# ").strip(), "text": text})
    return out


def extra_concept_lines() -> dict[str, list[str]]:
    """Each concept of ``concepts-import.ttl`` → its N-Triples lines (about it, and its scheme's
    ``skos:hasTopConcept`` of it)."""
    out: dict[str, list[str]] = {}
    triples = list(ox.parse(path=str(resource(EXTRA_CONCEPTS_FILE)), format=ox.RdfFormat.TURTLE))
    for t in triples:
        if t.predicate.value == SKOS + "notation":
            out[t.subject.value] = []
    for t in triples:
        key = t.subject.value if t.subject.value in out else getattr(t.object, "value", None)
        if key in out:
            out[key].append(str(t) + " .")
    return out


def used_concepts(lines: list[str], extras: Iterable[str]) -> frozenset[str]:
    """The concepts of ``extras`` that are the object of one of the N-Triples ``lines``."""
    wanted = extras if isinstance(extras, (set, frozenset, dict)) else frozenset(extras)
    used = set()
    for line in lines:
        if "/concept/" in line:
            obj = line[line.rfind(" <") + 2 : -3]
            if obj in wanted:
                used.add(obj)
    return frozenset(used)
