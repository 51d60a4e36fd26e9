"""The library's error hierarchy.

Every message says what is wrong, where (file:line, record, field) and how to fix it. The
library raises these and never prints or exits; the CLI turns them into one ``Error:`` line and
an exit code (see :mod:`euproj_rdf.cli`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "EuprojError",
    "ConfigError",
    "RecordProblem",
    "RecordError",
    "RecordSyntaxError",
    "StoreError",
    "MissingDumpError",
    "LinkError",
    "QueryError",
    "DescriptionError",
    "OutputError",
    "StatisticsError",
]


class EuprojError(Exception):
    """Base class of every error this library raises."""

    exit_code = 2


class ConfigError(EuprojError):
    """A mapping, shapes or settings file is missing or malformed."""

    exit_code = 2


@dataclass(frozen=True, order=True)
class RecordProblem:
    """One problem found in the records, located precisely.

    >>> str(RecordProblem("records/a.yaml", 3, "project", "x", "period.end",
    ...                   "impossible date '2019-04-31'", "write the certain part"))
    "records/a.yaml:3: project 'x', field 'period.end': impossible date '2019-04-31' (write the certain part)"
    """

    file: str
    line: int
    record_type: str | None
    record_id: str | None
    field: str | None
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:"
        what = []
        if self.record_type:
            rid = self.record_id
            shown = (f"'{rid}'" if rid.isprintable() else repr(rid)) if rid else None
            what.append(f"{self.record_type} {shown}" if shown else self.record_type)
        if self.field:
            what.append(f"field '{self.field}'")
        prefix = f"{where} {', '.join(what)}: " if what else f"{where} "
        text = prefix + self.message
        if self.hint:
            text += f" ({self.hint})"
        if not text.isprintable():  # a value with a line break or a control character: one line still
            text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
        return text


class RecordError(EuprojError):
    """The records have problems; nothing was mapped or written.

    ``problems`` lists every problem found, in file and line order.
    """

    exit_code = 2

    def __init__(self, problems: list[RecordProblem]):
        self.problems = sorted(problems)
        n = len(self.problems)
        first = str(self.problems[0]) if self.problems else "no problems"
        more = f" (and {n - 1} more)" if n > 1 else ""
        super().__init__(first + more)


class RecordSyntaxError(RecordError):
    """A record file is not well-formed YAML or CSV."""


class StoreError(EuprojError):
    """A store could not be opened, loaded or swapped; the previous state is untouched."""

    exit_code = 3


class MissingDumpError(ConfigError):
    """There is no dump where one is needed (``load``, ``push``): the build comes first."""

    def __init__(self, path: object):
        super().__init__(f"no dump at '{path}': run 'euproj-rdf build' first")
        self.path = path


class LinkError(EuprojError):
    """A SPARQL endpoint asked for link proposals could not be asked; nothing was written."""

    exit_code = 3


class TableDownloadError(EuprojError):
    """An authority table could not be downloaded (or, offline, is not in the cache); nothing was written."""

    exit_code = 3


class QueryError(ConfigError):
    """The query is not valid SPARQL, or the endpoint refused it."""


class DescriptionError(EuprojError):
    """The DCAT-AP description does not conform to the DCAT-AP 3 shapes; nothing was written."""

    exit_code = 1


class OutputError(EuprojError):
    """An output location is not ours to replace, or cannot be written; nothing was written."""

    exit_code = 2


class StatisticsError(EuprojError):
    """The statistics cube does not match the graph, or a store lacks it; nothing was written."""

    exit_code = 1
