"""The response import page as a coordinator meets it first: a template to fill in, the
question keys with their titles and levels, and messages in the web's own terms."""

from __future__ import annotations

import csv
import io

import pytest

from assessment.extensions import db
from assessment.models import Answer, City, Role
from tests.conftest import csrf_token
from tests.test_compare_access import client_for


@pytest.fixture
def coordinator(app, make_user):
    make_user("coordinator@dmat.example", Role.COORDINATOR)
    return client_for(app, "coordinator@dmat.example")


def upload(client, round_, data: bytes, name: str = "отговори.csv"):
    path = f"/admin/rounds/{round_.id}/import"
    return client.post(
        path,
        data={"file": (io.BytesIO(data), name), "csrf_token": csrf_token(client, path)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_the_template_has_one_example_line_per_question_and_imports_as_it_is(
    coordinator, make_city, make_round
):
    make_city("София", "BG")
    db.session.add(City(name="=Αθήνα", country="GR"))  # a name a spreadsheet would run
    db.session.commit()
    round_ = make_round("2024 пилотен")
    response = coordinator.get(f"/admin/rounds/{round_.id}/import/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "responses-template.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["city", "respondent", "question", "answer", "comment"]
    keys = [q.key for area in round_.questionnaire.areas for q in area.questions]
    assert [row[2] for row in rows[1:]] == keys
    assert {row[0] for row in rows[1:]} == {"'=Αθήνα"}  # the first city, made inert
    assert all(row[3] == "3" for row in rows[1:])  # the middle of five levels
    page = upload(coordinator, round_, response.get_data()).get_data(as_text=True)
    assert f"Imported {len(keys)} answers for 1 cities" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Answer)) == len(keys)


def test_the_page_lists_the_question_keys_with_titles_and_levels(coordinator, make_round):
    round_ = make_round()
    page = coordinator.get(f"/admin/rounds/{round_.id}/import").get_data(as_text=True)
    assert f'href="/admin/rounds/{round_.id}/import/template.csv"' in page
    for area in round_.questionnaire.areas:
        for question in area.questions:
            assert f"<code>{question.key}</code>" in page
            assert str(escape_text(question.text["en"])) in page
    first = round_.questionnaire.areas[0].questions[0]
    assert str(escape_text(first.levels[0]["en"])) in page
    assert "Levels 1 to 5" in page


def escape_text(text: str):
    from markupsafe import escape

    return escape(text)


def test_an_unknown_city_is_added_on_the_cities_page_not_with_the_command(
    coordinator, make_city, make_round, dmat, tmp_path
):
    make_city("София", "BG")
    round_ = make_round()
    data = "city,respondent,question,answer\nΠάτρα,a@patra.example,vision_strategy,3\n"
    page = upload(coordinator, round_, data.encode()).get_data(as_text=True)
    assert "unknown city &#39;Πάτρα&#39; (add it on the Cities page first)" in page
    assert "dmat city add" not in page
    # the command line keeps its own wording
    path = tmp_path / "отговори.csv"
    path.write_text(data, encoding="utf-8")
    result = dmat("responses", "import", "--round", "2022 follow-up", str(path))
    assert result.exit_code != 0
    assert "unknown city 'Πάτρα' (add it with dmat city add)" in result.output
