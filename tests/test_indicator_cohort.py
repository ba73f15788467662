"""Indicators across cities: the coordinator's view, its statistics and threshold (rule 11),
the chart data, the progress page, and a query count that does not grow with the cities."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from assessment.charts import indicator_chart
from assessment.extensions import db
from assessment.indicators import operations
from assessment.indicators.cohort import (
    city_facing_statistics,
    indicator_round_progress,
    round_indicator_values,
)
from assessment.models import IndicatorValue, Role, Round, utcnow

from .conftest import login
from .test_indicator_values import indicator_questionnaire  # noqa: F401  (a fixture)
from .test_reports import assess

CITIES = (("София", "BG", True), ("Θεσσαλονίκη", "GR", True), ("Пловдив", "BG", True),
          ("<b>Zagreb</b>", "HR", False))  # fmt: skip


@pytest.fixture
def cohort(app, indicator_questionnaire, make_city, make_user):  # noqa: F811
    base = Round(name="2020 baseline", questionnaire=indicator_questionnaire)
    base.created_at = utcnow() - timedelta(days=700)
    follow = Round(name="2022 follow-up", questionnaire=indicator_questionnaire)
    db.session.add_all([base, follow])
    db.session.commit()
    coordinator = make_user("coordinator@dmat.example", Role.COORDINATOR)
    assessments = {}
    for name, country, submitted in CITIES:
        city = make_city(name, country)
        assessments[name] = (assess(base, city), assess(follow, city, submitted=submitted))
    by_key = {i.key: i for i in operations.round_indicators(follow)}

    def put(name, index, key, value):
        db.session.add(
            IndicatorValue(assessment=assessments[name][index], indicator=by_key[key], value=value)
        )

    for name, value in (("София", 40.0), ("Θεσσαλονίκη", 55.0), ("Пловдив", 70.0)):
        put(name, 1, "open_datasets", value)
    put("София", 0, "open_datasets", 50.0)  # worsened
    put("Θεσσαλονίκη", 0, "open_datasets", 20.0)  # improved
    # a cohort of 2 (Zagreb is in progress, so not in the cohort): hidden from cities
    for name, value in (("София", 30.0), ("Θεσσαλονίκη", 45.0), ("<b>Zagreb</b>", 99.0)):
        put(name, 1, "services_online", value)
    put("Пловдив", 0, "building_permit_days", 80.0)
    put("Пловдив", 1, "building_permit_days", 80.0)  # unchanged
    db.session.commit()
    return base, follow, coordinator


def test_statistics_over_the_cohort_and_the_city_threshold(cohort):
    _base, follow, _coordinator = cohort
    found = round_indicator_values(follow)
    assert found.statistics["open_datasets"] == {
        "n": 3, "min": 40.0, "q1": 47.5, "median": 55.0, "q3": 62.5, "max": 70.0
    }  # fmt: skip
    assert found.statistics["services_online"]["n"] == 2  # Zagreb's 99 is not in it
    assert found.statistics["services_online"]["max"] == 45.0
    assert found.shown_to_cities("open_datasets") and not found.shown_to_cities("services_online")
    seen = city_facing_statistics(found)
    assert seen["services_online"] == {
        "n": 2, "min": None, "q1": None, "median": None, "q3": None, "max": None
    }  # fmt: skip
    assert seen["open_datasets"] == found.statistics["open_datasets"]
    assert found.statistics["staff_trained"]["n"] == 0


def test_the_chart_data_has_the_cohort_values_as_plain_text(cohort):
    _base, follow, _coordinator = cohort
    found = round_indicator_values(follow)
    chart = indicator_chart(
        [(i.key, i.title["en"], i.unit, i.direction) for i in found.indicators],
        found.cohort_values,
        found.statistics,
    ).as_dict()
    services = next(d for d in chart["indicators"] if d["key"] == "services_online")
    assert services["names"] == ["Θεσσαλονίκη", "София"] and services["values"] == [45.0, 30.0]
    assert services["statistics"]["n"] == 2


def test_the_progress_between_rounds(cohort):
    base, follow, _coordinator = cohort
    rows = {row.indicator.key: row for row in indicator_round_progress(base, follow)}
    datasets = rows["open_datasets"]
    assert (datasets.cities, datasets.improved, datasets.worsened, datasets.unchanged) == (
        2, 1, 1, 0
    )  # fmt: skip
    assert datasets.median_change == 12.5  # (-10 + 35) / 2
    permits = rows["building_permit_days"]
    assert (permits.cities, permits.unchanged, permits.median_change) == (1, 1, 0.0)
    assert rows["staff_trained"].cities == 0


def test_the_coordinator_pages(cohort, client):
    base, follow, coordinator = cohort
    assert login(client, coordinator.email).status_code == 302
    page = client.get(f"/compare/rounds/{follow.id}/indicators")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "no: fewer than 3 cities" in text and "&lt;b&gt;Zagreb&lt;/b&gt;" in text
    assert "<b>Zagreb</b>" not in text.split('id="indicator-data"')[0]
    progress = client.get(f"/compare/progress?before={base.id}&after={follow.id}")
    assert "Median change" in progress.get_data(as_text=True)


def count_queries(function) -> int:
    statements = []

    def before(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        function()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(statements)


def test_the_query_count_does_not_grow_with_the_cities(cohort, make_city):
    _base, follow, _coordinator = cohort
    db.session.expire_all()
    few = count_queries(lambda: round_indicator_values(follow))
    for n in range(30):
        assess(follow, make_city(f"Ciudad {n}", "ES"), respondents=1)
    db.session.expire_all()
    assert count_queries(lambda: round_indicator_values(follow)) == few
