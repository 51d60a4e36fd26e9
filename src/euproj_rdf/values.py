"""Parsing and normalising single values: dates of any precision, codes, identifiers.

Pure functions: a value in, a normalised value out, or a :class:`ValueError` whose message
says what is wrong and how to write it instead.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from .vocab import XSD

__all__ = [
    "ID_PATTERN",
    "FlexDate",
    "parse_date",
    "parse_duration",
    "parse_decimal",
    "check_id",
    "check_length",
    "MAX_TEXT",
    "check_url",
    "country_code",
    "currency_code",
    "language_code",
]

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\Z")
_DURATION = re.compile(r"^P(?=\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?\Z")
_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+\Z")


#: The longest text a field may hold (characters); a longer one is refused by the checker.
MAX_TEXT = 100_000
#: The most digits a number may have (and the largest power of ten it may reach).
MAX_DIGITS = 50


@dataclass(frozen=True)
class FlexDate:
    """A date whose precision is kept: day, month or year.

    >>> parse_date("2016-04")
    FlexDate(text='2016-04', precision='month')
    >>> parse_date("2016-04").datatype
    'http://www.w3.org/2001/XMLSchema#gYearMonth'
    """

    text: str
    precision: str

    @property
    def datatype(self) -> str:
        return XSD + {"day": "date", "month": "gYearMonth", "year": "gYear"}[self.precision]

    @property
    def year(self) -> int:
        return int(self.text[:4])


def parse_date(value: object) -> FlexDate:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` into a :class:`FlexDate`.

    >>> parse_date("2019-04-31")
    Traceback (most recent call last):
    ...
    ValueError: impossible date '2019-04-31': April 2019 has 30 days
    """
    text = str(value).strip()
    m = _DATE.match(text)
    if not m:
        raise ValueError(f"unparseable date '{text}': write YYYY-MM-DD, YYYY-MM or YYYY")
    year, month, day = m.group(1), m.group(2), m.group(3)
    if month is None:
        return FlexDate(text, "year")
    mo = int(month)
    if not 1 <= mo <= 12:
        raise ValueError(f"impossible date '{text}': there is no month {month}")
    if day is None:
        return FlexDate(text, "month")
    days = calendar.monthrange(int(year), mo)[1]
    if not 1 <= int(day) <= days:
        raise ValueError(
            f"impossible date '{text}': {calendar.month_name[mo]} {year} has {days} days"
        )
    return FlexDate(text, "day")


def parse_duration(value: object) -> str:
    """Check an ISO 8601 duration of years, months and days (``P3Y``, ``P18M``)."""
    text = str(value).strip()
    if not _DURATION.match(text):
        raise ValueError(f"unparseable duration '{text}': write an ISO 8601 duration such as P3Y or P18M")
    return text


def parse_decimal(value: object) -> Decimal:
    """A number as an exact decimal; floats and strings alike.

    >>> parse_decimal("1390000")
    Decimal('1390000')
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"expected a number, got '{value}'") from None
    if not d.is_finite():
        raise ValueError(f"expected a finite number, got '{value}'")
    if len(d.as_tuple().digits) > MAX_DIGITS or abs(d.adjusted()) > MAX_DIGITS:
        raise ValueError(f"the number '{value}' is out of range: write at most {MAX_DIGITS} digits")
    return d


def check_id(value: object) -> str:
    """An id usable inside an IRI path segment."""
    text = str(value)
    if not ID_PATTERN.match(text):
        shown = f"'{text}'" if text.isprintable() else repr(text)
        raise ValueError(
            f"id {shown} is not IRI-safe: use lower-case ASCII letters, digits and single hyphens"
        )
    return text


def check_length(text: str) -> str:
    """A text no longer than :data:`MAX_TEXT` characters.

    >>> check_length("x" * 100_001)
    Traceback (most recent call last):
    ...
    ValueError: a text of 100001 characters is longer than the limit of 100000
    """
    if len(text) > MAX_TEXT:
        raise ValueError(f"a text of {len(text)} characters is longer than the limit of {MAX_TEXT}")
    return text


def check_url(value: object) -> str:
    text = str(value).strip()
    if not _URL.match(text):
        raise ValueError(f"'{text}' is not an http(s) URL")
    return text


@lru_cache(maxsize=None)
def _countries() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.countries)


@lru_cache(maxsize=None)
def _currencies() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.currencies)


@lru_cache(maxsize=None)
def _languages() -> dict[str, str]:
    """ISO 639-1 code → the EU authority table's code (ISO 639-2/T, upper case)."""
    import pycountry

    return {
        lang.alpha_2: lang.alpha_3.upper()
        for lang in pycountry.languages
        if hasattr(lang, "alpha_2")
    }


def country_code(value: object) -> str:
    """An ISO 3166-1 alpha-3 code, as the EU country authority table uses it."""
    text = str(value)
    if text not in _countries():
        raise ValueError(f"unknown country code '{text}': use an ISO 3166-1 alpha-3 code such as SWE")
    return text


def currency_code(value: object) -> str:
    text = str(value)
    if text not in _currencies():
        raise ValueError(f"unknown currency '{text}': use an ISO 4217 code such as EUR, DKK or SEK")
    return text


def language_code(value: object) -> str:
    """An ISO 639-1 code (``sv``); returns it unchanged when known.

    >>> language_code("sv")
    'sv'
    """
    text = str(value)
    if text not in _languages():
        raise ValueError(f"unknown language code '{text}': use an ISO 639-1 code such as sv, da or en")
    return text


def authority_language(code: str) -> str:
    """The EU authority-table code of an ISO 639-1 language code.

    >>> authority_language("da")
    'DAN'
    """
    return _languages()[code]
