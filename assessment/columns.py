"""Column types shared by the models: UTC timestamps, portable enums, and what an id can be."""

from __future__ import annotations

import enum
import re
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator

MAX_ID = 2**31 - 1  # ids are INTEGER columns (32 bits, signed) on both databases
_ID = re.compile(r"[0-9]{1,10}")  # ASCII digits: "²".isdigit() is true, and int() refuses it


def parse_id(raw: object) -> int | None:
    """A database id given as a number or as ASCII digits (a query parameter, a JSON value);
    None for anything else, or for a number no id can be."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str) and _ID.fullmatch(raw.strip()):
        raw = int(raw)
    return raw if isinstance(raw, int) and 0 < raw <= MAX_ID else None


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(raw: str) -> date | None:
    """A calendar day written YYYY-MM-DD in ASCII digits (a real date); None for anything else."""
    text = raw.strip()
    if not _DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both SQLite (which drops the zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def str_enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """A portable enum: a VARCHAR with a CHECK constraint, storing the values, not the names."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
