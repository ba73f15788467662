"""Reading indicator values across rounds (rule 11), for the plan, targets, pages and exports.

Rounds are put in order by rule 10's one function, ``rounds.round_order_key`` (opening date,
else creation time, then id), applied in Python to the few rounds a city has: the order cannot
be a plain SQL ORDER BY, since it mixes a date with a timestamp.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import select

from .. import scoring
from ..extensions import db
from ..models import Assessment, City, Indicator, IndicatorValue, Questionnaire, Round
from ..rounds import round_order_key


def round_indicators(round_: Round) -> list[Indicator]:
    """The indicators of the round's questionnaire, in their order."""
    return list(
        db.session.scalars(
            select(Indicator)
            .where(Indicator.questionnaire_id == round_.questionnaire_id)
            .order_by(Indicator.position)
        )
    )


class RoundValue(NamedTuple):
    city_id: int
    key: str  # the indicator's
    value: float
    source: str | None


def round_values(round_: Round, city_ids: Collection[int] | None = None) -> list[RoundValue]:
    """Every indicator value of the round (of these cities' assessments when given): one
    query, whatever the cities."""
    query = (
        select(Assessment.city_id, Indicator.key, IndicatorValue.value, IndicatorValue.source)
        .join(Assessment, IndicatorValue.assessment_id == Assessment.id)
        .join(Indicator, IndicatorValue.indicator_id == Indicator.id)
        .where(Assessment.round_id == round_.id)
    )
    if city_ids is not None:
        if not city_ids:
            return []
        query = query.where(Assessment.city_id.in_(list(city_ids)))
    return [RoundValue(*row) for row in db.session.connection().execute(query)]


@dataclass(frozen=True)
class HistoryRow:
    questionnaire_key: str
    indicator_key: str
    direction: str
    unit: str
    position: int
    round_id: int
    round_name: str
    value: float
    source: str | None
    as_of: date | None


def city_history(city_id: int) -> list[HistoryRow]:
    """Every indicator value of a city, rounds oldest first (one query)."""
    rows = db.session.execute(
        select(
            Questionnaire.key,
            Indicator.key,
            Indicator.direction,
            Indicator.unit,
            Indicator.position,
            Round.id,
            Round.name,
            IndicatorValue.value,
            IndicatorValue.source,
            IndicatorValue.as_of,
            Round.opens_on,
            Round.created_at,
        )
        .join(Indicator, IndicatorValue.indicator_id == Indicator.id)
        .join(Assessment, IndicatorValue.assessment_id == Assessment.id)
        .join(Round, Assessment.round_id == Round.id)
        .join(Questionnaire, Round.questionnaire_id == Questionnaire.id)
        .where(Assessment.city_id == city_id)
    ).all()
    # a row has the round's id, opens_on and created_at: rule 10's order reads it as a round
    rows.sort(key=lambda row: (round_order_key(row), row.position))
    return [HistoryRow(*row[:10]) for row in rows]


def plan_indicators(city: City) -> list[dict]:
    """The ``indicators`` list of the plan JSON for a city (DESIGN.md): for each indicator with
    a value, the most recent round's value, ``previous``, ``change`` and ``trend`` (rule 11).

    An indicator is the same across rounds when its questionnaire key and its own key are; its
    direction is the one of the most recent round that has a value. Listed in the order of the
    questionnaire's indicators.
    """
    history: dict[tuple[str, str], list[HistoryRow]] = {}
    for row in city_history(city.id):
        history.setdefault((row.questionnaire_key, row.indicator_key), []).append(row)
    summaries = []
    for (_questionnaire, key), rows in sorted(history.items(), key=lambda kv: kv[1][-1].position):
        summary = scoring.indicator_summary(
            key,
            rows[-1].direction,
            [scoring.IndicatorPoint(row.round_name, row.value, row.source) for row in rows],
        )
        if summary is not None:
            summaries.append(summary)
    return summaries


@dataclass(frozen=True)
class LatestValue:
    round_id: int
    round_name: str
    value: float


def latest_value_after(city: City, key: str, baseline: Round) -> LatestValue | None:
    """The value of indicator ``key`` for ``city`` in the most recent round that opened after
    ``baseline``, of a questionnaire with the same key, that has one (rule 10); None when none.
    """
    found = db.session.execute(
        select(Round.id, Round.name, IndicatorValue.value, Round.opens_on, Round.created_at)
        .join(Assessment, IndicatorValue.assessment_id == Assessment.id)
        .join(Round, Assessment.round_id == Round.id)
        .join(Questionnaire, Round.questionnaire_id == Questionnaire.id)
        .join(Indicator, IndicatorValue.indicator_id == Indicator.id)
        .where(
            Assessment.city_id == city.id,
            Indicator.key == key,
            Questionnaire.key == baseline.questionnaire.key,
        )
    ).all()
    after = round_order_key(baseline)
    later = [row for row in found if round_order_key(row) > after]
    if not later:
        return None
    latest = max(later, key=round_order_key)
    return LatestValue(latest.id, latest.name, latest.value)


@dataclass(frozen=True)
class TableRow:
    """One line of a city's "Success indicators" table for a round (rule 11)."""

    indicator: Indicator
    value: float | None
    source: str | None
    as_of: date | None
    previous_round: str | None  # the most recent earlier round with a value
    previous: float | None
    change: float | None
    trend: str | None


def indicator_table(round_: Round, city_id: int) -> list[TableRow]:
    """The city's value of each indicator of the round, with the value of the most recent
    earlier round (same questionnaire key) that has one, the change and its trend."""
    indicators = round_indicators(round_)
    if not indicators:
        return []
    opened = round_order_key(round_)
    earlier = {
        row.id
        for row in db.session.execute(
            select(Round.id, Round.opens_on, Round.created_at)
            .join(Questionnaire, Round.questionnaire_id == Questionnaire.id)
            .where(Questionnaire.key == round_.questionnaire.key)
        )
        if round_order_key(row) < opened
    }
    own: dict[str, HistoryRow] = {}
    before: dict[str, HistoryRow] = {}
    for row in city_history(city_id):  # oldest first: the last one seen is the latest
        if row.round_id == round_.id:
            own[row.indicator_key] = row
        elif row.round_id in earlier:
            before[row.indicator_key] = row
    rows = []
    for indicator in indicators:
        mine, previous = own.get(indicator.key), before.get(indicator.key)
        value = mine.value if mine else None
        change, trend = scoring.indicator_progress(
            previous.value if previous else None, value, indicator.direction
        )
        rows.append(
            TableRow(
                indicator,
                value,
                mine.source if mine else None,
                mine.as_of if mine else None,
                previous.round_name if previous else None,
                previous.value if previous else None,
                change,
                trend,
            )
        )
    return rows
