"""Survey pages: the rounds of a city, an overview per round, one page per area, the review
page, the autosave endpoint, and for leaders the team's progress and the submission."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError

from ..access import CITY_ROLES, roles_required
from ..errors import DmatError
from ..extensions import db
from ..models import Area, Role, Round
from ..web import round_or_404
from . import autosave, bp, operations
from .answers import UNCHANGED, AnswerRefused, check_writable
from .progress import (
    earlier_own_answers,
    last_saved_question,
    own_answers,
    response_progress,
    rounds_for_city,
)


def area_or_404(round_: Round, key: str) -> Area:
    for area in round_.questionnaire.areas:
        if area.key == key:
            return area
    abort(404)


def survey_state(round_: Round) -> dict:
    """What the page needs to know about the user's city and own response in this round."""
    assessment = operations.city_assessment(round_, current_user.city_id)
    response = operations.own_response(round_, current_user)
    try:
        check_writable(round_, assessment, current_user.city_id)
        locked = None
    except AnswerRefused as refused:
        locked = refused.message
    g.questionnaire_languages = round_.questionnaire.languages  # offered by the switch
    return {
        "round": round_,
        "questionnaire": round_.questionnaire,
        "assessment": assessment,
        "response": response,
        "progress": response_progress(round_.questionnaire, response),
        "locked": locked,
        "fallback": round_.questionnaire.languages[0],
    }


@bp.get("/survey/")
@roles_required(*CITY_ROLES)
def index():
    rows = [
        (round_, assessment, response_progress(round_.questionnaire, own(round_)))
        for round_, assessment in rounds_for_city(current_user.city_id)
    ]
    return render_template("survey/index.html", rows=rows)


def own(round_: Round):
    return operations.own_response(round_, current_user)


@bp.get("/survey/<int:round_id>/")
@roles_required(*CITY_ROLES)
def overview(round_id: int):
    state = survey_state(round_or_404(round_id))
    return render_template(
        "survey/overview.html", resume=resume_address(state["round"], state["response"]), **state
    )


def resume_address(round_: Round, response) -> str:
    """Where "Continue" goes: the question the member saved last (its area page, scrolled to
    it); the first area when nothing is saved yet."""
    last = last_saved_question(response)
    if last is None:
        return url_for(
            "survey.area", round_id=round_.id, area_key=round_.questionnaire.areas[0].key
        )
    area_key, question_key = last
    return url_for(
        "survey.area", round_id=round_.id, area_key=area_key, _anchor=f"q-{question_key}"
    )


@bp.route("/survey/<int:round_id>/areas/<area_key>", methods=["GET", "POST"])
@roles_required(*CITY_ROLES)
def area(round_id: int, area_key: str):
    round_ = round_or_404(round_id)
    area = area_or_404(round_, area_key)
    state = survey_state(round_)
    values = {
        qid: (
            answer.level if answer.kind == "level" else answer.kind.value,
            answer.comment or "",
            answer.evidence or "",
            answer.evidence_note or "",
        )
        for qid, answer in own_answers(state["response"]).items()
    }
    problems: dict[int, str] = {}
    if request.method == "POST":
        if state["locked"]:
            flash(state["locked"], "error")
            return redirect(url_for("survey.area", round_id=round_id, area_key=area_key))
        posted = {
            q.id: (
                request.form.get(f"answer-{q.id}"),
                request.form.get(f"comment-{q.id}", UNCHANGED),
                request.form.get("clear") == str(q.id),
                request.form.get(f"evidence-{q.id}", UNCHANGED),
                request.form.get(f"note-{q.id}", UNCHANGED),
            )
            for q in area.questions
        }
        problems = operations.save_page(round_, current_user, area.questions, posted)
        if not problems:
            db.session.commit()
            return redirect(after_page_save(round_, area, posted))
        db.session.rollback()
        for qid, (raw, *texts) in posted.items():  # show what was sent, to fix it
            kept = values.get(qid, (None, "", "", ""))
            del texts[1]  # the clear button
            values[qid] = (
                raw or kept[0],
                *(
                    stored if sent is UNCHANGED else sent or ""
                    for stored, sent in zip(kept[1:], texts, strict=True)
                ),
            )
        flash(_("Nothing was saved: please correct the marked questions."), "error")
    areas = state["questionnaire"].areas
    position = areas.index(area)
    earlier_round, earlier = earlier_own_answers(round_, current_user)
    return render_template(
        "survey/area.html",
        area=area,
        earlier_round=earlier_round,
        earlier=earlier,
        values=values,
        problems=problems,
        previous_area=areas[position - 1] if position > 0 else None,
        next_area=areas[position + 1] if position + 1 < len(areas) else None,
        **state,
    ), (400 if problems else 200)


