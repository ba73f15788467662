"""Writing the actions of a city's plan, with their history.

Every write checks everything first and raises PlanRefused before changing anything; it
flushes, and the request commits once. Every change is audited, and every change of status or
progress note adds a line to the action's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..audit.operations import record
from ..extensions import db
from ..models import Action, ActionStatus, ActionUpdate, Assessment, City, Round, User, utcnow
from .targets import PlanRefused

__all__ = ["PlanRefused"]


# actions ------------------------------------------------------------------------------------------
MAX_TITLE_CHARS = 200
MAX_TEXT_CHARS = 4000
MAX_OWNER_CHARS = 120


@dataclass
class ActionFields:
    """An action as posted, each field already typed (the form checks shapes and lengths)."""

    title: str
    description: str | None = None
    areas: list[str] | None = None
    questions: list[str] | None = None
    owner_id: int | None = None
    owner_name: str | None = None
    starts_on: date | None = None
    due_on: date | None = None
    status: ActionStatus = ActionStatus.PLANNED
    progress_note: str | None = None


def known_keys(city: City) -> tuple[set[str], set[str]]:
    """The area and question keys an action of ``city`` may serve: those of the questionnaires
    of the rounds the city has an assessment in (keys match across versions, rule 8)."""
    from ..models import Area, Question

    questionnaire_ids = (
        select(Round.questionnaire_id)
        .join(Assessment, Assessment.round_id == Round.id)
        .where(Assessment.city_id == city.id)
    )
    areas = set(
        db.session.scalars(select(Area.key).where(Area.questionnaire_id.in_(questionnaire_ids)))
    )
    questions = set(
        db.session.scalars(
            select(Question.key).where(Question.questionnaire_id.in_(questionnaire_ids))
        )
    )
    return areas, questions


def _clean(text: str | None, limit: int, field: str, label: str) -> str | None:
    from flask_babel import gettext as _

    if text is None:
        return None
    cleaned = "".join(c for c in text.replace("\r\n", "\n") if c >= " " or c in "\n\t").strip()
    if len(cleaned) > limit:
        raise PlanRefused(
            _("%(field)s has %(n)d characters; at most %(max)d.", field=label, n=len(cleaned),
              max=limit),
            field,
        )  # fmt: skip
    return cleaned or None


def _checked(city: City, fields: ActionFields) -> ActionFields:
    from flask_babel import gettext as _

    title = _clean(fields.title, MAX_TITLE_CHARS, "title", _("The title"))
    if not title:
        raise PlanRefused(_("Give the action a title."), "title")
    areas, questions = known_keys(city)
    unknown = [k for k in fields.areas or [] if k not in areas]
    unknown += [k for k in fields.questions or [] if k not in questions]
    if unknown:
        raise PlanRefused(_("Unknown area or question: %(keys)s.", keys=", ".join(unknown)))
    owner_name = _clean(fields.owner_name, MAX_OWNER_CHARS, "owner_name", _("The owner's name"))
    if fields.owner_id is not None:
        owner = db.session.get(User, fields.owner_id)
        if owner is None or owner.city_id != city.id or not owner.active:
            raise PlanRefused(_("The owner must be an active member of the city's team."), "owner")
        owner_name = None
    if fields.starts_on and fields.due_on and fields.starts_on > fields.due_on:
        raise PlanRefused(_("The action cannot be due before it starts."), "due_on")
    return ActionFields(
        title=title,
        description=_clean(fields.description, MAX_TEXT_CHARS, "description", _("The description")),
        areas=sorted(set(fields.areas or [])),
        questions=sorted(set(fields.questions or [])),
        owner_id=fields.owner_id,
        owner_name=owner_name,
        starts_on=fields.starts_on,
        due_on=fields.due_on,
        status=ActionStatus(fields.status),
        progress_note=_clean(fields.progress_note, MAX_TEXT_CHARS, "progress_note",
                             _("The progress note")),
    )  # fmt: skip


def _history(action: Action, old: ActionStatus | None, note: str | None, actor: User | None):
    db.session.add(
        ActionUpdate(
            action=action,
            actor_id=actor.id if actor is not None else None,
            actor_label=actor.email if actor is not None else "command line",
            old_status=old,
            new_status=action.status,
            note=note,
        )
    )


def add_action(city: City, fields: ActionFields, actor: User | None) -> Action:
    """A new action in ``city``'s plan, with the first line of its history."""
    checked = _checked(city, fields)
    action = Action(
        city_id=city.id, created_by_id=actor.id if actor is not None else None,
        **{name: getattr(checked, name) for name in ACTION_COLUMNS},
    )  # fmt: skip
    db.session.add(action)
    _history(action, None, checked.progress_note, actor)
    db.session.flush()
    record(
        "action_added", f"Plan action “{checked.title}” added", actor=actor, city=city,
        details={"action": action.id, "status": action.status.value},
    )  # fmt: skip
    return action


ACTION_COLUMNS = (
    "title", "description", "areas", "questions", "owner_id", "owner_name", "starts_on", "due_on",
    "status", "progress_note",
)  # fmt: skip


def change_action(action: Action, fields: ActionFields, actor: User) -> bool:
    """The leader's edit of every field of an action; False when nothing changed."""
    checked = _checked(action.city, fields)
    old = {name: getattr(action, name) for name in ACTION_COLUMNS}
    new = {name: getattr(checked, name) for name in ACTION_COLUMNS}
    if old == new:
        return False
    old_status = action.status
    for name, value in new.items():
        setattr(action, name, value)
    action.updated_at = utcnow()
    if old_status != action.status or old["progress_note"] != new["progress_note"]:
        _history(action, old_status, action.progress_note, actor)
    db.session.flush()
    record(
        "action_changed", f"Plan action “{action.title}” changed", actor=actor, city=action.city,
        details={"action": action.id,
                 "fields": sorted(name for name in ACTION_COLUMNS if old[name] != new[name])},
    )  # fmt: skip
    return True


def update_progress(action: Action, status: ActionStatus, note: str | None, actor: User) -> bool:
    """An owner's (or the leader's) update: the status and the progress note; False when
    nothing changed. The history keeps every update."""
    from flask_babel import gettext as _

    note = _clean(note, MAX_TEXT_CHARS, "progress_note", _("The progress note"))
    if status == action.status and note == action.progress_note:
        return False
    old_status = action.status
    action.status = status
    action.progress_note = note
    action.updated_at = utcnow()
    _history(action, old_status, note, actor)
    db.session.flush()
    record(
        "action_updated",
        f"Plan action “{action.title}”: {old_status.value} -> {status.value}",
        actor=actor, city=action.city,
        details={"action": action.id, "from": old_status.value, "to": status.value},
    )  # fmt: skip
    return True


def remove_action(action: Action, actor: User) -> None:
    record(
        "action_removed", f"Plan action “{action.title}” removed", actor=actor, city=action.city,
        details={"action": action.id},
    )  # fmt: skip
    db.session.delete(action)
    db.session.flush()
