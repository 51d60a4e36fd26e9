"""Reading a YAML record file safely: limits, YAML 1.1 surprises, exact lines.

The file is read as a stream of parser events (libyaml's when present) and turned into plain
data one record at a time, without recursion, under limits (:data:`LIMITS`):

- aliases (``*name``, as PyYAML writes shared values) expand to at most ten times the nodes
  the file itself holds (a "billion laughs" expands a few bytes into gigabytes), and an alias
  inside the node it refers to is refused;
- at most ``MAX_DEPTH`` levels of nesting, and files of at most ``MAX_FILE_BYTES``;
- numbers of at most ``MAX_DIGITS`` digits.

Values that YAML 1.1 reads as something other than what was written are refused, each with its
line and field, so that they never reach the graph silently: ``.nan`` and ``.inf``, base-60
numbers (``1:30`` is 90), and ``yes``/``no``/``on``/``off`` as booleans (quote them if they are
text). A byte that is not UTF-8 is reported at its own line and column.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from .values import MAX_DIGITS  # one limit for the numbers of YAML and CSV records

__all__ = ["LIMITS", "REFUSED", "MAX_DEPTH", "MAX_DIGITS", "MAX_FILE_BYTES", "YamlItem", "YamlFileError",
           "first_bad_utf8", "read_yaml_items"]

MAX_DEPTH = 64
MAX_FILE_BYTES = 512 * 1024 * 1024
LIMITS = {"depth": MAX_DEPTH, "digits": MAX_DIGITS, "file bytes": MAX_FILE_BYTES}

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SPECIAL_FLOATS = (".nan", ".inf", "+.inf", "-.inf")


class YamlFileError(Exception):
    """The file as a whole cannot be read: ``line`` and ``message`` say where and why."""

    def __init__(self, line: int, message: str, hint: str | None = None):
        super().__init__(message)
        self.line = line
        self.message = message
        self.hint = hint


@dataclass
class YamlItem:
    """One item of the top-level list: its data, the line of each field path, and the values
    refused while reading, as ``(field path, message)``."""

    data: Any
    lines: dict[str, int]
    problems: list[tuple[str, str]]


class _Refused:
    """A scalar refused while reading: it stands in the data where the value was (so the field
    counts as given) and the checker skips it; its problem is reported from the reading."""

    def __repr__(self) -> str:
        return "<refused>"

    def __copy__(self) -> _Refused:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> _Refused:
        return self


REFUSED = _Refused()


def _scalar(ev: yaml.ScalarEvent, path: str, problems: list[tuple[str, str]]) -> Any:
    value = ev.value
    tag = ev.tag if ev.tag not in (None, "!") else _RESOLVER.resolve(yaml.ScalarNode, value, ev.implicit)
    if tag == _INT:
        digits = value.replace("_", "")
        if ":" in digits:
            problems.append((path, f"'{value}' is a base-60 number in YAML 1.1 (it reads as "
                                   f"{_sexagesimal(digits)}): quote it ('{value}') if it is text"))
            return REFUSED
        if sum(c.isdigit() for c in digits) > MAX_DIGITS:
            problems.append((path, f"a number of {len(digits)} digits is too long: at most {MAX_DIGITS} digits"))
            return REFUSED
        try:
            return int(digits, 0)
        except ValueError:  # YAML 1.1 allows leading zeros
            return int(digits, 10)
    if tag == _FLOAT:
        text = value.replace("_", "")
        if text.lower() in _SPECIAL_FLOATS:
            problems.append((path, f"'{value}' is not a number one can write in the graph: write a "
                                   f"finite number, or quote it ('{value}') if it is text"))
            return REFUSED
        if ":" in text:
            problems.append((path, f"'{value}' is a base-60 number in YAML 1.1: quote it ('{value}') if it is text"))
            return REFUSED
        if sum(c.isdigit() for c in text) > MAX_DIGITS:
            problems.append((path, f"a number of {len(text)} characters is too long: at most {MAX_DIGITS} digits"))
            return REFUSED
        try:
            d = Decimal(text)
        except InvalidOperation:
            problems.append((path, f"'{value}' is not a number"))
            return REFUSED
        if not -MAX_DIGITS <= d.adjusted() <= MAX_DIGITS:
            problems.append((path, f"{value} is out of range: write at most {MAX_DIGITS} digits before or after the point"))
            return REFUSED
        return d
    if tag == _BOOL:
        lower = value.lower()
        if lower in ("true", "false"):
            return lower == "true"
        problems.append((path, f"'{value}' is read as {'true' if lower in ('yes', 'on') else 'false'} by YAML 1.1: "
                               f"write true or false, or quote it ('{value}') if it is text"))
        return REFUSED
    if tag == _NULL:
        return None
    # strings, and timestamps kept as the curator wrote them
    return value


def _sexagesimal(text: str) -> int | str:
    sign = -1 if text.startswith("-") else 1
    total = 0
    try:
        for part in text.lstrip("+-").split(":"):
            total = total * 60 + int(part)
    except ValueError:
        return "a number"
    return sign * total


class _Frame:
    __slots__ = ("container", "path", "key", "key_line", "index", "anchor")

    def __init__(self, container: Any, path: str, anchor: str | None = None):
        self.container = container
        self.path = path
        self.anchor = anchor
        self.key: str | None = None  # mapping: the key read, waiting for its value
        self.key_line = 0
        self.index = 0  # sequence: position of the next item


def read_yaml_items(path: Path) -> Iterator[YamlItem]:
    """The items of the top-level list of a YAML file, one at a time, read under the limits.

    Raises :class:`YamlFileError` (with the line) for a malformed file, an alias, nesting past
    the limit, a byte that is not UTF-8, or a file over the size limit.
    """
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise YamlFileError(1, f"the file has {size} bytes, more than the limit of {MAX_FILE_BYTES}",
                            "split it into several record files")
    with path.open("rb") as fh:
        try:
            yield from _items(yaml.parse(fh, Loader=_Loader))
        except yaml.reader.ReaderError:
            bad = first_bad_utf8(path)
            if bad is None:
                raise YamlFileError(1, "the file cannot be read as UTF-8 text") from None
            line, col, byte = bad
            raise YamlFileError(line, f"byte 0x{byte:02X} at column {col} is not UTF-8",
                                "save the file as UTF-8") from None
        except yaml.MarkedYAMLError as exc:
            raise _syntax(exc) from None
        except yaml.YAMLError as exc:
            raise YamlFileError(1, f"malformed YAML: {exc}") from None


def _syntax(exc: yaml.MarkedYAMLError) -> YamlFileError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    col = mark.column + 1 if mark else 1
    reason = exc.problem or exc.context or "malformed YAML"
    context = ""
    if exc.context and exc.context_mark and exc.problem:
        cm = exc.context_mark
        context = f" ({exc.context} that starts at line {cm.line + 1}, column {cm.column + 1})"
    return YamlFileError(line, f"malformed YAML at column {col}: {reason}{context}")


#: aliases may expand to this many nodes per node of the file, plus ``_ALIAS_ALLOWANCE``
ALIAS_RATIO = 10
_ALIAS_ALLOWANCE = 10_000


def _size(value: Any) -> tuple[int, bool]:
    """Nodes in ``value``, and whether it holds a refused scalar (iterative)."""
    n, refused, todo = 0, False, [value]
    while todo:
        v = todo.pop()
        n += 1
        if isinstance(v, dict):
            todo.extend(v.values())
        elif isinstance(v, list):
            todo.extend(v)
        elif v is REFUSED:
            refused = True
    return n, refused


def _items(events: Iterator[Any]) -> Iterator[YamlItem]:
    """Records from parser events (typed ``Any``: which attributes an event has depends on its class)."""
    stack: list[_Frame] = []
    documents = 0
    item: YamlItem | None = None
    anchors: dict[str, tuple[Any, int, bool]] = {}  # name → (value, nodes, holds a refused value)
    nodes = expanded = 0
    for ev in events:
        cls = type(ev)
        nodes += 1
        if cls is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise YamlFileError(ev.start_mark.line + 1, "a record file must hold one YAML document",
                                    "remove the '---' line or split the file")
            continue
        if cls in (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent):
            continue
        line = ev.start_mark.line + 1
        if not stack:  # the root node
            if cls is not yaml.SequenceStartEvent:
                raise YamlFileError(line, "a record file must be a YAML list of records",
                                    "start each record with '- type: …'")
            stack.append(_Frame([], ""))
            continue
        top = stack[-1]
        if cls in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
            done = stack.pop()
            if done.anchor is not None:
                anchors[done.anchor] = (done.container, *_size(done.container))
            if len(stack) == 1 and item is not None:  # a record is complete
                yield item
                item = None
            continue
        # a value (scalar or the start of a collection) inside ``top``
        if cls is yaml.AliasEvent:
            name = ev.anchor
            if any(f.anchor == name for f in stack):
                raise YamlFileError(line, f"the alias '*{name}' is inside the node it refers to",
                                    "a value cannot contain itself")
            if name not in anchors:
                raise YamlFileError(line, f"the alias '*{name}' refers to no anchor '&{name}' above it")
            target, size, refused = anchors[name]
            expanded += size
            if expanded > ALIAS_RATIO * nodes + _ALIAS_ALLOWANCE:
                raise YamlFileError(line, f"the aliases expand to more than {ALIAS_RATIO} times the nodes of the file",
                                    "write the values out, or use fewer nested aliases")
        if isinstance(top.container, dict) and top.key is None:  # it is a key
            if cls is yaml.AliasEvent:
                top.key, top.key_line = (target if isinstance(target, str) else "?"), line
                continue
            if cls is yaml.ScalarEvent:
                top.key, top.key_line = ev.value, line
            else:  # a complex key: read it like a value, and name it "?"
                top.key, top.key_line = "?", line
                stack.append(_Frame({} if cls is yaml.MappingStartEvent else [], "\0"))
                _check_depth(stack, line)
            continue
        if len(stack) == 1:  # a new item of the top-level list
            item = YamlItem(None, {}, [])
            sub = ""
        elif top.path == "\0":  # inside a complex key: keep nothing
            sub = "\0"
        elif isinstance(top.container, dict):
            key = top.key or ""
            sub = f"{top.path}.{key}" if top.path else key
        else:
            sub = f"{top.path}.{top.index}" if top.path else str(top.index)
        assert item is not None
        if sub != "\0":
            item.lines[sub] = line
        if cls is yaml.AliasEvent:
            if refused and sub != "\0":
                item.problems.append((sub, f"the alias '*{name}' refers to a value refused above"))
            _put(top, target, item, sub, stack)  # shared, as PyYAML's composer does: never mutated
        elif cls is yaml.ScalarEvent:
            value = _scalar(ev, sub, item.problems) if sub != "\0" else None
            if ev.anchor is not None:
                anchors[ev.anchor] = (value, 1, value is REFUSED)
            _put(top, value, item, sub, stack)
        else:
            value = {} if cls is yaml.MappingStartEvent else []
            _put(top, value, item, sub, stack)
            stack.append(_Frame(value, sub, ev.anchor))
            _check_depth(stack, line)
        if len(stack) == 1 and item is not None:  # a scalar item of the top-level list
            yield item
            item = None


def _put(top: _Frame, value: Any, item: YamlItem, sub: str, stack: list[_Frame]) -> None:
    if len(stack) == 1:
        item.data = value
        return
    if isinstance(top.container, dict):
        key = top.key or ""
        if sub != "\0":
            if key in top.container:
                item.problems.append((sub, "duplicate field"))
            item.lines[sub] = top.key_line
        top.container[key] = value
        top.key = None
    else:
        top.container.append(value)
        top.index += 1


def _check_depth(stack: list[_Frame], line: int) -> None:
    if len(stack) > MAX_DEPTH:
        raise YamlFileError(line, f"nested deeper than {MAX_DEPTH} levels", "records are a few levels deep")


def first_bad_utf8(path: Path) -> tuple[int, int, int] | None:
    """(line, column, byte) of the first byte of ``path`` that is not UTF-8, or None."""
    line = 1
    with path.open("rb") as fh:
        for raw in fh:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                col = len(raw[:exc.start].decode("utf-8", errors="replace")) + 1
                return line, col, raw[exc.start]
            line += 1
    return None
