"""How figures are shown: one decimal, stage names, "insufficient data" instead of a number.

Registered as Jinja filters, used by the pages and the PDF reports alike.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask
from flask_babel import format_date, format_decimal, format_time, ngettext
from flask_babel import lazy_gettext as _l

from questionnaires import localized

STAGE_LABELS = {
    1: _l("Initial"),
    2: _l("Developing"),
    3: _l("Defined"),
    4: _l("Managed"),
    5: _l("Leading"),
}
INSUFFICIENT_DATA = _l("insufficient data")


def score_text(score: float | None) -> str:
    """A score with one decimal in the page's locale, or "insufficient data"."""
    if score is None:
        return str(INSUFFICIENT_DATA)
    return format_decimal(round(score, 1) + 0.0, format="0.0")  # + 0.0: never "-0.0"


def change_text(change: float | None) -> str:
    """A change between rounds with its sign and one decimal ("+2.5", "-0.3", never "-0.0":
    what rounds to zero is "±0.0"), or "insufficient data"."""
    if change is None:
        return score_text(None)
    rounded = round(change, 1)
    if rounded == 0:
        return "±" + format_decimal(0, format="0.0")
    return format_decimal(rounded, format="+0.0;-0.0")


def change_direction(change: float | None) -> str:
    """ "up", "down" or "" for a change as ``change_text`` shows it (what rounds to 0 is level)."""
    if change is None or round(change, 1) == 0:
        return ""
    return "up" if change > 0 else "down"


def percent_text(share: float | None) -> str:
    return "–" if share is None else format_decimal(round(100 * share), format="0") + " %"


def stage_text(stage: int | None) -> str:
    return "–" if stage is None else f"{stage} · {STAGE_LABELS[stage]}"


def date_text(value: date | datetime | None) -> str:
    """A date, one way per language everywhere (pages and PDFs): "Dec 1, 2026", "1.12.2026 г."."""
    return "–" if value is None else format_date(value, "medium")


def datetime_text(value: datetime | None) -> str:
    """A moment: the date as ``date_text`` writes it, then the time (UTC) in the language's way."""
    if value is None:
        return "–"
    return f"{format_date(value, 'medium')}, {format_time(value, 'short')}"


def indicator_value_text(value: float | None, unit: str) -> str:
    """An indicator value with one decimal at most (whole for counts) and its unit: "45.5 %",
    "37", "4.2 / 5", "60 days", "1,250,000 EUR"; "–" for none."""
    if value is None:
        return "–"
    shown = format_decimal(round(value, 0 if unit == "count" else 1) + 0.0, format="#,##0.#")
    if unit == "percent":
        return f"{shown} %"
    if unit == "eur":
        return f"{shown} EUR"
    if unit == "rating":
        return f"{shown} / 5"
    if unit == "days":
        # a day count with decimals ("1.5 days") takes the plural in English and Bulgarian
        return ngettext("%(days)s day", "%(days)s days", 1 if shown == "1" else 2, days=shown)
    return shown


UNIT_LABELS = {
    "percent": _l("percent, 0 to 100"),
    "count": _l("a whole number"),
    "rating": _l("a rating from 1 to 5"),
    "days": _l("days"),
    "number": _l("a number"),
    "eur": _l("euros"),
}


def indicator_unit_text(unit: str) -> str:
    """An indicator's unit as pages name it: "percent, 0 to 100", "a whole number"."""
    return str(UNIT_LABELS.get(unit, unit))


def indicator_direction_text(direction: str) -> str:
    """Which way an indicator improves, as a sentence."""
    return str(_l("Lower is better.") if direction == "lower" else _l("Higher is better."))


def indicator_input(value: float | None) -> str:
    """A stored value as it goes back into a form field: every digit, never an exponent."""
    if value is None:
        return ""
    text = format(Decimal(repr(value)), "f")
    return text[:-2] if text.endswith(".0") else text


def register_filters(app: Flask) -> None:
    app.add_template_filter(date_text, "date")
    app.add_template_filter(datetime_text, "datetime")
    app.add_template_filter(score_text, "score")
    app.add_template_filter(change_text, "change")
    app.add_template_filter(change_direction, "direction")
    app.add_template_filter(percent_text, "percent")
    app.add_template_filter(stage_text, "stage")
    app.add_template_filter(localized, "localized")
    app.add_template_filter(indicator_value_text, "indicator_value")
    app.add_template_filter(indicator_unit_text, "indicator_unit")
    app.add_template_filter(indicator_direction_text, "indicator_direction")
    app.add_template_filter(indicator_input, "indicator_input")
