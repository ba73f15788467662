"""Demo indicator values: plausible figures for both demo rounds for every city.

Each city starts somewhere plausible for each indicator and mostly moves the better way by the
follow-up round; about one value in five moves the other way, and a few values are missing
(the city did not have the number). Seeded, so the same seed always gives the same data.
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import insert, select

from ..extensions import db
from ..models import Assessment, Indicator, IndicatorValue, Role, Round, User
from .values import UNIT_RANGES

# key -> (baseline low, high, typical improvement, decimals, source)
PROFILES = {
    "digital_budget_share": (0.8, 5.5, 0.6, 1, "Budget execution report, IT cost codes"),
    "strategy_measures_on_time": (30, 80, 10, 0, "Digital strategy progress report to council"),
    "staff_trained": (8, 55, 12, 0, "HR training records"),
    "digital_vacancy_days": (45, 160, -25, 0, "HR recruitment records"),
    "eid_services": (15, 85, 15, 0, "E-services portal configuration"),
    "outage_hours": (4, 90, -15, 1, "IT incident log"),
    "services_online": (20, 75, 12, 0, "Service catalogue, front-office request counts"),
    "building_permit_days": (35, 130, -18, 0, "Planning department permit register"),
    "online_satisfaction": (2.7, 4.2, 0.3, 1, "Resident survey"),
    "open_datasets": (5, 280, 40, 0, "Open data portal"),
    "datasets_with_owner": (10, 75, 15, 0, "Data inventory"),
}
AS_OF = {0: date(2019, 12, 31), 1: date(2021, 12, 31)}
MISSING = 0.08
WORSENS = 0.2


def load_indicator_demo(rounds: tuple[Round, Round], seed: int) -> int:
    """Values for every city with an assessment in the two rounds (oldest first); returns how
    many were stored."""
    rng = random.Random(seed * 31 + 19)
    leaders = dict(
        db.session.execute(select(User.city_id, User.id).where(User.role == Role.LEADER)).all()
    )
    rows = []
    per_round = []
    for round_ in rounds:
        indicators = {
            i.key: i
            for i in db.session.scalars(
                select(Indicator).where(Indicator.questionnaire_id == round_.questionnaire_id)
            )
        }
        assessments = {
            a.city_id: a.id
            for a in db.session.scalars(select(Assessment).where(Assessment.round_id == round_.id))
        }
        per_round.append((indicators, assessments))
    for city_id in sorted(set().union(*(assessments for _, assessments in per_round))):
        for key, (low, high, step, decimals, source) in PROFILES.items():
            start = rng.uniform(low, high)
            change = step * rng.uniform(0.3, 1.6)
            if rng.random() < WORSENS:
                change = -change * rng.uniform(0.2, 0.7)
            for index, (indicators, assessments) in enumerate(per_round):
                indicator = indicators.get(key)
                if indicator is None or city_id not in assessments or rng.random() < MISSING:
                    continue
                value = _within(indicator.unit, start + index * change, decimals)
                rows.append(
                    {
                        "assessment_id": assessments[city_id],
                        "indicator_id": indicator.id,
                        "value": value,
                        "source": source,
                        "as_of": AS_OF[index],
                        "updated_by_id": leaders.get(city_id),
                    }
                )
    if rows:
        db.session.execute(insert(IndicatorValue), rows)
    return len(rows)


def _within(unit: str, value: float, decimals: int) -> float:
    low, high, whole = UNIT_RANGES[unit]
    value = round(min(high, max(low, value)), 0 if whole else decimals)
    return float(value)
