"""The "Success indicators" table on the city's results page and in its PDF (rule 11)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from assessment.extensions import db
from assessment.indicators import operations
from assessment.indicators.queries import indicator_table
from assessment.models import IndicatorValue, Role, Round, utcnow
from assessment.presentation import indicator_input, indicator_value_text
from reports.render import city_report

from .conftest import login
from .test_indicator_page import HOSTILE
from .test_indicator_values import indicator_questionnaire  # noqa: F401  (a fixture)
from .test_reports import assess, flat, pdf_text


@pytest.fixture
def two_rounds(app, indicator_questionnaire, make_city, make_user):  # noqa: F811
    base = Round(name="2020 baseline", questionnaire=indicator_questionnaire)
    base.created_at = utcnow() - timedelta(days=700)
    follow = Round(name="2022 follow-up", questionnaire=indicator_questionnaire)
    db.session.add_all([base, follow])
    db.session.commit()
    city = make_city("Пловдив", "BG")
    leader = make_user("лидер@plovdiv.example", Role.LEADER, city)
    a = assess(base, city)
    b = assess(follow, city)
    by_key = {i.key: i for i in operations.round_indicators(follow)}
    for assessment, key, value, source in (
        (a, "building_permit_days", 90.0, "Регистър 2020"),
        (b, "building_permit_days", 60.0, "Регистър 2022"),  # lower is better: improved
        (a, "open_datasets", 40.0, None),
        (b, "open_datasets", 35.0, HOSTILE),  # worsened
        (a, "staff_trained", 20.0, None),  # not in the new round
        (b, "services_online", 45.5, "Каталог"),  # only in the new round
        (a, "eid_services", 50.0, None),
        (b, "eid_services", 50.0, None),  # unchanged
    ):
        db.session.add(
            IndicatorValue(
                assessment=assessment,
                indicator=by_key[key],
                value=value,
                source=source,
                as_of=date(2022, 6, 30) if assessment is b else None,
            )
        )
    db.session.commit()
    return base, follow, city, leader


def test_the_table_follows_rule_11(two_rounds):
    base, follow, city, _leader = two_rounds
    rows = {row.indicator.key: row for row in indicator_table(follow, city.id)}
    assert len(rows) == 11
    assert (rows["building_permit_days"].change, rows["building_permit_days"].trend) == (
        -30.0, "improved"
    )  # fmt: skip
    assert (rows["open_datasets"].change, rows["open_datasets"].trend) == (-5.0, "worsened")
    assert (rows["eid_services"].change, rows["eid_services"].trend) == (0.0, "unchanged")
    staff = rows["staff_trained"]
    assert (staff.value, staff.previous, staff.previous_round, staff.trend) == (
        None, 20.0, "2020 baseline", None
    )  # fmt: skip
    online = rows["services_online"]
    assert (online.value, online.previous, online.change) == (45.5, None, None)
    first = {row.indicator.key: row for row in indicator_table(base, city.id)}
    assert first["building_permit_days"].previous is None  # nothing before the first round



def test_rounds_are_ordered_by_their_opening_dates(two_rounds):
    """Rule 10's order: opening dates first. Give the baseline, created 700 days earlier, an
    opening date after the follow-up's, and the two swap places."""
    from assessment.indicators.queries import latest_value_after, plan_indicators

    base, follow, city, _leader = two_rounds
    base.opens_on, follow.opens_on = date(2023, 3, 1), date(2022, 3, 1)
    db.session.commit()
    rows = {row.indicator.key: row for row in indicator_table(base, city.id)}
    assert rows["building_permit_days"].previous_round == "2022 follow-up"
    assert (rows["building_permit_days"].change, rows["building_permit_days"].trend) == (
        30.0, "worsened"
    )  # fmt: skip
    assert latest_value_after(city, "building_permit_days", base) is None
    later = latest_value_after(city, "building_permit_days", follow)
    assert (later.round_name, later.value) == ("2020 baseline", 90.0)
    permits = next(i for i in plan_indicators(city) if i["key"] == "building_permit_days")
    assert permits["round"] == "2020 baseline" and permits["trend"] == "worsened"

def test_the_results_page_shows_the_table_in_both_languages(two_rounds, client):
    _base, follow, city, leader = two_rounds
    assert login(client, leader.email).status_code == 302
    page = client.get(f"/results/{follow.id}/{city.id}").get_data(as_text=True)
    assert "Success indicators" in page
    assert '<span class="trend trend-improved">-30.0 · improved</span>' in page
    assert '<span class="trend trend-worsened">-5.0 · worsened</span>' in page
    assert "±0.0 · unchanged" in page
    assert "45.5 %" in page and "60 days" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    leader.language = "bg"
    db.session.commit()
    page = client.get(f"/results/{follow.id}/{city.id}").get_data(as_text=True)
    assert "Показатели за успех" in page and "подобрение" in page and "влошаване" in page
    assert "60 дни" in page and "45,5 %" in page


def test_the_city_pdf_has_the_table(two_rounds):
    _base, follow, city, _leader = two_rounds
    text, _pages = pdf_text(city_report(follow, city, "en", use_cache=False).pdf)
    words = flat(text)
    assert "Success indicators" in words
    assert "-30.0 improved" in words and "-5.0 worsened" in words and "unchanged" in words
    assert "Регистър 2022" in words
    # the source is printed as text (long ones wrap, so compare without the breaks)
    assert '<script>alert(1)</script>=HYPERLINK("http://evil.example")' in words.replace(" ", "")
    text_bg, _ = pdf_text(city_report(follow, city, "bg", use_cache=False).pdf)
    assert "Показатели за успех" in flat(text_bg) and "подобрение" in flat(text_bg)


def test_a_round_without_indicators_shows_no_table(app, make_round, make_city):
    round_ = make_round("2019 pilot")
    city = make_city("Αθήνα", "GR")
    assess(round_, city, submitted=True)
    assert indicator_table(round_, city.id) == []
    text, _ = pdf_text(city_report(round_, city, "en", use_cache=False).pdf)
    assert "Success indicators" not in text


@pytest.mark.parametrize(
    ("value", "unit", "text", "field"),
    [
        (45.5, "percent", "45.5 %", "45.5"),
        (37.0, "count", "37", "37"),
        (1250000.0, "eur", "1,250,000 EUR", "1250000"),
        (4.25, "rating", "4.2 / 5", "4.25"),
        (1.0, "days", "1 day", "1"),
        (1e12, "number", "1,000,000,000,000", "1000000000000"),
        (None, "days", "–", ""),
    ],
)
def test_values_are_shown_with_their_unit(app, value, unit, text, field):
    with app.test_request_context():
        assert indicator_value_text(value, unit) == text
        assert indicator_input(value) == field
