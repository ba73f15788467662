"""The plan pages: a city's targets and actions, the action form, progress updates.

Who may do what: the leader edits the city's plan (targets and actions); a member reads it and
updates the status and progress note of the actions they own; coordinators and admins read
every city's plan. Another city's plan, and its actions, are 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..access import PROGRAMME_ROLES, require_city, roles_required
from ..columns import parse_id
from ..errors import DmatError
from ..extensions import db
from ..models import Action, ActionStatus, City, Role, TargetKind, User
from ..rounds import rounds_in_order
from ..web import fail, round_or_404
from . import bp, operations, queries, targets
from .figures import target_keys
from .forms import OUTSIDE, STATUS_LABELS, ActionForm, FilterForm, ProgressForm


def _city(city_id: int) -> City:
    require_city(city_id)
    city = db.session.get(City, city_id)
    if city is None:
        abort(404)
    return city


def _action(city: City, action_id: int) -> Action:
    action = db.session.get(Action, action_id)
    if action is None or action.city_id != city.id:
        abort(404)
    return action


def _leads(city: City) -> bool:
    return current_user.role == Role.LEADER and current_user.city_id == city.id


def _may_update(action: Action) -> bool:
    return _leads(action.city) or (
        current_user.role == Role.RESPONDENT and action.owner_id == current_user.id
    )


def _titles(city: City) -> dict[tuple[TargetKind, str], dict[str, str]]:
    """Titles of the areas and questions, as the city's most recent questionnaire gives them."""
    titles: dict[tuple[TargetKind, str], dict[str, str]] = {}
    for round_ in queries.city_rounds(city.id) or rounds_in_order(_assessed(city)):
        for index, spec in target_keys(round_.questionnaire).items():
            titles[index] = spec.title
    return titles


def _assessed(city: City):
    from ..models import Assessment, Round

    return db.session.scalars(
        select(Round).join(Assessment, Assessment.round_id == Round.id)
        .where(Assessment.city_id == city.id)
    ).all()  # fmt: skip


def _render(template: str, city: City, **context):
    return render_template(
        template,
        city=city,
        titles=_titles(city),
        language=str(get_locale()),
        status_labels=STATUS_LABELS,
        today=queries.today(),
        can_edit=_leads(city),
        **context,
    )


@bp.get("/<int:city_id>")
@login_required
def plan(city_id: int):
    city = _city(city_id)
    filters = FilterForm(request.args)
    actions = queries.city_actions([city.id]).get(city.id, [])
    today = queries.today()
    shown = actions
    if filters.validate():
        if filters.status.data:
            shown = [a for a in shown if a.status.value == filters.status.data]
        if filters.show.data == "overdue":
            shown = [a for a in shown if a.is_overdue(today)]
        elif filters.show.data == "mine":
            shown = [a for a in shown if a.owner_id == current_user.id]
    rounds = queries.city_rounds(city.id)
    memo: dict = {}  # each round scored once for the page
    return _render(
        "plan/plan.html",
        city,
        filters=filters,
        actions=shown,
        total=len(actions),
        overdue=sum(a.is_overdue(today) for a in actions),
        targets=queries.target_states([city.id], memo=memo).get(city.id, []),
        rounds=rounds,
        moves=queries.movements(city.id, rounds, memo),
        owner=queries.owner_label,
        may_update=_may_update,
    )


def _action_form(city: City, action: Action | None = None) -> ActionForm:
    form = ActionForm(obj=action) if action is not None else ActionForm()
    titles = _titles(city)
    language = str(get_locale())

    def label(index) -> str:
        texts = titles[index]
        return texts.get(language) or next(iter(texts.values()))

    form.areas.choices = [(k, label((kind, k))) for kind, k in titles if kind == TargetKind.AREA]
    form.questions.choices = [
        (k, label((kind, k))) for kind, k in titles if kind == TargetKind.QUESTION
    ]
    members = db.session.scalars(
        select(User).where(User.city_id == city.id, User.active.is_(True)).order_by(User.email)
    ).all()
    form.owner.choices = [
        ("", _("nobody yet")),
        *((f"member:{m.id}", m.name or m.email) for m in members),
        (OUTSIDE, _("someone outside the team (name below)")),
    ]
    if action is not None and request.method == "GET":
        outside = OUTSIDE if action.owner_name else ""
        form.owner.data = f"member:{action.owner_id}" if action.owner_id else outside
        form.status.data = action.status.value
    return form


