"""Reading the EU's exports as they really are: CSV (any separator, BOM, declared encodings),
XLSX (one or more sheets, ids behind HYPERLINK formulas) and JSON (a list of objects, or an
API answer that wraps one).

Every reader yields :class:`Row` objects: the file's display name, the row's number as a person
finds it in the file (the header is row 1 of a CSV or a sheet, the first object of a JSON list is
row 1), and the cells as text exactly as the file has them (numbers of JSON and Excel become
their shortest decimal text, so ``0.1`` stays ``0.1``; nothing is stripped).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["Row", "ImportInputError", "read_table", "sniff_encoding"]


class ImportInputError(ConfigError):
    """An input file cannot be read at all (encoding, format, missing columns)."""


@dataclass(slots=True)
class Row:
    file: str
    row: int
    cells: dict[str, str]
    sheet: str | None = None
    #: what an importer's ``prepare`` made of the row in the process reading ahead (None: not made;
    #: when made, the cells may be left out: see :func:`.ahead.read_ahead`)
    prepared: Any = None

    def get(self, column: str) -> str:
        return self.cells.get(column, "") or ""

    @property
    def where(self) -> str:
        return f"{self.file} {'sheet ' + repr(self.sheet) + ' ' if self.sheet else ''}row {self.row}"


_HYPERLINK = re.compile(r'^=HYPERLINK\(\s*"((?:[^"]|"")*)"\s*[,;]\s*"((?:[^"]|"")*)"\s*\)$', re.IGNORECASE)
_HYPERLINK_ONE = re.compile(r'^=HYPERLINK\(\s*"((?:[^"]|"")*)"\s*\)$', re.IGNORECASE)


def hyperlink_text(value: str) -> str:
    """The shown text of an Excel ``=HYPERLINK("url", "text")`` formula (the url when it has none)."""
    m = _HYPERLINK.match(value)
    if m:
        return m.group(2).replace('""', '"')
    m = _HYPERLINK_ONE.match(value)
    if m:
        return m.group(1).replace('""', '"')
    return value


def cell_text(value: Any) -> str:
    """A JSON or Excel value as the text a person reads in the file."""
    kind = type(value)
    if kind is str:  # most cells: checked first
        return hyperlink_text(value) if value[:1] == "=" else value
    if kind is int:
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return hyperlink_text(text) if text.startswith("=") else text


def sniff_encoding(path: Path, display: str, declared: str | None = None) -> str:
    """The text encoding of a file: the declared one, UTF-8 (with or without a BOM), or an error.

    A file that is not UTF-8 is refused with the byte where decoding fails, unless the user
    declares its encoding (``--encoding cp1252``): guessing a legacy code page silently would
    turn "Högskolan" into "HÃ¶gskolan" without anyone noticing.
    """
    if declared:
        try:
            codecs.lookup(declared)
        except LookupError:
            raise ImportInputError(f"{display}: unknown encoding '{declared}'") from None
        return declared
    offset, lines, carry, first = 0, 0, b"", True
    with path.open("rb") as fh:  # a megabyte at a time: a big export is never held whole
        while True:
            chunk = fh.read(1 << 20)
            data = carry + chunk
            if first and (data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE)):
                return "utf-16"
            first, carry = False, b""
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                if not (chunk and exc.reason == "unexpected end of data"):
                    line = lines + data.count(b"\n", 0, exc.start) + 1
                    raise ImportInputError(
                        f"{display}: line {line}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {offset + exc.start}); "
                        "give the file's encoding with --encoding (for example cp1252 or latin-1)"
                    ) from None
                data, carry = data[:exc.start], data[exc.start:]  # a character cut by the chunk's end
            lines += data.count(b"\n")
            offset += len(data)
            if not chunk:
                break
    return "utf-8-sig"


def _delimiter(first_line: str) -> str:
    """The separator of a CSV file from its header line: ``;``, tab, ``,`` or ``|``."""
    counts = {d: first_line.count(d) for d in (";", "\t", ",", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(path: Path, display: str, encoding: str | None, delimiter: str | None) -> Iterator[Row]:
    enc = sniff_encoding(path, display, encoding)
    with path.open(newline="", encoding=enc) as fh:
        first = fh.readline()
        fh.seek(0)
        if enc in ("utf-8-sig", "utf-8") and first.startswith("\ufeff"):
            first = first[1:]
        sep = delimiter or _delimiter(first)
        reader = csv.reader(fh, delimiter=sep, doublequote=True, strict=False)
        header = next(reader, None)
        if header is None:
            return
        header = [h.lstrip("\ufeff").strip() for h in header]
        _check_header(header, display)
        start = reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                if len(cells) > len(header):
                    extra = {f"(column {i + 1})": c for i, c in enumerate(cells) if i >= len(header) and c}
                else:
                    extra = {}
                row = dict(zip(header, cells, strict=False))
                row.update(extra)
                yield Row(display, start, row)
            start = reader.line_num + 1


def _check_header(header: list[str], display: str) -> None:
    seen: set[str] = set()
    for h in header:
        if h and h in seen:
            raise ImportInputError(f"{display}: row 1: the column '{h}' appears twice")
        seen.add(h)


def _read_xlsx(path: Path, display: str, sheet: str | None) -> Iterator[Row]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a dependency
        raise ImportInputError("reading XLSX needs openpyxl (pip install openpyxl)") from None
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException …
        raise ImportInputError(f"{display}: not a readable XLSX workbook ({exc})") from None
    try:
        names = [sheet] if sheet else wb.sheetnames
        for name in names:
            if name not in wb.sheetnames:
                raise ImportInputError(f"{display}: no sheet '{name}' (sheets: {', '.join(wb.sheetnames)})")
            yield from _sheet_rows(wb[name], display, name if len(wb.sheetnames) > 1 else None)
    finally:
        wb.close()


def _sheet_rows(ws: Any, display: str, sheet: str | None) -> Iterator[Row]:
    rows = ws.iter_rows(values_only=True)
    header: list[str] | None = None
    for n, values in enumerate(rows, start=1):
        texts = [cell_text(v) for v in values]
        if header is None:
            if not any(t.strip() for t in texts):
                continue
            header = [t.strip() for t in texts]
            while header and not header[-1]:
                header.pop()
            _check_header(header, display)
            continue
        if any(t.strip() for t in texts):
            yield Row(display, n, dict(zip(header, texts, strict=False)), sheet)


def _read_json(path: Path, display: str) -> Iterator[Row]:
    enc = sniff_encoding(path, display)
    with path.open(encoding=enc) as fh:
        head = fh.read(4096).lstrip("\ufeff \t\r\n")
    if head.startswith("["):  # a list of objects: read one object at a time
        for n, item in enumerate(_json_items(path, enc, display), start=1):
            if not isinstance(item, dict):
                raise ImportInputError(f"{display}: row {n}: expected an object, found {type(item).__name__}")
            yield Row(display, n, {k: v if type(v) is str and v[:1] != "=" else cell_text(v) for k, v in item.items()})
        return
    try:
        data = json.loads(path.read_text(encoding=enc), parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ImportInputError(f"{display}: line {exc.lineno}: malformed JSON: {exc.msg}") from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
        if len(lists) > 1:
            raise ImportInputError(f"{display}: expected a JSON list of objects (or an answer holding one list)")
        # an answer that wraps a list of results, or a single record
        data = lists[0] if lists else [data]
    if not isinstance(data, list):
        raise ImportInputError(f"{display}: expected a JSON list of objects")
    for n, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ImportInputError(f"{display}: row {n}: expected an object, found {type(item).__name__}")
        yield Row(display, n, {str(k): cell_text(v) for k, v in item.items()})


_CHUNK = 1 << 20
_BLANK = re.compile(r"[\ufeff \t\r\n]*")


class _Buffer:
    """The text of a JSON file read a megabyte at a time, with the line count of what was let go."""

    def __init__(self, fh: Any, display: str) -> None:
        self.fh, self.display = fh, display
        self.text, self.pos, self.lines, self.eof = "", 0, 0, False

    def more(self) -> bool:
        if self.eof or len(self.text) - self.pos > 16 * _CHUNK:  # no object is that big: a real error
            return False
        chunk = self.fh.read(_CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.lines += self.text.count("\n", 0, self.pos)
        self.text, self.pos = self.text[self.pos:] + chunk, 0
        return True

    def peek(self) -> str:
        """The next character that is not blank ("" at the end of the file)."""
        while True:
            match = _BLANK.match(self.text, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def error(self, message: str, pos: int | None = None) -> ImportInputError:
        line = self.lines + self.text.count("\n", 0, self.pos if pos is None else pos) + 1
        return ImportInputError(f"{self.display}: line {line}: malformed JSON: {message}")


def _json_items(path: Path, enc: str, display: str) -> Iterator[Any]:
    """The items of a top-level JSON list, parsed one at a time (a big export is never held whole)."""
    decoder = json.JSONDecoder(parse_float=Decimal)
    with path.open(encoding=enc) as fh:
        buf = _Buffer(fh, display)
        if buf.peek() != "[":
            raise buf.error("expected a list")
        buf.pos += 1
        if buf.peek() == "]":
            return
        while True:
            buf.peek()
            while True:
                try:
                    item, end = decoder.raw_decode(buf.text, buf.pos)
                except json.JSONDecodeError as exc:
                    if buf.more():
                        continue
                    raise buf.error(exc.msg, exc.pos) from None
                if end == len(buf.text) and buf.more():  # a number may go on in the next chunk
                    continue
                break
            buf.pos = end
            yield item
            c = buf.peek()
            if c == "]":
                return
            if c != ",":
                raise buf.error("expected ',' or ']'" if c else "the list is not closed")
            buf.pos += 1


def read_table(path: Path, display: str | None = None, *, encoding: str | None = None,
               delimiter: str | None = None, sheet: str | None = None,
               prepare: Callable[[Row], Any] | None = None) -> Iterator[Row]:
    """The rows of a CSV, XLSX or JSON file (chosen by its suffix); a big file's are read by a
    second process while the first rows are worked on (:mod:`.ahead`), which also sets each
    row's :attr:`Row.prepared` to ``prepare(row)`` (see :func:`.ahead.read_ahead`)."""
    rows = _rows(path, display, encoding=encoding, delimiter=delimiter, sheet=sheet)
    from .ahead import READ_AHEAD_BYTES, read_ahead

    return read_ahead(rows, prepare) if path.stat().st_size >= READ_AHEAD_BYTES else rows


def _rows(path: Path, display: str | None, *, encoding: str | None, delimiter: str | None,
          sheet: str | None) -> Iterator[Row]:
    shown = display or path.name
    if not path.is_file():
        raise ImportInputError(f"{shown}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return _read_csv(path, shown, encoding, "\t" if suffix == ".tsv" and not delimiter else delimiter)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, shown, sheet)
    if suffix == ".json":
        return _read_json(path, shown)
    if suffix == ".xls":
        raise ImportInputError(f"{shown}: the old Excel format (.xls) is not read; save it as .xlsx or .csv")
    raise ImportInputError(f"{shown}: unknown file kind '{suffix}' (expected .csv, .xlsx or .json)")
