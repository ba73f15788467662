"""Agreed answers (rule 9): storing them, refusing what cannot be stored, scoring from them."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from assessment.errors import DmatError
from assessment.extensions import db
from assessment.models import (
    AgreedAnswer,
    Answer,
    AnswerKind,
    Assessment,
    AssessmentStatus,
    Response,
    Role,
    RoundStatus,
    utcnow,
)
from assessment.results import city_scores_json, round_scores
from assessment.survey.agreed import (
    MAX_RATIONALE_CHARS,
    AgreedRefused,
    record_agreed,
    remove_agreed,
)
from assessment.survey.operations import reopen_assessment


@pytest.fixture(autouse=True)
def english(app):
    """Operations outside a request speak the default language, as the command line does."""
    with force_locale("en"):
        yield


@pytest.fixture
def team(make_city, make_user, make_round):
    """Пловдив with three members who answered vision differently, and Αθήνα beside it."""
    city = make_city("Пловдив", "BG")
    other = make_city("Αθήνα", "GR")
    round_ = make_round("2022 follow-up")
    leader = make_user("leader@plovdiv.example", Role.LEADER, city)
    members = [
        make_user(f"{name}@plovdiv.example", Role.RESPONDENT, city)
        for name in ("ivan", "elena", "maria")
    ]
    assessment = Assessment(round_id=round_.id, city_id=city.id)
    db.session.add(assessment)
    db.session.flush()
    questions = {q.key: q for area in round_.questionnaire.areas for q in area.questions}
    vision = [q for q in round_.questionnaire.areas[0].questions]
    for member, level in zip(members, (1, 3, 5), strict=True):
        response = Response(assessment_id=assessment.id, respondent_id=member.id)
        db.session.add(response)
        db.session.flush()
        for question in vision:
            db.session.add(
                Answer(
                    response_id=response.id,
                    question_id=question.id,
                    kind=AnswerKind.LEVEL,
                    level=level,
                    comment=f"мнение {member.email}",
                )
            )
    db.session.commit()
    return {
        "city": city,
        "other": other,
        "round": round_,
        "leader": leader,
        "members": members,
        "assessment": assessment,
        "q": questions,
    }


def vision_of(team) -> dict:
    (scores,) = round_scores(team["round"], [team["city"].id])
    return city_scores_json(scores, team["round"].name)["areas"]["vision"]


def agreed_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AgreedAnswer))


def test_record_change_and_remove_an_agreed_answer(team):
    assessment, question = team["assessment"], team["q"]["vision_strategy"]
    agreed = record_agreed(assessment, question, "4", "  Приета стратегия  ", team["leader"])
    db.session.commit()
    assert (agreed.kind, agreed.level, agreed.rationale) == (
        AnswerKind.LEVEL,
        4,
        "Приета стратегия",
    )
    assert agreed.created_by_id == agreed.updated_by_id == team["leader"].id
    changed = record_agreed(assessment, question, "dont_know", None)
    db.session.commit()
    assert changed.id == agreed.id and agreed_count() == 1
    assert (changed.kind, changed.level, changed.rationale) == (AnswerKind.DONT_KNOW, None, None)
    assert changed.created_by_id == team["leader"].id and changed.updated_by_id is None
    assert remove_agreed(assessment, question) is True
    assert remove_agreed(assessment, question) is False
    db.session.commit()
    assert agreed_count() == 0


@pytest.mark.parametrize(
    ("key", "raw", "code"),
    [
        ("vision_strategy", "6", "not_a_level"),  # five levels
        ("vision_strategy", "0", "not_a_level"),
        ("vision_strategy", "not_applicable", "not_applicable_not_allowed"),
        ("vision_strategy", "", "no_answer"),
        ("vision_strategy", "много", "not_a_level"),
    ],
)
def test_refused_agreed_answers_change_nothing(team, key, raw, code):
    question = team["q"][key]
    record_agreed(team["assessment"], question, "2", "before")
    db.session.commit()
    with pytest.raises(AgreedRefused) as refused:
        record_agreed(team["assessment"], question, raw, "after")
    assert refused.value.code == code
    assert key in refused.value.message or code == "no_answer"
    db.session.rollback()
    stored = db.session.scalar(select(AgreedAnswer))
    assert (stored.level, stored.rationale) == (2, "before")


def test_not_applicable_is_recorded_where_the_question_allows_it(team):
    agreed = record_agreed(
        team["assessment"], team["q"]["governance_procurement"], "NOT_APPLICABLE"
    )
    assert (agreed.kind, agreed.level) == (AnswerKind.NOT_APPLICABLE, None)


def test_refusal_is_in_the_readers_language(team):
    with force_locale("bg"), pytest.raises(AgreedRefused) as refused:
        record_agreed(team["assessment"], team["q"]["vision_strategy"], "not_applicable")
    assert "vision_strategy" in refused.value.message
    assert "cannot" not in refused.value.message


def test_rationale_longer_than_the_limit_is_refused(team):
    with pytest.raises(AgreedRefused, match=str(MAX_RATIONALE_CHARS)):
        record_agreed(
            team["assessment"], team["q"]["vision_strategy"], "3", "ж" * (MAX_RATIONALE_CHARS + 1)
        )
    assert agreed_count() == 0


def test_submitted_assessment_refuses_agreed_answers_and_reopening_makes_them_editable(team):
    assessment, question = team["assessment"], team["q"]["vision_strategy"]
    record_agreed(assessment, question, "3")
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = utcnow()
    db.session.commit()
    for attempt in (
        lambda: record_agreed(assessment, question, "5"),
        lambda: remove_agreed(assessment, question),
    ):
        with pytest.raises(AgreedRefused, match="Пловдив") as refused:
            attempt()
        assert refused.value.code == "submitted"
    db.session.rollback()
    assert db.session.scalar(select(AgreedAnswer.level)) == 3
    reopen_assessment(assessment)
    assert record_agreed(assessment, question, "5").level == 5
    assert remove_agreed(assessment, question) is True


def test_closed_round_refuses_agreed_answers(team):
    team["round"].status = RoundStatus.CLOSED
    db.session.commit()
    with pytest.raises(AgreedRefused) as refused:
        record_agreed(team["assessment"], team["q"]["vision_strategy"], "3")
    assert refused.value.code == "round_closed"


def test_question_of_another_questionnaire_is_refused(team, make_round):
    from assessment.admin.operations import import_questionnaire
    from questionnaires import load_questionnaire_file

    from .conftest import CONFORMANCE

    other, _ = import_questionnaire(load_questionnaire_file(CONFORMANCE / "questionnaire.yaml"))
    question = other.areas[0].questions[0]
    with pytest.raises(AgreedRefused) as refused:
        record_agreed(team["assessment"], question, "1")
    assert refused.value.code == "other_questionnaire"


def test_database_holds_one_agreed_answer_per_question_and_a_level_iff_kind_level(team):
    assessment, question = team["assessment"], team["q"]["vision_strategy"]
    now = utcnow()
    for rows in (
        [dict(kind=AnswerKind.LEVEL, level=None)],
        [dict(kind=AnswerKind.DONT_KNOW, level=2)],
        [dict(kind=AnswerKind.LEVEL, level=11)],
        [dict(kind=AnswerKind.LEVEL, level=1), dict(kind=AnswerKind.LEVEL, level=2)],
    ):
        for row in rows:
            db.session.add(
                AgreedAnswer(
                    assessment_id=assessment.id,
                    question_id=question.id,
                    created_at=now,
                    updated_at=now,
                    **row,
                )
            )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    assert agreed_count() == 0


def test_agreed_answers_score_the_city_and_count_per_area(team):
    plain = vision_of(team)
    # everyone answered 1, 3 and 5 to every vision question: 50 each, low agreement
    assert plain["score"] == 50.0 and plain["agreed"] == 0 and plain["agreement"] > 20
    questions = [q for q in team["round"].questionnaire.areas[0].questions]
    record_agreed(team["assessment"], questions[0], "5", "Всички сме съгласни")
    record_agreed(team["assessment"], questions[1], "dont_know")
    db.session.commit()
    agreed = vision_of(team)
    n = len(questions)
    assert agreed["agreed"] == 2
    assert agreed["score"] == pytest.approx((100 + 50 * (n - 2)) / (n - 1))
    assert agreed["completeness"] == pytest.approx((n - 1) / n)
    assert agreed["agreement"] == plain["agreement"]  # still the members' own answers


def test_import_refuses_when_nothing_can_be_read(team):
    from assessment.survey.agreed import import_agreed

    with pytest.raises(DmatError, match="no agreed answers"):
        import_agreed(team["round"], [], "agreed.csv")
