"""Finding stored objects by the names people use for them, with a clear error when absent."""

from __future__ import annotations

import re

from sqlalchemy import select

from .columns import MAX_ID
from .errors import DmatError, NotFound
from .extensions import db
from .models import City, Questionnaire, Round, User
from .names import name_key

QUESTIONNAIRE_LABEL = re.compile(r"^(?P<key>[a-z0-9-]{1,100}):(?P<version>[0-9]{1,10})$")


def round_named(name: str) -> Round:
    found = db.session.scalar(select(Round).where(Round.name == name))
    if found is None:
        known = db.session.scalars(select(Round.name).order_by(Round.name)).all()
        hint = f" (known rounds: {', '.join(known)})" if known else " (there are no rounds yet)"
        raise NotFound(f"no round named '{name}'{hint}")
    return found


def city_named(name: str) -> City:
    """The city of that name, in any case and in any script ("софия" finds "София")."""
    found = city_with_name(name)
    if found is None:
        raise NotFound(f"no city named '{name}'")
    return found


def city_with_name(name: str) -> City | None:
    return db.session.scalar(select(City).where(City.name_key == name_key(name)))


def questionnaire_labelled(label: str) -> Questionnaire:
    """A questionnaire given as ``KEY:VERSION``."""
    match = QUESTIONNAIRE_LABEL.match(label.strip())
    if match is None:
        raise DmatError(
            f"questionnaire '{label}' must be given as KEY:VERSION, e.g. city-digital-maturity:1"
        )
    version = int(match["version"])
    found = (
        db.session.scalar(
            select(Questionnaire).where(
                Questionnaire.key == match["key"], Questionnaire.version == version
            )
        )
        if version <= MAX_ID  # a larger number is no version, and no INTEGER either
        else None
    )
    if found is None:
        raise NotFound(f"no questionnaire {label} has been imported")
    return found


def user_with_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def normalize_email(email: str) -> str:
    return email.strip().lower()