def _fields(form: ActionForm) -> operations.ActionFields:
    owner_id = None
    owner = form.owner.data or ""
    if owner.startswith("member:"):
        owner_id = parse_id(owner.removeprefix("member:"))
    return operations.ActionFields(
        title=form.title.data or "",
        description=form.description.data,
        areas=list(form.areas.data or []),
        questions=list(form.questions.data or []),
        owner_id=owner_id,
        owner_name=form.owner_name.data if owner == OUTSIDE else None,
        starts_on=form.starts_on.data,
        due_on=form.due_on.data,
        status=ActionStatus(form.status.data),
        progress_note=form.progress_note.data,
    )


def _prefill(form: ActionForm, city: City) -> None:
    """An action from a next step of the results page: ``?round=ID&question=KEY``."""
    round_id = parse_id(request.args.get("round"))
    key = request.args.get("question", "")
    if round_id is None or not key:
        return
    round_ = round_or_404(round_id)
    spec = target_keys(round_.questionnaire).get((TargetKind.QUESTION, key))
    if spec is None:
        return
    language = str(get_locale())
    question_text = spec.title.get(language) or next(iter(spec.title.values()))
    from ..insights import finding
    from ..results import round_scores

    question = next(q for a in round_.questionnaire.areas for q in a.questions if q.key == key)
    score = None
    found = round_scores(round_, [city.id], agreement=False)
    if found:
        score = found[0].result.question_scores.get(key)
    form.title.data = question_text[: operations.MAX_TITLE_CHARS]
    form.areas.data = [spec.area]
    form.questions.data = [key]
    if score is not None:
        step = finding(question, spec.area or "", score)
        if step.next_level is not None:
            form.description.data = _(
                "Reach level %(n)d of %(total)d: %(text)s",
                n=step.next_level, total=question.level_count,
                text=step.next_level_text(language),
            )  # fmt: skip


@bp.route("/<int:city_id>/actions/new", methods=["GET", "POST"])
@roles_required(Role.LEADER)
def new_action(city_id: int):
    city = _city(city_id)
    form = _action_form(city)
    if request.method == "GET":
        _prefill(form, city)
    problem = None
    if form.validate_on_submit():
        try:
            action = operations.add_action(city, _fields(form), current_user)
        except operations.PlanRefused as error:
            fail(error)
            problem = error
        else:
            db.session.commit()
            flash(_("The action “%(title)s” is in the plan.", title=action.title), "success")
            return redirect(url_for("plan.action", city_id=city.id, action_id=action.id))
    status = 400 if request.method == "POST" else 200
    return _render("plan/action_form.html", city, form=form, action=None, problem=problem), status


@bp.get("/<int:city_id>/actions/<int:action_id>")
@login_required
def action(city_id: int, action_id: int):
    city = _city(city_id)
    found = _action(city, action_id)
    return _render(
        "plan/action.html",
        city,
        action=found,
        form=_action_form(city, found) if _leads(city) else None,
        progress=ProgressForm(
            prefix="progress", status=found.status.value, progress_note=found.progress_note
        ),
        may_update=_may_update(found),
        owner=queries.owner_label(found),
        moves=queries.movements(city.id, queries.city_rounds(city.id)),
        problem=None,
    )


