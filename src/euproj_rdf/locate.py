"""From a focus node of a SHACL result back to the record, line and field that produced it.

The batch runner tells the locator each record's IRI as the mapper mints it
(:meth:`Locator.add`); a node below a record (``…/project/great/participation/malmo``) is traced
through the IRI segments the mapping file gives its nested objects.
"""

from __future__ import annotations

from .record import Record
from .schema import Schema

__all__ = ["Locator"]


class Locator:
    """Maps a focus-node IRI back to the record (file, line, field) that produced it."""

    def __init__(self, schema: Schema):
        self.by_iri: dict[str, Record] = {}
        #: IRI segment under a record → the field whose objects it names
        self.segments: dict[str, str] = {}
        for spec in list(schema.records.values()) + list(schema.objects.values()):
            for f in spec.fields.values():
                for template in f.iri:
                    seg = template.replace("{parent}/", "").split("/", 1)[0]
                    self.segments.setdefault(seg, f.name)

    def add(self, iri: str, record: Record) -> None:
        self.by_iri[iri] = record

    def clear(self) -> None:
        self.by_iri.clear()

    def __call__(self, focus: str) -> tuple[str, int, str] | None:
        """``(file, line, "project 'great' (field)")``, or None for a record of another batch."""
        iri = focus
        rest: list[str] = []
        while iri and iri not in self.by_iri:
            iri, _, seg = iri.rpartition("/")
            rest.insert(0, seg)
        rec = self.by_iri.get(iri)
        if rec is None:
            return None  # a record of another batch, present only as context
        label = f"{rec.type} '{rec.id}'"
        path = self._field_path(rec, rest)
        return rec.file, rec.line_of(path) if path else rec.line, label + (f" ({path})" if path else "")

    def _field_path(self, rec: Record, rest: list[str]) -> str:
        if not rest:
            return ""
        name = self.segments.get(rest[0])
        if name is None:
            return ""
        if len(rest) == 1:
            return name
        key = rest[1]
        items = rec.data.get(name)
        if isinstance(items, list):
            if key.isdigit():
                return f"{name}.{int(key) - 1}"
            if key.startswith("group-") and key[6:].isdigit():
                return f"{name}.{int(key[6:]) - 1}"
            for i, item in enumerate(items):
                if isinstance(item, dict) and key in (str(v) for v in item.values()):
                    return f"{name}.{i}"
        return name
