"""The team's answers side by side, and the leader's agreed answers (DESIGN.md rule 9).

The leader of a city and the programme team see, per area, how many members chose each answer
and their comments, never who said what; members of the team never see it. The leader records,
changes or removes the agreed answer to a question while the assessment is not submitted.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import PROGRAMME_ROLES, require_city, roles_required
from ..extensions import db
from ..models import Assessment, Role, Round
from ..web import round_or_404
from . import agreed, bp, operations
from .answers import UNCHANGED


def _assessment_or_404(round_: Round, city_id: int) -> Assessment:
    require_city(city_id)
    assessment = operations.city_assessment(round_, city_id)
    if assessment is None:
        abort(404)
    return assessment


def _editable(assessment: Assessment) -> str | None:
    """None when the current user may change the agreed answers, else why not (or "")."""
    if current_user.role != Role.LEADER:
        return ""
    try:
        agreed.check_changeable(assessment)
    except agreed.AgreedRefused as refused:
        return refused.message
    return None


def _page(round_, assessment, area, problems=None, posted=None, status=200):
    locked = _editable(assessment)
    return render_template(
        "survey/agreed.html",
        round=round_,
        city=assessment.city,
        assessment=assessment,
        area=area,
        areas=round_.questionnaire.areas,
        sides=agreed.side_by_side(assessment, area),
        # "Level n of m" for each level count of the area, translated once for the page
        level_labels={
            count: [_("Level %(n)d of %(total)d", n=n, total=count) for n in range(1, count + 1)]
            for count in {question.level_count for question in area.questions}
        },
        can_edit=locked is None,
        locked=locked,
        problems=problems or {},
        posted=posted or {},
        fallback=round_.questionnaire.languages[0],
    ), status


@bp.get("/results/<int:round_id>/<int:city_id>/team/<area_key>")
@roles_required(Role.LEADER, *PROGRAMME_ROLES)
def team_answers(round_id: int, city_id: int, area_key: str):
    round_ = round_or_404(round_id)
    assessment = _assessment_or_404(round_, city_id)
    area = agreed.area_named(round_, area_key)
    if area is None:
        abort(404)
    return _page(round_, assessment, area)


@bp.post("/results/<int:round_id>/<int:city_id>/agreed/<question_key>")
@roles_required(Role.LEADER)
def record_agreed(round_id: int, city_id: int, question_key: str):
    round_ = round_or_404(round_id)
    assessment = _assessment_or_404(round_, city_id)
    question = agreed.question_named(round_, question_key)
    if question is None:
        abort(404)
    remove = request.form.get("action") == "remove"
    try:
        if remove:
            agreed.remove_agreed(assessment, question, current_user)
        else:
            agreed.record_agreed(
                assessment,
                question,
                request.form.get("answer"),
                request.form.get("rationale"),
                current_user,
                request.form.get("evidence", UNCHANGED),
                request.form.get("note", UNCHANGED),
            )
    except agreed.AgreedRefused as refused:
        db.session.rollback()
        status = 409 if refused.code in ("submitted", "round_closed") else 400
        texts = (request.form.get(name, "") for name in ("rationale", "evidence", "note"))
        posted = {question.id: (request.form.get("answer"), *texts)}
        return _page(
            round_, assessment, question.area, {question.id: refused.message}, posted, status
        )
    db.session.commit()
    if remove:
        flash(_("The agreed answer was removed."), "success")
    else:
        flash(_("The agreed answer was recorded."), "success")
    target = url_for(
        "survey.team_answers",
        round_id=round_id,
        city_id=city_id,
        area_key=question.area.key,
        _anchor=f"q-{question.key}",
    )
    return redirect(target, 303)
