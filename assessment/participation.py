"""Which cities take part in a round (docs/decisions.md, "Rounds have dates and cities").

A round with ``all_cities`` takes every active city, cities added later too; otherwise the
cities listed in ``round_city``. A city not taking part cannot answer in the round and is not on
its dashboard; one with an assessment in it stays listed there (its answers are in the round).
"""

from __future__ import annotations

from sqlalchemy import exists, select

from .extensions import db
from .models import Assessment, City, Round, round_city


def taking_part(round_: Round):
    """SQL: the city (``City``) takes part in ``round_``."""
    if round_.all_cities:
        return City.active.is_(True)
    return exists().where(round_city.c.round_id == round_.id, round_city.c.city_id == City.id)


def not_started(round_: Round, country: str = "") -> list[City]:
    """The taking-part cities (of ``country`` if given) without an assessment in the round yet,
    by name: one query, whatever the number of cities."""
    query = (
        select(City)
        .where(
            taking_part(round_),
            ~exists().where(Assessment.round_id == round_.id, Assessment.city_id == City.id),
        )
        .order_by(City.name)
    )
    if country:
        query = query.where(City.country == country)
    return list(db.session.scalars(query))
