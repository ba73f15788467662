"""The scoring rules of DESIGN.md, as pure functions over plain data.

Nothing here touches the database or Flask, so the same rules serve the command line, the pages,
the API, the dashboard (which feeds them SQL aggregates) and the PDF reports.

Rule 1  An answer is a level index ``i`` (0 = lowest) of a question with ``n`` levels, or
        ``dont_know``, or ``not_applicable`` (only where the question allows it). The question
        score of a level answer is the question's ``values[i]`` when it gives values, otherwise
        ``100 * i / (n - 1)``.
Rule 2  A city's question score is the mean of the question scores of its respondents who gave a
        level. ``dont_know`` and ``not_applicable`` are not scores; a question nobody scored has
        no score.
Rule 3  An area score is the weighted mean (question weights) of the city question scores of the
        area's scored questions. A question is not applicable for the city when more than half of
        the respondents who answered it said ``not_applicable``; every other question is
        applicable, unanswered ones included. Completeness is scored / applicable questions (0 when
        none applies). Below 0.5 completeness, or with no scored question, the area has no score.
Rule 4  The overall score is the weighted mean (area weights) of the area scores; it exists only
        when every area has a score.
Rule 5  Stages: 1 Initial [0,20), 2 Developing [20,40), 3 Defined [40,60), 4 Managed [60,80),
        5 Leading [80,100].
Rule 6  Agreement: each respondent's own area score is rules 2-3 applied to their answers alone;
        with at least two such scores in an area, agreement is their population standard
        deviation; above 20 points it is "low agreement".
Rule 7  Cohort statistics over cities: n, min, quartiles (``statistics.quantiles``, inclusive
        method), median, max.
Rule 8  Progress: the difference of a city's scores between two rounds, only where both exist.
Rule 9  Agreed answers: for a question with an agreed answer (a level, ``dont_know`` or
        ``not_applicable``), that answer alone is the city's answer to it: the agreed level's
        score, unscored but applicable, or not applicable. Agreement (rule 6) still comes from
        the respondents' own answers. A question diverges when at least two respondents gave a
        level and their highest and lowest level indices differ by at least ``(n - 1) / 2``.
Rule 10 Targets: a target (a score or an indicator value, with a due date) is set on a baseline
        round; ``latest`` is the city's figure in the most recent later round; ``gap`` is target
        minus latest (minus the baseline without a later one; the other way round for an
        indicator whose direction is ``lower``); ``met`` when latest reaches the target,
        otherwise ``missed`` once the due date has passed, otherwise ``open``.
Rule 11 Indicators: one value per city and round. Progress between two rounds is B - A where
        both exist: ``improved`` when it goes the indicator's direction, ``worsened`` the other
        way, ``unchanged`` at 0. Cohort statistics (rule 7) over the cities with a value, shown
        to cities only when at least 3 cities have one.

Level sums are kept as integers, so a city's figures do not depend on the order of respondents.
A question with values sums its answers' values instead (``QuestionTally.level_sum``); values
that equal ``100 * i / (n - 1)`` are the even spacing and are dropped, so they change nothing.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, NamedTuple

DONT_KNOW = "dont_know"
NOT_APPLICABLE = "not_applicable"
AnswerValue = int | Literal["dont_know", "not_applicable"]
"""A level index (0 = lowest), ``dont_know`` or ``not_applicable``."""

STAGE_EDGES = (20.0, 40.0, 60.0, 80.0)
STAGE_NAMES = {1: "Initial", 2: "Developing", 3: "Defined", 4: "Managed", 5: "Leading"}
LOW_AGREEMENT_ABOVE = 20.0
MIN_COMPLETENESS = 0.5


def evenly_spaced(levels: int) -> tuple[float, ...]:
    """Rule 1's default scores: ``100 * i / (n - 1)`` for each level index."""
    return tuple(100 * i / (levels - 1) for i in range(levels))


