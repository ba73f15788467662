"""A submitted assessment keeps its area and question scores (stored_scores.py): they are the
scores of its answers, they go when it is reopened, and a set under other rules is not used."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from assessment import stored_scores
from assessment.extensions import db
from assessment.models import Assessment, AssessmentStatus, Role
from assessment.plan.figures import round_figures
from assessment.results import round_scores
from assessment.survey.operations import reopen_assessment, store_missing_scores
from tests.conftest import csrf_token, login
from tests.survey_support import autosave, page_token


@pytest.fixture
def plovdiv(make_city, make_user, make_round):
    city = make_city("Пловдив", "BG")
    return {
        "city": city,
        "round": make_round("Кръг 2026"),
        "leader": make_user("leader@plovdiv.example", Role.LEADER, city),
        "member": make_user("μέλος@plovdiv.example", Role.RESPONDENT, city),
    }


def answer_everything(client, round_, email: str, level_of) -> None:
    login(client, email)
    token = page_token(client, f"/survey/{round_.id}/areas/vision")
    for i, question in enumerate(q for area in round_.questionnaire.areas for q in area.questions):
        reply = autosave(client, round_.id, token, question.id, level_of(i))
        assert reply.status_code == 200, reply.json
    client.post("/logout", data={"csrf_token": csrf_token(client, "/team")})


def submit(client, round_) -> None:
    login(client, "leader@plovdiv.example")
    token = csrf_token(client, "/team")
    reply = client.post(
        f"/survey/{round_.id}/submit", data={"csrf_token": token, "confirm": "1", "unfinished": "2"}
    )
    assert reply.status_code == 302, reply.text


def fresh(round_) -> dict:
    """The scores of every assessment of the round, scored from its answers now."""
    return {
        s.assessment.id: stored_scores.scores_json(s.result)
        for s in round_scores(round_, agreement=False)
    }


def test_submitting_stores_the_scores_and_reopening_clears_them(app, plovdiv):
    round_ = plovdiv["round"]
    answer_everything(app.test_client(), round_, "μέλος@plovdiv.example", lambda i: str(1 + i % 5))
    answer_everything(app.test_client(), round_, "leader@plovdiv.example", lambda i: "dont_know"
                      if i % 4 == 0 else str(5 - i % 3))  # fmt: skip
    client = app.test_client()
    submit(client, round_)
    db.session.expire_all()
    assessment = db.session.scalar(select(Assessment))
    assert assessment.is_submitted
    assert assessment.stored_scores == fresh(round_)[assessment.id]
    assert assessment.stored_scores["rules"] == stored_scores.RULES
    assert all(v is not None for v in assessment.stored_scores["areas"].values())
    # a submitted assessment refuses answers, so what is stored stays its answers' scores
    token = page_token(client, f"/survey/{round_.id}/areas/vision")
    first = round_.questionnaire.areas[0].questions[0]
    assert autosave(client, round_.id, token, first.id, "1").json["code"] == "submitted"
    db.session.expire_all()
    assert db.session.scalar(select(Assessment.stored_scores)) == fresh(round_)[assessment.id]

    reopen_assessment(assessment)
    db.session.commit()
    assert db.session.scalar(select(Assessment.stored_scores)) is None
    before = fresh(round_)[assessment.id]
    token = page_token(client, f"/survey/{round_.id}/areas/vision")
    assert autosave(client, round_.id, token, first.id, "5").status_code == 200
    submit(app.test_client(), round_)
    db.session.expire_all()
    stored = db.session.scalar(select(Assessment.stored_scores))
    assert stored == fresh(round_)[assessment.id] and stored != before


def test_the_figures_read_from_stored_scores_are_those_of_the_answers(demo):
    """Every submitted demo assessment: its stored scores, and rule 10's figures read from
    them, equal scoring its answers again (agreed answers included)."""
    from assessment.lookups import round_named

    for name in ("2020 baseline", "2022 follow-up"):
        round_ = round_named(name)
        submitted = dict(
            db.session.execute(
                select(Assessment.id, Assessment.stored_scores).where(
                    Assessment.round_id == round_.id,
                    Assessment.status == AssessmentStatus.SUBMITTED,
                )
            ).all()
        )
        assert submitted and all(submitted.values())
        scored = fresh(round_)
        assert all(submitted[key] == scored[key] for key in submitted)
        cities = set(db.session.scalars(select(Assessment.city_id)))
        read = round_figures([round_], cities)
        db.session.execute(update(Assessment).values(stored_scores=None))
        assert round_figures([round_], cities) == read
        db.session.rollback()


def test_scores_stored_under_other_rules_are_scored_again(demo):
    from assessment.lookups import city_named, round_named

    round_, city = round_named("2020 baseline"), city_named("Vilnius")
    assessment = db.session.scalar(
        select(Assessment).where(Assessment.round_id == round_.id, Assessment.city_id == city.id)
    )
    right = assessment.stored_scores
    wrong = {**right, "rules": stored_scores.RULES - 1,
             "areas": dict.fromkeys(right["areas"], 99.0)}  # fmt: skip
    assessment.stored_scores = wrong
    db.session.commit()
    figures = round_figures([round_], [city.id])[(round_.id, city.id)]
    assert 99.0 not in figures.values()
    assert store_missing_scores() == 1
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).stored_scores == right
    assert store_missing_scores() == 0
    # a set that names no rules at all is not read either
    db.session.get(Assessment, assessment.id).stored_scores = {"areas": wrong["areas"]}
    db.session.commit()
    assert 99.0 not in round_figures([round_], [city.id])[(round_.id, city.id)].values()
    assert store_missing_scores() == 1


def test_only_a_submitted_assessment_has_stored_scores(app, plovdiv):
    assessment = Assessment(round_id=plovdiv["round"].id, city_id=plovdiv["city"].id,
                            stored_scores={"rules": stored_scores.RULES, "areas": {},
                                           "questions": {}})  # fmt: skip
    db.session.add(assessment)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_an_answer_saved_while_the_city_submits_waits_and_is_refused(app, plovdiv):
    """PostgreSQL: an autosave that arrives while the submission is being stored waits for it,
    then finds the assessment submitted and writes nothing, so the stored scores stay those of
    the answers."""
    import threading

    from assessment.columns import utcnow
    from assessment.models import Answer, AnswerKind, Response
    from assessment.survey.answers import AnswerWrite, Choice, hold_answer_writes, write_answers

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time")
    round_ = plovdiv["round"]
    answer_everything(app.test_client(), round_, "μέλος@plovdiv.example", lambda i: "2")
    response_id = db.session.scalar(select(Response.id))
    question = round_.questionnaire.areas[0].questions[0]
    db.session.commit()
    changed: list[int] = []
    engine = db.engine

    def save() -> None:
        with app.app_context(), engine.connect() as saving, saving.begin():
            write = AnswerWrite(response_id, question.id, Choice(AnswerKind.LEVEL, 5))
            changed.append(write_answers(saving, [write]))

    with engine.connect() as submitting:
        with submitting.begin():
            hold_answer_writes(submitting)
            submitting.execute(
                update(Assessment).values(status=AssessmentStatus.SUBMITTED, submitted_at=utcnow())
            )
            saver = threading.Thread(target=save)
            saver.start()
            saver.join(0.5)
            assert saver.is_alive() and not changed  # it waits for the submission
        saver.join(10)
    assert changed == [0]
    db.session.expire_all()
    assert set(db.session.scalars(select(Answer.level))) == {2}
