"""Agreed answers (rule 9): storing them, refusing what cannot be stored, scoring from them."""

from __future__ import annotations

import json
import re

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
                    comment=f"мнение за ниво {level}",
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
    from assessment.survey.agreed_import import import_agreed

    with pytest.raises(DmatError, match="no agreed answers"):
        import_agreed(team["round"], [], "agreed.csv")


# dmat agreed import -----------------------------------------------------------------------------
def write_csv(path, text: str):
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_through_the_installed_command_finds_cities_in_any_case(team, tmp_path):
    from .test_conformance import installed_dmat

    file = write_csv(
        tmp_path / "agreed.csv",
        "city,question,answer,rationale\n"
        'ПЛОВДИВ,vision_strategy,5,"Стратегията е приета, с бюджет"\n'
        "пловдив,governance_procurement,not_applicable,\n"
        "Пловдив,vision_alignment,DONT_KNOW,Никой не знае\n",
    )
    result = installed_dmat("agreed", "import", "--round", "2022 follow-up", file)
    assert result.returncode == 0, result.stderr
    assert "Imported 3 agreed answers for 1 city" in result.stdout
    db.session.expire_all()
    stored = {
        (a.question.key, a.kind, a.level, a.rationale)
        for a in db.session.scalars(select(AgreedAnswer))
    }
    assert stored == {
        ("vision_strategy", AnswerKind.LEVEL, 5, "Стратегията е приета, с бюджет"),
        ("governance_procurement", AnswerKind.NOT_APPLICABLE, None, None),
        ("vision_alignment", AnswerKind.DONT_KNOW, None, "Никой не знае"),
    }
    again = installed_dmat("agreed", "import", "--round", "2022 follow-up", file)
    assert "0 new, 3 replaced" in again.stdout
    assert agreed_count() == 3


def test_import_checks_every_row_first_and_stores_nothing_when_one_is_wrong(team, dmat, tmp_path):
    db.session.add(Assessment(round_id=team["round"].id, city_id=team["other"].id))
    db.session.commit()
    file = write_csv(
        tmp_path / "bad.csv",
        "city,question,answer,rationale\n"
        "Пловдив,vision_strategy,4,fine\n"
        "Σπάρτη,vision_strategy,4,\n"
        "Пловдив,vision_nothing,4,\n"
        "Пловдив,vision_alignment,6,\n"
        "Пловдив,vision_strategy,3,twice\n"
        "Пловдив,vision_roadmap,not_applicable,\n"
        "Пловдив,vision_targets,,\n",
    )
    result = dmat("agreed", "import", "--round", "2022 follow-up", file)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for line, words in (
        (3, "unknown city 'Σπάρτη'"),
        (4, "question 'vision_nothing' is not in"),
        (5, "“6” is not a level of question vision_alignment: choose a level from 1 to 5"),
        (6, "a second agreed answer of Пловдив to vision_strategy (first on line 2)"),
        (7, "Question vision_roadmap cannot be answered “not applicable”"),
        (8, "no answer to vision_targets"),
    ):
        assert f"{file}:{line}: {words}" in result.output, result.output
    assert "6 problems; nothing was imported" in result.output
    assert agreed_count() == 0


def test_import_refuses_submitted_assessments_and_cities_without_one(team, dmat, tmp_path):
    team["assessment"].status = AssessmentStatus.SUBMITTED
    team["assessment"].submitted_at = utcnow()
    db.session.commit()
    file = write_csv(
        tmp_path / "agreed.csv",
        "city,question,answer\nПловдив,vision_strategy,4\nαθήνα,vision_strategy,2\n",
    )
    result = dmat("agreed", "import", "--round", "2022 follow-up", file)
    assert result.exit_code == 1
    assert f"{file}:2: the assessment of Пловдив in '2022 follow-up' is submitted" in result.output
    assert f"{file}:3: Αθήνα has no assessment in '2022 follow-up'" in result.output
    assert agreed_count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("city,respondent,question,answer\n", ":1: the header must be city,question,answer"),
        ("city,question,answer\nПловдив,vision_strategy,4,extra,more\n", ":2: expected 3 fields"),
        ("", ": the file is empty"),
    ],
)
def test_import_reports_a_malformed_file_by_line(team, dmat, tmp_path, text, message):
    file = write_csv(tmp_path / "agreed.csv", text)
    result = dmat("agreed", "import", "--round", "2022 follow-up", file)
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Traceback" not in result.output


def test_import_reads_xlsx(team, dmat, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["city", "question", "answer", "rationale"])
    sheet.append(["пловдив", "vision_strategy", 3, "От семинара"])
    workbook.save(tmp_path / "agreed.xlsx")
    result = dmat("agreed", "import", "--round", "2022 follow-up", str(tmp_path / "agreed.xlsx"))
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(AgreedAnswer.level)) == 3


