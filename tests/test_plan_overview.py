"""The coordinators' plans overview of a round, its exports and its API, on the demo programme:
counts that agree with the city plans, sorting and filtering, a query count that does not grow
with the cities."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime

from sqlalchemy import event

from assessment.demo import DEMO_PASSWORD
from assessment.extensions import db
from assessment.lookups import city_named, round_named
from assessment.models import Action, ActionStatus, Target, TargetKind
from assessment.plan.overview import plans_overview
from tests.conftest import login

HOSTILE = "=cmd|' /C calc'!A0 <i>Ω</i>"


def give_plan(city_name: str, actions: list[tuple[ActionStatus, date | None]], met: bool) -> None:
    city, baseline = city_named(city_name), round_named("2020 baseline")
    db.session.add(
        Target(city_id=city.id, baseline_round_id=baseline.id, kind=TargetKind.AREA, key="data",
               value=0.0 if met else 100.0, due_on=date(2099, 1, 1))
    )  # fmt: skip
    for status, due in actions:
        db.session.add(Action(city_id=city.id, title=HOSTILE, areas=[], questions=[],
                              status=status, due_on=due))  # fmt: skip
    db.session.commit()


def test_the_overview_counts_each_city_s_plan(no_plans):
    give_plan("Sofia", [(ActionStatus.DONE, None), (ActionStatus.IN_PROGRESS, date(2020, 1, 1)),
                        (ActionStatus.DROPPED, date(2020, 1, 1))], met=True)  # fmt: skip
    give_plan("Amsterdam", [(ActionStatus.PLANNED, date(2099, 1, 1))], met=False)
    rows = {r.city.name: r for r in plans_overview(round_named("2020 baseline"))}
    assert rows["Sofia"].targets == {"met": 1, "open": 0, "missed": 0}
    assert rows["Sofia"].actions == {"total": 3, "planned": 0, "in_progress": 1, "done": 1,
                                     "dropped": 1, "overdue": 1}  # fmt: skip
    assert rows["Amsterdam"].targets == {"met": 0, "open": 1, "missed": 0}
    assert rows["Sofia"].last_update is not None and rows["Helsinki"].last_update is None
    assert rows["Helsinki"].actions["total"] == 0
    ordered = plans_overview(round_named("2020 baseline"), sort="actions_total", descending=True)
    assert [r.city.name for r in ordered[:2]] == ["Sofia", "Amsterdam"]
    only = plans_overview(round_named("2020 baseline"), country="BG")
    assert {r.city.country for r in only} == {"BG"}
    # the targets set on 2020 are not the 2022 round's
    later = {r.city.name: r for r in plans_overview(round_named("2022 follow-up"))}
    assert later["Sofia"].targets == {"met": 0, "open": 0, "missed": 0}


def count_queries(function) -> int:
    found = []
    listener = lambda *args: found.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        function()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(found)


def test_the_number_of_queries_does_not_grow_with_the_cities(no_plans):
    round_ = round_named("2020 baseline")
    give_plan("Sofia", [(ActionStatus.DONE, None)], met=True)
    db.session.expire_all()
    few = count_queries(lambda: plans_overview(round_))
    for name in ("Amsterdam", "Helsinki", "Lisbon", "Madrid"):
        give_plan(name, [(ActionStatus.PLANNED, None)] * 3, met=False)
    db.session.expire_all()
    assert count_queries(lambda: plans_overview(round_)) == few


def test_page_exports_and_api_show_it(client, no_plans):
    give_plan("Sofia", [(ActionStatus.DONE, None)], met=True)
    round_ = round_named("2020 baseline")
    login(client, "coordinator@dmat.example", DEMO_PASSWORD)
    page = client.get(f"/plan/rounds/{round_.id}?sort=targets_met&descending=y")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Plans of the cities" in text
    assert text.index(">Sofia<") < text.index(">Amsterdam<")
    api = client.get(f"/api/v1/rounds/{round_.id}/plans").get_json()
    sofia = next(row for row in api if row["city"] == "Sofia")
    assert sofia["targets"]["met"] == 1 and sofia["actions"]["done"] == 1
    assert datetime.fromisoformat(sofia["last_update"]).tzinfo == UTC
    export = client.get(f"/compare/rounds/{round_.id}/export.csv").data
    archive = zipfile.ZipFile(io.BytesIO(export))
    plans = archive.read("plans.csv").decode()
    assert plans.splitlines()[0].startswith("city,country,submitted,targets_met")
    assert any(line.startswith("Sofia,BG,yes,1,0,0,1,0,0,1,0,0,") for line in plans.splitlines())
    document = json.loads(client.get(f"/compare/rounds/{round_.id}/export.json").data)
    assert next(p for p in document["plans"] if p["city"] == "Sofia")["targets"]["met"] == 1
    # an action's title (hostile) never reaches the exports: they count, they do not list
    assert HOSTILE not in plans


def test_every_demo_city_has_a_plan(demo):
    from assessment.plan.queries import plan_json

    plans = plan_json()
    assert len(plans) == 21
    for plan in plans:
        statuses = {a["status"] for a in plan["actions"]}
        assert 4 <= len(plan["actions"]) <= 10, plan["city"]
        assert statuses == {"planned", "in_progress", "done", "dropped"}, plan["city"]
        assert plan["targets"] and all(t["latest"] for t in plan["targets"])
    targets = [t["status"] for plan in plans for t in plan["targets"]]
    assert {"met", "open", "missed"} <= set(targets)
    assert any(a["overdue"] for plan in plans for a in plan["actions"])


def test_a_page_scores_each_round_once(demo, monkeypatch):
    """round_figures' memo: asking again for the same round and cities reads and scores nothing
    again (the submitted city's stored scores, the city in progress's answers)."""
    import assessment.plan.figures as figures
    from assessment import stored_scores
    from assessment.demo import IN_PROGRESS_2022

    calls = []
    read, scored = stored_scores.submitted_scores, figures.round_scores

    def counted_read(round_, city_ids, *parts):
        calls.append(("stored", round_.name))
        return read(round_, city_ids, *parts)

    def counted_scoring(round_, city_ids, **kwargs):
        calls.append(("scored", round_.name, len(city_ids)))
        return scored(round_, city_ids, **kwargs)

    monkeypatch.setattr(stored_scores, "submitted_scores", counted_read)
    monkeypatch.setattr(figures, "round_scores", counted_scoring)
    follow_up = round_named("2022 follow-up")
    assert "Sofia" in IN_PROGRESS_2022 and "Vilnius" not in IN_PROGRESS_2022
    cities = {city_named("Sofia").id, city_named("Vilnius").id}
    memo: dict = {}
    first = figures.round_figures([follow_up], cities, memo)
    again = figures.round_figures([follow_up], cities, memo)
    assert calls == [("stored", "2022 follow-up"), ("scored", "2022 follow-up", 1)]
    assert again == first and len(first) == 2