def own_values(levels: int, values: Iterable[float] | None) -> tuple[float, ...] | None:
    """A question's values as rule 1 uses them: None when it gives none or the even spacing."""
    if values is None:
        return None
    values = tuple(float(v) for v in values)
    if len(values) != levels:
        raise ValueError(f"{len(values)} values for {levels} levels")
    if any(not 0 <= v <= 100 for v in values) or any(a > b for a, b in itertools.pairwise(values)):
        raise ValueError(f"values {list(values)} must be 0-100 and non-decreasing")
    return None if values == evenly_spaced(levels) else values


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    levels: int
    weight: float = 1.0
    allow_na: bool = False
    values: tuple[float, ...] | None = None  # rule 1's own scores per level, if any

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", own_values(self.levels, self.values))


@dataclass(frozen=True)
class AreaSpec:
    key: str
    questions: tuple[QuestionSpec, ...]
    weight: float = 1.0


@dataclass(frozen=True)
class QuestionnaireSpec:
    areas: tuple[AreaSpec, ...]

    def question(self, key: str) -> QuestionSpec:
        for area in self.areas:
            for question in area.questions:
                if question.key == key:
                    return question
        raise KeyError(key)


class QuestionTally(NamedTuple):
    """What a group of respondents said to one question: enough for rules 2 and 3.

    ``level_sum`` is the sum of the 0-based level indices of the level answers (for a question
    with its own values, the sum of their values); SQL aggregation over the answers table
    produces the same four numbers. A named tuple, because a cohort
    dashboard builds one per city and question (30,000 for 1,000 cities), and a tuple is
    built several times faster than a frozen dataclass.
    """

    level_sum: float = 0  # an int for questions without values
    scored: int = 0
    not_applicable: int = 0
    answered: int = 0

    def score(self, question: QuestionSpec) -> float | None:
        """Rule 2: the mean question score of the level answers, None when there are none."""
        if self.scored == 0:
            return None
        if question.values is not None:
            return self.level_sum / self.scored
        return 100 * self.level_sum / ((question.levels - 1) * self.scored)

    @property
    def applicable(self) -> bool:
        return 2 * self.not_applicable <= self.answered

    def __add__(self, other: QuestionTally) -> QuestionTally:
        return QuestionTally(
            self.level_sum + other.level_sum,
            self.scored + other.scored,
            self.not_applicable + other.not_applicable,
            self.answered + other.answered,
        )


@dataclass(frozen=True)
class AreaResult:
    key: str
    score: float | None
    completeness: float
    scored: int
    applicable: int
    agreement: float | None = None
    question_scores: Mapping[str, float | None] = field(default_factory=dict)
    agreed: int = 0  # questions of the area with an agreed answer (rule 9)

    @property
    def stage(self) -> int | None:
        return stage(self.score)

    @property
    def low_agreement(self) -> bool:
        return self.agreement is not None and self.agreement > LOW_AGREEMENT_ABOVE


@dataclass(frozen=True)
class CityResult:
    respondents: int
    areas: Mapping[str, AreaResult]
    overall: float | None

    @property
    def stage(self) -> int | None:
        return stage(self.overall)

    @property
    def question_scores(self) -> dict[str, float | None]:
        return {k: v for area in self.areas.values() for k, v in area.question_scores.items()}


def question_score(level_index: int, levels: int, values: tuple[float, ...] | None = None) -> float:
    """Rule 1: the score of one level answer (``values`` as ``QuestionSpec.values``)."""
    if levels < 2:
        raise ValueError(f"a question needs at least 2 levels, not {levels}")
    if not 0 <= level_index < levels:
        raise ValueError(f"level index {level_index} is outside 0..{levels - 1}")
    if values is not None:
        return values[level_index]
    return 100 * level_index / (levels - 1)


def level_points(spec: QuestionSpec, level_index: int) -> float | int:
    """What one level answer adds to ``QuestionTally.level_sum``: its index, or its value."""
    if spec.values is not None:
        return question_score(level_index, spec.levels, spec.values)
    question_score(level_index, spec.levels)  # range check
    return level_index