def test_import_into_an_unknown_round_is_a_one_line_error(team, dmat, tmp_path):
    file = write_csv(tmp_path / "agreed.csv", "city,question,answer\nПловдив,vision_strategy,4\n")
    result = dmat("agreed", "import", "--round", "no such round", file)
    assert result.exit_code == 1 and "no round named 'no such round'" in result.output


# the team's answers side by side ----------------------------------------------------------------
def page_url(team, area="vision") -> str:
    return f"/results/{team['round'].id}/{team['city'].id}/team/{area}"


def post_url(team, key="vision_strategy") -> str:
    return f"/results/{team['round'].id}/{team['city'].id}/agreed/{key}"


def signed_in(client, email):
    from .conftest import login

    assert login(client, email).status_code == 302
    return client


def post(client, url, **form):
    from .conftest import csrf_token

    return client.post(url, data={"csrf_token": csrf_token(client, "/"), **form})


def test_leader_sees_the_team_side_by_side_without_names_diverging_first(team, client):
    # the team agrees on vision_alignment: no divergence there
    alignment = team["q"]["vision_alignment"]
    for answer in db.session.scalars(select(Answer).where(Answer.question_id == alignment.id)):
        answer.level = 2
    db.session.commit()
    signed_in(client, "leader@plovdiv.example")
    page = client.get(page_url(team))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    vision = team["round"].questionnaire.areas[0].questions
    order = [html.index(f'id="q-{q.key}"') for q in vision]
    alignment_at = order[[q.key for q in vision].index("vision_alignment")]
    assert alignment_at == max(order)  # the only question that does not diverge comes last
    assert html.count("the team's answers diverge") == len(vision) - 1
    for member in team["members"]:
        assert member.email not in html and member.name not in html
    assert "мнение за ниво 3" in html  # the comments, without their authors


def test_comments_are_shown_sorted_and_counts_per_answer(team, client):
    db.session.execute(Answer.__table__.update().values(comment=None))
    strategy = team["q"]["vision_strategy"]
    comments = iter(("Ясна визия", "Αρκετά καλό", "Няма бюджет"))
    for answer in db.session.scalars(
        select(Answer).where(Answer.question_id == strategy.id).order_by(Answer.id)
    ):
        answer.comment = next(comments)
    db.session.commit()
    signed_in(client, "leader@plovdiv.example")
    html = client.get(page_url(team)).get_data(as_text=True)
    section = html[html.index('id="q-vision_strategy"') :]
    section = section[: section.index("</section>")]
    positions = [section.index(c) for c in sorted(("Ясна визия", "Αρκετά καλό", "Няма бюджет"))]
    assert positions == sorted(positions)
    counts = [int(n) for n in re.findall(r'<td class="number">(\d+)</td>', section)]
    assert counts == [1, 0, 1, 0, 1, 0]  # levels 1-5, then don't know


def test_leader_records_changes_and_removes_an_agreed_answer_on_the_page(team, client):
    signed_in(client, "leader@plovdiv.example")
    saved = post(client, post_url(team), answer="4", rationale="Решено на семинара")
    assert saved.status_code == 303
    assert saved.location.endswith(f"{page_url(team)}#q-vision_strategy")
    html = client.get(page_url(team)).get_data(as_text=True)
    assert "Решено на семинара" in html and "Remove the agreed answer" in html
    db.session.expire_all()
    stored = db.session.scalar(select(AgreedAnswer))
    assert (stored.level, stored.created_by_id) == (4, team["leader"].id)
    assert vision_of(team)["agreed"] == 1
    assert post(client, post_url(team), action="remove").status_code == 303
    assert agreed_count() == 0


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"answer": "6"}, "is not a level of question vision_strategy"),
        ({"answer": "not_applicable"}, "cannot be answered"),
        ({}, "Choose the agreed answer to record."),
        ({"answer": "3", "rationale": "ж" * 4001}, "at most 4000"),
    ],
)
def test_bad_agreed_answer_is_a_400_naming_the_problem_and_stores_nothing(
    team, client, form, message
):
    signed_in(client, "leader@plovdiv.example")
    refused = post(client, post_url(team), **form)
    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True)
    assert agreed_count() == 0


def test_submitted_assessment_shows_no_form_and_refuses_with_409(team, client):
    record_agreed(team["assessment"], team["q"]["vision_strategy"], "2", "Преди подаването")
    team["assessment"].status = AssessmentStatus.SUBMITTED
    team["assessment"].submitted_at = utcnow()
    db.session.commit()
    signed_in(client, "leader@plovdiv.example")
    html = client.get(page_url(team)).get_data(as_text=True)
    assert "Преди подаването" in html and 'name="rationale"' not in html
    refused = post(client, post_url(team), answer="5")
    assert refused.status_code == 409
    assert "has been submitted" in refused.get_data(as_text=True)
    assert db.session.scalar(select(AgreedAnswer.level)) == 2


