"""The demo programme's plans: targets on the 2020 baseline (some met by 2022, some open, some
missed) and 4-10 actions per city in every status, some overdue, with their history; most
cities also have targets for two or three of their success indicators.

Called by ``assessment.demo.load_demo`` after the answers are in; ``dmat demo`` refuses to run
twice, so this never runs twice on the same data.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert, select

from .. import scoring
from ..extensions import db
from ..models import Action, ActionStatus, ActionUpdate, Round, Target, TargetKind, User, utcnow
from ..results import round_scores

#: (title, area, question): steps a city team takes, each serving one question of the rubric
ACTIONS = (
    ("Adopt a digital strategy with measurable targets", "vision", "vision_targets"),
    ("Turn the digital vision into a funded three-year roadmap", "vision", "vision_roadmap"),
    ("Appoint a chief digital officer reporting to the mayor", "governance",
     "governance_leadership"),
    ("Write open-source and data clauses into software contracts", "governance",
     "governance_procurement"),
    ("Train 200 staff in digital and data skills", "governance", "governance_skills"),
    ("Set up a shared identity and payments platform", "systems", "systems_platforms"),
    ("Commission a cybersecurity maturity review", "systems", "systems_security"),
    ("Move the building permit service fully online", "user_centric",
     "user_centric_digital_first"),
    ("Run an accessibility audit of the city website and apps", "user_centric",
     "user_centric_accessibility"),
    ("Interview residents before redesigning the top five services", "user_centric",
     "user_centric_research"),
    ("Publish a data inventory and name an owner for each dataset", "data", "data_governance"),
    ("Open the twenty most requested datasets on the portal", "data", "data_open"),
    ("Connect the population register through standard interfaces", "data",
     "data_interoperability"),
)  # fmt: skip
OUTSIDE_OWNERS = (
    "Maria Ivanova (IT department)",
    "Jonas Berg (regional development agency)",
    "Eleni Papadopoulou (university partner)",
    "Procurement office",
)
NOTES = {
    ActionStatus.IN_PROGRESS: (
        "Budget approved; the first two departments have started.",
        "Supplier chosen; work started in the spring.",
        "Draft ready, in consultation with the departments.",
    ),
    ActionStatus.DONE: (
        "Done and presented to the city council.",
        "Live since the autumn; usage is reported monthly.",
    ),
    ActionStatus.DROPPED: (
        "Dropped: the national platform will provide this instead.",
        "Merged into the wider service redesign.",
    ),
}


def load_demo_plans(baseline: Round, follow_up: Round, rng: random.Random) -> None:
    """Targets and actions for every city with an assessment in both demo rounds."""
    before = {s.city.id: s for s in round_scores(baseline, agreement=False)}
    after = {s.city.id: s for s in round_scores(follow_up, agreement=False)}
    teams: dict[int, list[User]] = {}
    for user in db.session.scalars(select(User).where(User.city_id.in_(before)).order_by(User.id)):
        teams.setdefault(user.city_id, []).append(user)
    today = utcnow().date()
    started = (baseline.created_at or utcnow()) - timedelta(days=690)
    targets, actions = [], []
    for city_id, scores in before.items():
        later = after.get(city_id)
        if later is None:
            continue
        targets += _targets(city_id, baseline, scores.result, later.result, today, rng)
        actions += _actions(city_id, teams.get(city_id, []), started.date(), today, rng)
    db.session.add_all(targets)
    db.session.add_all([action for action, _ in actions])
    db.session.flush()
    history = [row for action, rows in actions for row in rows(action)]
    db.session.execute(insert(ActionUpdate), history)
    # drawn last, so that the area targets and actions stay what they were before indicators
    db.session.add_all(_indicator_targets(baseline, follow_up, list(after), today, rng))
    db.session.flush()


def _indicator_targets(baseline, follow_up, city_ids, today: date, rng) -> list[Target]:
    """For about two cities in three, targets for two or three indicators with a value in
    both rounds: one the follow-up reached (met) when the city improved, one still ahead
    (open), one whose due date passed first (missed); in each indicator's direction and unit."""
    from ..indicators.demo import PROFILES
    from ..indicators.queries import round_values
    from ..indicators.values import UNIT_RANGES
    from ..models import Indicator

    indicators = {
        i.key: i
        for i in db.session.scalars(
            select(Indicator).where(Indicator.questionnaire_id == baseline.questionnaire_id)
        )
    }
    before = {(v.city_id, v.key): v.value for v in round_values(baseline, city_ids)}
    after = {(v.city_id, v.key): v.value for v in round_values(follow_up, city_ids)}
    found = []
    for city_id in sorted(city_ids):
        if rng.random() < 0.35:
            continue
        keys = sorted(k for k in indicators if (city_id, k) in before and (city_id, k) in after)
        rng.shuffle(keys)
        for key, kind in zip(keys, ("met", "open", "missed"), strict=False):
            indicator = indicators[key]
            low, high, whole = UNIT_RANGES[indicator.unit]
            sign = 1 if indicator.direction == scoring.HIGHER else -1
            start, now = before[(city_id, key)], after[(city_id, key)]
            step = abs(PROFILES[key][2]) if key in PROFILES else 1.0
            if kind == "met":
                if (now - start) * sign <= 0:
                    continue  # it did not improve: nothing it could have aimed at and reached
                value, due = now, date(2023, 12, 31)
            elif kind == "open":
                value = now + sign * 1.5 * step
                due = today.replace(year=today.year + 2, month=6, day=30)
            else:
                value, due = now + sign * step, date(2022, 6, 30)
            value = round(min(high, max(low, value)), 0 if whole else 1)
            if kind != "met" and (value - now) * sign <= 0:
                continue  # at the end of the scale: nothing left to reach
            found.append(
                Target(city_id=city_id, baseline_round_id=baseline.id,
                       kind=TargetKind.INDICATOR, key=key, value=float(value), due_on=due)
            )  # fmt: skip
    return found