def reached_level(score: float, levels: int, values: tuple[float, ...] | None = None) -> int:
    """The highest level (1-based) whose question score a score reaches (rule 1 backwards)."""
    # a tiny tolerance so that 60.000000000001-style sums do not fall a level short
    if values is None:
        return 1 + math.floor(score * (levels - 1) / 100 + 1e-9)
    return max(1, sum(value <= score + 1e-9 for value in values))


def stage(score: float | None) -> int | None:
    """Rule 5: the maturity stage (1-5) of a score, from the unrounded value."""
    if score is None:
        return None
    return 1 + sum(score >= edge for edge in STAGE_EDGES)


def tally(spec: QuestionSpec, answers: Iterable[AnswerValue]) -> QuestionTally:
    """Count one question's answers, checking each against the question (rule 1)."""
    level_sum: float = 0
    scored = not_applicable = answered = 0
    for answer in answers:
        answered += 1
        if answer == DONT_KNOW:
            continue
        if answer == NOT_APPLICABLE:
            if not spec.allow_na:
                raise ValueError(f"question {spec.key} does not allow not_applicable")
            not_applicable += 1
            continue
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise ValueError(f"question {spec.key}: {answer!r} is not a level index")
        level_sum += level_points(spec, answer)
        scored += 1
    return QuestionTally(level_sum, scored, not_applicable, answered)


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Mean of ``(value, weight)`` pairs, or None when there are none."""
    total = weights = 0.0
    for value, weight in pairs:
        total += value * weight
        weights += weight
    return total / weights if weights else None


def area_score(
    weighted_sum: float, weight_total: float, scored: int, applicable: int
) -> tuple[float | None, float]:
    """Rule 3's last step: ``(score, completeness)`` from the sums over the scored questions.

    ``weighted_sum`` adds weight * question score and ``weight_total`` the weights, both over the
    ``scored`` questions among the ``applicable`` ones.
    """
    completeness = scored / applicable if applicable else 0.0
    if scored == 0 or completeness < MIN_COMPLETENESS:
        return None, completeness
    return weighted_sum / weight_total, completeness


def score_area(
    area: AreaSpec,
    tallies: Mapping[str, QuestionTally],
    agreement: float | None = None,
    agreed: Collection[str] = (),
) -> AreaResult:
    """Rules 2-3 for one area, from the tallies of its questions (missing = nobody answered).

    ``agreement`` (rule 6) is carried into the result as given; ``agreed`` names the questions
    whose tallies are agreed answers (rule 9), only counted here.
    """
    empty = QuestionTally()
    question_scores: dict[str, float | None] = {}
    weighted_sum = weight_total = 0.0
    scored = applicable = 0
    for question in area.questions:
        counts = tallies.get(question.key, empty)
        score = counts.score(question)
        question_scores[question.key] = score
        if not counts.applicable:
            continue
        applicable += 1
        if score is not None:
            scored += 1
            weighted_sum += score * question.weight
            weight_total += question.weight
    score, completeness = area_score(weighted_sum, weight_total, scored, applicable)
    in_area = sum(question.key in agreed for question in area.questions)
    return AreaResult(
        area.key, score, completeness, scored, applicable, agreement, question_scores, in_area
    )


def tally_answers(
    questionnaire: QuestionnaireSpec, answers: Iterable[Mapping[str, AnswerValue]]
) -> dict[str, QuestionTally]:
    """Tally every question over the given respondents' answers (question key -> answer)."""
    by_question: dict[str, list[AnswerValue]] = {}
    for respondent_answers in answers:
        for key, answer in respondent_answers.items():
            by_question.setdefault(key, []).append(answer)
    return {key: tally(questionnaire.question(key), values) for key, values in by_question.items()}


def agreed_tally(spec: QuestionSpec, answer: AnswerValue) -> QuestionTally:
    """Rule 9: the tally that makes an agreed answer the city's only answer to its question.

    One level answer scores that level; ``dont_know`` is answered but unscored (applicable);
    ``not_applicable`` is the whole of the answers, so more than half of them.
    """
    return tally(spec, [answer])


