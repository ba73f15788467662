"""Survey writes: a page of answers at once, completion, submission, reopening. How an answer
is read and stored is ``answers``'s; the autosave's hot path is ``autosave``'s.

Every function checks first and raises DmatError (a message for the person, in their language)
before changing anything; it flushes, and the request commits once, so an acknowledged answer
is committed before the acknowledgement leaves the server.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from .. import stored_scores
from ..audit.operations import record
from ..errors import DmatError
from ..extensions import db
from ..models import (
    Answer,
    Assessment,
    AssessmentStatus,
    Question,
    Response,
    Round,
    User,
    utcnow,
)
from .answers import (
    UNCHANGED,
    AnswerRefused,
    AnswerWrite,
    check_writable,
    hold_answer_writes,
    parse_comment,
    parse_posted_answer,
    write_answers,
)
from .evidence import parse_evidence as posted_evidence
from .progress import response_progress, team_progress, unfinished_members


def get_or_create(model, defaults: Mapping | None = None, **keys):
    """The row with these keys, created if absent; safe when two requests create it at once."""
    found = db.session.scalar(select(model).filter_by(**keys))
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            found = model(**keys, **(defaults or {}))
            db.session.add(found)
    except IntegrityError:  # the other request won the race: use its row
        found = db.session.scalar(select(model).filter_by(**keys))
    return found


def city_assessment(round_: Round, city_id: int) -> Assessment | None:
    return db.session.scalar(
        select(Assessment).where(Assessment.round_id == round_.id, Assessment.city_id == city_id)
    )


def own_response(round_: Round, user: User) -> Response | None:
    return db.session.scalar(
        select(Response)
        .join(Assessment, Response.assessment_id == Assessment.id)
        .where(
            Assessment.round_id == round_.id,
            Assessment.city_id == user.city_id,
            Response.respondent_id == user.id,
        )
    )


def response_for_writing(round_: Round, user: User) -> Response:
    assessment = city_assessment(round_, user.city_id)
    check_writable(round_, assessment, user.city_id)
    if assessment is None:
        assessment = get_or_create(Assessment, round_id=round_.id, city_id=user.city_id)
    return get_or_create(Response, assessment_id=assessment.id, respondent_id=user.id)


def save_page(
    round_: Round, user: User, questions: list[Question], posted: Mapping[int, tuple]
) -> dict[int, str]:
    """Store a page of answers at once (the form without JavaScript): all or nothing.

    ``posted`` maps question id -> (raw answer, raw comment, clear?, raw evidence links, raw
    evidence note). Returns the problems per question id; when there are any, nothing is
    stored.
    """
    response = own_response(round_, user)
    check_writable(round_, response.assessment if response is not None else None, user.city_id)
    existing = set()
    if response is not None:
        existing = set(
            db.session.scalars(select(Answer.question_id).where(Answer.response_id == response.id))
        )
    problems: dict[int, str] = {}
    parsed = []
    for question in questions:
        raw_answer, raw_comment, clear, raw_links, raw_note = posted.get(
            question.id, (None, None, False, UNCHANGED, UNCHANGED)
        )
        try:
            choice = None if clear else parse_posted_answer(question, raw_answer)
            comment = parse_comment(raw_comment)
            links, note = posted_evidence(raw_links, raw_note)
        except AnswerRefused as error:
            problems[question.id] = error.message
            continue
        if choice is None and not clear:
            # nothing chosen: a comment alone cannot be stored, an answer not sent is kept
            if comment not in (None, UNCHANGED) and question.id not in existing:
                problems[question.id] = _("Choose an answer to keep your comment.")
            elif links not in (None, UNCHANGED) and question.id not in existing:
                problems[question.id] = _("Choose an answer to keep your evidence.")
            continue
        parsed.append((question, choice, comment, links, note))
    if problems:
        return problems
    if parsed:
        response = response_for_writing(round_, user)
        write_answers(
            db.session.connection(),
            [
                AnswerWrite(response.id, question.id, choice, comment, links, note)
                if choice is not None
                else AnswerWrite(response.id, question.id, None)
                for question, choice, comment, links, note in parsed
            ],
        )
    return {}


def set_complete(
    round_: Round, user: User, complete: bool, accepted_unanswered: int = 0
) -> Response:
    """Mark the user's response complete (or not). With unanswered questions it is marked
    complete only when the user confirmed at least that many gaps (``accepted_unanswered``)."""
    if complete:
        progress = response_progress(round_.questionnaire, own_response(round_, user))
        unanswered = progress.total - progress.answered
        if unanswered > accepted_unanswered:
            raise DmatError(
                ngettext(
                    "Not marked complete: %(num)d of %(total)d questions is unanswered. Answer "
                    "it, or tick the box to confirm that you want to mark it complete anyway.",
                    "Not marked complete: %(num)d of %(total)d questions are unanswered. Answer "
                    "them, or tick the box to confirm that you want to mark it complete anyway.",
                    unanswered,
                    total=progress.total,
                )
            )
    response = response_for_writing(round_, user)
    response.completed_at = utcnow() if complete else None
    db.session.flush()
    return response


def submit_assessment(
    round_: Round, leader: User, *, confirmed: bool, accepted_unfinished: int = 0
) -> Assessment:
    """Submit the city's assessment once the leader ``confirmed`` it. While team members have
    not marked their response complete, the confirmation must have named at least that many
    (``accepted_unfinished``); the refusal says how many have not finished."""
    hold_answer_writes(db.session.connection())  # the scores stored below stay the answers'
    assessment = city_assessment(round_, leader.city_id)
    check_writable(round_, assessment, leader.city_id)
    answers = 0
    if assessment is not None:
        answers = db.session.scalar(
            select(func.count(Answer.id))
            .join(Response, Answer.response_id == Response.id)
            .where(Response.assessment_id == assessment.id)
        )
    if not answers:
        raise DmatError(_("Nobody in your team has answered yet; there is nothing to submit."))
    members = [row for row in team_progress(round_, leader.city_id, assessment) if row.counts]
    unfinished = len(unfinished_members(members))
    if unfinished > (accepted_unfinished if confirmed else 0):
        raise DmatError(
            ngettext(
                "Not submitted: %(num)d of %(total)d team members has not finished. Tick the "
                "box to confirm that you want to submit anyway.",
                "Not submitted: %(num)d of %(total)d team members have not finished. Tick the "
                "box to confirm that you want to submit anyway.",
                unfinished,
                total=len(members),
            )
        )
    if not confirmed:
        raise DmatError(_("Tick the box to confirm the submission."))
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = utcnow()
    assessment.submitted_by_id = leader.id
    db.session.flush()
    assessment.stored_scores = stored_scores.scores_to_store(round_, [assessment.city_id]).get(
        assessment.id
    )
    record(
        "assessment_submitted",
        f"{assessment.city.name} submitted its assessment",
        actor=leader,
        city=assessment.city,
        round_=round_,
    )
    return assessment


def store_missing_scores() -> int:
    """Store the scores of every submitted assessment that has none (or has them under other
    rules: ``stored_scores.RULES``), scored from its answers; returns how many were stored."""
    stored = 0
    for round_id, city_ids in stored_scores.missing_scores().items():
        rows = stored_scores.scores_to_store(db.session.get(Round, round_id), city_ids)
        db.session.execute(
            update(Assessment), [{"id": key, "stored_scores": value} for key, value in rows.items()]
        )
        stored += len(rows)
    return stored


def reopen_assessment(assessment: Assessment) -> Assessment:
    """A coordinator gives a submitted assessment back to its city for changes."""
    if not assessment.is_submitted:
        raise DmatError(
            _("The assessment of %(city)s is not submitted.", city=assessment.city.name)
        )
    assessment.status = AssessmentStatus.IN_PROGRESS
    assessment.submitted_at = None
    assessment.submitted_by_id = None
    assessment.stored_scores = None
    db.session.flush()
    record(
        "assessment_reopened",
        f"The assessment of {assessment.city.name} was reopened",
        city=assessment.city,
        round_=assessment.round,
    )
    return assessment