def _targets(city_id, baseline, before, after, today: date, rng) -> list[Target]:
    """Three area targets: one the 2022 round reached (met), one still ahead (open), one whose
    due date passed before the city reached it (missed)."""
    scored = [
        key for key, area in before.areas.items()
        if area.score is not None and after.areas[key].score is not None
    ]  # fmt: skip
    rng.shuffle(scored)
    found = []
    for key, kind in zip(scored, ("met", "open", "missed"), strict=False):
        start, now = before.areas[key].score, after.areas[key].score
        if kind == "met":
            value = max(0.0, min(now, start + 5.0))
            due = date(2023, 12, 31)
        elif kind == "open":
            value = min(100.0, scoring.suggested_area_target(max(start, now)) or 100.0)
            due = today.replace(year=today.year + 2, month=6, day=30)
        else:
            value = min(100.0, now + rng.choice((5.0, 10.0, 15.0)))
            due = date(2022, 6, 30)
        if kind != "met" and value <= now:  # at the top of the scale: nothing left to reach
            continue
        found.append(
            Target(city_id=city_id, baseline_round_id=baseline.id, kind=TargetKind.AREA,
                   key=key, value=round(value, 1), due_on=due)
        )  # fmt: skip
    return found


def _actions(city_id: int, team: list[User], started: date, today: date, rng):
    """4-10 actions, every status among them, some in progress past their due date."""
    count = rng.randint(4, 10)
    statuses = [ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.DONE,
                ActionStatus.DROPPED]  # fmt: skip
    statuses += rng.choices(statuses[:3], weights=(2, 3, 3), k=count - 4)
    leader = next((u for u in team if u.role == "leader"), None)
    found = []
    for (title, area, question), status in zip(rng.sample(ACTIONS, count), statuses, strict=True):
        start = started + timedelta(days=rng.randint(30, 400))
        due = start + timedelta(days=rng.randint(180, 720))
        if status == ActionStatus.PLANNED:
            start = today + timedelta(days=rng.randint(30, 200))
            due = start + timedelta(days=rng.randint(120, 500))
        elif status == ActionStatus.IN_PROGRESS and rng.random() < 0.5:
            due = today - timedelta(days=rng.randint(20, 300))  # overdue
            start = min(start, due - timedelta(days=90))
        elif status == ActionStatus.IN_PROGRESS:
            due = today + timedelta(days=rng.randint(60, 400))
        owner_id, owner_name = None, None
        members = [u for u in team if u.role == "respondent"]
        if members and rng.random() < 0.7:
            owner_id = rng.choice(members).id
        else:
            owner_name = rng.choice(OUTSIDE_OWNERS)
        note = rng.choice(NOTES[status]) if status in NOTES else None
        action = Action(
            city_id=city_id, title=title, areas=[area], questions=[question], owner_id=owner_id,
            owner_name=owner_name, starts_on=start, due_on=due, status=status, progress_note=note,
            created_by_id=leader.id if leader else None,
        )  # fmt: skip
        found.append((action, _history(status, note, leader)))
    return found


def _history(status: ActionStatus, note: str | None, leader: User | None):
    """The history rows of an action, made once its id is known: added as planned, then moved
    through in progress to where it is now."""
    steps = [(None, ActionStatus.PLANNED, None)]
    if status in (ActionStatus.IN_PROGRESS, ActionStatus.DONE):
        steps.append((ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, None))
    if status == ActionStatus.DONE:
        steps.append((ActionStatus.IN_PROGRESS, ActionStatus.DONE, note))
    elif status == ActionStatus.DROPPED:
        steps.append((ActionStatus.PLANNED, ActionStatus.DROPPED, note))
    elif status == ActionStatus.IN_PROGRESS:
        steps[-1] = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, note)

    def rows(action: Action) -> list[dict]:
        return [
            {"action_id": action.id, "actor_id": leader.id if leader else None,
             "actor_label": leader.email if leader else "command line", "old_status": old,
             "new_status": new, "note": text, "at": utcnow()}
            for old, new, text in steps
        ]  # fmt: skip

    return rows
