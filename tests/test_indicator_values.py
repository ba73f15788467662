"""Indicator values: the import (command line), the writes behind the survey page, the readers
for the plan (rule 11) and for targets (rule 10)."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from assessment.admin.operations import import_questionnaire
from assessment.errors import DmatError
from assessment.extensions import db
from assessment.indicators import operations, queries
from assessment.models import (
    Assessment,
    AssessmentStatus,
    AuditEvent,
    IndicatorValue,
    Role,
    Round,
    RoundStatus,
    utcnow,
)
from questionnaires import BUNDLED_WITH_INDICATORS, load_questionnaire_file


@functools.cache
def indicator_definition():
    return load_questionnaire_file(BUNDLED_WITH_INDICATORS)


@pytest.fixture
def indicator_questionnaire(app):
    questionnaire, _ = import_questionnaire(indicator_definition())
    db.session.commit()
    return questionnaire


@pytest.fixture
def world(app, indicator_questionnaire, make_city):
    """Two rounds on version 2, three cities; Sofia and Θεσσαλονίκη in both rounds, Пловдив in
    the second only, Zagreb in none."""
    base = Round(name="2020 baseline", questionnaire=indicator_questionnaire)
    base.created_at = utcnow() - timedelta(days=700)
    follow = Round(name="2022 follow-up", questionnaire=indicator_questionnaire)
    db.session.add_all([base, follow])
    places = (("София", "BG"), ("Θεσσαλονίκη", "GR"), ("Пловдив", "BG"), ("Zagreb", "HR"))
    cities = {name: make_city(name, country) for name, country in places}
    taking_part = {base: ("София", "Θεσσαλονίκη"), follow: ("София", "Θεσσαλονίκη", "Пловдив")}
    for round_, names in taking_part.items():
        for name in names:
            db.session.add(Assessment(round=round_, city=cities[name]))
    db.session.commit()
    return base, follow, cities


@pytest.fixture
def in_request(app):
    """Pages call the writes inside a request (their messages are in the page's language)."""
    with app.test_request_context():
        yield


def csv_file(tmp_path, text: str, name: str = "values.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def stored_count() -> int:
    return db.session.scalar(select(func.count()).select_from(IndicatorValue))


def test_a_good_file_is_imported_and_a_second_run_replaces(world, dmat, tmp_path):
    good = csv_file(
        tmp_path,
        "city,indicator,value,source,as_of\n"
        "софия,services_online,45,Каталог на услугите,2022-06-30\n"
        "СОФИЯ,building_permit_days,60,Регистър,\n"
        'Θεσσαλονίκη,open_datasets,37,=HYPERLINK("http://evil.example"),2022-05-01\n'
        'Пловдив,online_satisfaction,"3,8",<b>анкета</b>,2022-03-31\n',
    )
    done = dmat("indicators", "import", "--round", "2022 follow-up", good)
    assert done.exit_code == 0, done.output
    assert done.output == (
        "Imported 4 indicator values for 3 cities into '2022 follow-up': 4 new, 0 replaced.\n"
    )
    stored = {
        (v.assessment.city.name, v.indicator.key): (v.value, v.source, v.as_of)
        for v in db.session.scalars(select(IndicatorValue))
    }
    assert stored == {
        ("София", "services_online"): (45.0, "Каталог на услугите", date(2022, 6, 30)),
        ("София", "building_permit_days"): (60.0, "Регистър", None),
        ("Θεσσαλονίκη", "open_datasets"):
            (37.0, '=HYPERLINK("http://evil.example")', date(2022, 5, 1)),
        ("Пловдив", "online_satisfaction"): (3.8, "<b>анкета</b>", date(2022, 3, 31)),
    }  # fmt: skip
    again = csv_file(
        tmp_path,
        "city,indicator,value\nSofia,services_online,50\n".replace("Sofia", "София"),
        "again.csv",
    )
    done = dmat("indicators", "import", "--round", "2022 follow-up", again)
    assert done.output == (
        "Imported 1 indicator value for 1 city into '2022 follow-up': 0 new, 1 replaced.\n"
    )
    assert stored_count() == 4
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "indicators_imported")
    ).all()
    assert len(event) == 2


