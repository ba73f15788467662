from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..access import PROGRAMME_ROLES, roles_required
from ..extensions import db
from ..models import AuditEvent
from . import bp
from .operations import ACTIONS

PAGE_SIZE = 100
# what each action is called on the page, in the reader's language
ACTION_LABELS = {
    "assessment_submitted": _l("assessment submitted"),
    "assessment_reopened": _l("assessment reopened"),
    "responses_imported": _l("responses imported"),
    "data_exported": _l("data exported"),
    "role_changed": _l("role changed"),
    "user_created": _l("user created"),
    "user_deactivated": _l("user deactivated"),
    "user_restored": _l("user restored"),
    "questionnaire_imported": _l("questionnaire imported"),
    "city_added": _l("city added"),
    "city_changed": _l("city changed"),
    "round_created": _l("round created"),
    "round_status_changed": _l("round opened or closed"),
    "round_changed": _l("round dates or cities changed"),
    "backup_restored": _l("backup restored"),
    "agreed_answer_recorded": _l("agreed answer recorded"),
    "agreed_answer_changed": _l("agreed answer changed"),
    "agreed_answer_removed": _l("agreed answer removed"),
    "agreed_answers_imported": _l("agreed answers imported"),
    "questionnaire_translated": _l("questionnaire translated"),
    "indicators_imported": _l("indicator values imported"),
    "targets_imported": _l("targets imported"),
    "target_set": _l("target set"),
    "target_removed": _l("target removed"),
    "action_added": _l("plan action added"),
    "action_changed": _l("plan action changed"),
    "action_updated": _l("plan action progress updated"),
    "action_removed": _l("plan action removed"),
}


@bp.get("/audit")
@roles_required(*PROGRAMME_ROLES)
def events():
    action = request.args.get("action", "")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action in ACTIONS:
        query = query.where(AuditEvent.action == action)
    rows = db.session.scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "audit/events.html",
        events=rows[:PAGE_SIZE],
        actions={name: ACTION_LABELS[name] for name in ACTIONS},
        action=action,
        page=page,
        has_next=len(rows) > PAGE_SIZE,
    )
