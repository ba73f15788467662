"""The survey page of success indicators: who enters values, field errors, locking, hostile
text shown literally, and the coordinator's upload on the round's import page."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from assessment.extensions import db
from assessment.models import (
    Assessment,
    AssessmentStatus,
    IndicatorEditor,
    IndicatorValue,
    Role,
    Round,
    utcnow,
)

from .conftest import csrf_token, login
from .test_indicator_values import indicator_questionnaire  # noqa: F401  (a fixture)

HOSTILE = '<script>alert(1)</script> =HYPERLINK("http://evil.example") http://x.example'


@pytest.fixture
def city_team(app, indicator_questionnaire, make_city, make_user):  # noqa: F811
    sofia = make_city("София", "BG")
    other = make_city("Αθήνα", "GR")
    round_ = Round(name="2022 follow-up", questionnaire=indicator_questionnaire)
    db.session.add(round_)
    db.session.commit()
    return {
        "round": round_,
        "city": sofia,
        "other": other,
        "leader": make_user("лидер@sofia.example", Role.LEADER, sofia),
        "member": make_user("член@sofia.example", Role.RESPONDENT, sofia),
        "stranger": make_user("leader@athens.example", Role.LEADER, other),
        "coordinator": make_user("coordinator@dmat.example", Role.COORDINATOR),
    }


def url(team, suffix: str = "") -> str:
    return f"/results/{team['round'].id}/{team['city'].id}/indicators{suffix}"


def signed_in(client, user):
    assert login(client, user.email).status_code == 302
    return client


def post(client, address, **form):
    return client.post(address, data={"csrf_token": csrf_token(client, "/"), **form})


def values() -> dict[str, tuple]:
    return {
        v.indicator.key: (v.value, v.source, v.as_of and v.as_of.isoformat())
        for v in db.session.scalars(select(IndicatorValue))
    }


def test_the_leader_enters_values_and_sees_them_again(city_team, client):
    signed_in(client, city_team["leader"])
    page = client.get(url(city_team))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Most-used services fully online" in text and "Source: the service catalogue" in text
    done = post(
        client,
        url(city_team),
        **{
            "value-services_online": "45,5",
            "source-services_online": HOSTILE,
            "as_of-services_online": "2022-06-30",
            "value-open_datasets": "37",
            "source-open_datasets": "",
            "as_of-open_datasets": "",
        },
    )
    assert done.status_code == 303
    assert values() == {
        "services_online": (45.5, HOSTILE, "2022-06-30"),
        "open_datasets": (37.0, None, None),
    }
    again = client.get(url(city_team)).get_data(as_text=True)
    assert 'value="45.5"' in again and 'value="37"' in again
    assert str(escape(HOSTILE)) in again and "<script>alert" not in again


def test_wrong_fields_are_named_and_nothing_is_stored(city_team, client):
    signed_in(client, city_team["leader"])
    done = post(
        client,
        url(city_team),
        **{
            "value-services_online": "101",
            "source-services_online": "ok",
            "as_of-services_online": "",
            "value-open_datasets": "12",
            "source-open_datasets": "",
            "as_of-open_datasets": "2022-02-30",
            "value-online_satisfaction": "4",
            "source-online_satisfaction": "x" * 501,
            "as_of-online_satisfaction": "",
        },
    )
    assert done.status_code == 400
    text = done.get_data(as_text=True)
    assert "3 fields need correcting; nothing was saved." in text
    assert 'href="#value-services_online">101 is outside the range 0 to 100' in text
    assert "&#39;2022-02-30&#39; is not a date of the form YYYY-MM-DD" in text
    assert 'aria-describedby="error-source-online_satisfaction"' in text
    assert 'value="101"' in text  # what was typed is kept
    assert values() == {}


def test_the_page_and_its_errors_are_in_bulgarian(city_team, client):
    city_team["leader"].language = "bg"
    db.session.commit()
    signed_in(client, city_team["leader"])
    text = client.get(url(city_team)).get_data(as_text=True)
    assert "Показатели за успех" in text and "Най-използвани услуги" in text
    done = post(client, url(city_team), **{"value-services_online": "abc"})
    text = done.get_data(as_text=True)
    assert done.status_code == 400 and "не е число" in text


def test_only_the_leader_or_the_named_member_may_enter_values(city_team, client, app):
    member = city_team["member"]
    signed_in(client, member)
    page = client.get(url(city_team)).get_data(as_text=True)
    assert "Save the indicator values" not in page
    assert post(client, url(city_team), **{"value-open_datasets": "3"}).status_code == 403
    assert values() == {}
    leader_client = app.test_client()
    signed_in(leader_client, city_team["leader"])
    named = post(leader_client, url(city_team, "/editor"), editor=str(member.id))
    assert named.status_code == 303
    assert db.session.scalar(select(IndicatorEditor.user_id)) == member.id
    assert post(client, url(city_team), **{"value-open_datasets": "3"}).status_code == 303
    assert values() == {"open_datasets": (3.0, None, None)}
    # a member cannot name anyone; someone of another city cannot be named
    assert post(client, url(city_team, "/editor"), editor=str(member.id)).status_code == 403
    stranger = city_team["stranger"]
    assert (
        post(leader_client, url(city_team, "/editor"), editor=str(stranger.id)).status_code == 303
    )
    assert db.session.scalar(select(IndicatorEditor.user_id)) == member.id
    assert post(leader_client, url(city_team, "/editor"), editor="99999999999").status_code == 400
    assert post(leader_client, url(city_team, "/editor"), editor="").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(IndicatorEditor)) == 0


def test_another_city_gets_404_and_the_coordinator_reads_only(city_team, client, app):
    signed_in(client, city_team["stranger"])
    assert client.get(url(city_team)).status_code == 404
    assert post(client, url(city_team), **{"value-open_datasets": "3"}).status_code == 404
    coordinator = app.test_client()
    signed_in(coordinator, city_team["coordinator"])
    page = coordinator.get(url(city_team))
    assert page.status_code == 200 and "Save the indicator values" not in page.get_data(
        as_text=True
    )
    assert post(coordinator, url(city_team), **{"value-open_datasets": "3"}).status_code == 403


def test_values_lock_when_the_assessment_is_submitted(city_team, client):
    signed_in(client, city_team["leader"])
    post(client, url(city_team), **{"value-open_datasets": "3"})
    assessment = db.session.scalar(select(Assessment))
    assessment.status, assessment.submitted_at = AssessmentStatus.SUBMITTED, utcnow()
    db.session.commit()
    page = client.get(url(city_team)).get_data(as_text=True)
    assert "values are locked" in page and "Save the indicator values" not in page
    assert ">3<" in page  # the value is shown, read only
    refused = post(client, url(city_team), **{"value-open_datasets": "4"})
    assert refused.status_code == 409
    assert values() == {"open_datasets": (3.0, None, None)}


def test_a_round_without_indicators_has_no_page(city_team, client, make_round):
    round_ = make_round("2020 baseline")  # version 1: no indicators
    round_.created_at = utcnow() - timedelta(days=700)
    db.session.commit()
    signed_in(client, city_team["leader"])
    assert client.get(f"/results/{round_.id}/{city_team['city'].id}/indicators").status_code == 404


def upload(client, round_id: int, name: str, data: bytes):
    return client.post(
        f"/admin/rounds/{round_id}/import/indicators",
        data={
            "indicators-csrf_token": csrf_token(client, f"/admin/rounds/{round_id}/import"),
            "indicators-file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def test_the_coordinator_uploads_values_on_the_import_page(city_team, client, app):
    db.session.add(Assessment(round=city_team["round"], city=city_team["city"]))
    db.session.commit()
    round_id = city_team["round"].id
    signed_in(client, city_team["coordinator"])
    page = client.get(f"/admin/rounds/{round_id}/import").get_data(as_text=True)
    assert "Import indicator values" in page and "<code>services_online</code>" in page
    bad = upload(
        client,
        round_id,
        "values.csv",
        "city,indicator,value\nсофия,services_online,45\nсофия,services_online,101\n"
        "Αθήνα,open_datasets,3\n".encode(),
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "values.csv:3: value of services_online: 101 is outside the range 0 to 100" in text
    assert "values.csv:4: Αθήνα is not in the round" in text
    assert "values.csv: 2 problems; nothing was imported" in text
    assert values() == {}
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["city", "indicator", "value", "source", "as_of"])
    # text that a spreadsheet would run is written with an apostrophe, as exports write it
    workbook.active.append(["СОФИЯ", "online_satisfaction", 4.2, "'=1+1", None])
    workbook.active.append(["София", "open_datasets", 37, HOSTILE, "2022-06-30"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    done = upload(client, round_id, "values.xlsx", buffer.getvalue())
    assert done.status_code == 303
    assert values() == {
        "online_satisfaction": (4.2, "=1+1", None),
        "open_datasets": (37.0, HOSTILE, "2022-06-30"),
    }
    assert upload(client, round_id, "values.txt", b"x").status_code == 400
    leader = signed_in(app.test_client(), city_team["leader"])
    refused = leader.post(
        f"/admin/rounds/{round_id}/import/indicators",
        data={"indicators-csrf_token": csrf_token(leader, "/")},
    )
    assert refused.status_code == 403
