"""Targets for success indicators on the pages, on the demo programme: the leader sets one on
the results page's target form, and finds it with its latest value and status on the plan page,
in the results page's "Success indicators" table and in the city report (its indicators table and
its roadmap)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from assessment.demo import DEMO_PASSWORD
from assessment.extensions import db
from assessment.lookups import city_named, round_named
from assessment.models import Assessment, Indicator, IndicatorValue, Target, TargetKind
from tests.conftest import CSRF_INPUT, login

KEY = "building_permit_days"  # days, lower is better


def _value(city_id: int, round_name: str) -> float:
    return db.session.scalar(
        select(IndicatorValue.value)
        .join(Assessment, IndicatorValue.assessment_id == Assessment.id)
        .join(Indicator, IndicatorValue.indicator_id == Indicator.id)
        .where(
            Assessment.city_id == city_id,
            Assessment.round_id == round_named(round_name).id,
            Indicator.key == KEY,
        )
    )


def _row(page: str, marker: str) -> str:
    """The table row of ``page`` that holds ``marker``."""
    at = page.index(marker)
    return page[page.rindex("<tr", 0, at) : page.index("</tr>", at)]


@pytest.fixture
def sofia(client, no_plans):
    city, round_ = city_named("Sofia"), round_named("2020 baseline")
    login(client, "leader@sofia.example", DEMO_PASSWORD)
    return city, round_


def _post(client, city, round_, **fields):
    results = f"/results/{round_.id}/{city.id}"
    page = client.get(results).get_data(as_text=True)
    form = {"csrf_token": CSRF_INPUT.search(page).group(1)} | fields
    done = client.post(f"/plan/{city.id}/targets/{round_.id}", data=form)
    assert done.status_code == 302
    return client.get(results).get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("123456789012345678901", "is not a number"),
        ("=1+1", "is not a number"),
        ("NaN", "is not a number"),
        ("-3", "is outside the range 0 to 100 000"),
        ("<b>9</b>", "is not a number"),
    ],
)
def test_a_hostile_indicator_target_is_refused_naming_the_indicator(client, sofia, typed, words):
    city, round_ = sofia
    page = _post(client, city, round_, **{f"indicator-{KEY}": typed,
                                          f"due-indicator-{KEY}": "2030-06-30"})  # fmt: skip
    assert "The target for “Median days to issue a building permit”" in page and words in page
    assert "<b>9</b>" not in page
    assert db.session.scalars(select(Target)).all() == []


def test_the_leader_sets_an_indicator_target_and_finds_it_with_its_status(client, sofia):
    city, round_ = sofia
    before, after = _value(city.id, "2020 baseline"), _value(city.id, "2022 follow-up")
    assert before is not None and after is not None
    target = max(before, after) + 1  # lower is better: the follow-up's value meets it
    page = _post(client, city, round_, **{
        f"indicator-{KEY}": f"{target:g}".replace(".", ","), f"due-indicator-{KEY}": "2030-06-30",
    })  # fmt: skip
    assert "Targets saved: 1 set or changed, 0 removed." in page
    (stored,) = db.session.scalars(select(Target)).all()
    assert (stored.kind, stored.key, stored.value, stored.due_on) == (
        TargetKind.INDICATOR, KEY, target, date(2030, 6, 30)
    )
    # the results page: the targets table and the success indicators' target and status
    targets = page[page.index('id="targets"') :]
    row = _row(targets, "Median days to issue a building permit")
    assert "met" in row and "days" in row
    indicators = page[page.index('id="indicators-heading"') :]
    row = _row(indicators, "Median days to issue a building permit")
    assert re.search(r'class="target-status met">met<', row) and "2022 follow-up" in row
    # the form shows the target set
    assert f'name="indicator-{KEY}"' in page
    # the plan page
    plan = client.get(f"/plan/{city.id}").get_data(as_text=True)
    row = _row(plan, "Median days to issue a building permit")
    assert "2020 baseline" in row and "met" in row and "2022 follow-up" in row
    # a target nothing reaches yet, due in the future: open; blank removes it
    page = _post(client, city, round_, **{
        f"indicator-{KEY}": "0", f"due-indicator-{KEY}": "2099-06-30",
    })  # fmt: skip
    indicators = page[page.index('id="indicators-heading"') :]
    row = _row(indicators, "Median days to issue a building permit")
    assert 'class="target-status open"' in row
    page = _post(client, city, round_, **{f"indicator-{KEY}": "", f"due-indicator-{KEY}": ""})
    assert db.session.scalars(select(Target)).all() == []


def test_in_bulgarian_the_form_and_a_refusal_speak_bulgarian(client, sofia):
    city, round_ = sofia
    home = client.get(f"/results/{round_.id}/{city.id}").get_data(as_text=True)
    client.post("/language", data={"language": "bg", "next": "/",
                                   "csrf_token": CSRF_INPUT.search(home).group(1)})  # fmt: skip
    page = _post(client, city, round_, **{f"indicator-{KEY}": "=1+1",
                                          f"due-indicator-{KEY}": "2030-06-30"})  # fmt: skip
    assert '<html lang="bg">' in page
    assert "Задайте целева стойност и краен срок за всеки показател за успех" in page
    assert "Целта за „Медиана на дните за издаване на разрешение за строеж“" in page
    assert "The target for" not in page and "Target value" not in page
    page = _post(client, city, round_, **{f"indicator-{KEY}": "1",
                                          f"due-indicator-{KEY}": "2099-06-30"})  # fmt: skip
    indicators = page[page.index('id="indicators-heading"') :]
    row = _row(indicators, "Медиана на дните за издаване на разрешение за строеж")
    assert "Състояние на целта" in indicators and "до " in row and "2099" in row


def test_the_city_report_roadmap_lists_an_indicator_target_in_its_unit(
    app, no_plans, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "REPORT_CACHE_DIR", str(tmp_path / "cache"))
    from reports.render import city_report

    from .test_reports import flat, pdf_text

    city, baseline = city_named("Helsinki"), round_named("2020 baseline")
    after = _value(city.id, "2022 follow-up")
    db.session.add(
        Target(city_id=city.id, baseline_round_id=baseline.id, kind=TargetKind.INDICATOR,
               key=KEY, value=after + 1, due_on=date(2099, 1, 1))
    )  # fmt: skip
    db.session.commit()
    report = city_report(round_named("2022 follow-up"), city, "en")
    words = flat(pdf_text(report.pdf)[0])
    roadmap = words[words.index("Roadmap") :]
    assert "Median days to issue a building permit" in roadmap
    assert f"{after + 1:g} days" in roadmap and "met" in roadmap
    # the success indicators table says it too, with the target's due date
    table = words[words.index("Success indicators") : words.index("Roadmap")]
    assert "Target status" in table and f"{after + 1:g} days (by " in table and "met" in table


def test_demo_cities_have_indicator_targets_met_open_and_missed(demo):
    from assessment.plan.queries import plan_json

    plans = plan_json()
    with_targets = [
        p for p in plans if any(t["kind"] == "indicator" for t in p["targets"])
    ]
    assert 0 < len(with_targets) < len(plans)  # some cities, not all
    directions = {i.key: i.direction for i in db.session.scalars(select(Indicator))}
    statuses = set()
    for plan in with_targets:
        for t in (t for t in plan["targets"] if t["kind"] == "indicator"):
            assert t["baseline"]["round"] == "2020 baseline" and t["latest"], plan["city"]
            latest, target = t["latest"]["value"], t["target"]
            reached = latest >= target if directions[t["key"]] == "higher" else latest <= target
            assert (t["status"] == "met") == reached, (plan["city"], t)
            statuses.add(t["status"])
    assert statuses == {"met", "open", "missed"}
