"""Indicator writes: definitions stored with their questionnaire, values entered or imported.

Each function checks its input completely, raises DmatError before changing anything when the
input is wrong, and flushes; the caller (a request or a command) commits once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from questionnaires import QuestionnaireDefinition

from ..audit.operations import record
from ..errors import DmatError, FileRefused
from ..extensions import db
from ..models import (
    Assessment,
    City,
    Indicator,
    IndicatorEditor,
    IndicatorValue,
    Questionnaire,
    Role,
    Round,
    User,
    utcnow,
)
from ..names import name_key
from ..survey.operations import city_assessment, get_or_create
from .queries import round_indicators
from .values import IndicatorEntry, IndicatorValueError, check_indicator_entry


def store_indicators(questionnaire: Questionnaire, definition: QuestionnaireDefinition) -> None:
    """Add a newly imported questionnaire's indicators (the caller adds and flushes it)."""
    for position, item in enumerate(definition.indicators):
        questionnaire.indicators.append(
            Indicator(
                key=item.key,
                position=position,
                area_key=item.area,
                unit=item.unit,
                direction=item.direction,
                title=item.title,
                help=item.help,
            )
        )


# -- values entered on the survey page --------------------------------------------------------


class IndicatorRefused(DmatError):
    """Values that cannot be changed now; ``code`` names why (for scripts and status codes)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class IndicatorFormProblems(DmatError):
    """Posted values of which some are wrong: ``fields`` maps (indicator key, field) to why."""

    def __init__(self, fields: dict[tuple[str, str], str]) -> None:
        super().__init__(
            ngettext(
                "%(num)d field needs correcting; nothing was saved.",
                "%(num)d fields need correcting; nothing was saved.",
                len(fields),
            )
        )
        self.fields = fields


def indicator_editor(assessment: Assessment | None) -> User | None:
    if assessment is None:
        return None
    named = db.session.get(IndicatorEditor, assessment.id)
    return named.user if named is not None else None


def may_edit(user: User, city_id: int, assessment: Assessment | None) -> bool:
    """The city's leader, or the member the leader named for this round, may enter values."""
    if user.city_id != city_id:
        return False
    if user.role == Role.LEADER:
        return True
    editor = indicator_editor(assessment)
    return editor is not None and editor.id == user.id and user.active


def check_changeable(round_: Round, assessment: Assessment | None) -> None:
    """Values change while the round is open and the assessment is not submitted."""
    if not round_.is_open:
        raise IndicatorRefused(
            "round_closed",
            _(
                "The round “%(name)s” is closed; its indicator values can no longer change.",
                name=round_.name,
            ),
        )
    if assessment is not None and assessment.is_submitted:
        raise IndicatorRefused(
            "submitted",
            _(
                "The assessment has been submitted, so its indicator values are locked; they"
                " can change again if the assessment is reopened."
            ),
        )


def stored_values(assessment: Assessment | None) -> dict[int, IndicatorValue]:
    """The assessment's values by indicator id."""
    if assessment is None:
        return {}
    return {
        value.indicator_id: value
        for value in db.session.scalars(
            select(IndicatorValue).where(IndicatorValue.assessment_id == assessment.id)
        )
    }


@dataclass(frozen=True)
class SaveSummary:
    saved: int
    removed: int


def save_values(
    round_: Round, city_id: int, posted: Mapping[str, tuple[str, str, str]], actor: User
) -> SaveSummary:
    """Store the posted ``indicator key -> (value, source, as_of)`` of a city in a round.

    Every field is checked first (IndicatorFormProblems names each wrong one, nothing stored);
    an empty value removes a stored one; an indicator not posted is left as it is.
    """
    assessment = city_assessment(round_, city_id)
    check_changeable(round_, assessment)
    if not may_edit(actor, city_id, assessment):
        raise IndicatorRefused(
            "not_allowed",
            _(
                "Only the city's leader, or the member the "
                "leader named, can enter indicator values."
            ),
        )
    problems: dict[tuple[str, str], str] = {}
    entries: dict[int, IndicatorEntry | None] = {}
    for indicator in round_indicators(round_):
        if indicator.key not in posted:
            continue
        value, source, as_of = posted[indicator.key]
        if not value.strip() and not source.strip() and not as_of.strip():
            entries[indicator.id] = None
            continue
        try:
            entries[indicator.id] = check_indicator_entry(indicator.unit, value, source, as_of)
        except IndicatorValueError as error:
            problems[(indicator.key, error.field)] = error.message
    if problems:
        raise IndicatorFormProblems(problems)
    if assessment is None:
        assessment = get_or_create(Assessment, round_id=round_.id, city_id=city_id)
    stored = stored_values(assessment)
    saved = removed = 0
    for indicator_id, entry in entries.items():
        found = stored.get(indicator_id)
        if entry is None:
            if found is not None:
                db.session.delete(found)
                removed += 1
            continue
        if found is not None and (found.value, found.source, found.as_of) == (
            entry.value,
            entry.source,
            entry.as_of,
        ):
            continue
        _store(found, assessment.id, indicator_id, entry, actor)
        saved += 1
    try:
        db.session.flush()
    except IntegrityError:  # another request stored a value of the same indicator just now
        raise IndicatorRefused(
            "conflict",
            _(
                "Someone else saved these values at the same moment; nothing of yours was saved."
                " Reload the page to see theirs, then try again."
            ),
        ) from None
    return SaveSummary(saved, removed)


def _store(
    found: IndicatorValue | None,
    assessment_id: int,
    indicator_id: int,
    entry: IndicatorEntry,
    actor: User | None,
) -> IndicatorValue:
    if found is None:
        found = IndicatorValue(assessment_id=assessment_id, indicator_id=indicator_id)
        db.session.add(found)
    found.value = entry.value
    found.source = entry.source
    found.as_of = entry.as_of
    found.updated_by_id = actor.id if actor is not None else None
    found.updated_at = utcnow()
    return found


