"""One curated record: its data, and the line of each of its fields in the file it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import RecordProblem
from .yamlread import REFUSED

__all__ = ["Record"]


@dataclass
class Record:
    """One curated record: its data and where each of its fields stands.

    ``lines`` maps a dotted field path (``"period.end"``, ``"participants.2.roles"``) to a
    1-based line; ``""`` is the record's own first line.
    """

    file: str
    data: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)
    #: problems found while reading (duplicate keys), reported with the record's checks
    read_problems: list[RecordProblem] = field(default_factory=list)

    @property
    def type(self) -> str | None:
        t = self.data.get("type")
        return t if isinstance(t, str) else None

    @property
    def id(self) -> str | None:
        i = self.data.get("id")
        return str(i) if i is not None and i is not REFUSED else None

    @property
    def line(self) -> int:
        return self.lines.get("", 1)

    def line_of(self, path: str) -> int:
        """The line of a field, or of its nearest enclosing field that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rpartition(".")[0]
        return self.line

    def problem(self, path: str | None, message: str, hint: str | None = None) -> RecordProblem:
        return RecordProblem(
            self.file,
            self.line_of(path or ""),
            self.type,
            self.id,
            path or None,
            message,
            hint,
        )
