"""Rounds with dates and taking-part cities: the derived phase, the order of rounds, the admin
form, what the city team may do in a planned or closed round, and the dashboard's "not started"."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from assessment.admin.round_operations import change_round, create_round
from assessment.demo import DEMO_PASSWORD
from assessment.errors import DmatError
from assessment.extensions import db
from assessment.lookups import round_named
from assessment.models import Answer, AuditEvent, Role, Round, RoundStatus
from assessment.rounds import RoundPhase, Timing, round_order_key, round_phase, round_timing, today
from reports.context import previous_round
from tests.conftest import csrf_token, login
from tests.survey_support import autosave, page_token
from tests.test_compare_access import client_for

TODAY = today()
DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@given(closed=st.booleans(), opens=st.none() | DAYS, closes=st.none() | DAYS, on=DAYS)
def test_the_phase_follows_the_manual_close_and_the_dates(closed, opens, closes, on):
    phase = round_phase(closed, opens, closes, on)
    if closed or (closes is not None and on > closes):
        assert phase is RoundPhase.CLOSED
    elif opens is not None and on < opens:
        assert phase is RoundPhase.PLANNED
    else:
        assert phase is RoundPhase.OPEN
    timing = round_timing(closed, opens, closes, on)
    if phase is RoundPhase.OPEN and closes is not None:
        assert timing.kind is Timing.CLOSES and timing.days == (closes - on).days >= 0
    if phase is RoundPhase.PLANNED:
        assert (timing.kind, timing.day) == (Timing.OPENS, opens)


def test_sql_and_python_agree_on_which_rounds_are_open(app, bundled_questionnaire):
    """The write's own check (rounds.open_condition) and Round.phase give the same answer."""
    day = date(2027, 3, 1)
    shapes = itertools.product(
        (RoundStatus.OPEN, RoundStatus.CLOSED), (None, day), (None, day, day + timedelta(days=5))
    )
    rounds = [
        Round(
            name=f"Γύρος {n}",
            questionnaire=bundled_questionnaire,
            status=status,
            opens_on=opens,
            closes_on=closes,
        )
        for n, (status, opens, closes) in enumerate(shapes)
    ]
    db.session.add_all(rounds)
    db.session.commit()
    for on in (day - timedelta(days=1), day, day + timedelta(days=5), day + timedelta(days=6)):
        in_sql = set(db.session.scalars(select(Round.id).where(Round.open_on(on))))
        in_python = {r.id for r in rounds if r.phase_on(on) is RoundPhase.OPEN}
        assert in_sql == in_python and in_sql, on


def test_a_round_cannot_close_before_it_opens(app, bundled_questionnaire):
    db.session.add(
        Round(
            name="Назад",
            questionnaire=bundled_questionnaire,
            opens_on=date(2027, 6, 1),
            closes_on=date(2027, 5, 31),
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(DmatError, match="closing date 2027-05-31 is before the opening date"):
        create_round(
            "Назад",
            "city-digital-maturity:1",
            opens_on=date(2027, 6, 1),
            closes_on=date(2027, 5, 31),
        )
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Round)) == 0


def test_rounds_are_ordered_by_opening_date_else_creation_time(
    app, bundled_questionnaire, make_city
):
    city = make_city("Αθήνα", "GR")
    created = datetime(2026, 1, 1, tzinfo=UTC)
    # created first but opening last; the undated one falls between by its creation time
    late = Round(
        name="late",
        questionnaire=bundled_questionnaire,
        created_at=created,
        opens_on=date(2026, 9, 1),
    )
    early = Round(
        name="early",
        questionnaire=bundled_questionnaire,
        created_at=created + timedelta(days=2),
        opens_on=date(2025, 3, 1),
    )
    undated = Round(
        name="undated", questionnaire=bundled_questionnaire, created_at=created + timedelta(days=1)
    )
    db.session.add_all([late, early, undated])
    db.session.commit()
    assert sorted([late, undated, early], key=round_order_key) == [early, undated, late]
    assert previous_round(late) == undated and previous_round(undated) == early
    assert previous_round(early) is None
    assert previous_round(late, city) is None  # the city has no assessment in any