def after_page_save(round_: Round, area: Area, posted: dict) -> str:
    cleared = request.form.get("clear")
    if cleared:
        flash(_("The answer is cleared; your other answers on this page are saved."), "success")
        key = next((q.key for q in area.questions if str(q.id) == cleared), "")
        return url_for("survey.area", round_id=round_.id, area_key=area.key, _anchor=f"q-{key}")
    flash(_("Your answers on this page are saved."), "success")
    if request.form.get("action") == "next":
        areas = round_.questionnaire.areas
        position = areas.index(area)
        if position + 1 < len(areas):
            return url_for("survey.area", round_id=round_.id, area_key=areas[position + 1].key)
        return url_for("survey.review", round_id=round_.id)
    return url_for("survey.area", round_id=round_.id, area_key=area.key)


def json_error(status: int, code: str, message: str):
    return jsonify({"ok": False, "code": code, "error": message}), status


@bp.post("/survey/<int:round_id>/answer")
def save_answer(round_id: int):
    """Autosave: one answer (and comment) as JSON; each save is its own committed transaction.

    Signed in as for ``login_required``, but a JSON 401 instead of the login page's redirect:
    the page's script tells the respondent to log in again."""
    if not current_user.is_authenticated:
        return json_error(401, "login", autosave.logged_out_message())
    posted = request.get_json(silent=True)
    for attempt in range(2):
        try:
            saved = autosave.autosave(round_id, current_user, posted)
            if saved.in_session:  # a first answer's new response, in the ORM session
                db.session.commit()
            break
        except AnswerRefused as refused:
            db.session.rollback()
            return json_error(refused.status, refused.code, refused.message)
        except IntegrityError:  # a concurrent first save created the same response: once more
            db.session.rollback()
            if attempt:
                raise
        except OperationalError:  # the database is busy or away: the page retries later
            db.session.rollback()
            return json_error(503, "busy", _("The server is busy; retrying."))
    choice = saved.choice
    return jsonify(
        {
            "ok": True,
            "question": saved.question_id,
            "answer": None if choice is None else (choice.level or choice.kind.value),
            "progress": saved.progress.as_json(saved.area_key),
        }
    )


@bp.errorhandler(CSRFError)
def csrf_error(error):
    if request.endpoint == "survey.save_answer":
        return json_error(
            400, "csrf", _("The page's security token is missing or expired: reload the page.")
        )
    return render_template(
        "error.html",
        status=400,
        title=_("Form expired"),
        message=_(
            "The form's security token is missing or expired. Reload the page and try again."
        ),
    ), 400


def posted_count(name: str) -> int:
    """A count the person confirmed with a checkbox (0 when not ticked or not a number)."""
    raw = request.form.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 6 else 0


@bp.route("/survey/<int:round_id>/review", methods=["GET", "POST"])
@roles_required(*CITY_ROLES)
def review(round_id: int):
    round_ = round_or_404(round_id)
    problem = None
    if request.method == "POST":
        complete = request.form.get("complete") == "1"
        accepted = posted_count("unanswered") if request.form.get("confirm_gaps") == "1" else 0
        try:
            operations.set_complete(round_, current_user, complete, accepted)
        except DmatError as error:
            db.session.rollback()
            problem = error.message
        else:
            db.session.commit()
            flash(
                _("Your response is marked complete. Thank you!")
                if complete
                else _("Your response is marked as not complete."),
                "success",
            )
            return redirect(url_for("survey.review", round_id=round_id))
    state = survey_state(round_)
    answered = own_answers(state["response"])
    areas = [
        (
            area,
            [(q, answered.get(q.id)) for q in area.questions],
            sum(1 for q in area.questions if q.id not in answered),
        )
        for area in state["questionnaire"].areas
    ]
    return render_template("survey/review.html", areas=areas, problem=problem, **state), (
        400 if problem else 200
    )


@bp.get("/survey/<int:round_id>/team")
@roles_required(Role.LEADER)
def team(round_id: int):
    """The old "Team progress" address: progress is on the one team page now."""
    round_or_404(round_id)
    return redirect(url_for("auth.team", round=round_id), 301)


@bp.post("/survey/<int:round_id>/submit")
@roles_required(Role.LEADER)
def submit(round_id: int):
    round_ = round_or_404(round_id)
    back = url_for("auth.team", round=round_id, _anchor="submit-heading")
    try:
        operations.submit_assessment(
            round_,
            current_user,
            confirmed=request.form.get("confirm") == "1",
            accepted_unfinished=posted_count("unfinished"),
        )
    except DmatError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(back)
    db.session.commit()
    flash(_("Your city's assessment is submitted."), "success")
    return redirect(url_for("survey.results", round_id=round_id, city_id=current_user.city_id))
