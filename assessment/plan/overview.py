"""The coordinators' plans overview of a round: per city, its targets set on the round (met,
open, missed by rule 10) and its actions (done, in progress, overdue), and the last change.

Actions are counted by one GROUP BY; targets go through ``queries.target_statuses`` (rule 10,
from the later rounds' stored scores). The number of queries does not grow with the
cities. The page, the exports and the API read their rows from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import NamedTuple

from sqlalchemy import and_, case, func, select, union_all

from ..extensions import db
from ..models import Action, ActionStatus, Assessment, AssessmentStatus, City, Round, Target
from . import queries

CLOSED = (ActionStatus.DONE.value, ActionStatus.DROPPED.value)


class CityName(NamedTuple):
    """What a row shows of its city (a tuple: the overview has a row for each of 1,000)."""

    id: int
    name: str
    country: str


@dataclass
class CityPlan:
    city: CityName
    submitted: bool
    targets: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TARGET_STATUSES, 0))
    actions: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ACTION_COUNTS, 0))
    last_update: datetime | None = None

    def figure(self, column: str):
        """The value a column sorts by."""
        if column == "city":
            return self.city.name.casefold()
        if column == "last_update":
            return self.last_update
        if column.startswith("targets_"):
            return self.targets[column.removeprefix("targets_")]
        return self.actions[column.removeprefix("actions_")]

    def as_json(self) -> dict:
        return {
            "city": self.city.name,
            "country": self.city.country,
            "submitted": self.submitted,
            "targets": dict(self.targets),
            "actions": dict(self.actions),
            "last_update": self.last_update.isoformat() if self.last_update else None,
        }


TARGET_STATUSES = ("met", "open", "missed")
ACTION_COUNTS = ("total", "planned", "in_progress", "done", "dropped", "overdue")
SORT_COLUMNS = (
    "city", *(f"targets_{s}" for s in TARGET_STATUSES),
    *(f"actions_{s}" for s in ACTION_COUNTS), "last_update",
)  # fmt: skip


def _as_utc(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):  # SQLite returns aggregates of datetimes as text
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def plans_overview(
    round_: Round,
    country: str = "",
    sort: str = "city",
    descending: bool = False,
    on: date | None = None,
) -> list[CityPlan]:
    """One row per city with an assessment in the round (of ``country`` when given)."""
    on = on or queries.today()
    query = (
        select(City.id, City.name, City.country, Assessment.status)
        .join(Assessment, Assessment.city_id == City.id)
        .where(Assessment.round_id == round_.id)
    )
    if country:
        query = query.where(City.country == country)
    rows = {
        city_id: CityPlan(CityName(city_id, name, country), status == AssessmentStatus.SUBMITTED)
        for city_id, name, country, status in db.session.connection().execute(
            query.order_by(City.name)
        )
    }
    in_round = select(Assessment.city_id).where(Assessment.round_id == round_.id)
    overdue = case((and_(Action.due_on < on, Action.status.not_in(CLOSED)), 1), else_=0)
    counts = db.session.connection().execute(
        select(Action.city_id, Action.status, func.count(), func.sum(overdue))
        .where(Action.city_id.in_(in_round))
        .group_by(Action.city_id, Action.status)
    )
    for city_id, status, count, late in counts:
        row = rows.get(city_id)
        if row is None:
            continue
        row.actions[ActionStatus(status).value] += count
        row.actions["total"] += count
        row.actions["overdue"] += int(late or 0)
    # the last change: to any of the city's actions, or to a target set on this round
    changes = union_all(
        select(Action.city_id.label("city_id"), Action.updated_at.label("changed")).where(
            Action.city_id.in_(in_round)
        ),
        select(Target.city_id, Target.updated_at).where(
            Target.baseline_round_id == round_.id, Target.city_id.in_(in_round)
        ),
    ).subquery()
    for city_id, changed in db.session.connection().execute(
        select(changes.c.city_id, func.max(changes.c.changed)).group_by(changes.c.city_id)
    ):
        if city_id in rows:
            rows[city_id].last_update = _as_utc(changed)
    for city_id, statuses in queries.target_statuses(round_, on).items():
        if city_id in rows:
            for status in statuses:
                rows[city_id].targets[status] += 1
    ordered = list(rows.values())
    if sort not in SORT_COLUMNS:
        sort = "city"
    if sort != "city" or descending:

        def by(row: CityPlan):
            value = row.figure(sort)  # None (never changed) sorts before any date
            return (value is not None, value if value is not None else 0, row.city.name)

        ordered.sort(key=by, reverse=descending)
    return ordered


def countries(round_: Round) -> list[str]:
    return list(
        db.session.scalars(
            select(City.country)
            .join(Assessment, Assessment.city_id == City.id)
            .where(Assessment.round_id == round_.id)
            .distinct()
            .order_by(City.country)
        )
    )


PLAN_EXPORT_COLUMNS = (
    "city", "country", "submitted", *(f"targets_{s}" for s in TARGET_STATUSES),
    *(f"actions_{s}" for s in ACTION_COUNTS), "last_update",
)  # fmt: skip


def plan_export_rows(round_: Round) -> list[list]:
    """The plans sheet of a round's export: one row per city, as the overview counts."""
    return [
        [
            row.city.name,
            row.city.country,
            "yes" if row.submitted else "no",
            *(row.targets[s] for s in TARGET_STATUSES),
            *(row.actions[s] for s in ACTION_COUNTS),
            row.last_update.isoformat() if row.last_update else None,
        ]
        for row in plans_overview(round_)
    ]
