"""When a round is open, and in which order rounds come: the one rule for each.

A round's **phase** is derived, never stored (docs/decisions.md, "Rounds have dates"): closed
when closed by hand (``RoundStatus.CLOSED``) or past its closing date, planned before its
opening date, open otherwise. Dates are calendar days in UTC: a round opens at 00:00 UTC on its
opening date and closes at the end (24:00 UTC) of its closing date. ``round_phase`` says it for
one round in Python, ``open_condition`` the same in SQL for the statements that check it
themselves (the autosave's write); a test holds them to the same answers.

Rounds are ordered by their opening date, or their creation time when they have none (DESIGN.md
rule 10): ``round_order_key``. This module imports no models, so that ``models`` can use it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Protocol, TypeVar

from sqlalchemy import and_, or_

if TYPE_CHECKING:
    from sqlalchemy.sql import ColumnElement


class RoundPhase(enum.StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"


def today() -> date:
    """Today's date in UTC, the day every round date is compared with."""
    return datetime.now(UTC).date()


def round_phase(
    closed_by_hand: bool, opens_on: date | None, closes_on: date | None, on: date
) -> RoundPhase:
    """The phase of a round on the day ``on``: closed by hand or after its closing date is
    closed, before its opening date planned, otherwise open (a missing date is no limit)."""
    if closed_by_hand or (closes_on is not None and on > closes_on):
        return RoundPhase.CLOSED
    if opens_on is not None and on < opens_on:
        return RoundPhase.PLANNED
    return RoundPhase.OPEN


def open_condition(status, opens_on, closes_on, on) -> ColumnElement[bool]:
    """``round_phase(...) == OPEN`` as SQL, for the round's ``status``, ``opens_on`` and
    ``closes_on`` columns and ``on`` (a date or a bound parameter)."""
    return and_(
        status == "open",
        or_(opens_on.is_(None), opens_on <= on),
        or_(closes_on.is_(None), closes_on >= on),
    )


class Dated(Protocol):
    id: int
    opens_on: date | None
    created_at: datetime


R = TypeVar("R", bound=Dated)


def round_order_key(round_: Dated) -> tuple[datetime, int]:
    """Earlier rounds first: by opening date (00:00 UTC), else by creation time, then by id."""
    if round_.opens_on is not None:
        return datetime.combine(round_.opens_on, time(), UTC), round_.id
    return round_.created_at, round_.id


def rounds_in_order(rounds: Iterable[R], newest_first: bool = False) -> list[R]:
    return sorted(rounds, key=round_order_key, reverse=newest_first)


class Timing(enum.StrEnum):
    """What a page says of a round's dates."""

    OPENS = "opens"  # planned: opens on <opens_on>
    CLOSES = "closes"  # open with a closing date: <days> left, or closes today
    OPEN = "open"  # open with no closing date
    CLOSED_ON = "closed_on"  # past its closing date
    CLOSED = "closed"  # closed by hand


@dataclass(frozen=True)
class RoundTiming:
    kind: Timing
    day: date | None = None  # the date the sentence names
    days: int | None = None  # days left, with CLOSES (0: closes today)


def round_timing(
    closed_by_hand: bool, opens_on: date | None, closes_on: date | None, on: date
) -> RoundTiming:
    phase = round_phase(closed_by_hand, opens_on, closes_on, on)
    if phase is RoundPhase.PLANNED:
        return RoundTiming(Timing.OPENS, opens_on)
    if phase is RoundPhase.OPEN:
        if closes_on is None:
            return RoundTiming(Timing.OPEN)
        return RoundTiming(Timing.CLOSES, closes_on, (closes_on - on).days)
    if closes_on is not None and on > closes_on:
        return RoundTiming(Timing.CLOSED_ON, closes_on)
    return RoundTiming(Timing.CLOSED)
