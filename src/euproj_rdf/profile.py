"""Build profiles: extra triples in other vocabularies, derived from the alignment file.

The ``aligned`` profile reads ``ontology/alignment.ttl`` and, for each batch of the build,
writes besides our triples:

- the types and properties the alignment's ``rdfs:subClassOf`` / ``rdfs:subPropertyOf``
  axioms entail in EURIO, schema.org and W3C ORG (an ``[ owl:inverseOf p ]`` super-property
  gives the triple the other way round);
- the results of the alignment's SHACL-AF rules (``sh:rule [ a sh:SPARQLRule ; sh:construct … ]``),
  for what an axiom cannot say (EURIO's role label is a literal, its dates hang on the project).

The rules see one batch (a record with everything it contains), so they must only follow a
record's own nodes, never join across records: the alignment's rules do exactly that.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SH

from .errors import ConfigError
from .validation import join_focus, prefixes, restore_datatypes

__all__ = ["PROFILES", "Profile", "load_profile"]

PROFILES = ("base", "aligned")
_TYPE = str(RDF.type)


@dataclass(frozen=True)
class Profile:
    name: str
    superclasses: dict[str, tuple[str, ...]]
    superproperties: dict[str, tuple[tuple[str, bool], ...]]  # (property, inverse)
    rules: tuple[str, ...]  # CONSTRUCT queries, $this joined to the shape's targets

    def entailed(self, lines: list[str]) -> list[str]:
        """The aligned types and properties of our N-Triples lines."""
        out: list[str] = []
        classes, props = self.superclasses, self.superproperties
        for line in lines:
            s, p, rest = line.split(" ", 2)
            pred = p[1:-1]
            if pred == _TYPE:
                for c in classes.get(rest[1:-3], ()):
                    out.append(f"{s} {p} <{c}> .")
            elif pred in props:
                o = rest[:-2]
                for sup, inverse in props[pred]:
                    if not inverse:
                        out.append(f"{s} <{sup}> {o} .")
                    elif o.startswith("<") or o.startswith("_:"):
                        out.append(f"{o} <{sup}> {s} .")
        return out

    def constructed(self, store: ox.Store) -> list[str]:
        """The rules' results on a batch loaded in a store."""
        out: list[str] = []
        for query in self.rules:
            triples = store.query(query)
            if not isinstance(triples, ox.QueryTriples):
                raise ConfigError(f"a rule of the alignment is not a CONSTRUCT query: {query[:80]}")
            for triple in triples:
                out.append(str(triple) + " .")
        return restore_datatypes("\n".join(out)).split("\n") if out else []


def load_profile(name: str, alignment_path) -> Profile | None:
    """The named profile (None for ``base``, which adds nothing)."""
    if name == "base":
        return None
    if name != "aligned":
        raise ConfigError(f"unknown profile '{name}': choose one of {', '.join(PROFILES)}")
    try:
        g = rdflib.Graph().parse(str(alignment_path), format="turtle")
    except Exception as exc:  # rdflib raises many kinds
        raise ConfigError(f"cannot read the alignment '{alignment_path}': {exc}") from None
    classes: dict[str, list[str]] = {}
    for sub, sup in g.subject_objects(RDFS.subClassOf):
        if isinstance(sub, rdflib.URIRef) and isinstance(sup, rdflib.URIRef):
            classes.setdefault(str(sub), []).append(str(sup))
    props: dict[str, list[tuple[str, bool]]] = {}
    for sub, sup in g.subject_objects(RDFS.subPropertyOf):
        if isinstance(sup, rdflib.URIRef):
            props.setdefault(str(sub), []).append((str(sup), False))
        elif (inverse := g.value(sup, OWL.inverseOf)) is not None:
            props.setdefault(str(sub), []).append((str(inverse), True))
    rules = []
    for shape, rule in sorted(g.subject_objects(SH.rule)):
        construct = g.value(rule, SH.construct)
        targets = sorted(str(t) for t in g.objects(shape, SH.targetClass))
        if construct is None or not targets:
            raise ConfigError(f"{alignment_path}: the rules of {shape} need sh:construct and sh:targetClass")
        values = " ".join(f"<{t}>" for t in targets)
        focus = f"VALUES ?__target {{ {values} }} ?this a/<{RDFS.subClassOf}>* ?__target ."
        rules.append(prefixes(g, rule) + "\n" + join_focus(str(construct), focus))
    return Profile(
        name,
        {k: tuple(sorted(v)) for k, v in classes.items()},
        {k: tuple(sorted(v)) for k, v in props.items()},
        tuple(rules),
    )
