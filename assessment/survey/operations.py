"""Survey writes: answers (one at a time or a page at once), completion, submission, reopening.

Every function checks first and raises DmatError (a message for the person, in their language)
before changing anything; it flushes, and the request commits once, so an acknowledged answer
is committed before the acknowledgement leaves the server.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import (
    BindParameter,
    bindparam,
    delete,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from ..audit.operations import record
from ..driver import DriverStatement
from ..errors import DmatError
from ..extensions import db
from ..models import (
    Answer,
    AnswerKind,
    Assessment,
    AssessmentStatus,
    Question,
    Response,
    Round,
    RoundStatus,
    User,
    utcnow,
)
from .progress import response_progress, team_progress, unfinished_members

MAX_COMMENT_CHARS = 4000
UNCHANGED = object()  # a comment not sent: keep the stored one


class AnswerRefused(DmatError):
    """An answer that cannot be stored; ``code`` names the problem for scripts."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Choice:
    """A parsed answer: a kind and a level, or ``None`` for "clear my answer"."""

    kind: AnswerKind
    level: int | None = None


def parse_choice(question: Question, raw: object) -> Choice | None:
    """``1..n``, ``dont_know``, ``not_applicable`` (where allowed); empty/None clears."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    value = str(raw).strip().lower() if not isinstance(raw, bool) else ""
    if value == AnswerKind.DONT_KNOW:
        return Choice(AnswerKind.DONT_KNOW)
    if value == AnswerKind.NOT_APPLICABLE:
        if not question.allow_na:
            raise AnswerRefused(
                "not_applicable_not_allowed",
                _("Question %(key)s cannot be answered “not applicable”.", key=question.key),
            )
        return Choice(AnswerKind.NOT_APPLICABLE)
    if value.isdigit() and 1 <= int(value) <= question.level_count:
        return Choice(AnswerKind.LEVEL, int(value))
    raise AnswerRefused(
        "not_a_level",
        _(
            "“%(value)s” is not a level of question %(key)s: choose a level from 1 to %(n)d, "
            "“don't know”%(na)s.",
            value=str(raw)[:40],
            key=question.key,
            n=question.level_count,
            na=_(" or “not applicable”") if question.allow_na else "",
        ),
    )


def parse_comment(raw: object) -> object:
    """The comment to store: text, None (no comment) or UNCHANGED."""
    if raw is UNCHANGED:
        return UNCHANGED
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise AnswerRefused("bad_comment", _("The comment must be text."))
    comment = raw.strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise AnswerRefused(
            "comment_too_long",
            _(
                "The comment has %(n)d characters; at most %(max)d.",
                n=len(comment),
                max=MAX_COMMENT_CHARS,
            ),
        )
    return comment or None


def parse_id(raw: object) -> int | None:
    """A database id from JSON (a number or digits), None for anything else or out of range."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw)
    return raw if isinstance(raw, int) and 0 < raw < 2**31 else None


def _not_in_questionnaire(raw_id: object) -> AnswerRefused:
    return AnswerRefused(
        "other_questionnaire",
        _("Question %(id)s is not part of this round's questionnaire.", id=str(raw_id)[:20]),
    )


def check_writable(round_: Round, assessment: Assessment | None) -> None:
    _refuse_when_locked(
        round_.name, round_.is_open, assessment is not None and assessment.is_submitted
    )


def _refuse_when_locked(round_name: str, round_open: bool, submitted: bool) -> None:
    if not round_open:
        raise AnswerRefused(
            "round_closed",
            _("The round “%(name)s” is closed; answers can no longer change.", name=round_name),
        )
    if submitted:
        raise AnswerRefused(
            "submitted",
            _("Your city's assessment has been submitted; answers can no longer change."),
        )


def _get_or_create(model, defaults: Mapping | None = None, **keys):
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


class Writer(NamedTuple):
    """The city team member an autosave writes for, as the autosave's lookup found them."""

    id: int
    city_id: int


def response_for_writing(round_: Round, user: User | Writer) -> Response:
    assessment = city_assessment(round_, user.city_id)
    check_writable(round_, assessment)
    if assessment is None:
        assessment = _get_or_create(Assessment, round_id=round_.id, city_id=user.city_id)
    return _get_or_create(Response, assessment_id=assessment.id, respondent_id=user.id)


def _parameter(column) -> BindParameter:
    return bindparam(column.key, type_=column.type)


