"""Indicators across the cities of a round: the coordinator's view, exports and the API.

One query reads every value of the round (GROUP BY would lose the quartiles, which rule 7 takes
from the values themselves); the statistics are rule 11's, over the round's cohort (the cities
whose assessment is submitted) that have a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from .. import scoring
from ..extensions import db
from ..models import Assessment, AssessmentStatus, City, Indicator, Round
from ..results import COHORT_MINIMUM as CITY_MINIMUM  # rule 11: 3 cities with a value
from .queries import round_indicators, round_values


@dataclass
class CityValues:
    city_id: int
    name: str
    country: str
    submitted: bool
    values: dict[str, float] = field(default_factory=dict)
    sources: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class RoundIndicators:
    indicators: list[Indicator]
    cities: list[CityValues]  # every city with an assessment in the round, by name
    statistics: dict[str, dict]  # indicator key -> rule 7 figures over the cohort

    def cohort_values(self, key: str) -> list[tuple[str, float]]:
        return [(c.name, c.values[key]) for c in self.cities if c.submitted and key in c.values]

    def shown_to_cities(self, key: str) -> bool:
        return self.statistics[key]["n"] >= CITY_MINIMUM


def round_indicator_values(round_: Round) -> RoundIndicators:
    """Every city's values in the round and the cohort statistics per indicator (2 queries for
    the values, 1 for the indicators, whatever the number of cities)."""
    indicators = round_indicators(round_)
    cities: dict[int, CityValues] = {}
    for city_id, name, country, status in db.session.execute(
        select(City.id, City.name, City.country, Assessment.status)
        .join(Assessment, Assessment.city_id == City.id)
        .where(Assessment.round_id == round_.id)
        .order_by(City.name)
    ):
        cities[city_id] = CityValues(city_id, name, country, status == AssessmentStatus.SUBMITTED)
    if indicators:
        for city_id, key, value, source in round_values(round_):
            cities[city_id].values[key] = value
            cities[city_id].sources[key] = source
    rows = list(cities.values())
    statistics = {
        indicator.key: scoring.indicator_cohort(
            (c.values.get(indicator.key) for c in rows if c.submitted), minimum=1
        )
        for indicator in indicators
    }
    return RoundIndicators(indicators, rows, statistics)


def city_facing_statistics(found: RoundIndicators) -> dict[str, dict]:
    """The statistics as cities may see them: below CITY_MINIMUM cities, only n."""
    return {
        key: scoring.indicator_cohort(
            [value for _name, value in found.cohort_values(key)], CITY_MINIMUM
        )
        for key in found.statistics
    }


@dataclass(frozen=True)
class IndicatorProgress:
    """Rule 11 between two rounds for one indicator, over the cities with a value in both."""

    indicator: Indicator
    cities: int
    improved: int
    worsened: int
    unchanged: int
    median_change: float | None


def indicator_round_progress(before: Round, after: Round) -> list[IndicatorProgress]:
    """Per indicator of ``after`` (matched by key in ``before``): how many cities improved,
    worsened or stayed unchanged, and the median change, over the cities with both values."""
    first, second = round_indicator_values(before), round_indicator_values(after)
    earlier = {c.city_id: c.values for c in first.cities}
    known = {i.key for i in first.indicators}
    found = []
    for indicator in second.indicators:
        if indicator.key not in known:
            continue
        trends, changes = [], []
        for city in second.cities:
            old = earlier.get(city.city_id, {}).get(indicator.key)
            change, trend = scoring.indicator_progress(
                old, city.values.get(indicator.key), indicator.direction
            )
            if trend is not None:
                trends.append(trend)
                changes.append(change)
        found.append(
            IndicatorProgress(
                indicator,
                len(trends),
                trends.count(scoring.IMPROVED),
                trends.count(scoring.WORSENED),
                trends.count(scoring.UNCHANGED),
                scoring.cohort_statistics(changes)["median"],
            )
        )
    return found
