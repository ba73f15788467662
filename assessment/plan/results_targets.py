"""The targets part of a city's results page: a row per area and per indicator for the
target form, the question targets, the targets the "Success indicators" table is measured by,
and the radar's target series. Read with ``queries`` (rule 10)."""

from __future__ import annotations

from dataclasses import dataclass

from .. import scoring
from ..indicators.queries import round_values
from ..models import City, Round, TargetKind
from .figures import target_keys
from .queries import TargetState, aimed_targets, radar_targets, target_states, today


@dataclass(frozen=True)
class AreaTargetRow:
    """An area on the results page: its score, the suggested target and the one set, if any."""

    key: str
    title: dict[str, str]
    score: float | None
    suggested: float | None
    state: TargetState | None


@dataclass(frozen=True)
class IndicatorTargetRow:
    """An indicator on the results page's target form: its value in the round and its target."""

    key: str
    title: dict[str, str]
    unit: str
    direction: scoring.Direction
    value: float | None
    state: TargetState | None


def results_targets(round_: Round, city: City, result: scoring.CityResult) -> dict:
    """The targets part of a city's results page for a round: one row per area, the question
    targets, and the radar's target series (area key -> target)."""
    every = target_states([city.id]).get(city.id, [])
    states = [s for s in every if s.target.baseline_round_id == round_.id]
    by_key = {(s.target.kind, s.target.key): s for s in states}
    rows = [
        AreaTargetRow(
            area.key,
            area.title,
            result.areas[area.key].score,
            scoring.suggested_area_target(result.areas[area.key].score),
            by_key.get((TargetKind.AREA, area.key)),
        )
        for area in round_.questionnaire.areas
    ]
    questions = [s for s in states if s.target.kind == TargetKind.QUESTION]
    values = {found.key: found.value for found in round_values(round_, [city.id])}
    indicators = [
        IndicatorTargetRow(
            spec.key,
            spec.title,
            spec.unit or "number",
            spec.direction,
            values.get(spec.key),
            by_key.get(index),
        )
        for index, spec in target_keys(round_.questionnaire).items()
        if index[0] == TargetKind.INDICATOR
    ]
    return {
        "areas": rows,
        "questions": questions,
        "indicators": indicators,
        "indicator_states": [s for s in states if s.target.kind == TargetKind.INDICATOR],
        # the "Success indicators" table: indicator key -> the target the round is measured by
        "by_indicator": {
            s.target.key: s for s in aimed_targets(every, round_, TargetKind.INDICATOR)
        },
        "series": radar_targets(every, round_),
    }


def default_due() -> str:
    """The due date a new target is offered: two years from today (programmes run an
    assessment round every two years), as ``YYYY-MM-DD``."""
    day = today()
    try:
        return day.replace(year=day.year + 2).isoformat()
    except ValueError:  # 29 February
        return day.replace(year=day.year + 2, day=28).isoformat()