def name_editor(round_: Round, city_id: int, user: User | None, actor: User) -> Assessment:
    """The leader names the member who may enter the city's values this round (None: nobody
    but the leader)."""
    if actor.role != Role.LEADER or actor.city_id != city_id:
        raise IndicatorRefused("not_allowed", _("Only the city's leader names who enters values."))
    if user is not None and (
        user.city_id != city_id or user.role != Role.RESPONDENT or not user.active
    ):
        raise IndicatorRefused("not_a_member", _("Choose an active member of the city's team."))
    assessment = city_assessment(round_, city_id) or get_or_create(
        Assessment, round_id=round_.id, city_id=city_id
    )
    named = db.session.get(IndicatorEditor, assessment.id)
    if user is None:
        if named is not None:
            db.session.delete(named)
    elif named is None:
        db.session.add(IndicatorEditor(assessment_id=assessment.id, user_id=user.id))
    else:
        named.user_id = user.id
        named.named_at = utcnow()
    db.session.flush()
    return assessment


# -- the coordinator's import -----------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRow:
    """One line of an indicator file: ``city,indicator,value[,source][,as_of]``."""

    line: int
    city: str
    indicator: str
    value: str
    source: str | None
    as_of: str | None


INDICATOR_COLUMNS = ("city", "indicator", "value")
INDICATOR_OPTIONAL_COLUMNS = ("source", "as_of")


def read_indicator_file(data: bytes, filename: str) -> list[IndicatorRow]:
    """The rows of a CSV or XLSX indicator file, read as response files are; raises DmatError
    listing every malformed line."""
    from ..admin.response_files import read_table  # the admin package imports this module

    rows = []
    for line, fields in read_table(data, filename, INDICATOR_COLUMNS, INDICATOR_OPTIONAL_COLUMNS):
        extra = [field.strip() or None for field in fields[3:]] + [None, None]
        rows.append(IndicatorRow(line, fields[0].strip(), fields[1].strip(), fields[2], *extra[:2]))
    return rows


@dataclass(frozen=True)
class IndicatorImportSummary:
    rows: int
    created: int
    changed: int
    cities: int


def import_values(
    round_: Round, rows: Sequence[IndicatorRow], filename: str
) -> IndicatorImportSummary:
    """Store the values of a file; every row is checked before anything is written.

    A city needs an assessment in the round that is not submitted (values lock with it); a
    value already stored for the indicator is replaced.
    """
    if not rows:
        raise DmatError(f"{filename}: no indicator values to import")
    if not round_.is_open:
        raise DmatError(f"{filename}: the round '{round_.name}' is closed; nothing was imported")
    indicators = {indicator.key: indicator for indicator in round_indicators(round_)}
    cities = {c.name_key: c for c in db.session.scalars(select(City))}
    assessments = {
        a.city_id: a
        for a in db.session.scalars(select(Assessment).where(Assessment.round_id == round_.id))
    }
    problems: list[str] = []
    parsed: list[tuple[Assessment, Indicator, IndicatorEntry]] = []
    seen: dict[tuple[int, str], int] = {}
    for row in rows:
        where = f"{filename}:{row.line}"
        city = cities.get(name_key(row.city))
        assessment = assessments.get(city.id) if city is not None else None
        indicator = indicators.get(row.indicator)
        if city is None:
            problems.append(f"{where}: unknown city '{row.city}' (add it with dmat city add)")
        elif assessment is None:
            problems.append(
                f"{where}: {city.name} is not in the round '{round_.name}' (it has no"
                " assessment there yet)"
            )
        elif assessment.is_submitted:
            problems.append(
                f"{where}: the assessment of {city.name} in '{round_.name}' is submitted, so its"
                " indicator values are locked; reopen it before importing"
            )
        if indicator is None:
            known = ", ".join(indicators) or "none"
            problems.append(
                f"{where}: unknown indicator '{row.indicator}' (indicators of "
                f"{round_.questionnaire.label}: {known})"
            )
            continue
        try:
            entry = check_indicator_entry(indicator.unit, row.value, row.source, row.as_of)
        except IndicatorValueError as error:
            problems.append(f"{where}: {error.field} of {indicator.key}: {error.message}")
            continue
        if assessment is None or assessment.is_submitted:
            continue
        first = seen.setdefault((assessment.city_id, indicator.key), row.line)
        if first != row.line:
            problems.append(
                f"{where}: a second value of {indicator.key} for {city.name} (first on line"
                f" {first})"
            )
            continue
        parsed.append((assessment, indicator, entry))
    if problems:
        raise FileRefused(filename, problems)
    existing = {
        (v.assessment_id, v.indicator_id): v
        for v in db.session.scalars(
            select(IndicatorValue).where(
                IndicatorValue.assessment_id.in_({a.id for a, _i, _e in parsed})
            )
        )
    }
    created = 0
    for assessment, indicator, entry in parsed:
        found = existing.get((assessment.id, indicator.id))
        created += found is None
        _store(found, assessment.id, indicator.id, entry, None)
    db.session.flush()
    summary = IndicatorImportSummary(
        rows=len(parsed),
        created=created,
        changed=len(parsed) - created,
        cities=len({assessment.city_id for assessment, _i, _e in parsed}),
    )
    record(
        "indicators_imported",
        f"{summary.rows} indicator values imported into '{round_.name}' from {filename}",
        round_=round_,
        details={"rows": summary.rows, "created": created, "cities": summary.cities},
    )
    return summary