def test_every_wrong_line_is_named_and_nothing_is_stored(world, dmat, tmp_path):
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    bad = csv_file(
        tmp_path,
        "city,indicator,value,source,as_of\n"
        "София,services_online,45,ok,2022-06-30\n"  # fine, but not stored: the file is refused
        "София,services_online,101,ok,\n"
        "София,open_datasets,2.5,,\n"
        "София,online_satisfaction,0,,\n"
        "София,no_such_thing,1,,\n"
        "София,building_permit_days,30,,30.06.2022\n"
        f"София,staff_trained,30,,{tomorrow}\n"
        "Zagreb,services_online,10,,\n"
        "Atlantis,services_online,10,,\n"
        "Θεσσαλονίκη,outage_hours,12345678901234567890,,\n"
        "Θεσσαλονίκη,eid_services,nan,,\n"
        "Θεσσαλονίκη,eid_services,50,,\n"
        "Θεσσαλονίκη,eid_services,60,,\n",
    )
    done = dmat("indicators", "import", "--round", "2022 follow-up", bad)
    assert done.exit_code == 1
    lines = done.output.splitlines()
    assert lines[-1] == f"Error: {bad}: 11 problems; nothing was imported"
    assert lines[:-1] == [
        f"{bad}:3: value of services_online: 101 is outside the range 0 to 100",
        f"{bad}:4: value of open_datasets: '2.5' is not a whole number",
        f"{bad}:5: value of online_satisfaction: 0 is outside the range 1 to 5",
        f"{bad}:6: unknown indicator 'no_such_thing' (indicators of city-digital-maturity:2: "
        + ", ".join(i.key for i in indicator_definition().indicators)
        + ")",
        f"{bad}:7: as_of of building_permit_days: '30.06.2022' is not a date of the form"
        " YYYY-MM-DD",
        f"{bad}:8: as_of of staff_trained: {tomorrow} is not a date from 1990-01-01 to today"
        f" ({date.today().isoformat()})",
        f"{bad}:9: Zagreb is not in the round '2022 follow-up' (it has no assessment there yet)",
        f"{bad}:10: unknown city 'Atlantis' (add it with dmat city add)",
        f"{bad}:11: value of outage_hours: '12345678901234567890' is not a number (write digits,"
        " with a point or a comma for decimals and no thousands separators; at most 15 digits"
        " before the decimal separator)",
        f"{bad}:12: value of eid_services: 'nan' is not a number (write digits, with a point or"
        " a comma for decimals and no thousands separators; at most 15 digits before the"
        " decimal separator)",
        f"{bad}:14: a second value of eid_services for Θεσσαλονίκη (first on line 13)",
    ]
    assert stored_count() == 0


def test_submitted_or_closed_is_refused(world, dmat, tmp_path):
    base, follow, cities = world
    base_id = base.id
    assessment = db.session.scalar(
        select(Assessment).where(
            Assessment.round_id == follow.id, Assessment.city_id == cities["София"].id
        )
    )
    assessment.status, assessment.submitted_at = AssessmentStatus.SUBMITTED, utcnow()
    db.session.commit()
    good = csv_file(tmp_path, "city,indicator,value\nСофия,services_online,40\n")
    done = dmat("indicators", "import", "--round", "2022 follow-up", good)
    assert done.exit_code == 1
    assert done.output.splitlines()[0] == (
        f"{good}:2: the assessment of София in '2022 follow-up' is submitted, so its indicator"
        " values are locked; reopen it before importing"
    )
    db.session.get(Round, base_id).status = RoundStatus.CLOSED
    db.session.commit()
    done = dmat("indicators", "import", "--round", "2020 baseline", good)
    assert (
        done.output == f"Error: {good}: the round '2020 baseline' is closed; nothing was imported\n"
    )
    header = csv_file(tmp_path, "city,indicator,amount\n", "header.csv")
    done = dmat("indicators", "import", "--round", "2022 follow-up", header)
    assert done.output == (
        f"Error: {header}:1: the header must be city,indicator,value[,source[,as_of]], not"
        " city,indicator,amount\n"
    )
    assert stored_count() == 0


