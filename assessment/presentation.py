"""How figures are shown: one decimal, stage names, "insufficient data" instead of a number.

Registered as Jinja filters, used by the pages and the PDF reports alike.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import format_decimal
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
    return format_decimal(round(score, 1), format="0.0")


def percent_text(share: float | None) -> str:
    return "–" if share is None else format_decimal(round(100 * share), format="0") + " %"


def stage_text(stage: int | None) -> str:
    return "–" if stage is None else f"{stage} · {STAGE_LABELS[stage]}"


def register_filters(app: Flask) -> None:
    app.add_template_filter(score_text, "score")
    app.add_template_filter(percent_text, "percent")
    app.add_template_filter(stage_text, "stage")
    app.add_template_filter(localized, "localized")
