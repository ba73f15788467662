"""The scoring rules of DESIGN.md: hand-computed examples per rule, and properties."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.scoring import (
    DONT_KNOW,
    NOT_APPLICABLE,
    AreaSpec,
    QuestionnaireSpec,
    QuestionSpec,
    QuestionTally,
    cohort_statistics,
    difference,
    diverges,
    progress,
    question_score,
    score_city,
    score_city_from_tallies,
    stage,
    tally,
    tally_answers,
)

Q = QuestionSpec
SPEC = QuestionnaireSpec(
    (
        AreaSpec("plan", (Q("p1", 5), Q("p2", 5, weight=3), Q("p3", 3, allow_na=True))),
        AreaSpec("data", (Q("d1", 2), Q("d2", 4), Q("d3", 6, weight=0.5, allow_na=True)), 2.0),
    )
)


# rule 1 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("index", "levels", "score"),
    [(0, 5, 0.0), (1, 5, 25.0), (4, 5, 100.0), (1, 2, 100.0), (1, 3, 50.0), (2, 6, 40.0)],
)
def test_rule1_level_scores(index, levels, score):
    assert question_score(index, levels) == score


def test_rule1_rejects_levels_outside_the_rubric():
    with pytest.raises(ValueError, match="outside"):
        question_score(5, 5)
    with pytest.raises(ValueError, match="not allow"):
        tally(Q("x", 3), [NOT_APPLICABLE])
    with pytest.raises(ValueError, match="not a level"):
        tally(Q("x", 3), [True])


# rule 2 -----------------------------------------------------------------------------------------
def test_rule2_city_question_score_is_the_mean_of_level_answers_only():
    result = score_city(
        SPEC, {"a": {"p1": 4}, "b": {"p1": 1}, "c": {"p1": DONT_KNOW}, "d": {"p1": 2}}
    )
    # (100 + 25 + 50) / 3; dont_know is no score, not a zero
    assert result.areas["plan"].question_scores["p1"] == pytest.approx(175 / 3)


def test_rule2_question_nobody_scored_has_no_score():
    result = score_city(SPEC, {"a": {"p1": DONT_KNOW, "p2": 2}})
    assert result.areas["plan"].question_scores["p1"] is None
    assert result.areas["plan"].question_scores["p3"] is None


# rule 3 -----------------------------------------------------------------------------------------
def test_rule3_weighted_area_score():
    result = score_city(SPEC, {"a": {"p1": 4, "p2": 0, "p3": 2}})
    # (100*1 + 0*3 + 100*1) / 5
    assert result.areas["plan"].score == pytest.approx(40.0)
    assert result.areas["plan"].completeness == 1.0


def test_rule3_not_applicable_by_majority_removes_the_question():
    answers = {
        "a": {"p1": 4, "p2": 4, "p3": NOT_APPLICABLE},
        "b": {"p1": 4, "p2": 4, "p3": NOT_APPLICABLE},
        "c": {"p1": 4, "p2": 4, "p3": 0},
    }
    area = score_city(SPEC, answers).areas["plan"]
    assert area.applicable == 2 and area.scored == 2
    assert area.score == 100.0  # the 0 of p3 no longer counts
    assert area.completeness == 1.0


def test_rule3_half_not_applicable_keeps_the_question():
    answers = {"a": {"p3": NOT_APPLICABLE}, "b": {"p3": 1, "p1": 0}}
    area = score_city(SPEC, answers).areas["plan"]
    assert area.applicable == 3 and area.scored == 2
    assert area.completeness == pytest.approx(2 / 3)
    assert area.score == pytest.approx((0 + 50) / 2)


def test_rule3_unanswered_questions_count_as_applicable_not_as_zero():
    area = score_city(SPEC, {"a": {"p1": 4, "p2": 4}}).areas["plan"]
    assert area.applicable == 3 and area.completeness == pytest.approx(2 / 3)
    assert area.score == 100.0


def test_rule3_insufficient_data_below_half_completeness():
    result = score_city(SPEC, {"a": {"d1": 1}})  # 1 of 3 data questions scored
    assert result.areas["data"].score is None
    assert result.areas["data"].completeness == pytest.approx(1 / 3)
    exactly_half = QuestionnaireSpec((AreaSpec("x", (Q("x1", 2), Q("x2", 2))),))
    assert score_city(exactly_half, {"a": {"x1": 1}}).areas["x"].score == 100.0


def test_rule3_no_applicable_question_gives_completeness_zero():
    spec = QuestionnaireSpec((AreaSpec("x", (Q("x1", 2, allow_na=True),)),))
    area = score_city(spec, {"a": {"x1": NOT_APPLICABLE}}).areas["x"]
    assert (area.applicable, area.completeness, area.score) == (0, 0.0, None)


# rule 4 -----------------------------------------------------------------------------------------
def test_rule4_overall_is_area_weighted_and_needs_every_area():
    full = {"a": {"p1": 4, "p2": 4, "p3": 2, "d1": 0, "d2": 0, "d3": 0}}
    result = score_city(SPEC, full)
    assert result.overall == pytest.approx((100 * 1 + 0 * 2) / 3)
    partial = score_city(SPEC, {"a": {"p1": 4, "p2": 4}})
    assert partial.areas["plan"].score == 100.0
    assert partial.overall is None and partial.stage is None


# rule 5 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("score", "expected"),
    [(0, 1), (19.999, 1), (20, 2), (39.99, 2), (40, 3), (60, 4), (79.9, 4), (80, 5), (100, 5)],
)
def test_rule5_stages(score, expected):
    assert stage(score) == expected


def test_rule5_no_score_no_stage():
    assert stage(None) is None


# rule 6 -----------------------------------------------------------------------------------------
def test_rule6_agreement_is_population_sd_of_own_area_scores():
    answers = {"a": {"p1": 0, "p2": 0, "p3": 0}, "b": {"p1": 4, "p2": 4, "p3": 2}}
    area = score_city(SPEC, answers).areas["plan"]
    assert area.agreement == pytest.approx(50.0)
    assert area.low_agreement


def test_rule6_needs_two_respondents_with_their_own_area_score():
    answers = {"a": {"p1": 4, "p2": 4, "p3": 2}, "b": {"p1": 0}}  # b: 1/3 complete
    area = score_city(SPEC, answers).areas["plan"]
    assert area.agreement is None
    assert score_city(SPEC, {"a": {"p1": 4}}).areas["plan"].agreement is None


# rule 7 -----------------------------------------------------------------------------------------
def test_rule7_cohort_statistics():
    stats = cohort_statistics([10.0, None, 40.0, 20.0, 30.0])
    assert stats["n"] == 4 and stats["min"] == 10.0 and stats["max"] == 40.0
    assert stats["median"] == pytest.approx(25.0)
    assert stats["q1"] == pytest.approx(17.5) and stats["q3"] == pytest.approx(32.5)


def test_rule7_one_and_no_city():
    assert cohort_statistics([42.0]) == dict(n=1, min=42.0, q1=42.0, median=42.0, q3=42.0, max=42.0)
    assert cohort_statistics([None]) == dict(n=0, min=None, q1=None, median=None, q3=None, max=None)


# rule 8 -----------------------------------------------------------------------------------------
def test_rule8_progress_only_where_both_exist():
    before = score_city(SPEC, {"a": {"p1": 1, "p2": 1, "p3": 1, "d1": 0}})
    after = score_city(SPEC, {"a": {"p1": 3, "p2": 3, "p3": 1, "d1": 1, "d2": 3, "d3": 5}})
    change = progress(before, after)
    assert change["areas"]["plan"] == pytest.approx(
        after.areas["plan"].score - before.areas["plan"].score
    )
    assert change["areas"]["data"] is None and change["overall"] is None
    assert change["questions"]["p1"] == pytest.approx(50.0)
    assert change["questions"]["d2"] is None
    assert difference(None, 3.0) is None and difference(1.0, 3.0) == 2.0


# rule 9 -----------------------------------------------------------------------------------------
def test_rule9_agreed_level_is_the_city_question_score():
    answers = {"Иван": {"p1": 0, "p2": 4, "p3": 2}, "Ελένη": {"p1": 4, "p2": 0, "p3": 0}}
    plain = score_city(SPEC, answers).areas["plan"]
    agreed = score_city(SPEC, answers, {"p1": 3}).areas["plan"]
    assert plain.question_scores["p1"] == 50.0
    assert agreed.question_scores["p1"] == 75.0  # level index 3 of 5, whatever anyone said
    assert agreed.score == pytest.approx((75 * 1 + 50 * 3 + 50 * 1) / 5)
    assert (plain.agreed, agreed.agreed) == (0, 1)


def test_rule9_agreed_dont_know_leaves_the_question_unscored_but_applicable():
    answers = {"Иван": {"p1": 4, "p2": 4, "p3": 2}}
    area = score_city(SPEC, answers, {"p1": DONT_KNOW, "p2": DONT_KNOW}).areas["plan"]
    assert area.question_scores["p1"] is None
    assert (area.scored, area.applicable) == (1, 3)
    assert area.score is None  # 1 of 3 scored: insufficient data


def test_rule9_agreed_not_applicable_removes_the_question_whatever_the_team_said():
    answers = {"Иван": {"p1": 4, "p2": 4, "p3": 0}, "Ελένη": {"p1": 4, "p2": 4, "p3": 0}}
    area = score_city(SPEC, answers, {"p3": NOT_APPLICABLE}).areas["plan"]
    assert (area.scored, area.applicable, area.score) == (2, 2, 100.0)


def test_rule9_agreed_level_makes_a_question_the_team_called_not_applicable_applicable():
    answers = {"Иван": {"p1": 4, "p2": 4, "p3": NOT_APPLICABLE}, "Ελένη": {"p3": NOT_APPLICABLE}}
    area = score_city(SPEC, answers, {"p3": 1}).areas["plan"]
    assert (area.scored, area.applicable) == (3, 3)
    assert area.question_scores["p3"] == 50.0


def test_rule9_agreed_answers_are_checked_against_the_question():
    with pytest.raises(ValueError, match="not allow"):
        score_city(SPEC, {}, {"p1": NOT_APPLICABLE})
    with pytest.raises(ValueError, match="outside"):
        score_city(SPEC, {}, {"p1": 5})


def test_rule9_agreement_still_comes_from_the_respondents_own_answers():
    answers = {"Иван": {"p1": 0, "p2": 0, "p3": 0}, "Ελένη": {"p1": 4, "p2": 4, "p3": 2}}
    area = score_city(SPEC, answers, {"p1": 2, "p2": 2, "p3": 1}).areas["plan"]
    assert area.score == 50.0
    assert area.agreement == pytest.approx(50.0)


def test_rule9_only_agreed_questions_change_and_agreement_alone_can_score_an_area():
    result = score_city(SPEC, {}, {"d1": 1, "d2": 3})
    assert result.respondents == 0
    assert result.areas["data"].score == 100.0
    assert result.areas["data"].completeness == pytest.approx(2 / 3)
    assert result.areas["plan"].score is None and result.areas["plan"].agreed == 0


def test_rule9_agreed_answers_override_sql_style_tallies_too():
    answers = {"Иван": {"p1": 0, "p2": 1}, "Ελένη": {"p1": 4, "p2": 3}}
    tallies = tally_answers(SPEC, answers.values())
    own = {a.key: [] for a in SPEC.areas}
    fed = score_city_from_tallies(SPEC, tallies, own, 2, {"p1": 1}).areas["plan"]
    direct = score_city(SPEC, answers, {"p1": 1}).areas["plan"]
    assert fed.question_scores == direct.question_scores == {"p1": 25.0, "p2": 50.0, "p3": None}
    assert (fed.score, fed.completeness, fed.agreed) == (direct.score, direct.completeness, 1)


@pytest.mark.parametrize(
    ("levels", "indices", "expected"),
    [
        (5, [0, 2], True),  # 2 >= (5 - 1) / 2
        (5, [0, 1, 1], False),
        (5, [4], False),  # one respondent cannot diverge
        (5, [], False),
        (6, [1, 3], False),  # 2 < 2.5
        (6, [1, 4], True),
        (2, [0, 1], True),  # 1 >= 0.5
        (2, [1, 1], False),
        (3, [0, 1], True),
    ],
)
def test_rule9_diverges(levels, indices, expected):
    assert diverges(Q("q", levels), indices) is expected


# properties -------------------------------------------------------------------------------------
def answer_for(question: QuestionSpec):
    choices = [st.integers(0, question.levels - 1), st.just(DONT_KNOW)]
    if question.allow_na:
        choices.append(st.just(NOT_APPLICABLE))
    return st.one_of(*choices)


QUESTIONS = [q for area in SPEC.areas for q in area.questions]
one_respondent = st.fixed_dictionaries({}, optional={q.key: answer_for(q) for q in QUESTIONS})
teams = st.dictionaries(st.text("abcdefgh", min_size=1, max_size=3), one_respondent, max_size=6)


def figures(result):
    yield result.overall
    for area in result.areas.values():
        yield area.score
        yield area.agreement
        yield from area.question_scores.values()


@settings(max_examples=300, deadline=None)
@given(teams)
def test_scores_stay_within_0_and_100(team):
    result = score_city(SPEC, team)
    for value in figures(result):
        assert value is None or 0.0 <= value <= 100.0 + 1e-9
    for area in result.areas.values():
        assert 0.0 <= area.completeness <= 1.0


@settings(max_examples=300, deadline=None)
@given(teams, st.data())
def test_raising_one_answer_never_lowers_its_area_score(team, data):
    levels = [(r, k) for r, own in team.items() for k, v in own.items() if isinstance(v, int)]
    if not levels:
        return
    respondent, key = data.draw(st.sampled_from(levels))
    question = SPEC.question(key)
    current = team[respondent][key]
    if current == question.levels - 1:
        return
    raised = {r: dict(own) for r, own in team.items()}
    raised[respondent][key] = data.draw(st.integers(current + 1, question.levels - 1))
    area = next(a for a in SPEC.areas if question in a.questions)
    before = score_city(SPEC, team).areas[area.key].score
    after = score_city(SPEC, raised).areas[area.key].score
    if before is not None:
        assert after is not None and after >= before - 1e-9


@settings(max_examples=200, deadline=None)
@given(teams, st.randoms())
def test_order_of_respondents_does_not_matter(team, random):
    shuffled_keys = list(team)
    random.shuffle(shuffled_keys)
    shuffled = {key: team[key] for key in shuffled_keys}
    assert score_city(SPEC, team) == score_city(SPEC, shuffled)


@settings(max_examples=200, deadline=None)
@given(teams, st.sampled_from(QUESTIONS))
def test_unanswered_questions_never_count_as_zero(team, question):
    """With nobody answering a question, the area score is that of the area without it."""
    without = {r: {k: v for k, v in own.items() if k != question.key} for r, own in team.items()}
    area = next(a for a in SPEC.areas if question in a.questions)
    smaller = QuestionnaireSpec(
        (AreaSpec(area.key, tuple(q for q in area.questions if q != question), area.weight),)
    )
    in_area = {q.key for q in smaller.areas[0].questions}
    only_area = {r: {k: v for k, v in own.items() if k in in_area} for r, own in without.items()}
    with_question = score_city(SPEC, without).areas[area.key]
    without_question = score_city(smaller, only_area).areas[area.key]
    assert with_question.question_scores[question.key] is None
    if with_question.score is not None:
        assert with_question.score == pytest.approx(without_question.score)


def test_tally_adds_up():
    assert QuestionTally(3, 2, 1, 4) + QuestionTally(1, 1, 0, 1) == QuestionTally(4, 3, 1, 5)


def test_agreement_matches_statistics_pstdev():
    answers = {
        "a": {"d1": 1, "d2": 3, "d3": 5},
        "b": {"d1": 0, "d2": 1, "d3": 2},
        "c": {"d1": 1, "d2": 2, "d3": 0},
    }
    result = score_city(SPEC, answers)
    own = [score_city(SPEC, {r: a}).areas["data"].score for r, a in answers.items()]
    assert math.isclose(result.areas["data"].agreement, statistics.pstdev(own))


@settings(max_examples=300, deadline=None)
@given(teams)
def test_no_agreed_answers_scores_exactly_as_before(team):
    assert score_city(SPEC, team, {}) == score_city(SPEC, team)
    assert score_city(SPEC, team, None) == score_city(SPEC, team)


def unanimous(team) -> dict:
    """Per question, the one level everyone who answered it chose, when all chose the same."""
    chosen: dict[str, set] = {}
    for own in team.values():
        for key, value in own.items():
            chosen.setdefault(key, set()).add(value)
    return {
        key: values.pop()
        for key, values in chosen.items()
        if len(values) == 1 and isinstance(next(iter(values)), int)
    }


same_level_teams = st.builds(
    lambda levels, members: {m: dict(levels) for m in members},
    st.fixed_dictionaries({}, optional={q.key: st.integers(0, q.levels - 1) for q in QUESTIONS}),
    st.lists(st.text("abcdefgh", min_size=1, max_size=3), min_size=1, max_size=6, unique=True),
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(same_level_teams, teams))
def test_agreeing_on_the_level_everyone_chose_changes_nothing(team):
    agreed = unanimous(team)
    plain = score_city(SPEC, team)
    with_agreed = score_city(SPEC, team, agreed)
    assert with_agreed.overall == plain.overall
    for key, area in plain.areas.items():
        other = with_agreed.areas[key]
        assert (other.score, other.completeness, other.agreement) == (
            area.score,
            area.completeness,
            area.agreement,
        )
        assert other.question_scores == area.question_scores
        questions = next(a for a in SPEC.areas if a.key == key).questions
        assert other.agreed == sum(q.key in agreed for q in questions)
