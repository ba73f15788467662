"""The autosave: one answer at a time, the request every respondent sends every few seconds.

It reads no ORM objects and runs no transaction (docs/decisions.md, "Autosave is the hot path"):
one lookup and one self-checking write from ``operations``, both on the driver's cursor.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import String, and_, bindparam, cast, func, literal_column, select

from ..access import CITY_ROLES
from ..driver import DriverStatement, autocommitting
from ..extensions import db
from ..models import (
    Answer,
    Assessment,
    AssessmentStatus,
    Questionnaire,
    Response,
    Round,
    RoundStatus,
    User,
)
from .operations import (
    UNCHANGED,
    AnswerRefused,
    Choice,
    Writer,
    _not_in_questionnaire,
    _refuse_when_locked,
    _store,
    check_writable,
    city_assessment,
    parse_choice,
    parse_comment,
    parse_id,
    response_for_writing,
)
from .progress import Progress, progress_of, questionnaire_layout

# The autosave's statements are built once: building a statement costs more than running it.
# One row: the signed-in user (gone or deactivated: no row), the round, the city's assessment,
# the user's response and the ids of the questions answered so far, in a single round trip.
_ANSWERED_SO_FAR = (
    select(func.aggregate_strings(cast(Answer.question_id, String), literal_column("','")))
    .where(Answer.response_id == Response.id)
    .scalar_subquery()
)
_WRITING_CONTEXT = DriverStatement(
    select(
        User.role,
        User.city_id,
        Round.id.label("round_id"),
        Round.name,
        Round.status.label("round_status"),
        Round.questionnaire_id,
        Questionnaire.imported_at,
        Assessment.status.label("assessment_status"),
        Response.id.label("response_id"),
        _ANSWERED_SO_FAR.label("answered"),
    )
    .select_from(User)
    .outerjoin(Round, Round.id == bindparam("round_id"))
    .outerjoin(Questionnaire, Questionnaire.id == Round.questionnaire_id)
    .outerjoin(
        Assessment, and_(Assessment.round_id == Round.id, Assessment.city_id == User.city_id)
    )
    .outerjoin(
        Response, and_(Response.assessment_id == Assessment.id, Response.respondent_id == User.id)
    )
    .where(User.id == bindparam("user_id"), User.active.is_(True))
)


@dataclass(frozen=True)
class Autosaved:
    question_id: int
    choice: Choice | None
    area_key: str
    progress: Progress


def autosave(round_id: int, user_id: int, posted: object) -> Autosaved:
    """Store (or with an empty answer, delete) one answer and say how far the user got.

    The hot path of the survey, so it loads no ORM objects, not even the user, and runs no
    transaction: one query for the user, the round, the city's assessment, the user's response
    and the questions answered so far, the questionnaire's layout from the process cache, then
    one write that checks for itself that the answer may still change. Each statement commits
    on its own, so no lock (SQLite) or transaction (PostgreSQL) is held while Python runs, and
    no BEGIN or COMMIT travels to the server. A user's first answer creates their response in
    the session's transaction instead, which the caller commits.
    """
    with autocommitting(db.engine) as connection:
        found = _WRITING_CONTEXT.first(connection, {"round_id": round_id, "user_id": user_id})
        question, choice, comment, answered, layout = _checked_answer(found, posted)
        if found.response_id is not None:
            changed = _store(found.response_id, question.id, choice, comment, connection)
    if found.response_id is None:  # the user's first answer in this round
        writer = Writer(user_id, found.city_id)
        response = response_for_writing(db.session.get(Round, round_id), writer)
        changed = _store(response.id, question.id, choice, comment)
    if not changed and (choice is not None or question.id in answered):
        # closed or submitted since the lookup (or the answer deleted from another page)
        round_ = db.session.get(Round, round_id)
        check_writable(round_, city_assessment(round_, found.city_id))
    if choice is None:
        answered.discard(question.id)
    else:
        answered.add(question.id)
    return Autosaved(question.id, choice, question.area_key, progress_of(layout, answered))


def _checked_answer(found, posted: object):
    """The question, parsed answer and comment of an autosave, after every check of who may
    write what; raises AnswerRefused."""
    if found is None:  # removed or deactivated since the page was opened
        raise AnswerRefused("login", logged_out_message(), status=401)
    if found.role not in CITY_ROLES or found.city_id is None:
        raise AnswerRefused(
            "role", _("Only city team members answer the questionnaire."), status=403
        )
    if found.round_id is None:
        raise AnswerRefused("round", _("There is no such round."), status=404)
    if not isinstance(posted, dict):
        raise AnswerRefused(
            "bad_request", _("The request must be a JSON object with a question and an answer.")
        )
    raw_question_id = posted.get("question")
    question_id = parse_id(raw_question_id)
    layout = questionnaire_layout(found.questionnaire_id, found.imported_at)
    question = layout.questions.get(question_id) if question_id is not None else None
    if question is None:
        raise _not_in_questionnaire(raw_question_id)
    choice = parse_choice(question, posted.get("answer"))
    comment = parse_comment(posted.get("comment", UNCHANGED))
    _refuse_when_locked(
        found.name,
        found.round_status == RoundStatus.OPEN,
        found.assessment_status == AssessmentStatus.SUBMITTED,
    )
    answered = {int(i) for i in found.answered.split(",")} if found.answered else set()
    return question, choice, comment, answered, layout


def logged_out_message() -> str:
    return _("You are logged out: log in again, then reload this page.")
