"""The plan as the city team and the programme use it, on the demo programme: targets from the
results page (and on the radar), actions from next steps, an owner's progress, who sees what."""

from __future__ import annotations

import html
import json
import re
from datetime import date

from sqlalchemy import select

from assessment.demo import DEMO_PASSWORD
from assessment.extensions import db
from assessment.lookups import city_named, round_named, user_with_email
from assessment.models import Action, ActionStatus, ActionUpdate, AuditEvent, Target, TargetKind
from tests.conftest import CSRF_INPUT, login

RADAR = re.compile(r'<script type="application/json" id="radar-data">(.*?)</script>', re.S)
HOSTILE = '<img src=x onerror=alert(1)> «Ωμέγα» =1+1'


def page_token(page: str) -> str:
    return CSRF_INPUT.search(page).group(1)


def _token(client, path: str) -> str:
    return page_token(client.get(path).get_data(as_text=True))


def test_a_leader_sets_targets_on_the_results_page_and_the_radar_shows_them(client, no_plans):
    city, round_ = city_named("Sofia"), round_named("2020 baseline")
    login(client, "leader@sofia.example", DEMO_PASSWORD)
    results = f"/results/{round_.id}/{city.id}"
    page = client.get(results).get_data(as_text=True)
    assert 'name="area-vision"' in page and "Add to plan" in page
    form = {"csrf_token": page_token(page), "area-vision": "72.5", "due-vision": "2030-06-30",
            "area-data": "", "due-data": "2030-06-30", "question": "data_governance",
            "level": "4", "due-question": "2021-01-01"}  # fmt: skip
    done = client.post(f"/plan/{city.id}/targets/{round_.id}", data=form)
    assert done.status_code == 302 and done.location.endswith(f"{results}#targets")
    targets = db.session.scalars(select(Target).where(Target.city_id == city.id)).all()
    assert sorted((t.kind, t.key, t.value, t.due_on) for t in targets) == [
        (TargetKind.AREA, "vision", 72.5, date(2030, 6, 30)),
        (TargetKind.QUESTION, "data_governance", 4.0, date(2021, 1, 1)),
    ]
    page = client.get(results).get_data(as_text=True)
    chart = json.loads(html.unescape(RADAR.search(page).group(1)))
    (target,) = [s for s in chart["series"] if s["name"] == "Target"]
    assert target["values"][0] == 72.5 and target["values"][1:] == [None] * 4
    table = page[page.index('class="target-table"') :]
    assert "72.5" in table and ("met" in table or "missed" in table)  # a later round exists
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.city_id == city.id))
    assert sorted(events) == ["target_set", "target_set"]
    # a bad value changes nothing and says what is wrong
    form |= {"area-vision": "101"}
    client.post(f"/plan/{city.id}/targets/{round_.id}", data=form)
    page = client.get(results).get_data(as_text=True)
    assert "is not a score from 0 to 100" in page
    assert db.session.scalar(select(Target.value).where(Target.key == "vision")) == 72.5