def with_agreed(
    questionnaire: QuestionnaireSpec,
    tallies: Mapping[str, QuestionTally],
    agreed: Mapping[str, AnswerValue],
) -> dict[str, QuestionTally]:
    """Rule 9: the respondents' tallies with each agreed question's tally replaced by its own."""
    overridden = dict(tallies)
    for key, answer in agreed.items():
        overridden[key] = agreed_tally(questionnaire.question(key), answer)
    return overridden


def diverges(question: QuestionSpec, level_indices: Iterable[int]) -> bool:
    """Rule 9: at least two level answers whose highest and lowest index differ by (n - 1) / 2."""
    indices = list(level_indices)
    if len(indices) < 2:
        return False
    return 2 * (max(indices) - min(indices)) >= question.levels - 1


def agreement(own_area_scores: Iterable[float | None]) -> float | None:
    """Rule 6: the population standard deviation of the respondents' own area scores."""
    scores = [s for s in own_area_scores if s is not None]
    return statistics.pstdev(scores) if len(scores) >= 2 else None


def overall_score(questionnaire: QuestionnaireSpec, area_scores: Mapping[str, float | None]):
    """Rule 4: the weighted mean of the area scores, if every area has one."""
    pairs = [(area_scores.get(area.key), area.weight) for area in questionnaire.areas]
    if any(score is None for score, _ in pairs):
        return None
    return weighted_mean(pairs)  # type: ignore[arg-type]


def score_city_from_tallies(
    questionnaire: QuestionnaireSpec,
    tallies: Mapping[str, QuestionTally],
    own_area_scores: Mapping[str, Iterable[float | None]],
    respondents: int,
    agreed: Mapping[str, AnswerValue] | None = None,
) -> CityResult:
    """Rules 3, 4, 6 and 9 from per-question tallies, each respondent's own area scores and the
    city's agreed answers (question key -> answer)."""
    agreed = agreed or {}
    if agreed:
        tallies = with_agreed(questionnaire, tallies, agreed)
    areas = {
        area.key: score_area(
            area, tallies, agreement(own_area_scores.get(area.key, ())), agreed.keys()
        )
        for area in questionnaire.areas
    }
    overall = overall_score(questionnaire, {k: a.score for k, a in areas.items()})
    return CityResult(respondents, areas, overall)


def score_city(
    questionnaire: QuestionnaireSpec,
    answers: Mapping[str, Mapping[str, AnswerValue]],
    agreed: Mapping[str, AnswerValue] | None = None,
) -> CityResult:
    """All the rules for one city: ``answers`` maps respondent -> question key -> answer,
    ``agreed`` question key -> the team's agreed answer (rule 9)."""
    per_respondent = {
        respondent: tally_answers(questionnaire, [own])
        for respondent, own in answers.items()
        if own
    }
    tallies: dict[str, QuestionTally] = {}
    for own_tallies in per_respondent.values():
        for key, counts in own_tallies.items():
            tallies[key] = tallies.get(key, QuestionTally()) + counts
    own_area_scores = {
        area.key: [score_area(area, own).score for own in per_respondent.values()]
        for area in questionnaire.areas
    }
    return score_city_from_tallies(
        questionnaire, tallies, own_area_scores, len(per_respondent), agreed
    )


