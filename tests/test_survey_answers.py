"""One rule for what an answer may be, and one write, for every way in: the autosave, the page
without JavaScript and response files (CSV and XLSX).

Each way in is given the same values and must agree on what each becomes; bad values are a
clear 400 or a line-numbered file problem, never a 500, and nothing stored changes.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from assessment.admin.operations import import_responses
from assessment.admin.response_files import read_response_file
from assessment.errors import DmatError
from assessment.extensions import db
from assessment.models import Assessment, AssessmentStatus, Question, Role, RoundStatus, utcnow
from tests.conftest import login
from tests.survey_support import all_answer_rows, autosave, page_token, stored_answers

# (posted value, what is stored for vision_strategy, which has 5 levels and no "not applicable")
ACCEPTED = [
    ("3", ("level", 3, None)),
    (" 5 ", ("level", 5, None)),
    ("1", ("level", 1, None)),
    ("DONT_KNOW", ("dont_know", None, None)),
]
# values that look like levels to str.isdigit() or int(), and values out of range
REFUSED = ["²", "٣", "４", "0", "6", "3.0", "+3", "0x3", "not_applicable", "три", "τρία"]


@pytest.fixture
def sofia(make_city, make_user, make_round):
    city = make_city("София", "BG")
    round_ = make_round("Кръг 2022")
    member = make_user("ивана@sofia.example", Role.RESPONDENT, city)
    return {"city": city, "round": round_, "member": member}


def question(key: str) -> Question:
    return db.session.scalar(select(Question).where(Question.key == key))


def signed_in(client, sofia) -> str:
    login(client, sofia["member"].email)
    return page_token(client, f"/survey/{sofia['round'].id}/areas/vision")


def import_csv(sofia, answer: str, comment: str = "Σχόλιο"):
    text = (
        "city,respondent,question,answer,comment\n"
        f"СОФИЯ,{sofia['member'].email},vision_strategy,{answer},{comment}\n"
    )
    rows = read_response_file(text.encode(), "отговори.csv")
    summary = import_responses(sofia["round"], rows, "отговори.csv")
    db.session.commit()
    return summary


@pytest.mark.parametrize(("value", "stored"), ACCEPTED)
def test_every_way_in_stores_an_answer_alike(app, client, sofia, value, stored):
    round_, strategy = sofia["round"], question("vision_strategy")
    token = signed_in(client, sofia)
    assert autosave(client, round_.id, token, strategy.id, value).status_code == 200
    by_autosave = stored_answers(sofia["member"], round_)["vision_strategy"]
    autosave(client, round_.id, token, strategy.id, "")  # cleared again

    form = {"csrf_token": token, f"answer-{strategy.id}": value, "action": "save"}
    assert client.post(f"/survey/{round_.id}/areas/vision", data=form).status_code == 302
    by_page = stored_answers(sofia["member"], round_)["vision_strategy"]

    import_csv(sofia, value, comment="")
    by_file = stored_answers(sofia["member"], round_)["vision_strategy"]
    assert by_autosave == by_page == by_file == stored


@pytest.mark.parametrize("value", REFUSED)
def test_every_way_in_refuses_what_is_not_an_answer(app, client, sofia, value):
    round_, strategy = sofia["round"], question("vision_strategy")
    token = signed_in(client, sofia)
    autosave(client, round_.id, token, strategy.id, "2", "kept")
    before = all_answer_rows()

    reply = autosave(client, round_.id, token, strategy.id, value)
    assert reply.status_code == 400, reply.get_data(as_text=True)
    code = "not_applicable_not_allowed" if value == "not_applicable" else "not_a_level"
    assert reply.json["code"] == code and "vision_strategy" in reply.json["error"]

    form = {"csrf_token": token, f"answer-{strategy.id}": value, "action": "save"}
    reply = client.post(f"/survey/{round_.id}/areas/vision", data=form)
    assert reply.status_code == 400 and "Nothing was saved" in reply.text
    assert "vision_strategy" in reply.text

    with pytest.raises(DmatError) as refused:
        import_csv(sofia, value)
    db.session.rollback()
    (problem,) = refused.value.problems
    expected = (
        "отговори.csv:2: question vision_strategy does not allow not_applicable"
        if value == "not_applicable"
        else f"отговори.csv:2: answer '{value}' to vision_strategy must be a level 1..5, dont_know"
    )
    assert problem == expected
    assert all_answer_rows() == before


def test_an_empty_answer_clears_on_a_page_and_is_a_problem_in_a_file(client, sofia):
    round_, strategy = sofia["round"], question("vision_strategy")
    token = signed_in(client, sofia)
    assert autosave(client, round_.id, token, strategy.id, "4").status_code == 200
    reply = autosave(client, round_.id, token, strategy.id, "  ")
    assert reply.status_code == 200 and reply.json["answer"] is None
    with pytest.raises(DmatError) as refused:
        import_csv(sofia, "")
    db.session.rollback()
    assert refused.value.problems == [
        "отговори.csv:2: answer '' to vision_strategy must be a level 1..5, dont_know"
    ]


def test_a_file_may_fill_a_closed_round_but_never_a_submitted_assessment(client, sofia):
    """Coordinators import past rounds' data, so a file's write does not ask for an open round
    (the respondents' ways in do); a submitted assessment is refused by every way in."""
    round_, strategy = sofia["round"], question("vision_strategy")
    token = signed_in(client, sofia)
    assert autosave(client, round_.id, token, strategy.id, "2", "първо").status_code == 200
    round_.status = RoundStatus.CLOSED
    db.session.commit()
    assert autosave(client, round_.id, token, strategy.id, "3").json["code"] == "round_closed"

    summary = import_csv(sofia, "4", comment="Σχόλιο από το αρχείο")
    assert (summary.answers_created, summary.answers_updated) == (0, 1)
    assert stored_answers(sofia["member"], round_) == {
        "vision_strategy": ("level", 4, "Σχόλιο από το αρχείο")
    }

    assessment = db.session.scalar(select(Assessment))
    assessment.status, assessment.submitted_at = AssessmentStatus.SUBMITTED, utcnow()
    db.session.commit()
    before = all_answer_rows()
    with pytest.raises(DmatError) as refused:
        import_csv(sofia, "5")
    db.session.rollback()
    assert "is submitted; reopen it before importing" in refused.value.problems[0]
    assert all_answer_rows() == before


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


@pytest.mark.parametrize(("cell", "stored"), [(3, 3), (4.0, 4), ("２", None), ("²", None)])
def test_a_spreadsheet_level_goes_through_the_same_rule(sofia, cell, stored):
    data = xlsx(
        [
            ["city", "respondent", "question", "answer"],
            ["София", sofia["member"].email, "vision_strategy", cell],
        ]
    )
    rows = read_response_file(data, "отговори.xlsx")
    if stored is None:
        with pytest.raises(DmatError) as refused:
            import_responses(sofia["round"], rows, "отговори.xlsx")
        db.session.rollback()
        assert refused.value.problems == [
            f"отговори.xlsx:2: answer '{cell}' to vision_strategy must be a level 1..5, dont_know"
        ]
        assert all_answer_rows() == []
    else:
        import_responses(sofia["round"], rows, "отговори.xlsx")
        db.session.commit()
        assert stored_answers(sofia["member"], sofia["round"])["vision_strategy"][1] == stored