def test_coordinator_reads_the_page_without_forms_and_members_never_see_it(team, client, make_user):
    make_user("coordinator@dmat.example", Role.COORDINATOR)
    signed_in(client, "coordinator@dmat.example")
    page = client.get(page_url(team, "governance"))
    assert page.status_code == 200 and 'name="answer"' not in page.get_data(as_text=True)
    assert post(client, post_url(team), answer="3").status_code == 403
    member = client.application.test_client()
    signed_in(member, "ivan@plovdiv.example")
    assert member.get(page_url(team)).status_code == 403
    assert client.get(page_url(team, "no_such_area")).status_code == 404
    assert (
        client.get(f"/results/{team['round'].id}/{team['other'].id}/team/vision").status_code == 404
    )


def test_low_agreement_on_the_results_page_links_to_the_side_by_side_page(team, client, make_user):
    make_user("coordinator@dmat.example", Role.COORDINATOR)
    signed_in(client, "coordinator@dmat.example")
    html = client.get(f"/results/{team['round'].id}/{team['city'].id}").get_data(as_text=True)
    assert f'class="low-agreement" href="{page_url(team)}"' in html


def test_side_by_side_page_in_bulgarian(team, client):
    team["leader"].language = "bg"
    db.session.commit()
    signed_in(client, "leader@plovdiv.example")
    html = client.get(page_url(team)).get_data(as_text=True)
    assert "Отговорите на екипа:" in html and "отговорите на екипа се разминават" in html
    assert "Запиши съгласувания отговор" in html
    refused = post(client, post_url(team), answer="9")
    assert refused.status_code == 400 and "не е ниво" in refused.get_data(as_text=True)


# agreed answers on the results page, the PDF and the submit page --------------------------------
def submit(team):
    team["assessment"].status = AssessmentStatus.SUBMITTED
    team["assessment"].submitted_at = utcnow()
    db.session.commit()


def test_member_sees_the_agreed_answers_with_their_rationale_on_the_results_page(team, client):
    record_agreed(team["assessment"], team["q"]["vision_strategy"], "4", "Приета от съвета")
    record_agreed(team["assessment"], team["q"]["governance_procurement"], "not_applicable")
    submit(team)
    signed_in(client, "ivan@plovdiv.example")
    html = client.get(f"/results/{team['round'].id}/{team['city'].id}").get_data(as_text=True)
    section = html[html.index('id="agreed-heading"') :]
    section = section[: section.index("</section>")]
    assert "For 2 questions the team agreed one answer" in section
    assert "Level 4 of 5" in section and "Приета от съвета" in section
    assert "Not applicable to our city" in section
    assert "/team/" not in html  # a member gets no way to the others' answers


def test_city_pdf_lists_the_agreed_answers_with_their_rationale(team):
    import io

    from pypdf import PdfReader

    from reports.render import city_report

    record_agreed(team["assessment"], team["q"]["vision_strategy"], "4", "Приета от съвета")
    db.session.commit()
    report = city_report(team["round"], team["city"], "bg", use_cache=False)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(report.pdf)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Съгласувани отговори" in text
    assert "Ниво 4 от 5: Приета от съвета" in text


def test_team_page_says_how_many_diverging_questions_have_no_agreed_answer(team, client):
    signed_in(client, "leader@plovdiv.example")
    url = f"/team?round={team['round'].id}"  # the team page, with the submission
    vision = team["round"].questionnaire.areas[0].questions  # all diverge: levels 1, 3 and 5
    html = client.get(url).get_data(as_text=True)
    assert f"{len(vision)} questions on which the team&#39;s answers diverge" in html or (
        f"{len(vision)} questions on which the team's answers diverge" in html
    )
    for question in vision[1:]:
        record_agreed(team["assessment"], question, "3")
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "1 question on which the team" in html and "has no agreed answer yet" in html
    record_agreed(team["assessment"], vision[0], "dont_know")
    db.session.commit()
    assert "no agreed answer yet" not in client.get(url).get_data(as_text=True)


def test_demo_has_a_few_workshops_with_agreed_answers_and_rationales(demo, dmat):
    from assessment.demo import FOLLOW_UP, WORKSHOP_CITIES

    stored = list(db.session.scalars(select(AgreedAnswer)))
    cities = {a.assessment.city.name for a in stored}
    assert cities == set(WORKSHOP_CITIES)
    assert all(a.assessment.round.name == FOLLOW_UP for a in stored)
    assert sum(a.rationale is not None for a in stored) >= 3
    assert all(a.created_by.role == Role.LEADER for a in stored)
    assert all(a.evidence.startswith("https://docs.example.org/workshops/") for a in stored)
    scores = json.loads(dmat("scores", "--round", FOLLOW_UP).output)
    agreed = {row["city"]: sum(a["agreed"] for a in row["areas"].values()) for row in scores}
    assert {city for city, n in agreed.items() if n} == set(WORKSHOP_CITIES)
    assert sum(agreed.values()) == len(stored)