@pytest.fixture
def programme(app, make_city, make_user, bundled_questionnaire):
    cities = {
        name: make_city(name, country)
        for name, country in [
            ("София", "BG"),
            ("Αθήνα", "GR"),
            ("Tallinn", "EE"),
            ("Пловдив", "BG"),
        ]
    }
    make_user("coordinator@dmat.example", Role.COORDINATOR)
    members = {
        name: make_user(f"member{n}@city.example", Role.RESPONDENT, city)
        for n, (name, city) in enumerate(cities.items())
    }
    return {"cities": cities, "members": members}


def post_round(client, path: str, data: dict):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/admin/")})


def test_admin_creates_a_round_with_dates_and_cities(app, programme):
    coordinator = client_for(app, "coordinator@dmat.example")
    cities = programme["cities"]
    opens, closes = TODAY + timedelta(days=10), TODAY + timedelta(days=40)
    form = {
        "name": "2027 <b>follow-up</b>",
        "questionnaire": "city-digital-maturity:1",
        "opens_on": opens.isoformat(),
        "closes_on": closes.isoformat(),
        "taking_part": "chosen",
        "cities": [str(cities["София"].id), str(cities["Αθήνα"].id)],
    }
    response = post_round(coordinator, "/admin/rounds", form)
    assert response.status_code == 302
    round_ = round_named("2027 <b>follow-up</b>")
    assert (round_.opens_on, round_.closes_on, round_.all_cities) == (opens, closes, False)
    assert [c.name for c in round_.cities] == ["Αθήνα", "София"]
    assert round_.phase is RoundPhase.PLANNED
    page = coordinator.get("/admin/rounds").get_data(as_text=True)
    assert "2027 &lt;b&gt;follow-up&lt;/b&gt;" in page and "<b>follow-up" not in page
    assert "City digital maturity <span class=\"hint\">(version 1)</span>" in page
    assert "planned" in page and "2 cities" in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round_created"))
    assert event.details["cities"] == ["Αθήνα", "София"]
    assert event.details["opens_on"] == opens.isoformat()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"opens_on": "2027-06-01", "closes_on": "2027-05-31"},
            "The closing date (May 31, 2027) is before the opening date (Jun 1, 2027).",
        ),
        ({"opens_on": "31.02.2027"}, "The opening date must be a date, such as 2027-03-01."),
        ({"closes_on": "2027-02-30"}, "The closing date must be a date, such as 2027-06-30."),
        ({"closes_on": "=1+1"}, "The closing date must be a date, such as 2027-06-30."),
        ({"taking_part": "chosen"}, "Choose the cities taking part, or choose “Every city”."),
        ({"taking_part": "chosen", "cities": ["99999999999999999999"]}, "There is no city 9999"),
        ({"taking_part": "chosen", "cities": ["<script>"]}, "There is no city &lt;script&gt;."),
        ({"taking_part": "chosen", "cities": ["2147483647"]}, "There is no city 2147483647."),
        ({"taking_part": "some"}, "Not a valid choice"),
    ],
)
def test_the_round_form_names_what_is_wrong_and_stores_nothing(app, programme, changes, message):
    coordinator = client_for(app, "coordinator@dmat.example")
    form = {"name": "Κύκλος", "questionnaire": "city-digital-maturity:1", **changes}
    response = post_round(coordinator, "/admin/rounds", form)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Round)) == 0


def answer_first_question(app, member, round_: Round) -> None:
    client = client_for(app, member.email)
    token = page_token(client, f"/survey/{round_.id}/areas/vision")
    question = round_.questionnaire.areas[0].questions[0]
    assert autosave(client, round_.id, token, question.id, "3").status_code == 200


