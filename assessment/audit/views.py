from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from ..access import PROGRAMME_ROLES, roles_required
from ..extensions import db
from ..models import AuditEvent
from . import bp
from .operations import ACTIONS

PAGE_SIZE = 100


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
        actions=ACTIONS,
        action=action,
        page=page,
        has_next=len(rows) > PAGE_SIZE,
    )
