"""The figures rule 10 measures targets by: which keys of a questionnaire may have a target
(``target_keys``), the city's figure for each key in a round (``round_figures``: area and
question scores, indicator values), and the rounds after a baseline (``later_rounds``, in the
order of ``rounds.round_order_key``). One place for each, so that the pages, the PDF, the
exports, the API and ``dmat plan`` agree.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from .. import scoring, stored_scores
from ..indicators.queries import round_values
from ..models import Questionnaire, Round, TargetKind
from ..results import round_scores
from ..rounds import round_order_key, rounds_in_order


# rounds -------------------------------------------------------------------------------------------
def later_rounds(baseline: Round, rounds: Iterable[Round]) -> list[Round]:
    """The rounds opened after ``baseline`` with a questionnaire of the same key, latest first."""
    key = baseline.questionnaire.key
    ordered = rounds_in_order(rounds)
    position = round_order_key(baseline)
    return [
        r for r in reversed(ordered) if round_order_key(r) > position and r.questionnaire.key == key
    ]


# which keys may have a target, and the figures they are measured by ------------------------------
@dataclass(frozen=True)
class TargetKey:
    """A key that may have a target in a questionnaire, and how its target is read."""

    kind: TargetKind
    key: str
    title: dict[str, str]
    levels: int | None = None  # a question's number of levels
    direction: scoring.Direction = scoring.HIGHER
    area: str | None = None  # the area of a question
    unit: str | None = None  # an indicator's unit (indicators/values.py UNIT_RANGES)

    def target_figure(self, value: float) -> float:
        """The figure a target value stands for: a question's target level as its score."""
        if self.kind == TargetKind.QUESTION and self.levels is not None:
            return scoring.question_score(int(value) - 1, self.levels)
        return value


def target_keys(questionnaire: Questionnaire) -> dict[tuple[TargetKind, str], TargetKey]:
    """Every key of a questionnaire that may have a target: its areas, questions and
    indicators (an indicator's target is a value in its unit, read in its direction)."""
    found: dict[tuple[TargetKind, str], TargetKey] = {}
    for area in questionnaire.areas:
        found[(TargetKind.AREA, area.key)] = TargetKey(TargetKind.AREA, area.key, area.title)
        for question in area.questions:
            found[(TargetKind.QUESTION, question.key)] = TargetKey(
                TargetKind.QUESTION, question.key, question.text, question.level_count,
                area=area.key,
            )  # fmt: skip
    for indicator in questionnaire.indicators:
        found[(TargetKind.INDICATOR, indicator.key)] = TargetKey(
            TargetKind.INDICATOR, indicator.key, indicator.title,
            direction=indicator.direction, area=indicator.area_key, unit=indicator.unit,
        )  # fmt: skip
    return found


Figures = dict[tuple[int, int], dict[tuple[TargetKind, str], float]]
"""(round id, city id) -> (kind, key) -> the city's figure in that round."""


ALL_KINDS = frozenset(TargetKind)


def round_figures(
    rounds: Iterable[Round],
    city_ids: Collection[int],
    memo: dict | None = None,
    kinds: frozenset[TargetKind] = ALL_KINDS,
) -> Figures:
    """The figure of every key that may have a target, for each city in each round: area and
    question scores (rules 1-4, 9) and indicator values (rule 11). A submitted assessment's
    scores are read as stored (``stored_scores``), the others' scored from their answers: a
    few queries per round, whatever the cities.

    ``memo`` (a dict the caller keeps for one page) saves scoring a round twice for the same
    cities; ``kinds`` leaves out the figures of other kinds of key."""
    figures: Figures = {}
    memo = {} if memo is None else memo
    cities = frozenset(city_ids)
    areas = TargetKind.AREA in kinds
    questions = TargetKind.QUESTION in kinds
    for round_ in rounds:
        remembered = (round_.id, cities, kinds)
        if remembered in memo:
            figures.update(memo[remembered])
            continue
        own_round: Figures = {}
        parts = [part for part, wanted in (("areas", areas), ("questions", questions)) if wanted]
        if parts:
            stored = stored_scores.submitted_scores(round_, cities, parts)
            for city_id, scores in stored.items():
                own_round[(round_.id, city_id)] = _figures_of(
                    scores.get("areas", {}).items(), scores.get("questions", {}).items()
                )
            unstored = cities.difference(stored)
            if unstored:  # in progress (or stored under other rules): scored from the answers
                for scores in round_scores(round_, unstored, agreement=False):
                    result = scores.result
                    own_round[(round_.id, scores.city.id)] = _figures_of(
                        ((key, area.score) for key, area in result.areas.items()) if areas else (),
                        result.question_scores.items() if questions else (),
                    )
        if TargetKind.INDICATOR in kinds:
            for city_id, indicator, value, _source in round_values(round_, city_ids):
                own_round.setdefault((round_.id, city_id), {})[
                    (TargetKind.INDICATOR, indicator)
                ] = value
        memo[remembered] = own_round
        figures.update(own_round)
    return figures


def _figures_of(areas, questions) -> dict[tuple[TargetKind, str], float]:
    """A city's figures in a round from its (key, score) pairs of areas and of questions."""
    own = {(TargetKind.AREA, key): score for key, score in areas if score is not None}
    own.update(((TargetKind.QUESTION, key), score) for key, score in questions if score is not None)
    return own
