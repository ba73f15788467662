"""Strengths, gaps, next steps and spreads, on the demo data."""

from __future__ import annotations

import pytest

from assessment.insights import areas_by_score, next_steps, reached_level, weakest_questions
from assessment.lookups import city_named, round_named
from assessment.results import question_spreads, round_scores


@pytest.mark.parametrize(
    ("score", "levels", "level"),
    [
        (0.0, 5, 1),
        (24.9, 5, 1),
        (25.0, 5, 2),
        (60.000000000001, 6, 4),
        (59.99, 6, 3),
        (100.0, 5, 5),
        (50.0, 2, 1),
        (100.0, 2, 2),
    ],
)
def test_reached_level(score, levels, level):
    assert reached_level(score, levels) == level


def test_findings_on_demo_city(demo):
    round_ = round_named("2022 follow-up")
    (scores,) = round_scores(round_, [city_named("Sofia").id])
    questionnaire = round_.questionnaire
    weakest = weakest_questions(questionnaire, scores.result, count=3)
    assert len(weakest) == 3
    assert [f.score for f in weakest] == sorted(f.score for f in weakest)
    all_scores = [s for s in scores.result.question_scores.values() if s is not None]
    assert weakest[0].score == min(all_scores)
    order = areas_by_score(scores.result)
    assert sorted(order) == sorted(scores.result.areas)
    steps = next_steps(questionnaire, scores.result)
    for area_key, findings in steps.items():
        for f in findings:
            assert f.area_key == area_key and f.next_level == f.current_level + 1
            assert f.next_level_text("bg") and f.next_level_text("en")

    spreads = question_spreads(scores.assessment)
    for key, spread in spreads.items():
        score = scores.result.question_scores[key]
        assert spread.lowest <= score <= spread.highest
