"""Answer values (rule 1): a question's own score per level, through the loader, the stored
questionnaire, the SQL aggregates and ``dmat scores``; without values nothing changes."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment import scoring
from assessment.insights import reached_level
from assessment.lookups import round_named
from assessment.results import question_spreads, round_scores
from questionnaires import QuestionnaireError, load_questionnaire_text

from .test_conformance import assert_same, installed_dmat

VALUES = Path(__file__).parent / "data" / "values"


def by_city(rows: list[dict]) -> dict[str, dict]:
    return {row["city"]: row for row in rows}


@pytest.fixture
def values_round(dmat):
    assert dmat("questionnaire", "import", str(VALUES / "questionnaire.yaml")).exit_code == 0
    assert dmat("city", "add", "Пловдив", "--country", "BG").exit_code == 0
    assert dmat("city", "add", "Θεσσαλονίκη", "--country", "GR").exit_code == 0
    created = dmat("round", "create", "--name", "values-1", "--questionnaire", "values-example:1")
    assert created.exit_code == 0, created.output
    result = dmat("responses", "import", "--round", "values-1", str(VALUES / "answers.csv"))
    assert result.exit_code == 0, result.output


def test_scores_with_values_match_the_worked_example(values_round, dmat):
    result = dmat("scores", "--round", "values-1", "--format", "json")
    assert result.exit_code == 0, result.output
    expected = json.loads((VALUES / "expected-scores.json").read_text())
    assert_same(by_city(json.loads(result.output)), by_city(expected))


def test_agreed_answer_scores_its_value(values_round):
    imported = installed_dmat("agreed", "import", "--round", "values-1", str(VALUES / "agreed.csv"))
    assert imported.returncode == 0, imported.stderr
    scored = installed_dmat("scores", "--round", "values-1", "--format", "json")
    assert scored.returncode == 0, scored.stderr
    expected = json.loads((VALUES / "expected-scores-agreed.json").read_text())
    assert_same(by_city(json.loads(scored.stdout)), by_city(expected))


def test_stored_values_and_question_scores(values_round):
    (plovdiv,) = [s for s in round_scores(round_named("values-1")) if s.city.name == "Пловдив"]
    questions = {
        q.key: q for area in plovdiv.assessment.round.questionnaire.areas for q in area.questions
    }
    assert questions["s_policy"].level_values == [0, 25, 50, 100]
    assert questions["p_plan"].level_values is None
    scores = plovdiv.result.question_scores
    assert scores == {"s_policy": 62.5, "s_training": 35.0, "p_plan": 75.0, "p_even": 75.0}
    spreads = question_spreads(plovdiv.assessment)
    assert (spreads["s_policy"].lowest, spreads["s_policy"].highest) == (25.0, 100.0)
    assert (spreads["s_training"].lowest, spreads["s_training"].highest) == (20.0, 50.0)


def test_reached_level_follows_the_values():
    assert reached_level(62.5, 4, [0, 25, 50, 100]) == 3
    assert reached_level(100.0, 4, [0, 25, 50, 100]) == 4
    assert reached_level(24.9, 4, [0, 25, 50, 100]) == 1
    assert reached_level(50.0, 4, [0, 50, 50, 100]) == 3  # equal values: the higher level
    assert reached_level(62.5, 5) == 3


# -- the loader ----------------------------------------------------------------------------------
QUESTIONNAIRE = textwrap.dedent(
    """\
    key: values-test
    version: 1
    languages: [en]
    title: Values
    areas:
      - key: only
        title: Only
        questions:
          - key: q1
            text: One?
            levels: [No, Some, Most, All]
            values: {values}
    """
)


def problems(values: str) -> list[str]:
    with pytest.raises(QuestionnaireError) as raised:
        load_questionnaire_text(QUESTIONNAIRE.format(values=values), "v.yaml")
    return raised.value.problems


def test_loader_reads_values():
    definition = load_questionnaire_text(QUESTIONNAIRE.format(values="[0, 25, 50.5, 100]"))
    assert definition.questions[0].values == (0.0, 25.0, 50.5, 100.0)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ("[0, 25, 100]", "v.yaml:12: question 'q1' has 3 value(s) for 4 level(s)"),
        ("[0, 50, 25, 100]", "v.yaml:12: question 'q1' value 3 (25) is lower than value 2 (50)"),
        ("[0, 25, 50, 101]", "v.yaml:12: question 'q1' value 4 must be a number 0-100, not 101"),
        ("[-1, 25, 50, 100]", "v.yaml:12: question 'q1' value 1 must be a number 0-100, not -1"),
        ("[0, 25, .nan, 100]", "v.yaml:12: question 'q1' value 3 must be a number 0-100, not .nan"),
        ("[0, 25, '=1+1', 100]", "v.yaml:12: question 'q1' value 3 must be a number, not text"),
        ("[0, 25, 50, " + "1" * 30 + "]", "v.yaml:12: question 'q1' value 4 must be a number 0"),
        ("50", "v.yaml:12: question 'q1' values must be a list"),
    ],
)
def test_loader_refuses_bad_values(values, message):
    found = problems(values)
    assert any(p.startswith(message) for p in found), found


# -- properties ----------------------------------------------------------------------------------
ANSWER = st.one_of(st.integers(0, 9), st.sampled_from([scoring.DONT_KNOW, scoring.NOT_APPLICABLE]))


@st.composite
def questionnaires_and_answers(draw):
    areas = []
    for a in range(draw(st.integers(1, 3))):
        questions = tuple(
            scoring.QuestionSpec(
                f"q{a}_{q}", draw(st.integers(2, 10)), draw(st.sampled_from([1.0, 2.0, 0.5])), True
            )
            for q in range(draw(st.integers(1, 4)))
        )
        areas.append(scoring.AreaSpec(f"a{a}", questions, draw(st.sampled_from([1.0, 3.0]))))
    spec = scoring.QuestionnaireSpec(tuple(areas))
    answers = {}
    for r in range(draw(st.integers(0, 5))):
        own = {}
        for area in spec.areas:
            for question in area.questions:
                answer = draw(st.one_of(st.none(), ANSWER))
                if isinstance(answer, int):
                    answer = answer % question.levels
                if answer is not None:
                    own[question.key] = answer
        answers[f"r{r}"] = own
    return spec, answers


def with_values(spec: scoring.QuestionnaireSpec, make) -> scoring.QuestionnaireSpec:
    return scoring.QuestionnaireSpec(
        tuple(
            scoring.AreaSpec(
                area.key,
                tuple(
                    scoring.QuestionSpec(q.key, q.levels, q.weight, q.allow_na, make(q.levels))
                    for q in area.questions
                ),
                area.weight,
            )
            for area in spec.areas
        )
    )


@settings(max_examples=200, deadline=None)
@given(questionnaires_and_answers())
def test_without_values_rule_1_is_the_even_spacing(case):
    spec, answers = case
    result = scoring.score_city(spec, answers)
    for area in spec.areas:
        for question in area.questions:
            levels = [
                own[question.key]
                for own in answers.values()
                if isinstance(own.get(question.key), int)
            ]
            expected = 100 * sum(levels) / ((question.levels - 1) * len(levels)) if levels else None
            assert result.question_scores[question.key] == expected  # to the last digit


@settings(max_examples=200, deadline=None)
@given(questionnaires_and_answers())
def test_values_equal_to_the_even_spacing_change_nothing(case):
    spec, answers = case
    even = with_values(spec, lambda n: [100 * i / (n - 1) for i in range(n)])
    assert scoring.score_city(even, answers) == scoring.score_city(spec, answers)


@settings(max_examples=200, deadline=None)
@given(questionnaires_and_answers(), st.randoms(use_true_random=False))
def test_a_question_with_values_scores_the_mean_of_its_values(case, rng):
    spec, answers = case
    own = with_values(
        spec, lambda n: sorted(rng.choice([0, 12.5, 20, 50, 90, 100]) for _ in range(n))
    )
    result = scoring.score_city(own, answers)
    for area in own.areas:
        for question in area.questions:
            levels = [
                a[question.key] for a in answers.values() if isinstance(a.get(question.key), int)
            ]
            got = result.question_scores[question.key]
            if not levels:
                assert got is None
                continue
            values = question.values or scoring.evenly_spaced(question.levels)
            assert math.isclose(got, sum(values[i] for i in levels) / len(levels), abs_tol=1e-9)