@bp.post("/<int:city_id>/actions/<int:action_id>/edit")
@roles_required(Role.LEADER)
def edit_action(city_id: int, action_id: int):
    city = _city(city_id)
    found = _action(city, action_id)
    form = _action_form(city, found)
    problem = None
    if form.validate_on_submit():
        try:
            changed = operations.change_action(found, _fields(form), current_user)
        except operations.PlanRefused as error:
            fail(error)
            problem = error
        else:
            db.session.commit()
            flash(_("The action is saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("plan.action", city_id=city.id, action_id=found.id))
    db.session.refresh(found)
    return _render("plan/action_form.html", city, form=form, action=found, problem=problem), 400


@bp.post("/<int:city_id>/actions/<int:action_id>/progress")
@login_required
def update_action(city_id: int, action_id: int):
    city = _city(city_id)
    found = _action(city, action_id)
    if not _may_update(found):
        abort(403)
    form = ProgressForm(prefix="progress")  # beside the leader's form, on the same page
    if not form.validate_on_submit():
        flash(_("Choose a status; the note has at most 4000 characters."), "error")
    else:
        try:
            changed = operations.update_progress(
                found, ActionStatus(form.status.data), form.progress_note.data, current_user
            )
        except DmatError as error:
            fail(error)
        else:
            db.session.commit()
            flash(_("The progress is saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for("plan.action", city_id=city.id, action_id=found.id))


@bp.post("/<int:city_id>/actions/<int:action_id>/remove")
@roles_required(Role.LEADER)
def remove_action(city_id: int, action_id: int):
    city = _city(city_id)
    found = _action(city, action_id)
    if request.form.get("confirm") != "1":
        flash(_("The action was not removed: tick the box to confirm."), "error")
        return redirect(url_for("plan.action", city_id=city.id, action_id=found.id))
    title = found.title
    operations.remove_action(found, current_user)
    db.session.commit()
    flash(_("The action “%(title)s” was removed from the plan.", title=title), "success")
    return redirect(url_for("plan.plan", city_id=city.id))


@bp.post("/<int:city_id>/targets/<int:round_id>")
@roles_required(Role.LEADER)
def set_targets(city_id: int, round_id: int):
    city = _city(city_id)
    round_ = round_or_404(round_id)
    from ..survey.operations import city_assessment

    assessment = city_assessment(round_, city.id)
    if assessment is None:
        abort(404)
    back = url_for("survey.results", round_id=round_.id, city_id=city.id) + "#targets"
    if not assessment.is_submitted:
        flash(_("Targets are set on the results of a submitted assessment."), "error")
        return redirect(back)
    posted = request.form
    entries = [
        targets.TargetEntry(
            TargetKind.AREA,
            area.key,
            posted.get(f"area-{area.key}", "")[:100],
            posted.get(f"due-{area.key}", "")[:100],
        )
        for area in round_.questionnaire.areas
        if f"area-{area.key}" in posted
    ]
    entries += [
        targets.TargetEntry(
            TargetKind.INDICATOR,
            indicator.key,
            posted.get(f"indicator-{indicator.key}", "")[:100],
            posted.get(f"due-indicator-{indicator.key}", "")[:100],
        )
        for indicator in round_.questionnaire.indicators
        if f"indicator-{indicator.key}" in posted
    ]
    question = posted.get("question", "")[:100]
    if question:
        entries.append(
            targets.TargetEntry(
                TargetKind.QUESTION,
                question,
                posted.get("level", "")[:100],
                posted.get("due-question", "")[:100],
            )
        )
    try:
        changed, removed = targets.set_targets(city, round_, entries, current_user)
        db.session.commit()
    except targets.PlanRefused as error:
        fail(error)
    except IntegrityError:  # the same target saved by another request at the same moment
        db.session.rollback()
        message = _("The targets were changed meanwhile; nothing was saved. Please try again.")
        flash(message, "error")
    else:
        flash(
            _("Targets saved: %(set)d set or changed, %(removed)d removed.", set=changed,
              removed=removed),
            "success",
        )  # fmt: skip
    return redirect(back)


@bp.get("/rounds/<int:round_id>")
@roles_required(*PROGRAMME_ROLES)
def overview(round_id: int):
    from .forms import OVERVIEW_SORTS, OverviewForm
    from .overview import countries, plans_overview

    round_ = round_or_404(round_id)
    form = OverviewForm(request.args)
    known = countries(round_)
    form.country.choices = [("", _("All countries")), *((c, c) for c in known)]
    form.validate()
    country = form.country.data if form.country.data in known else ""
    sort = form.sort.data if form.sort.data in OVERVIEW_SORTS else "city"
    rows = plans_overview(round_, country, sort, bool(form.descending.data))
    return render_template(
        "plan/overview.html",
        round=round_,
        form=form,
        rows=rows,
        country=country,
        sort=sort,
        sorts=OVERVIEW_SORTS,
    )
