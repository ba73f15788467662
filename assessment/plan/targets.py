"""Writing a city's targets: set on the results page, or imported with ``dmat targets import``.

Every write checks everything first and raises DmatError before changing anything; it flushes,
and the request (or the command) commits once. Every change is audited.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..audit.operations import record
from ..errors import DmatError, FileRefused
from ..extensions import db
from ..models import (
    Assessment,
    City,
    Round,
    Target,
    TargetKind,
    User,
    utcnow,
)
from ..names import name_key
from .figures import target_keys

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
NUMBER = re.compile(r"[+-]?([0-9]{1,13}(\.[0-9]{0,10})?|\.[0-9]{1,10})")
MAX_INDICATOR_VALUE = 1e12  # as the table's CHECK


def parse_due(raw: str) -> date:
    """A due date written ``YYYY-MM-DD``; ValueError saying what is wrong otherwise."""
    text = raw.strip()
    if not ISO_DATE.fullmatch(text):
        raise ValueError(f"the due date '{raw}' is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"the due date '{raw}' is not a day of the calendar") from None


def parse_target_value(
    raw: str, kind: TargetKind, levels: int | None = None, unit: str | None = None
) -> float:
    """A target as typed: a plain decimal number within what the kind allows; an indicator's
    target is checked as its values are (``indicators/values.py``, the indicator's unit)."""
    if kind == TargetKind.INDICATOR and unit is not None:
        from ..indicators.values import IndicatorValueError, check_value

        try:
            return check_value(raw, unit)
        except IndicatorValueError as error:
            raise ValueError(f"the target: {error.message}") from None
    text = raw.strip()
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # a decimal comma, as Bulgarian spreadsheets write it
    if not NUMBER.fullmatch(text):
        raise ValueError(f"the target '{raw}' is not a number")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the target '{raw}' is not a number")
    if kind == TargetKind.AREA and not 0 <= value <= 100:
        raise ValueError(f"the target {raw} is not a score from 0 to 100")
    if kind == TargetKind.QUESTION and (not value.is_integer() or not 1 <= value <= (levels or 10)):
        raise ValueError(f"the target {raw} is not a level from 1 to {levels}")
    if kind == TargetKind.INDICATOR and abs(value) > MAX_INDICATOR_VALUE:
        raise ValueError(f"the target {raw} is out of range")
    return value


def _store_target(
    found: Target | None,
    city_id: int,
    round_id: int,
    kind: TargetKind,
    key: str,
    value: float,
    due: date,
    actor: User | None,
) -> Target:
    if found is None:
        found = Target(city_id=city_id, baseline_round_id=round_id, kind=kind, key=key)
        db.session.add(found)
    found.value = value
    found.due_on = due
    found.set_by_id = actor.id if actor is not None else None
    found.updated_at = utcnow()
    db.session.flush()
    return found


# dmat targets import ----------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetRow:
    """One line of a targets file (``city,key,target,due``)."""

    line: int
    city: str
    key: str
    target: str
    due: str


TARGET_COLUMNS = ("city", "key", "target", "due")


def read_targets_file(data: bytes, filename: str) -> list[TargetRow]:
    """The rows of a CSV or XLSX targets file, read as response files are; raises DmatError
    listing every malformed line."""
    from ..admin.response_files import read_table

    return [
        TargetRow(line, *(field.strip() for field in fields[:4]))
        for line, fields in read_table(data, filename, TARGET_COLUMNS)
    ]


@dataclass(frozen=True)
class TargetImportSummary:
    rows: int
    created: int
    changed: int
    cities: int


def import_targets(round_: Round, rows: Sequence[TargetRow], filename: str) -> TargetImportSummary:
    """Store the targets of a file on ``round_`` as their baseline; every row is checked before
    anything is written. A key is an area (or indicator) key of the round's questionnaire; a city
    needs an assessment in the round; a target already set for the key is replaced."""
    if not rows:
        raise DmatError(f"{filename}: no targets to import")
    keys = {
        key: spec
        for (kind, key), spec in target_keys(round_.questionnaire).items()
        if kind != TargetKind.QUESTION
    }
    questions = {key for (kind, key) in target_keys(round_.questionnaire) if kind == "question"}
    cities = {c.name_key: c for c in db.session.scalars(select(City))}
    assessed = set(
        db.session.scalars(select(Assessment.city_id).where(Assessment.round_id == round_.id))
    )
    problems: list[str] = []
    parsed: list[tuple[City, TargetKind, str, float, date]] = []
    seen: dict[tuple[int, str], int] = {}
    for row in rows:
        where = f"{filename}:{row.line}"
        city = cities.get(name_key(row.city))
        if city is None:
            problems.append(f"{where}: unknown city '{row.city}' (add it with dmat city add)")
        elif city.id not in assessed:
            problems.append(
                f"{where}: {city.name} has no assessment in '{round_.name}', "
                "so it cannot be the baseline of its targets"
            )
        spec = keys.get(row.key)
        if spec is None:
            hint = (
                " (a question: set question targets on the results page)"
                if (row.key in questions)
                else ""
            )
            problems.append(
                f"{where}: '{row.key}' is not an area or indicator key of "
                f"{round_.questionnaire.label}{hint}"
            )
        try:
            value = parse_target_value(
                row.target,
                spec.kind if spec else TargetKind.AREA,
                unit=spec.unit if spec else None,
            )
            due = parse_due(row.due)
        except ValueError as error:
            problems.append(f"{where}: {error}")
            continue
        if city is None or spec is None or city.id not in assessed:
            continue
        first = seen.setdefault((city.id, spec.key), row.line)
        if first != row.line:
            problems.append(
                f"{where}: a second target of {city.name} for {spec.key} (first on line {first})"
            )
            continue
        parsed.append((city, spec.kind, spec.key, value, due))
    if problems:
        raise FileRefused(filename, problems)
    existing = {
        (t.city_id, t.kind, t.key): t
        for t in db.session.scalars(
            select(Target).where(
                Target.baseline_round_id == round_.id,
                Target.city_id.in_({city.id for city, *_ in parsed}),
            )
        )
    }
    created = 0
    for city, kind, key, value, due in parsed:
        found = existing.get((city.id, kind, key))
        created += found is None
        _store_target(found, city.id, round_.id, kind, key, value, due, None)
    summary = TargetImportSummary(
        rows=len(parsed),
        created=created,
        changed=len(parsed) - created,
        cities=len({city.id for city, *_ in parsed}),
    )
    record(
        "targets_imported",
        f"{summary.rows} target(s) for {summary.cities} city(ies) imported on '{round_.name}' "
        f"from {filename}",
        round_=round_,
        details={"created": summary.created, "changed": summary.changed},
    )
    return summary


# targets set on the results page ------------------------------------------------------------------
class PlanRefused(DmatError):
    """A plan change that cannot be made; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class TargetEntry:
    """One target as posted: the key, the value and due date as typed (blank: no target)."""

    kind: TargetKind
    key: str
    value: str
    due: str


def set_targets(
    city: City, round_: Round, entries: Sequence[TargetEntry], actor: User
) -> tuple[int, int]:
    """Set, change or (with a blank value) remove targets of ``city`` on ``round_`` as their
    baseline; every entry is checked before anything changes. Returns (set, removed)."""
    from flask_babel import gettext as _

    keys = target_keys(round_.questionnaire)
    existing = {
        (t.kind, t.key): t
        for t in db.session.scalars(
            select(Target).where(Target.city_id == city.id, Target.baseline_round_id == round_.id)
        )
    }
    checked: list[tuple[TargetEntry, float | None, date | None]] = []
    for entry in entries:
        spec = keys.get((entry.kind, entry.key))
        field = f"{entry.kind.value}-{entry.key}"
        if spec is None:
            raise PlanRefused(_("“%(key)s” cannot have a target in this round.", key=entry.key))
        if not entry.value.strip():
            checked.append((entry, None, None))
            continue
        if entry.kind == TargetKind.INDICATOR:
            value = _indicator_target(entry, spec.unit or "number", spec.title, field)
        else:
            value = None
        try:
            if value is None:
                value = parse_target_value(entry.value, entry.kind, spec.levels)
        except ValueError:
            if entry.kind == TargetKind.QUESTION:
                message = _(
                    "The target “%(value)s” is not a level from 1 to %(n)d.",
                    value=entry.value[:40], n=spec.levels,
                )  # fmt: skip
            else:
                message = _(
                    "The target “%(value)s” is not a score from 0 to 100.", value=entry.value[:40]
                )
            raise PlanRefused(message, field) from None
        try:
            due = parse_due(entry.due)
        except ValueError:
            raise PlanRefused(
                _("Give the due date of the target as YYYY-MM-DD, not “%(value)s”.",
                  value=entry.due[:40]),
                field,
            ) from None  # fmt: skip
        checked.append((entry, value, due))
    changed = removed = 0
    for entry, value, due in checked:
        found = existing.get((entry.kind, entry.key))
        if value is None or due is None:
            if found is not None:
                db.session.delete(found)
                removed += 1
                record(
                    "target_removed",
                    f"Target for {entry.key} on '{round_.name}' removed",
                    city=city, round_=round_, details={"kind": entry.kind.value, "key": entry.key},
                )  # fmt: skip
            continue
        if found is not None and found.value == value and found.due_on == due:
            continue
        _store_target(found, city.id, round_.id, entry.kind, entry.key, value, due, actor)
        changed += 1
        record(
            "target_set",
            f"Target for {entry.key} on '{round_.name}': {value:g} by {due.isoformat()}",
            city=city, round_=round_,
            details={"kind": entry.kind.value, "key": entry.key, "value": value,
                     "due": due.isoformat()},
        )  # fmt: skip
    db.session.flush()
    return changed, removed


def _indicator_target(entry: TargetEntry, unit: str, title: dict[str, str], field: str) -> float:
    """An indicator's target as posted, checked as its values are, in the page's language."""
    from flask_babel import get_locale
    from flask_babel import gettext as _

    from ..indicators.values import IndicatorValueError, check_value

    try:
        return check_value(entry.value, unit)
    except IndicatorValueError as error:
        language = str(get_locale())
        name = title.get(language) or next(iter(title.values()), entry.key)
        raise PlanRefused(
            _("The target for “%(indicator)s”: %(problem)s.", indicator=name,
              problem=error.message),
            field,
        ) from None  # fmt: skip
