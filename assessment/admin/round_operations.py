"""Round writes: creating a round and changing its name, dates and taking-part cities.

As in ``operations``: every check first, DmatError (English, for the command line; the forms
say the same in the page's language beforehand) before anything changes, then a flush.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from ..audit.operations import record
from ..errors import DmatError
from ..extensions import db
from ..lookups import questionnaire_labelled
from ..models import Assessment, City, Round
from .operations import check_name


def check_dates(opens_on: date | None, closes_on: date | None) -> None:
    if opens_on is not None and closes_on is not None and closes_on < opens_on:
        raise DmatError(
            f"closing date {closes_on.isoformat()} is before the opening date "
            f"{opens_on.isoformat()}"
        )


def _name_free(name: str, round_: Round | None = None) -> None:
    query = select(Round.id).where(Round.name == name)
    if round_ is not None:
        query = query.where(Round.id != round_.id)
    if db.session.scalar(query) is not None:
        raise DmatError(f"a round named '{name}' already exists")


def create_round(
    name: str,
    questionnaire_label: str,
    *,
    opens_on: date | None = None,
    closes_on: date | None = None,
    cities: Sequence[City] | None = None,
) -> Round:
    """A new round; ``cities`` None means every city takes part, cities added later too."""
    name = check_name(name, "round name")
    questionnaire = questionnaire_labelled(questionnaire_label)
    _name_free(name)
    check_dates(opens_on, closes_on)
    cities = _distinct(cities)
    round_ = Round(
        name=name,
        questionnaire=questionnaire,
        opens_on=opens_on,
        closes_on=closes_on,
        all_cities=cities is None,
        cities=list(cities or []),
    )
    if cities is not None and not cities:
        raise DmatError("a round needs at least one taking-part city")
    db.session.add(round_)
    db.session.flush()
    record(
        "round_created",
        f"Round '{name}' created with {questionnaire.label}; {_describe(round_)}",
        round_=round_,
        details=_state(round_),
    )
    return round_


def change_round(
    round_: Round,
    *,
    name: str,
    opens_on: date | None,
    closes_on: date | None,
    cities: Sequence[City] | None,
) -> bool:
    """Change a round's name, dates and cities (None: every city); True when anything changed.
    A city with an assessment in the round keeps taking part: its answers stay in it."""
    name = check_name(name, "round name")
    _name_free(name, round_)
    check_dates(opens_on, closes_on)
    cities = _distinct(cities)
    if cities is not None:
        if not cities:
            raise DmatError("a round needs at least one taking-part city")
        chosen = {city.id for city in cities}
        answered = db.session.scalars(
            select(City.name)
            .join(Assessment, Assessment.city_id == City.id)
            .where(Assessment.round_id == round_.id, City.id.not_in(chosen))
            .order_by(City.name)
        ).all()
        if answered:
            raise DmatError(
                f"{', '.join(answered)} already answered in round '{round_.name}' and keep"
                " taking part"
            )
    before = _state(round_)
    round_.name = name
    round_.opens_on = opens_on
    round_.closes_on = closes_on
    round_.all_cities = cities is None
    round_.cities = sorted(cities or [], key=lambda city: city.name)
    db.session.flush()
    after = _state(round_)
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changed:
        record(
            "round_changed",
            f"Round '{round_.name}' changed: {_describe(round_)}",
            round_=round_,
            details=changed,
        )
    return bool(changed)


def _distinct(cities: Sequence[City] | None) -> list[City] | None:
    return None if cities is None else list({city.id: city for city in cities}.values())


def _state(round_: Round) -> dict:
    return {
        "name": round_.name,
        "opens_on": round_.opens_on.isoformat() if round_.opens_on else None,
        "closes_on": round_.closes_on.isoformat() if round_.closes_on else None,
        "cities": None if round_.all_cities else sorted(city.name for city in round_.cities),
    }


def _describe(round_: Round) -> str:
    opens = round_.opens_on.isoformat() if round_.opens_on else "now"
    closes = round_.closes_on.isoformat() if round_.closes_on else "when closed by hand"
    cities = "every city" if round_.all_cities else f"{len(round_.cities)} cities"
    return f"opens {opens}, closes {closes}, {cities}"
