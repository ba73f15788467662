"""Answer sets: questions that share their level texts and values, resolved by the loader."""

from __future__ import annotations

import json
import textwrap

import pytest
from sqlalchemy import select

from assessment.extensions import db
from assessment.models import Question
from questionnaires import QuestionnaireError, load_questionnaire_text

WITH_SETS = textwrap.dedent(
    """\
    key: sets-test
    version: 1
    languages: [en, el]
    title: {en: Sets, el: Σύνολα}
    answer_sets:
      - key: coverage
        levels:
          - {en: "No", el: "Όχι"}
          - {en: "Some", el: "Κάποια"}
          - {en: "Half", el: "Τα μισά"}
          - {en: "All", el: "Όλα"}
        values: [0, 25, 50, 100]
      - key: yes_no
        levels: [{en: "No", el: "Όχι"}, {en: "Yes", el: "Ναι"}]
    areas:
      - key: only
        title: {en: Only, el: Μόνη}
        questions:
          - key: q1
            text: {en: "One?", el: "Ένα;"}
            answers: coverage
          - key: q2
            text: {en: "Two?", el: "Δύο;"}
            answers: coverage
          - key: q3
            text: {en: "Three?", el: "Τρία;"}
            answers: yes_no
          - key: q4
            text: {en: "Four?", el: "Τέσσερα;"}
            levels: [{en: "Low", el: "Χαμηλό"}, {en: "High", el: "Υψηλό"}]
    """
)


def problems(text: str) -> list[str]:
    with pytest.raises(QuestionnaireError) as raised:
        load_questionnaire_text(text, "s.yaml")
    return raised.value.problems


def test_questions_get_their_sets_levels_and_values():
    definition = load_questionnaire_text(WITH_SETS, "s.yaml")
    q1, q2, q3, q4 = definition.questions
    assert q1.levels == q2.levels and len(q1.levels) == 4
    assert q1.levels[3] == {"en": "All", "el": "Όλα"}
    assert q1.values == q2.values == (0.0, 25.0, 50.0, 100.0)
    assert (len(q3.levels), q3.values) == (2, None)
    assert q4.levels[1] == {"en": "High", "el": "Υψηλό"}


def replace(old: str, new: str) -> str:
    assert old in WITH_SETS
    return WITH_SETS.replace(old, new)


def test_unknown_set_is_reported_on_its_line():
    found = problems(replace("answers: yes_no", "answers: yes_maybe"))
    assert found == [
        "s.yaml:27: question 'q3': unknown answer set 'yes_maybe' (answer sets: coverage, yes_no)",
        "s.yaml:13: answer set 'yes_no' is not used by any question; remove it or use it",
    ]


def test_unused_set_is_reported():
    found = problems(replace("answers: yes_no", "levels: [{en: A, el: Α}, {en: B, el: Β}]"))
    assert found == [
        "s.yaml:13: answer set 'yes_no' is not used by any question; remove it or use it"
    ]


def test_question_with_both_answers_and_levels_is_reported():
    text = replace(
        "        answers: yes_no\n",
        "        answers: yes_no\n        levels: [{en: A, el: Α}, {en: B, el: Β}]\n",
    )
    found = problems(text)
    assert found[0].startswith("s.yaml:28: question 'q3' gives both 'answers' and 'levels'")


def test_question_with_answers_and_values_is_reported():
    text = replace(
        "        answers: yes_no\n",
        "        answers: yes_no\n        values: [0, 90]\n",
    )
    assert problems(text)[0].startswith(
        "s.yaml:28: question 'q3' gives both 'answers' and 'values'"
    )


def test_question_with_neither_is_reported():
    text = replace("        answers: yes_no\n", "")
    found = problems(text)
    assert (
        "s.yaml:25: area 'only' question 3: missing 'levels' (or 'answers: KEY' of an answer set)"
        in found
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "  - key: yes_no\n",
            "  - key: coverage\n",
            "s.yaml:13: answer set 'coverage' is defined twice (first on line 6)",
        ),
        (
            "    values: [0, 25, 50, 100]\n",
            "    values: [0, 25, 100]\n",
            "s.yaml:12: answer set 'coverage' has 3 value(s) for 4 level(s)",
        ),
        (
            "  - key: yes_no\n",
            "  - key: Yes-No\n",
            "s.yaml:13: answer set 2 key 'Yes-No' must match [a-z0-9_]+",
        ),
        (
            '    levels: [{en: "No", el: "Όχι"}, {en: "Yes", el: "Ναι"}]\n',
            '    levels: [{en: "No"}, {en: "Yes", el: "Ναι"}]\n',
            "s.yaml:14: answer set 'yes_no' level 1: no text for declared language(s) el",
        ),
    ],
)
def test_broken_sets_are_reported(old, new, message):
    found = problems(replace(old, new))
    assert any(p.startswith(message) for p in found), found


def test_imported_questions_store_the_resolved_levels_and_values(dmat, tmp_path):
    path = tmp_path / "sets.yaml"
    path.write_text(WITH_SETS, encoding="utf-8")
    result = dmat("questionnaire", "import", str(path))
    assert result.exit_code == 0, result.output
    stored = {q.key: q for q in db.session.scalars(select(Question))}
    assert stored["q1"].level_values == [0, 25, 50, 100]
    assert stored["q2"].levels == stored["q1"].levels
    assert stored["q2"].levels[2] == {"en": "Half", "el": "Τα μισά"}
    assert (stored["q3"].level_count, stored["q3"].level_values) == (2, None)
    for city, country in (("Ηράκλειο", "GR"), ("Варна", "BG")):
        assert dmat("city", "add", city, "--country", country).exit_code == 0
    assert dmat("round", "create", "--name", "s1", "--questionnaire", "sets-test:1").exit_code == 0
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "city,respondent,question,answer\n"
        "Ηράκλειο,a@heraklion.example,q1,2\nΗράκλειο,a@heraklion.example,q2,4\n"
        "Ηράκλειο,a@heraklion.example,q3,2\nΗράκλειο,a@heraklion.example,q4,1\n",
        encoding="utf-8",
    )
    assert dmat("responses", "import", "--round", "s1", str(answers)).exit_code == 0
    scores = json.loads(dmat("scores", "--round", "s1", "--city", "Ηράκλειο").output)
    # q1 25, q2 100 (the set's values), q3 100, q4 0: (25 + 100 + 100 + 0) / 4
    assert scores[0]["areas"]["only"]["score"] == 56.25
