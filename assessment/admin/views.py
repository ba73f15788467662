"""Programme management pages: cities, rounds, response imports (questionnaires, users and
API tokens are in the sibling modules, on the same blueprint)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..access import PROGRAMME_ROLES, roles_required
from ..errors import DmatError, listed_problems
from ..extensions import db
from ..models import Assessment, City, Questionnaire, Round, RoundPhase, RoundStatus
from ..presentation import date_text
from ..rounds import rounds_in_order
from ..web import fail
from . import bp, operations
from .forms import ButtonForm, CityForm, ResponseImportForm
from .response_files import read_response_file, response_template, template_name
from .round_forms import RoundForm
from .round_operations import change_round, create_round


@bp.get("/")
@roles_required(*PROGRAMME_ROLES)
def index():
    return render_template("admin/index.html")


@bp.route("/cities", methods=["GET", "POST"])
@roles_required(*PROGRAMME_ROLES)
def cities():
    form = CityForm()
    if form.validate_on_submit():
        try:
            city = operations.add_city(form.name.data, form.country.data)
        except DmatError as error:
            fail(error)
        else:
            db.session.commit()
            flash(_("City %(name)s added.", name=city.name), "success")
            return redirect(url_for("admin.cities"))
    assessed = dict(
        db.session.execute(
            select(Assessment.city_id, func.count()).group_by(Assessment.city_id)
        ).all()
    )
    rows = db.session.scalars(select(City).order_by(City.active.desc(), City.name)).all()
    return render_template(
        "admin/cities.html", form=form, cities=rows, assessed=assessed, button=ButtonForm()
    )


@bp.route("/cities/<int(max=2147483647):city_id>", methods=["GET", "POST"])
@roles_required(*PROGRAMME_ROLES)
def edit_city(city_id: int):
    city = db.get_or_404(City, city_id)
    form = CityForm(obj=city, city=city)
    if form.validate_on_submit():
        try:
            operations.edit_city(city, form.name.data, form.country.data)
        except DmatError as error:
            fail(error)
        else:
            db.session.commit()
            flash(_("City %(name)s saved.", name=city.name), "success")
            return redirect(url_for("admin.cities"))
    return render_template("admin/city.html", form=form, city=city)


@bp.post("/cities/<int(max=2147483647):city_id>/active")
@roles_required(*PROGRAMME_ROLES)
def toggle_city(city_id: int):
    city = db.get_or_404(City, city_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    operations.set_city_active(city, not city.active)
    db.session.commit()
    if city.active:
        flash(_("City %(name)s is active again.", name=city.name), "success")
    else:
        flash(_("City %(name)s is deactivated; its history is kept.", name=city.name), "success")
    return redirect(url_for("admin.cities"))


@bp.route("/rounds", methods=["GET", "POST"])
@roles_required(*PROGRAMME_ROLES)
def rounds():
    form = RoundForm()
    questionnaires = db.session.scalars(
        select(Questionnaire).order_by(Questionnaire.key, Questionnaire.version.desc())
    ).all()
    form.questionnaire.choices = [q.label for q in questionnaires]
    if form.validate_on_submit():
        try:
            round_ = create_round(
                form.name.data,
                form.questionnaire.data,
                opens_on=form.opens_on.data,
                closes_on=form.closes_on.data,
                cities=form.chosen_cities(),
            )
        except DmatError as error:
            fail(error)
        else:
            db.session.commit()
            flash(created_message(round_), "success")
            return redirect(url_for("admin.rounds"))
    counts = dict(
        db.session.execute(
            select(Assessment.round_id, func.count()).group_by(Assessment.round_id)
        ).all()
    )
    rows = rounds_in_order(db.session.scalars(select(Round)), newest_first=True)
    return render_template(
        "admin/rounds.html", form=form, rounds=rows, counts=counts, button=ButtonForm()
    )


@bp.route("/rounds/<int(max=2147483647):round_id>/edit", methods=["GET", "POST"])
@roles_required(*PROGRAMME_ROLES)
def edit_round(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    form = RoundForm(obj=round_, round_=round_)
    del form.questionnaire  # a round keeps its questionnaire: its answers are to it
    if not form.is_submitted() and not round_.all_cities:
        form.taking_part.data = "chosen"
        form.cities.data = [city.id for city in round_.cities]
    if form.validate_on_submit():
        try:
            changed = change_round(
                round_,
                name=form.name.data,
                opens_on=form.opens_on.data,
                closes_on=form.closes_on.data,
                cities=form.chosen_cities(),
            )
        except DmatError as error:
            fail(error)
        else:
            db.session.commit()
            if changed:
                flash(_("Round %(name)s saved.", name=round_.name), "success")
            return redirect(url_for("admin.rounds"))
    return render_template("admin/round.html", form=form, round=round_)


@bp.post("/rounds/<int(max=2147483647):round_id>/status")
@roles_required(*PROGRAMME_ROLES)
def toggle_round(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    # the button closes by hand, or undoes a close by hand; the dates still apply
    new = RoundStatus.OPEN if round_.status == RoundStatus.CLOSED else RoundStatus.CLOSED
    operations.set_round_status(round_, new)
    db.session.commit()
    phase = round_.phase
    if new == RoundStatus.CLOSED:
        flash(_("Round %(name)s is closed.", name=round_.name), "success")
    elif phase is RoundPhase.OPEN:
        flash(_("Round %(name)s is open.", name=round_.name), "success")
    elif phase is RoundPhase.PLANNED:
        flash(
            _(
                "Round %(name)s is no longer closed by hand; it opens on %(date)s.",
                name=round_.name,
                date=date_text(round_.opens_on),
            ),
            "success",
        )
    else:
        flash(
            _(
                "Round %(name)s is no longer closed by hand, but its closing date, %(date)s, "
                "has passed: change the closing date to open it again.",
                name=round_.name,
                date=date_text(round_.closes_on),
            ),
            "error",
        )
    return redirect(url_for("admin.rounds"))


@bp.route("/rounds/<int(max=2147483647):round_id>/import", methods=["GET", "POST"])
@roles_required(*PROGRAMME_ROLES)
def import_responses(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    form = ResponseImportForm()
    problems: list[str] = []
    more = 0
    message = None
    if form.validate_on_submit():
        upload = form.file.data
        name = upload.filename or "upload"
        try:
            rows = read_response_file(upload.read(), name)
            summary = operations.import_responses(
                round_, rows, name, add_city=_("add it on the Cities page first")
            )
        except DmatError as error:
            db.session.rollback()
            message = error.message
            problems, more = listed_problems(error.problems)
        else:
            db.session.commit()
            flash(
                _(
                    "Imported %(rows)d answers for %(cities)d cities: %(new)d new, "
                    "%(replaced)d replaced; %(people)d new respondents.",
                    rows=summary.rows,
                    cities=summary.cities,
                    new=summary.answers_created,
                    replaced=summary.answers_updated,
                    people=summary.respondents_created,
                ),
                "success",
            )
            return redirect(url_for("compare.dashboard", round_id=round_.id))
    return render_template(
        "admin/import.html",
        form=form,
        round=round_,
        message=message,
        problems=problems,
        more=more,
    )


@bp.get("/rounds/<int(max=2147483647):round_id>/import/template.csv")
@roles_required(*PROGRAMME_ROLES)
def import_template(round_id: int):
    """A CSV to fill in: the import header and one example line per question of the round."""
    round_ = db.get_or_404(Round, round_id)
    city = db.session.scalar(select(City).where(City.active).order_by(City.name).limit(1))
    text = response_template(round_, city.name if city else _("City name"))
    return Response(
        text.encode(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{template_name(round_)}"'},
    )


def created_message(round_: Round) -> str:
    phase = round_.phase
    if phase is RoundPhase.PLANNED:
        return _(
            "Round %(name)s created; it opens on %(date)s.",
            name=round_.name,
            date=date_text(round_.opens_on),
        )
    if phase is RoundPhase.CLOSED:
        return _(
            "Round %(name)s created; it is closed: its closing date, %(date)s, has passed.",
            name=round_.name,
            date=date_text(round_.closes_on),
        )
    return _("Round %(name)s created; it is open.", name=round_.name)


# the other programme pages register their routes on ``bp`` when imported