def test_a_next_step_becomes_an_action_a_member_owns_and_updates(client, no_plans):
    city, round_ = city_named("Sofia"), round_named("2020 baseline")
    member = user_with_email("member1@sofia.example")
    login(client, "leader@sofia.example", DEMO_PASSWORD)
    new = f"/plan/{city.id}/actions/new?round={round_.id}&question=data_governance"
    page = client.get(new).get_data(as_text=True)
    assert '<option selected value="data_governance">' in page
    form = {
        "csrf_token": page_token(page), "title": HOSTILE, "description": "Стъпка 1",
        "areas": ["data"], "questions": ["data_governance"], "owner": f"member:{member.id}",
        "owner_name": "", "starts_on": "2021-01-01", "due_on": "2022-01-31",
        "status": "planned", "progress_note": "",
    }  # fmt: skip
    done = client.post(f"/plan/{city.id}/actions/new", data=form)
    assert done.status_code == 302, done.get_data(as_text=True)
    action = db.session.scalar(select(Action).where(Action.city_id == city.id))
    assert (action.title, action.owner_id, action.questions) == (HOSTILE, member.id,
                                                                 ["data_governance"])  # fmt: skip
    plan = client.get(f"/plan/{city.id}").get_data(as_text=True)
    assert html.escape(HOSTILE, quote=False) in plan and HOSTILE not in plan
    assert "overdue" in plan  # due in January 2022, still planned
    client.post("/logout", data={"csrf_token": _token(client, f"/plan/{city.id}")})

    login(client, "member1@sofia.example", DEMO_PASSWORD)
    page_path = f"/plan/{city.id}/actions/{action.id}"
    token = _token(client, page_path)
    progress = {"progress-csrf_token": token, "progress-status": "in_progress",
                "progress-progress_note": "Ξεκινήσαμε"}  # fmt: skip
    done = client.post(f"{page_path}/progress", data=progress)
    assert done.status_code == 302
    db.session.refresh(action)
    assert action.status == ActionStatus.IN_PROGRESS and action.progress_note == "Ξεκινήσαμε"
    history = db.session.scalars(select(ActionUpdate).where(ActionUpdate.action_id == action.id))
    assert [(u.old_status, u.new_status) for u in history] == [
        (None, ActionStatus.PLANNED), (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)
    ]  # fmt: skip
    # the member may neither edit the action nor add one
    assert client.post(f"{page_path}/edit", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/plan/{city.id}/actions/new").status_code == 403


def test_another_city_never_sees_the_plan(client, no_plans):
    sofia, amsterdam = city_named("Sofia"), city_named("Amsterdam")
    action = Action(city_id=amsterdam.id, title="Open data portal", areas=[], questions=[])
    db.session.add(action)
    db.session.commit()
    login(client, "leader@sofia.example", DEMO_PASSWORD)
    assert client.get(f"/plan/{amsterdam.id}").status_code == 404
    assert client.get(f"/plan/{amsterdam.id}/actions/{action.id}").status_code == 404
    assert client.get(f"/plan/{sofia.id}/actions/{action.id}").status_code == 404
    client.post("/logout", data={"csrf_token": _token(client, f"/plan/{sofia.id}")})
    login(client, "coordinator@dmat.example", DEMO_PASSWORD)
    page = client.get(f"/plan/{amsterdam.id}/actions/{action.id}").get_data(as_text=True)
    assert "Open data portal" in page and "Update the progress" not in page


def test_a_save_racing_another_says_so_and_never_answers_500(client, no_plans, monkeypatch):
    """The second of two racing saves meets the unique constraint: it says so and stores
    nothing."""
    from assessment.plan import targets

    city, round_ = city_named("Sofia"), round_named("2020 baseline")
    login(client, "leader@sofia.example", DEMO_PASSWORD)
    token = _token(client, f"/results/{round_.id}/{city.id}")

    def insert_anyway(found, city_id, round_id, kind, key, value, due, actor):
        # as if another request had stored the same target after this one looked
        db.session.add(Target(city_id=city_id, baseline_round_id=round_id, kind=kind, key=key,
                              value=50.0, due_on=due))  # fmt: skip
        db.session.add(Target(city_id=city_id, baseline_round_id=round_id, kind=kind, key=key,
                              value=value, due_on=due))  # fmt: skip
        db.session.flush()

    monkeypatch.setattr(targets, "_store_target", insert_anyway)
    form = {"csrf_token": token, "area-vision": "70", "due-vision": "2030-06-30"}
    done = client.post(f"/plan/{city.id}/targets/{round_.id}", data=form)
    assert done.status_code == 302
    page = client.get(done.location).get_data(as_text=True)
    assert "changed meanwhile" in page
    assert db.session.scalar(select(Target).where(Target.city_id == city.id)) is None
