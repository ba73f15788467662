"""What an indicator value may be: the one check of a value, its source and its date.

The survey page, ``dmat indicators import`` and the coordinator's upload all call
``check_indicator_entry``, so a value refused in one place is refused everywhere, with the same
words (in the page's language; the command line speaks English). ``IndicatorValueError.field``
names the field that is wrong.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext

# unit -> (lowest, highest, whole numbers only)
UNIT_RANGES: dict[str, tuple[float, float, bool]] = {
    "percent": (0.0, 100.0, False),
    "count": (0.0, 1_000_000_000.0, True),
    "rating": (1.0, 5.0, False),
    "days": (0.0, 100_000.0, False),
    "number": (-1_000_000_000_000.0, 1_000_000_000_000.0, False),
    "eur": (-1_000_000_000_000.0, 1_000_000_000_000.0, False),
}
MAX_SOURCE_CHARS = 500
EARLIEST_AS_OF = date(1990, 1, 1)
# a plain decimal number: at most 15 digits before the separator (what a float holds exactly),
# a point or a comma as the decimal separator, no exponent, no thousands separators
_NUMBER = re.compile(r"[+-]?([0-9]{1,15})(?:[.,]([0-9]{1,17}))?")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?: 00:00:00)?")


class IndicatorValueError(ValueError):
    """A value, source or date that cannot be stored; ``field`` names which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class IndicatorEntry:
    value: float
    source: str | None
    as_of: date | None


def check_value(raw: str | float | int, unit: str) -> float:
    """The value of ``raw`` in ``unit``, or IndicatorValueError saying what is wrong."""
    low, high, whole = UNIT_RANGES[unit]
    if isinstance(raw, bool):
        raise IndicatorValueError("value", gettext("'%(value)s' is not a number", value=raw))
    if isinstance(raw, (int, float)):
        value = float(raw)
        shown = str(raw)
    else:
        text = raw.strip()
        shown = text if len(text) <= 30 else text[:30] + "…"
        match = _NUMBER.fullmatch(text)
        if not text:
            raise IndicatorValueError("value", gettext("a value is needed"))
        if match is None:
            raise IndicatorValueError(
                "value",
                gettext(
                    "'%(value)s' is not a number (write digits, with a point or a comma for"
                    " decimals and no thousands separators; at most 15 digits before the"
                    " decimal separator)",
                    value=shown,
                ),
            )
        if "," in text and match.group(2) is not None and len(match.group(2)) == 3:
            raise IndicatorValueError(
                "value",
                gettext(
                    "'%(value)s' is ambiguous: write %(whole)s for a whole number or"
                    " %(decimal)s for a decimal",
                    value=shown,
                    whole=text.replace(",", ""),
                    decimal=text.replace(",", "."),
                ),
            )
        value = float(text.replace(",", "."))
    if not math.isfinite(value):
        raise IndicatorValueError(
            "value", gettext("'%(value)s' is not a finite number", value=shown)
        )
    if whole and not value.is_integer():
        raise IndicatorValueError(
            "value", gettext("'%(value)s' is not a whole number", value=shown)
        )
    if not low <= value <= high:
        raise IndicatorValueError(
            "value",
            gettext(
                "%(value)s is outside the range %(low)s to %(high)s",
                value=shown,
                low=_plain(low),
                high=_plain(high),
            ),
        )
    return value + 0.0  # -0.0 is stored as 0.0


def check_source(raw: str | None) -> str | None:
    if raw is None:
        return None
    text = " ".join(raw.split())
    if not text:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in raw if ch not in "\t\n\r"):
        raise IndicatorValueError("source", gettext("the source contains control characters"))
    if len(text) > MAX_SOURCE_CHARS:
        raise IndicatorValueError(
            "source",
            gettext(
                "the source is %(length)d characters long; at most %(limit)d",
                length=len(text),
                limit=MAX_SOURCE_CHARS,
            ),
        )
    return text


def check_as_of(raw: str | date | None, today: date | None = None) -> date | None:
    """The date a value describes (YYYY-MM-DD), not before 1990 and not in the future."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        day = raw
        shown = raw.isoformat()
    else:
        shown = raw.strip()[:30]
        match = _DATE.fullmatch(raw.strip())
        try:
            day = date(*(int(part) for part in match.groups())) if match else None
        except ValueError:
            day = None
        if day is None:
            raise IndicatorValueError(
                "as_of", gettext("'%(value)s' is not a date of the form YYYY-MM-DD", value=shown)
            )
    today = today or date.today()
    if not EARLIEST_AS_OF <= day <= today:
        raise IndicatorValueError(
            "as_of",
            gettext(
                "%(value)s is not a date from %(earliest)s to today (%(today)s)",
                value=shown,
                earliest=EARLIEST_AS_OF.isoformat(),
                today=today.isoformat(),
            ),
        )
    return day


def check_indicator_entry(
    unit: str, value: str | float | int, source: str | None, as_of: str | date | None
) -> IndicatorEntry:
    """The one check of an indicator value with its source and date (page, CLI, web import)."""
    return IndicatorEntry(check_value(value, unit), check_source(source), check_as_of(as_of))


def _plain(number: float) -> str:
    return f"{number:,.0f}".replace(",", " ") if abs(number) >= 10_000 else f"{number:g}"