def value_of(round_: Round, city, key: str) -> IndicatorValue | None:
    return db.session.scalar(
        select(IndicatorValue)
        .join(Assessment, IndicatorValue.assessment_id == Assessment.id)
        .where(Assessment.round_id == round_.id, Assessment.city_id == city.id)
        .where(IndicatorValue.indicator.has(key=key))
    )


def test_the_leader_saves_values_and_a_wrong_field_stores_nothing(world, make_user, in_request):
    _base, follow, cities = world
    sofia = cities["София"]
    leader = make_user("лидер@sofia.example", Role.LEADER, sofia)
    member = make_user("член@sofia.example", Role.RESPONDENT, sofia)
    posted = {
        "services_online": ("45,5", "Каталог", "2022-06-30"),
        "open_datasets": ("12", "", ""),
    }
    with pytest.raises(operations.IndicatorRefused) as refused:
        operations.save_values(follow, sofia.id, posted, member)
    assert refused.value.code == "not_allowed"
    summary = operations.save_values(follow, sofia.id, posted, leader)
    db.session.commit()
    assert (summary.saved, summary.removed) == (2, 0)
    assert value_of(follow, sofia, "services_online").value == 45.5
    wrong = {
        "services_online": ("50", "ok", ""),
        "open_datasets": ("-1", "", ""),
        "staff_trained": ("30", "x" * 501, "2022-13-01"),
    }
    with pytest.raises(operations.IndicatorFormProblems) as refused:
        operations.save_values(follow, sofia.id, wrong, leader)
    assert set(refused.value.fields) == {("open_datasets", "value"), ("staff_trained", "source")}
    db.session.rollback()
    assert value_of(follow, sofia, "services_online").value == 45.5  # unchanged
    # an empty row removes the value; a member named by the leader may then enter values
    operations.name_editor(follow, sofia.id, member, leader)
    summary = operations.save_values(follow, sofia.id, {"open_datasets": ("", "", "")}, member)
    assert (summary.saved, summary.removed) == (0, 1)
    assert operations.indicator_editor(operations.city_assessment(follow, sofia.id)) == member
    operations.name_editor(follow, sofia.id, None, leader)
    with pytest.raises(operations.IndicatorRefused):
        operations.save_values(follow, sofia.id, posted, member)
    with pytest.raises(operations.IndicatorRefused):
        operations.name_editor(follow, sofia.id, member, member)


def test_values_lock_with_the_assessment_and_reopen_with_it(world, make_user, in_request):
    _base, follow, cities = world
    sofia = cities["София"]
    leader = make_user("лидер@sofia.example", Role.LEADER, sofia)
    assessment = operations.city_assessment(follow, sofia.id)
    assessment.status, assessment.submitted_at = AssessmentStatus.SUBMITTED, utcnow()
    db.session.commit()
    with pytest.raises(operations.IndicatorRefused) as refused:
        operations.save_values(follow, sofia.id, {"open_datasets": ("3", "", "")}, leader)
    assert refused.value.code == "submitted"
    assessment.status, assessment.submitted_at = AssessmentStatus.IN_PROGRESS, None
    db.session.commit()
    operations.save_values(follow, sofia.id, {"open_datasets": ("3", "", "")}, leader)
    assert value_of(follow, sofia, "open_datasets").value == 3.0


def test_a_city_without_an_assessment_gets_one_when_its_leader_saves(world, make_user, in_request):
    _base, follow, cities = world
    zagreb = cities["Zagreb"]
    leader = make_user("voditelj@zagreb.example", Role.LEADER, zagreb)
    operations.save_values(follow, zagreb.id, {"open_datasets": ("7", "portal", "")}, leader)
    db.session.commit()
    assert operations.city_assessment(follow, zagreb.id) is not None
    assert value_of(follow, zagreb, "open_datasets").source == "portal"


def put(round_: Round, city, key: str, value: float, source: str | None = None) -> None:
    assessment = operations.city_assessment(round_, city.id)
    indicator = next(i for i in operations.round_indicators(round_) if i.key == key)
    db.session.add(
        IndicatorValue(assessment=assessment, indicator=indicator, value=value, source=source)
    )
    db.session.commit()