# A write happens only while the answer may still change: checked by the write itself, so a round
# closed or an assessment submitted since the autosave's lookup is never written past.
_STILL_OPEN = (
    select(Response.id)
    .join(Assessment, Assessment.id == Response.assessment_id)
    .join(Round, Round.id == Assessment.round_id)
    .where(
        Response.id == _parameter(Answer.response_id),
        Round.status == RoundStatus.OPEN,
        Assessment.status != AssessmentStatus.SUBMITTED,
    )
    .exists()
)
_DELETE_ANSWER = DriverStatement(
    delete(Answer).where(
        Answer.response_id == _parameter(Answer.response_id),
        Answer.question_id == _parameter(Answer.question_id),
        _STILL_OPEN,
    )
)
_ANSWER_COLUMNS = ("response_id", "question_id", "kind", "level", "updated_at", "comment")


@functools.cache
def _upsert_answer(dialect_name: str, with_comment: bool) -> DriverStatement:
    """INSERT … SELECT … ON CONFLICT DO UPDATE: two saves of one question at once both succeed
    (the later one wins), no read is needed to know whether the answer exists, and nothing is
    written once the round is closed or the assessment submitted."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = Answer.__table__
    values = select(*(_parameter(table.c[name]) for name in _ANSWER_COLUMNS)).where(_STILL_OPEN)
    statement = dialect.insert(Answer).from_select(list(_ANSWER_COLUMNS), values)
    updated = ["kind", "level", "updated_at"] + (["comment"] if with_comment else [])
    return DriverStatement(
        statement.on_conflict_do_update(
            index_elements=[Answer.response_id, Answer.question_id],
            set_={name: statement.excluded[name] for name in updated},
        )
    )


def _store(
    response_id: int, question_id: int, choice: Choice | None, comment, connection=None
) -> int:
    """One statement: delete the answer, or insert it / update the stored one in place.

    The number of rows changed: 0 when the round is closed or the assessment submitted, or when
    an answer to delete was not there."""
    connection = connection or db.session.connection()
    keys = {"response_id": response_id, "question_id": question_id}
    if choice is None:
        return _DELETE_ANSWER.run(connection, keys)
    with_comment = comment is not UNCHANGED
    values = {
        **keys,
        "kind": choice.kind,
        "level": choice.level,
        "updated_at": utcnow(),
        "comment": comment if with_comment else None,
    }
    return _upsert_answer(connection.dialect.name, with_comment).run(connection, values)


def save_page(
    round_: Round, user: User, questions: list[Question], posted: Mapping[int, tuple]
) -> dict[int, str]:
    """Store a page of answers at once (the form without JavaScript): all or nothing.

    ``posted`` maps question id -> (raw answer, raw comment, clear?). Returns the problems per
    question id; when there are any, nothing is stored.
    """
    response = own_response(round_, user)
    check_writable(round_, response.assessment if response is not None else None)
    existing = set()
    if response is not None:
        existing = set(
            db.session.scalars(select(Answer.question_id).where(Answer.response_id == response.id))
        )
    problems: dict[int, str] = {}
    parsed = []
    for question in questions:
        raw_answer, raw_comment, clear = posted.get(question.id, (None, None, False))
        try:
            choice = None if clear else parse_choice(question, raw_answer)
            comment = parse_comment(raw_comment)
        except AnswerRefused as error:
            problems[question.id] = error.message
            continue
        if choice is None and not clear:
            # nothing chosen: a comment alone cannot be stored, an answer not sent is kept
            if comment not in (None, UNCHANGED) and question.id not in existing:
                problems[question.id] = _("Choose an answer to keep your comment.")
            continue
        parsed.append((question, choice, comment))
    if problems:
        return problems
    if parsed:
        response = response_for_writing(round_, user)
        for question, choice, comment in parsed:
            _store(response.id, question.id, choice, None if choice is None else comment)
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
    assessment = city_assessment(round_, leader.city_id)
    check_writable(round_, assessment)
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
    record(
        "assessment_submitted",
        f"{assessment.city.name} submitted its assessment",
        actor=leader,
        city=assessment.city,
        round_=round_,
    )
    return assessment


def reopen_assessment(assessment: Assessment) -> Assessment:
    """A coordinator gives a submitted assessment back to its city for changes."""
    if not assessment.is_submitted:
        raise DmatError(
            _("The assessment of %(city)s is not submitted.", city=assessment.city.name)
        )
    assessment.status = AssessmentStatus.IN_PROGRESS
    assessment.submitted_at = None
    assessment.submitted_by_id = None
    db.session.flush()
    record(
        "assessment_reopened",
        f"The assessment of {assessment.city.name} was reopened",
        city=assessment.city,
        round_=assessment.round,
    )
    return assessment