def test_editing_a_round_is_audited_and_keeps_a_city_that_answered(app, programme):
    cities = programme["cities"]
    round_ = create_round("Кръг", "city-digital-maturity:1")
    db.session.commit()
    answer_first_question(app, programme["members"]["Tallinn"], round_)

    coordinator = client_for(app, "coordinator@dmat.example")
    path = f"/admin/rounds/{round_.id}/edit"
    page = coordinator.get(path).get_data(as_text=True)
    assert re.search(r'<input[^>]*\bchecked\b[^>]*value="all"', page)
    keep = {"name": "Кръг", "closes_on": (TODAY + timedelta(days=3)).isoformat()}
    refused = post_round(
        coordinator, path, {**keep, "taking_part": "chosen", "cities": [str(cities["София"].id)]}
    )
    assert "Tallinn already answered in this round and keep taking part." in refused.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert round_named("Кръг").all_cities and round_named("Кръг").closes_on is None
    chosen = [str(cities["София"].id), str(cities["Tallinn"].id)]
    saved = post_round(coordinator, path, {**keep, "taking_part": "chosen", "cities": chosen})
    assert saved.status_code == 302
    db.session.expire_all()
    round_ = round_named("Кръг")
    assert [c.name for c in round_.cities] == ["Tallinn", "София"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round_changed"))
    assert event.details == {
        "closes_on": [None, keep["closes_on"]],
        "cities": [None, ["Tallinn", "София"]],
    }
    assert event.actor.email == "coordinator@dmat.example"
    with pytest.raises(DmatError, match="Tallinn already answered"):
        change_round(round_, name="Кръг", opens_on=None, closes_on=None, cities=[cities["София"]])
    db.session.rollback()


def answers_stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Answer))


