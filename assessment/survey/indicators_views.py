"""The survey page of a city's success indicators in a round (DESIGN.md rule 11).

The leader, or the member the leader names for the round, enters each indicator's value with
its source and the date it describes; everyone of the team and the programme team see them.
Values lock when the assessment is submitted and change again when it is reopened. The page
works as a plain form: no JavaScript is needed.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import CITY_ROLES, PROGRAMME_ROLES, require_city, roles_required
from ..columns import parse_id
from ..extensions import db
from ..indicators import operations as indicators
from ..models import City, Role, Round, User
from ..web import round_or_404
from . import bp

MAX_FIELD_CHARS = 600  # a source may have 500; anything longer is refused before it is read


def _city_or_404(city_id: int) -> City:
    require_city(city_id)
    city = db.session.get(City, city_id)
    if city is None:
        abort(404)
    return city


def _page(round_: Round, city: City, problems=None, posted=None, status: int = 200):
    assessment = indicators.city_assessment(round_, city.id)
    items = indicators.round_indicators(round_)
    if not items:
        abort(404)
    locked = None
    try:
        indicators.check_changeable(round_, assessment)
    except indicators.IndicatorRefused as refused:
        locked = refused.message
    can_edit = locked is None and indicators.may_edit(current_user, city.id, assessment)
    members = []
    if current_user.role == Role.LEADER and locked is None:
        members = db.session.scalars(
            select(User)
            .where(User.city_id == city.id, User.role == Role.RESPONDENT, User.active)
            .order_by(User.name, User.email)
        ).all()
    return render_template(
        "survey/indicators.html",
        round=round_,
        city=city,
        items=items,
        values=indicators.stored_values(assessment),
        editor=indicators.indicator_editor(assessment),
        members=members,
        can_edit=can_edit,
        locked=locked,
        problems=problems or {},
        posted=posted or {},
        fallback=round_.questionnaire.languages[0],
    ), status


# one route for both methods: an id too large for a round is then a 404 for a POST too (two
# routes on one address would make it a 405: the router checks the method before the id)
@bp.route("/results/<int:round_id>/<int:city_id>/indicators", methods=["GET", "POST"])
@roles_required(*CITY_ROLES, *PROGRAMME_ROLES)
def indicators_page(round_id: int, city_id: int):
    if request.method == "POST":
        if current_user.role not in CITY_ROLES:  # the programme team reads, the city enters
            abort(403)
        return _save(round_id, city_id)
    round_ = round_or_404(round_id)
    return _page(round_, _city_or_404(city_id))


def _save(round_id: int, city_id: int):
    round_ = round_or_404(round_id)
    city = _city_or_404(city_id)
    items = indicators.round_indicators(round_)
    if not items:
        abort(404)
    posted = {}
    for item in items:
        fields = tuple(
            request.form.get(f"{name}-{item.key}", "")[:MAX_FIELD_CHARS]
            for name in ("value", "source", "as_of")
        )
        if f"value-{item.key}" in request.form:
            posted[item.key] = fields
    try:
        summary = indicators.save_values(round_, city.id, posted, current_user)
    except indicators.IndicatorFormProblems as problems:
        db.session.rollback()
        return _page(round_, city, problems.fields, posted, 400)
    except indicators.IndicatorRefused as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return _page(round_, city, status=403 if refused.code == "not_allowed" else 409)
    db.session.commit()
    if summary.saved or summary.removed:
        flash(_("The indicator values are saved."), "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("survey.indicators_page", round_id=round_id, city_id=city_id), 303)


@bp.post("/results/<int:round_id>/<int:city_id>/indicators/editor")
@roles_required(Role.LEADER)
def name_indicator_editor(round_id: int, city_id: int):
    round_ = round_or_404(round_id)
    city = _city_or_404(city_id)
    raw = request.form.get("editor", "")
    member = None
    if raw:
        member_id = parse_id(raw)
        member = db.session.get(User, member_id) if member_id is not None else None
        if member is None:
            abort(400)
    try:
        indicators.check_changeable(round_, indicators.city_assessment(round_, city.id))
        indicators.name_editor(round_, city.id, member, current_user)
    except indicators.IndicatorRefused as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for("survey.indicators_page", round_id=round_id, city_id=city_id), 303)
    db.session.commit()
    if member is None:
        flash(_("Only you can enter the indicator values now."), "success")
    else:
        flash(
            _("%(name)s can now enter the indicator values.", name=member.name or member.email),
            "success",
        )
    return redirect(url_for("survey.indicators_page", round_id=round_id, city_id=city_id), 303)
