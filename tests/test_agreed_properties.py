"""Rule 9's properties: agreed answers change a city's scores only where they differ from what
the team said.

- A city without agreed answers scores exactly as the rules without rule 9 score it, however
  its team answered (none, an empty mapping, or agreed answers recorded and removed again).
- Agreeing on every question with the level everyone who answered it chose changes no score,
  completeness, agreement or question score: only the count of agreed questions.
"""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.scoring import score_city, score_city_from_tallies, tally_answers

from .test_scoring import QUESTIONS, SPEC, teams


def without_agreed_counts(result):
    """The result with each area's count of agreed questions set to 0: every figure kept."""
    areas = {k: dataclasses.replace(a, agreed=0) for k, a in result.areas.items()}
    return dataclasses.replace(result, areas=areas)


@settings(max_examples=300, deadline=None)
@given(teams)
def test_a_city_without_agreed_answers_scores_exactly_as_before(team):
    before = score_city(SPEC, team)
    assert score_city(SPEC, team, {}) == before
    assert score_city(SPEC, team, None) == before
    # the SQL path (tallies per question) gives the same without agreed answers
    own = {
        area.key: [
            score_city(SPEC, {"x": answers}).areas[area.key].score
            for answers in team.values()
            if answers
        ]
        for area in SPEC.areas
    }
    tallies = tally_answers(SPEC, team.values())
    respondents = sum(1 for answers in team.values() if answers)
    assert score_city_from_tallies(SPEC, tallies, own, respondents, {}) == before
    assert all(area.agreed == 0 for area in before.areas.values())


@st.composite
def unanimous_teams(draw):
    """A team in which everyone who answers a question chose the same level; some leave
    questions out. Returns the team and the level of each answered question."""
    levels = draw(
        st.fixed_dictionaries({}, optional={q.key: st.integers(0, q.levels - 1) for q in QUESTIONS})
    )
    members = draw(st.lists(st.text("abcdefgh", min_size=1, max_size=3), max_size=6, unique=True))
    team = {
        member: {
            key: level
            for key, level in levels.items()
            if draw(st.booleans())  # this member answered the question
        }
        for member in members
    }
    answered = {key for answers in team.values() for key in answers}
    return team, {key: level for key, level in levels.items() if key in answered}


@settings(max_examples=300, deadline=None)
@given(unanimous_teams())
def test_agreeing_on_every_question_with_the_level_everyone_chose_changes_nothing(drawn):
    team, chosen = drawn
    before = score_city(SPEC, team)
    after = score_city(SPEC, team, chosen)
    assert without_agreed_counts(after) == before
    for area in SPEC.areas:
        expected = sum(1 for q in area.questions if q.key in chosen)
        assert after.areas[area.key].agreed == expected
