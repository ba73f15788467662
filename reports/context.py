"""What a city report shows, gathered from the read side (``results``, ``insights``) only.

Every figure comes from ``assessment.results`` and ``assessment.insights``, the same functions that
feed the pages and ``dmat scores``; the templates format them with the ``presentation`` filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from assessment.charts import RadarChart, radar_chart
from assessment.extensions import db
from assessment.indicators.queries import indicator_table
from assessment.insights import (
    QuestionFinding,
    areas_by_score,
    next_steps,
    strongest_questions,
    weakest_questions,
)
from assessment.models import (
    AgreedAnswer,
    Answer,
    Area,
    Assessment,
    AssessmentStatus,
    City,
    Question,
    Questionnaire,
    Response,
    Round,
)
from assessment.results import (
    COHORT_MINIMUM,
    CityCohort,
    CityScores,
    QuestionSpread,
    answer_counts,
    city_cohort,
    question_spreads,
    round_scores,
)
from assessment.rounds import round_order_key
from assessment.scoring import AreaResult, CityResult
from assessment.survey.agreed import agreed_list
from questionnaires import localized

from .svg_radar import render_radar


@dataclass(frozen=True)
class QuestionRow:
    question: Question
    score: float | None
    spread: QuestionSpread | None


@dataclass(frozen=True)
class AreaSection:
    area: Area
    result: AreaResult
    previous: float | None
    median: float | None
    questions: list[QuestionRow]
    steps: list[QuestionFinding]
    comments: list[tuple[Question, str]] = field(default_factory=list)
    agreed: list[AgreedAnswer] = field(default_factory=list)  # rule 9, questionnaire order


@dataclass(frozen=True)
class DataState:
    """How many answers there are and when the latest changed: part of the cache key."""

    answers: int
    latest: datetime | None


def previous_round(
    round_: Round, city: City | None = None, submitted: bool = False
) -> Round | None:
    """The latest earlier round of the same questionnaire key (where ``city`` has an assessment;
    with ``submitted``, a submitted one: the results a city may see)."""
    query = (
        select(Round)
        .join(Questionnaire, Round.questionnaire_id == Questionnaire.id)
        .where(Questionnaire.key == round_.questionnaire.key, Round.id != round_.id)
    )
    if city is not None:
        query = query.join(Assessment, Assessment.round_id == Round.id).where(
            Assessment.city_id == city.id
        )
        if submitted:
            query = query.where(Assessment.status == AssessmentStatus.SUBMITTED)
    # earlier in the rounds' order (rule 10: opening date, else creation time), the latest one
    key = round_order_key(round_)
    earlier = [r for r in db.session.scalars(query) if round_order_key(r) < key]
    return max(earlier, key=round_order_key, default=None)


def previous_result(round_: Round, city: City) -> tuple[Round | None, CityResult | None]:
    """The city's results in its previous round (``previous_round``, submitted only), as the
    results page and the city report compare with them: (round, result), or (None, None)."""
    before = previous_round(round_, city, submitted=True)
    if before is None:
        return None, None
    return before, round_scores(before, [city.id])[0].result


def city_radar_chart(
    round_: Round,
    city: City,
    result: CityResult,
    previous: tuple[Round | None, CityResult | None],
    cohort: CityCohort,
    language: str,
    targets: Mapping[str, float] | None = None,
) -> RadarChart:
    """The city's radar, the same on its results page and in its PDF report: this round, the
    previous round (where there is one), the city's targets set on this round (where set) and
    the cohort median (where shown)."""
    axes = area_axes(round_.questionnaire, language)
    series = [(_("%(city)s, %(round)s", city=city.name, round=round_.name), area_scores(result))]
    before, before_result = previous
    if before is not None and before_result is not None:
        series.append(
            (
                _("%(city)s, %(round)s", city=city.name, round=before.name),
                area_scores(before_result),
            )
        )
    if targets:
        series.append((_("Target"), dict(targets)))
    median_series = None
    if cohort.any_shown:
        median_series = (
            _("Median of %(count)d cities", count=cohort.cities),
            cohort.medians(key for key, _label in axes),
        )
    return radar_chart(axes, series, cohort=median_series)


def data_state(assessment_ids: list[int]) -> DataState:
    count, latest = db.session.execute(
        select(func.count(Answer.id), func.max(Answer.updated_at))
        .join(Response, Answer.response_id == Response.id)
        .where(Response.assessment_id.in_(assessment_ids))
    ).one()
    if isinstance(latest, str):  # SQLite returns the aggregate as text
        latest = datetime.fromisoformat(latest)
    return DataState(int(count), latest)


def team_comments(assessment: Assessment) -> dict[int, list[tuple[Question, str]]]:
    """Per area id, the team's comments in questionnaire order (shown only in the city's report)."""
    rows = db.session.execute(
        select(Question, Answer.comment)
        .join(Answer, Answer.question_id == Question.id)
        .join(Response, Answer.response_id == Response.id)
        .where(Response.assessment_id == assessment.id, Answer.comment.is_not(None))
        .order_by(Question.position, Answer.id)
    ).all()
    comments: dict[int, list[tuple[Question, str]]] = {}
    for question, comment in rows:
        if comment.strip():
            comments.setdefault(question.area_id, []).append((question, comment.strip()))
    return comments


def area_axes(questionnaire: Questionnaire, language: str) -> list[tuple[str, str]]:
    fallback = questionnaire.languages[0]
    return [(area.key, localized(area.title, language, fallback)) for area in questionnaire.areas]


def area_scores(result: CityResult | None) -> dict[str, float | None]:
    return {} if result is None else {key: area.score for key, area in result.areas.items()}


def strengths_and_gaps(result: CityResult, count: int = 2) -> dict[str, list[str]]:
    """The strongest and weakest scored areas (never the same area twice) and the unscored."""
    ordered = areas_by_score(result)
    scored = [key for key in ordered if result.areas[key].score is not None]
    strengths = scored[:count]
    gaps = [key for key in reversed(scored) if key not in strengths][:count]
    return {
        "strength_areas": strengths,
        "gap_areas": gaps,
        "unscored_areas": [key for key in ordered if result.areas[key].score is None],
    }


def city_report_context(round_: Round, city: City, language: str) -> dict:
    """Everything the city report template needs; raises LookupError without an assessment."""
    found = round_scores(round_, [city.id])
    if not found:
        raise LookupError(f"{city.name} has no assessment in '{round_.name}'")
    own: CityScores = found[0]
    questionnaire = round_.questionnaire
    result = own.result

    cohort = city_cohort(round_)  # the same figures as the city's results page

    before, before_result = previous_result(round_, city)

    spreads = question_spreads(own.assessment)
    comments = team_comments(own.assessment)
    agreed: dict[int, list[AgreedAnswer]] = {}
    for answer in agreed_list(own.assessment):
        agreed.setdefault(answer.question.area_id, []).append(answer)
    steps = next_steps(questionnaire, result)
    sections = []
    for area in questionnaire.areas:
        area_result = result.areas[area.key]
        previous = None
        if before_result is not None and area.key in before_result.areas:
            previous = before_result.areas[area.key].score
        sections.append(
            AreaSection(
                area=area,
                result=area_result,
                previous=previous,
                median=cohort.median(area.key),
                questions=[
                    QuestionRow(q, area_result.question_scores.get(q.key), spreads.get(q.key))
                    for q in area.questions
                ],
                steps=steps[area.key],
                comments=comments.get(area.id, []),
                agreed=agreed.get(area.id, []),
            )
        )

    from assessment.plan.roadmap import roadmap  # the plan package imports the survey's

    plan = roadmap(city, round_)
    chart = city_radar_chart(
        round_, city, result, (before, before_result), cohort, language, plan["plan_radar_targets"]
    )
    radar = render_radar(
        chart,
        title=_("Radar chart of the area scores; the figures follow in the table below."),
        missing_text=_("insufficient data"),
    )
    state = data_state([own.assessment.id])
    return {
        "kind": "city",
        "language": language,
        "round": round_,
        "city": city,
        "assessment": own.assessment,
        "questionnaire": questionnaire,
        "result": result,
        "sections": sections,
        "previous_round": before,
        "previous_result": before_result,
        "cohort": cohort,
        "counts": answer_counts(own.assessment),
        "cohort_size": cohort.cities,
        "cohort_minimum": COHORT_MINIMUM,
        "with_cohort": cohort.cities >= COHORT_MINIMUM,
        "radar": radar,
        "areas": {area.key: area for area in questionnaire.areas},
        **strengths_and_gaps(result),
        "strongest": strongest_questions(questionnaire, result, count=3),
        "weakest": weakest_questions(questionnaire, result, count=3),
        "data_as_of": own.assessment.submitted_at or state.latest or round_.created_at,
        "data_state": state,
        "indicators": indicator_table(round_, city.id),
        **plan,
    }
