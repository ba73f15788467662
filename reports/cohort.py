"""What the cohort report shows: every city of a round, for the programme team.

Cohort statistics are taken over the cities that have submitted (the same cohort as the city
reports' median); the table lists every city with an assessment, in-progress ones marked.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from assessment.charts import radar_chart
from assessment.models import Question, Round
from assessment.results import cohort_json, progress_json, round_scores
from assessment.scoring import cohort_statistics

from .context import area_axes, data_state, previous_round
from .svg_radar import render_radar

WEAKEST_COUNT = 8


@dataclass(frozen=True)
class CohortQuestion:
    question: Question
    area_key: str
    statistics: dict


def weakest_cohort_questions(round_: Round, submitted, count: int = WEAKEST_COUNT):
    """The questions with the lowest median city score across the submitted cities."""
    found = []
    for area in round_.questionnaire.areas:
        for question in area.questions:
            stats = cohort_statistics(
                s.result.areas[area.key].question_scores.get(question.key) for s in submitted
            )
            if stats["median"] is not None:
                found.append(CohortQuestion(question, area.key, stats))
    return sorted(found, key=lambda q: q.statistics["median"])[:count]


def cohort_report_context(round_: Round, language: str) -> dict:
    questionnaire = round_.questionnaire
    everyone = round_scores(round_)
    submitted = [s for s in everyone if s.assessment.is_submitted]
    area_keys = [area.key for area in questionnaire.areas]
    statistics = cohort_json([s.result for s in submitted], area_keys)
    axes = area_axes(questionnaire, language)
    chart = radar_chart(
        axes,
        [],
        cohort=(
            _("Median of %(count)d cities", count=len(submitted)),
            {key: statistics[key]["median"] for key in area_keys},
        ),
        band=(
            {key: statistics[key]["q1"] for key in area_keys},
            {key: statistics[key]["q3"] for key in area_keys},
        ),
    )
    radar = render_radar(
        chart,
        title=_("Radar chart of the cohort's area scores; the figures follow in the table below."),
        missing_text=_("insufficient data"),
        band_label=_("Middle half of the cities (first to third quartile)"),
    )
    from assessment.plan.roadmap import plan_shares  # the plan package imports the survey's

    before = previous_round(round_)
    state = data_state([s.assessment.id for s in everyone])
    progress = progress_json(before, round_) if before is not None else []
    return {
        "kind": "cohort",
        "language": language,
        "round": round_,
        "questionnaire": questionnaire,
        "areas": {area.key: area for area in questionnaire.areas},
        "cities": everyone,
        "submitted_count": len(submitted),
        "statistics": statistics,
        "radar": radar,
        "weakest": weakest_cohort_questions(round_, submitted),
        "previous_round": before,
        "progress": progress,
        "data_as_of": state.latest or round_.created_at,
        "data_state": state,
        "plan_shares": plan_shares([s.city.id for s in submitted]),
    }
