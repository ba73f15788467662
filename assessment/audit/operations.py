"""Recording audit events, in the same transaction as the change they describe."""

from __future__ import annotations

from flask import has_request_context
from flask_login import current_user

from ..extensions import db
from ..models import AuditEvent, City, Round, User

ACTIONS = (
    "assessment_submitted",
    "assessment_reopened",
    "responses_imported",
    "data_exported",
    "role_changed",
    "user_created",
    "user_deactivated",
    "user_restored",
    "questionnaire_imported",
    "city_added",
    "city_changed",
    "round_created",
    "round_status_changed",
    "round_changed",
    "backup_restored",
    "agreed_answer_recorded",
    "agreed_answer_changed",
    "agreed_answer_removed",
    "agreed_answers_imported",
    "questionnaire_translated",
    "indicators_imported",
    "targets_imported",
    "target_set",
    "target_removed",
    "action_added",
    "action_changed",
    "action_updated",
    "action_removed",
)


def record(
    action: str,
    summary: str,
    *,
    actor: User | None = None,
    city: City | None = None,
    round_: Round | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """Add an audit event; the caller's commit stores it together with the change itself."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    event = AuditEvent(
        action=action,
        summary=summary[:500],
        actor=actor,
        actor_label=actor.email if actor is not None else "command line",
        city=city,
        round=round_,
        details=details,
    )
    db.session.add(event)
    db.session.flush()
    return event