def cohort_statistics(values: Iterable[float | None]) -> dict[str, float | int | None]:
    """Rule 7: n, min, q1, median, q3, max over the values that exist."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return {"n": 0, "min": None, "q1": None, "median": None, "q3": None, "max": None}
    if len(data) == 1:
        (only,) = data
        return {"n": 1, "min": only, "q1": only, "median": only, "q3": only, "max": only}
    q1, median, q3 = statistics.quantiles(data, n=4, method="inclusive")
    return {"n": len(data), "min": data[0], "q1": q1, "median": median, "q3": q3, "max": data[-1]}


def difference(before: float | None, after: float | None) -> float | None:
    """Rule 8 for one figure: after - before, only when both exist."""
    if before is None or after is None:
        return None
    return after - before


def progress(before: CityResult, after: CityResult) -> dict:
    """Rule 8 for a city: overall, per area (matched by key) and per question (by key)."""
    before_questions = before.question_scores
    after_questions = after.question_scores
    return {
        "overall": difference(before.overall, after.overall),
        "areas": {
            key: difference(before.areas[key].score if key in before.areas else None, a.score)
            for key, a in after.areas.items()
        },
        "questions": {
            key: difference(before_questions.get(key), score)
            for key, score in after_questions.items()
            if key in before_questions
        },
    }


# -- rule 11: success indicators --------------------------------------------------------------

IMPROVED, WORSENED, UNCHANGED = "improved", "worsened", "unchanged"


def indicator_trend(change: float | None, direction: str) -> str | None:
    """Rule 11: ``improved`` when the change goes the indicator's direction (``higher`` or
    ``lower``), ``worsened`` the other way, ``unchanged`` at 0; None without a change."""
    if change is None:
        return None
    if change == 0:
        return UNCHANGED
    better = change > 0 if direction == "higher" else change < 0
    return IMPROVED if better else WORSENED


def indicator_progress(
    before: float | None, after: float | None, direction: str
) -> tuple[float | None, str | None]:
    """Rule 11 between two rounds: the change (B - A, where both exist) and its trend."""
    change = difference(before, after)
    return change, indicator_trend(change, direction)


class IndicatorPoint(NamedTuple):
    """An indicator value of a city in one round (rounds in their order, oldest first)."""

    round: str
    value: float | None
    source: str | None = None


def indicator_summary(key: str, direction: str, history: Iterable[IndicatorPoint]) -> dict | None:
    """The ``indicators`` entry of the plan JSON for one indicator of a city: the value of the
    most recent round that has one, ``previous`` the most recent earlier round with a value
    (None when none), ``change`` and ``trend`` by rule 11; None when no round has a value."""
    points = [point for point in history if point.value is not None]
    if not points:
        return None
    latest = points[-1]
    previous = points[-2] if len(points) > 1 else None
    change, trend = indicator_progress(
        previous.value if previous else None, latest.value, direction
    )
    return {
        "key": key,
        "round": latest.round,
        "value": latest.value,
        "previous": {"round": previous.round, "value": previous.value} if previous else None,
        "change": change,
        "trend": trend,
        "source": latest.source,
    }


def indicator_cohort(values: Iterable[float | None], minimum: int) -> dict[str, float | int | None]:
    """Rule 11's cohort statistics over the cities with a value; below ``minimum`` cities (3
    where cities see it) only ``n`` is given, every statistic None."""
    statistics_ = cohort_statistics(values)
    if statistics_["n"] < minimum:
        return dict.fromkeys(statistics_, None) | {"n": statistics_["n"]}
    return statistics_


HIGHER = "higher"
LOWER = "lower"
Direction = Literal["higher", "lower"]
TargetStatus = Literal["met", "missed", "open"]


class TargetProgress(NamedTuple):
    gap: float | None
    status: TargetStatus


def target_progress(
    target: float,
    baseline: float | None,
    latest: float | None,
    due: date,
    today: date,
    direction: Direction = HIGHER,
) -> TargetProgress:
    """Rule 10 for one target: its gap and status.

    ``latest`` is the figure of the most recent round after the baseline (None when there is
    none yet); the gap is then measured from the baseline, and None when neither exists. Only a
    later round can meet a target: a baseline that already reaches it does not. The due date
    passes the day after it.
    """
    if direction not in (HIGHER, LOWER):
        raise ValueError(f"direction must be higher or lower, not {direction!r}")
    current = latest if latest is not None else baseline
    gap = None
    if current is not None:
        gap = target - current if direction == HIGHER else current - target
    if latest is not None and (latest >= target if direction == HIGHER else latest <= target):
        return TargetProgress(gap, "met")
    return TargetProgress(gap, "missed" if due < today else "open")


def suggested_area_target(score: float | None) -> float | None:
    """The default target for an area: the next stage boundary above the score (rule 5), or
    100 from the last stage; None without a score."""
    if score is None:
        return None
    return next((edge for edge in STAGE_EDGES if edge > score), 100.0)
