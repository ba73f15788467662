"""The indicator part of a round's exports: ``indicators.csv`` in the CSV zip, an
``indicators`` sheet in the XLSX file, an ``indicators`` key in the JSON document.

The rows have the columns ``dmat indicators import`` reads, so an export re-imports.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from ..extensions import db
from ..models import Assessment, City, Indicator, IndicatorValue, Round
from .cohort import round_indicator_values
from .operations import INDICATOR_COLUMNS, INDICATOR_OPTIONAL_COLUMNS

EXPORT_COLUMNS = INDICATOR_COLUMNS + INDICATOR_OPTIONAL_COLUMNS


def has_indicators(round_: Round) -> bool:
    return bool(round_.questionnaire.indicators)


def indicator_rows(round_: Round) -> Iterator[tuple[str, str, float, str | None, str | None]]:
    """One row per stored value: city, indicator, value, source, as_of (YYYY-MM-DD)."""
    rows = db.session.execute(
        select(
            City.name,
            Indicator.key,
            IndicatorValue.value,
            IndicatorValue.source,
            IndicatorValue.as_of,
        )
        .join(Assessment, IndicatorValue.assessment_id == Assessment.id)
        .join(City, Assessment.city_id == City.id)
        .join(Indicator, IndicatorValue.indicator_id == Indicator.id)
        .where(Assessment.round_id == round_.id)
        .order_by(City.name, Indicator.position)
    )
    for city, key, value, source, as_of in rows:
        yield city, key, value, source, as_of.isoformat() if as_of else None


def indicators_json(round_: Round) -> dict:
    """The JSON export's ``indicators``: every value, and rule 11's cohort statistics."""
    return {
        "values": [dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in indicator_rows(round_)],
        "cohort": round_indicator_values(round_).statistics,
    }