def test_the_city_team_answers_only_in_an_open_round_it_takes_part_in(app, programme):
    cities = programme["cities"]
    round_ = create_round(
        "Планиран",
        "city-digital-maturity:1",
        opens_on=TODAY + timedelta(days=2),
        cities=[cities["София"], cities["Αθήνα"]],
    )
    db.session.commit()
    question = round_.questionnaire.areas[0].questions[0]
    sofia = client_for(app, programme["members"]["София"].email)
    token = page_token(sofia, f"/survey/{round_.id}/areas/vision")
    reply = autosave(sofia, round_.id, token, question.id, "3")
    assert reply.status_code == 400 and reply.json["code"] == "round_planned"
    assert "opens on" in reply.json["error"]
    page = sofia.post(
        f"/survey/{round_.id}/areas/vision",
        data={"csrf_token": token, f"answer-{question.id}": "3", "action": "save"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "The round “Планиран” opens on" in page
    assert "Opens on" in sofia.get("/survey/").get_data(as_text=True)
    assert answers_stored() == 0

    tallinn = client_for(app, programme["members"]["Tallinn"].email)
    token = page_token(tallinn, f"/survey/{round_.id}/areas/vision")
    round_.opens_on = TODAY
    db.session.commit()
    reply = autosave(tallinn, round_.id, token, question.id, "3")
    assert reply.status_code == 403 and reply.json["code"] == "not_taking_part"
    assert round_.name not in tallinn.get("/survey/").get_data(as_text=True)
    assert answers_stored() == 0

    assert (
        autosave(
            sofia,
            round_.id,
            page_token(sofia, f"/survey/{round_.id}/areas/vision"),
            question.id,
            "3",
        ).status_code
        == 200
    )
    round_.closes_on = TODAY - timedelta(days=1)
    round_.opens_on = TODAY - timedelta(days=9)
    db.session.commit()
    token = page_token(sofia, f"/survey/{round_.id}/areas/vision")
    reply = autosave(sofia, round_.id, token, question.id, "5")
    assert reply.status_code == 400 and reply.json["code"] == "round_closed"
    assert db.session.scalar(select(Answer.level)) == 3


def test_the_dashboard_lists_taking_part_cities_not_started_with_days_left(app, programme):
    cities = programme["cities"]
    round_ = create_round(
        "Δεκέμβριος",
        "city-digital-maturity:1",
        closes_on=TODAY + timedelta(days=3),
        cities=[cities["София"], cities["Αθήνα"], cities["Tallinn"]],
    )
    db.session.commit()
    answer_first_question(app, programme["members"]["Αθήνα"], round_)

    coordinator = client_for(app, "coordinator@dmat.example")
    page = coordinator.get(f"/compare/rounds/{round_.id}").get_data(as_text=True)
    not_started = page[page.index('id="not-started-heading"') :]
    assert "2 taking-part cities have no answers yet" in not_started
    assert "София" in not_started and "Tallinn" in not_started
    assert "Αθήνα" not in not_started and "Αθήνα" in page
    assert "Пловдив" not in page  # not taking part
    assert "3 days left." in page
    round_.closes_on = TODAY
    db.session.commit()
    assert "Closes today" in coordinator.get(f"/compare/rounds/{round_.id}").get_data(as_text=True)

    coordinator.post("/language", data={"language": "bg", "csrf_token": csrf_token(coordinator)})
    round_.closes_on = TODAY + timedelta(days=1)
    db.session.commit()
    page = coordinator.get(f"/compare/rounds/{round_.id}").get_data(as_text=True)
    assert "остава 1 ден" in page and "Не са започнали" in page


def test_a_members_home_says_when_the_round_closes(app, programme):
    round_ = create_round("Кръг", "city-digital-maturity:1", closes_on=TODAY + timedelta(days=5))
    db.session.commit()
    member = client_for(app, programme["members"]["София"].email)
    page = member.get(f"/survey/{round_.id}/").get_data(as_text=True)
    assert "5 days left." in page
    assert "City digital maturity <span class=\"hint\">(version 1)" in member.get("/survey/").text


def test_the_api_gives_the_derived_status_and_dates(app, programme, make_user):
    create_round("Бъдещ", "city-digital-maturity:1", opens_on=date(2099, 1, 1))
    db.session.commit()
    login_client = app.test_client()
    login(login_client, "coordinator@dmat.example")
    rounds = login_client.get("/api/v1/rounds").json
    assert rounds[0]["status"] == "planned" and rounds[0]["opens_on"] == "2099-01-01"
    assert rounds[0]["closes_on"] is None


def test_a_response_file_names_a_city_not_taking_part_and_stores_nothing(app, programme):
    from assessment.admin.operations import import_responses
    from assessment.admin.response_files import read_response_file

    cities = programme["cities"]
    round_ = create_round("Избрани", "city-digital-maturity:1", cities=[cities["София"]])
    db.session.commit()
    text = (
        "city,respondent,question,answer\n"
        "софия,ана@sofia.example,vision_strategy,3\n"
        "αθήνα,ελένη@athens.example,vision_strategy,4\n"
    )
    with pytest.raises(DmatError) as refused:
        import_responses(round_, read_response_file(text.encode(), "a.csv"), "a.csv")
    db.session.rollback()
    assert refused.value.problems == [
        "a.csv:3: Αθήνα does not take part in 'Избрани'; add it to the round's cities first"
    ]
    assert answers_stored() == 0


def test_the_demo_rounds_have_dates_and_every_capital_takes_part(app, demo):
    baseline, follow_up = round_named("2020 baseline"), round_named("2022 follow-up")
    assert (baseline.opens_on, baseline.closes_on) == (date(2020, 3, 2), date(2020, 6, 30))
    assert (follow_up.opens_on, follow_up.closes_on) == (date(2022, 3, 1), None)
    assert (baseline.phase, follow_up.phase) == (RoundPhase.CLOSED, RoundPhase.OPEN)
    assert baseline.all_cities and follow_up.all_cities
    coordinator = client_for(app, demo["coordinator"], DEMO_PASSWORD)
    page = coordinator.get("/compare/").get_data(as_text=True)
    assert "Closed on Jun 30, 2020." in page and "Open, with no closing date." in page
