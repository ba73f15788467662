"""Coordinators' pages: round dashboard, compare cities, weakest questions, progress, exports."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..access import PROGRAMME_ROLES, roles_required
from ..admin.forms import select_choices
from ..audit.operations import record
from ..extensions import db
from ..indicators.cohort import indicator_round_progress
from ..models import Round
from ..participation import not_started
from ..rounds import rounds_in_order
from ..survey.operations import city_assessment
from . import bp, exports, queries
from .forms import CompareForm, DashboardForm, ProgressForm


def _round(round_id: int) -> Round:
    return db.get_or_404(Round, round_id)


def _rounds() -> list[Round]:
    """Every round, newest first in the rounds' order (rounds.round_order_key)."""
    return rounds_in_order(db.session.scalars(select(Round)), newest_first=True)


@bp.get("/")
@roles_required(*PROGRAMME_ROLES)
def index():
    return render_template("compare/index.html", rounds=_rounds())


@bp.get("/rounds/<int(max=2147483647):round_id>")
@roles_required(*PROGRAMME_ROLES)
def dashboard(round_id: int):
    round_ = _round(round_id)
    form = DashboardForm(request.args)
    form.sort.choices = queries.sort_columns(round_)
    form.validate()
    status = "all" if form.status.errors else form.status.data
    sort = "city" if form.sort.errors else form.sort.data
    asked = request.args.get("country", "")
    page = 1 if form.page.errors or not form.page.data else form.page.data
    dashboard = queries.dashboard(round_, asked, status, sort, bool(form.descending.data), page)
    form.country.choices = select_choices(
        [("", _("All countries")), *((c, c) for c in dashboard.countries)]
    )
    form.country.errors = []
    if asked and asked != dashboard.country:
        form.country.errors = [_("No city of this round is in country %(code)s.", code=asked)]
    return render_template(
        "compare/dashboard.html",
        round=round_,
        form=form,
        dashboard=dashboard,
        not_started=not_started(round_, dashboard.country) if status == "all" else [],
        status=status,
        sort=sort,
        descending=bool(form.descending.data),
    )


@bp.get("/rounds/<int(max=2147483647):round_id>/compare")
@roles_required(*PROGRAMME_ROLES)
def compare(round_id: int):
    round_ = _round(round_id)
    form = CompareForm(request.args)
    everything = queries.round_scores(round_)
    form.city.choices = select_choices(
        (
            s.city.id,
            s.city.name
            if s.assessment.is_submitted
            else _("%(city)s (in progress)", city=s.city.name),
        )
        for s in everything
    )
    comparison = None
    if request.args.get("city") and form.validate():
        comparison = queries.comparison(round_, form.city.data, everything)
    return render_template("compare/compare.html", round=round_, form=form, comparison=comparison)


@bp.get("/rounds/<int(max=2147483647):round_id>/questions")
@roles_required(*PROGRAMME_ROLES)
def questions(round_id: int):
    round_ = _round(round_id)
    cohort, found = queries.weakest_questions(round_)
    return render_template(
        "compare/questions.html", round=round_, cohort_size=len(cohort), questions=found
    )


@bp.get("/rounds/<int(max=2147483647):round_id>/cities/<int(max=2147483647):city_id>/reopen")
@roles_required(*PROGRAMME_ROLES)
def reopen_confirm(round_id: int, city_id: int):
    """Reopening gives a submitted assessment back to its team: asked here first, and only the
    form of this page sends it (to ``survey.reopen``)."""
    round_ = _round(round_id)
    assessment = city_assessment(round_, city_id)
    if assessment is None:
        abort(404)
    return render_template("compare/reopen.html", round=round_, assessment=assessment)


@bp.get("/progress")
@roles_required(*PROGRAMME_ROLES)
def progress():
    rounds = _rounds()
    if not request.args:
        pair = latest_pair(rounds)
        if pair is not None:  # the page opens on the two most recent comparable rounds
            return redirect(url_for("compare.progress", before=pair[0].id, after=pair[1].id))
    form = ProgressForm(request.args)
    form.before.choices = select_choices((r.id, r.name) for r in rounds)
    form.after.choices = select_choices((r.id, r.name) for r in rounds)
    result = None
    before = after = None
    if request.args.get("before") and form.validate():
        before, after = (
            db.session.get(Round, form.before.data),
            db.session.get(Round, form.after.data),
        )
        if before.questionnaire.key != after.questionnaire.key:
            form.after.errors.append(
                _(
                    "The rounds use different questionnaires (%(one)s, %(other)s); "
                    "progress needs rounds of the same questionnaire.",
                    one=before.questionnaire.label,
                    other=after.questionnaire.label,
                )
            )
        else:
            result = queries.progress(before, after)
    return render_template(
        "compare/progress.html",
        form=form,
        progress=result,
        before=before,
        after=after,
        rounds=rounds,
        indicator_progress=indicator_round_progress(before, after) if result else [],
    )


def latest_pair(rounds: list[Round]) -> tuple[Round, Round] | None:
    """The newest round with an earlier round of the same questionnaire, and that earlier one."""
    for index, after in enumerate(rounds):  # newest first
        for before in rounds[index + 1 :]:
            if before.questionnaire.key == after.questionnaire.key:
                return before, after
    return None


@bp.get("/rounds/<int(max=2147483647):round_id>/export.<fmt>")
@roles_required(*PROGRAMME_ROLES)
def export(round_id: int, fmt: str):
    round_ = _round(round_id)
    if fmt not in exports.FORMATS:
        abort(404)
    data = exports.export_bytes(round_, fmt, language=queries.language())
    record("data_exported", f"Round '{round_.name}' exported as {fmt}", round_=round_)
    db.session.commit()
    return Response(
        data,
        mimetype=exports.FORMATS[fmt].mimetype,
        headers={"Content-Disposition": f'attachment; filename="{exports.file_name(round_, fmt)}"'},
    )
