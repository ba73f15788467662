"""The autosave: one answer at a time, the request every respondent sends every few seconds.

The signed-in user is Flask-Login's ``current_user``. Beyond loading it, an autosave reads no
ORM objects and runs no transaction (docs/decisions.md, "Autosave is the hot path"): one
lookup, then one self-checking write from ``answers``, both SQLAlchemy Core statements on a
connection that commits each statement on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import String, and_, bindparam, cast, exists, func, literal_column, or_, select

from ..access import CITY_ROLES
from ..columns import parse_id
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
    round_city,
)
from ..rounds import round_phase, today
from .answers import (
    UNCHANGED,
    AnswerRefused,
    AnswerWrite,
    Choice,
    check_writable,
    parse_comment,
    parse_posted_answer,
    refuse_when_locked,
    write_answers,
)
from .evidence import parse_evidence
from .operations import city_assessment, response_for_writing
from .progress import Progress, progress_of, questionnaire_layout

# The lookup is built once: building a statement costs more than running it. One row: the
# round, its questionnaire, the city's assessment, the user's response and the ids of the
# questions answered so far, in a single round trip.
_ANSWERED_SO_FAR = (
    select(func.aggregate_strings(cast(Answer.question_id, String), literal_column("','")))
    .where(Answer.response_id == Response.id)
    .scalar_subquery()
)
_WRITING_CONTEXT = (
    select(
        Round.name,
        Round.status.label("round_status"),
        Round.opens_on,
        Round.closes_on,
        or_(
            Round.all_cities,
            exists().where(
                round_city.c.round_id == Round.id, round_city.c.city_id == bindparam("city_id")
            ),
        ).label("taking_part"),
        Round.questionnaire_id,
        Questionnaire.imported_at,
        Assessment.status.label("assessment_status"),
        Response.id.label("response_id"),
        _ANSWERED_SO_FAR.label("answered"),
    )
    .select_from(Round)
    .join(Questionnaire, Questionnaire.id == Round.questionnaire_id)
    .outerjoin(
        Assessment,
        and_(Assessment.round_id == Round.id, Assessment.city_id == bindparam("city_id")),
    )
    .outerjoin(
        Response,
        and_(
            Response.assessment_id == Assessment.id, Response.respondent_id == bindparam("user_id")
        ),
    )
    .where(Round.id == bindparam("round_id"))
)


@dataclass(frozen=True)
class Autosaved:
    question_id: int
    choice: Choice | None
    area_key: str
    progress: Progress
    in_session: bool  # the user's first answer: the new response is in the ORM session


def autosave(round_id: int, user: User, posted: object) -> Autosaved:
    """Store (or with an empty answer, delete) one answer of ``user`` (the signed-in user) and
    say how far they got.

    The hot path of the survey, so it loads no ORM objects and runs no transaction: one query
    for the round, the city's assessment, the user's response and the questions answered so
    far, the questionnaire's layout from the process cache, then one write that checks for
    itself that the answer may still change. Each statement commits on its own (an
    autocommitting connection), so no lock (SQLite) or transaction (PostgreSQL) is held while
    Python runs, and no BEGIN or COMMIT travels to the server. A user's first answer creates
    their response in the ORM session's transaction instead, which the caller commits.
    """
    if user.role not in CITY_ROLES or user.city_id is None:
        raise AnswerRefused(
            "role", _("Only city team members answer the questionnaire."), status=403
        )
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        found = connection.execute(
            _WRITING_CONTEXT, {"round_id": round_id, "city_id": user.city_id, "user_id": user.id}
        ).one_or_none()
        question, choice, texts, answered, layout = _checked_answer(found, posted)
        if found.response_id is not None:
            write = AnswerWrite(found.response_id, question.id, choice, *texts)
            changed = write_answers(connection, [write])
    if found.response_id is None:  # the user's first answer in this round
        response = response_for_writing(db.session.get(Round, round_id), user)
        write = AnswerWrite(response.id, question.id, choice, *texts)
        changed = write_answers(db.session.connection(), [write])
    if not changed and (choice is not None or question.id in answered):
        # closed or submitted since the lookup (or the answer deleted from another page)
        round_ = db.session.get(Round, round_id)
        check_writable(round_, city_assessment(round_, user.city_id), user.city_id)
    if choice is None:
        answered.discard(question.id)
    else:
        answered.add(question.id)
    return Autosaved(
        question.id,
        choice,
        question.area_key,
        progress_of(layout, answered),
        in_session=found.response_id is None,
    )


def _checked_answer(found, posted: object):
    """The question, parsed answer and texts (comment, evidence links, evidence note) of an
    autosave, after every check of what may be written; raises AnswerRefused."""
    if found is None:
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
        raise AnswerRefused(
            "other_questionnaire",
            _(
                "Question %(id)s is not part of this round's questionnaire.",
                id=str(raw_question_id)[:20],
            ),
        )
    choice = parse_posted_answer(question, posted.get("answer"))
    comment = parse_comment(posted.get("comment", UNCHANGED))
    links, note = parse_evidence(
        posted.get("evidence", UNCHANGED), posted.get("evidence_note", UNCHANGED)
    )
    refuse_when_locked(
        found.name,
        round_phase(
            found.round_status == RoundStatus.CLOSED, found.opens_on, found.closes_on, today()
        ),
        found.assessment_status == AssessmentStatus.SUBMITTED,
        opens_on=found.opens_on,
        taking_part=bool(found.taking_part),
    )
    answered = {int(i) for i in found.answered.split(",")} if found.answered else set()
    return question, choice, (comment, links, note), answered, layout


def logged_out_message() -> str:
    return _("You are logged out: log in again, then reload this page.")