def test_plan_indicators_follow_rule_11(world):
    base, follow, cities = world
    sofia, thessaloniki, plovdiv = cities["София"], cities["Θεσσαλονίκη"], cities["Пловдив"]
    put(base, sofia, "building_permit_days", 90.0, "Регистър 2020")
    put(follow, sofia, "building_permit_days", 60.0, "Регистър 2022")  # lower is better
    put(base, sofia, "open_datasets", 40.0)
    put(follow, sofia, "open_datasets", 35.0)  # worsened
    put(base, sofia, "staff_trained", 20.0)  # missing in the new round
    put(follow, sofia, "services_online", 45.0, "<i>каталог</i>")  # only in the new round
    put(base, thessaloniki, "eid_services", 50.0)
    put(follow, thessaloniki, "eid_services", 50.0)
    assert queries.plan_indicators(sofia) == [
        {"key": "staff_trained", "round": "2020 baseline", "value": 20.0, "previous": None,
         "change": None, "trend": None, "source": None},
        {"key": "services_online", "round": "2022 follow-up", "value": 45.0, "previous": None,
         "change": None, "trend": None, "source": "<i>каталог</i>"},
        {"key": "building_permit_days", "round": "2022 follow-up", "value": 60.0,
         "previous": {"round": "2020 baseline", "value": 90.0}, "change": -30.0,
         "trend": "improved", "source": "Регистър 2022"},
        {"key": "open_datasets", "round": "2022 follow-up", "value": 35.0,
         "previous": {"round": "2020 baseline", "value": 40.0}, "change": -5.0,
         "trend": "worsened", "source": None},
    ]  # fmt: skip
    (unchanged,) = queries.plan_indicators(thessaloniki)
    assert (unchanged["change"], unchanged["trend"]) == (0.0, "unchanged")
    assert queries.plan_indicators(plovdiv) == []


def test_the_latest_value_after_a_baseline_round(world, indicator_questionnaire):
    base, follow, cities = world
    sofia = cities["София"]
    put(base, sofia, "open_datasets", 40.0)
    assert queries.latest_value_after(sofia, "open_datasets", base) is None
    put(follow, sofia, "open_datasets", 35.0)
    latest = queries.latest_value_after(sofia, "open_datasets", base)
    assert (latest.round_name, latest.value) == ("2022 follow-up", 35.0)
    assert queries.latest_value_after(sofia, "open_datasets", follow) is None
    # a later round without a value does not hide the one before it
    later = Round(name="2024 check", questionnaire=indicator_questionnaire)
    later.created_at = utcnow() + timedelta(days=1)
    db.session.add(later)
    db.session.add(Assessment(round=later, city=sofia))
    db.session.commit()
    assert queries.latest_value_after(sofia, "open_datasets", base).round_name == "2022 follow-up"
    put(later, sofia, "open_datasets", 50.0)
    assert queries.latest_value_after(sofia, "open_datasets", base).value == 50.0
    assert queries.latest_value_after(sofia, "open_datasets", follow).value == 50.0
    assert queries.latest_value_after(sofia, "no_such", base) is None


def test_an_empty_file_is_refused(world, tmp_path):
    _base, follow, _cities = world
    with pytest.raises(DmatError, match="no indicator values to import"):
        operations.import_values(follow, [], "empty.csv")


def test_a_value_stored_by_another_request_meanwhile_is_a_clear_refusal(
    world, make_user, in_request
):
    _base, follow, cities = world
    sofia = cities["София"]
    leader = make_user("лидер@sofia.example", Role.LEADER, sofia)
    assessment = operations.city_assessment(follow, sofia.id)
    indicator = next(i for i in operations.round_indicators(follow) if i.key == "open_datasets")
    # what this request read: no value yet; what the other request then stored
    stored_before = operations.stored_values(assessment)
    assert stored_before == {}
    other = IndicatorValue(assessment_id=assessment.id, indicator_id=indicator.id, value=5.0)
    db.session.add(other)
    db.session.flush()
    db.session.expunge(other)  # this request's session does not know it
    original = operations.stored_values
    operations.stored_values = lambda _assessment: stored_before
    try:
        with pytest.raises(operations.IndicatorRefused) as refused:
            operations.save_values(follow, sofia.id, {"open_datasets": ("6", "", "")}, leader)
    finally:
        operations.stored_values = original
    assert refused.value.code == "conflict"
