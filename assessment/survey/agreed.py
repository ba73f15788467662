"""Agreed answers (DESIGN.md rule 9): the team's one answer to a question, with a rationale.

The writes (record or change, remove, import) check everything first and raise DmatError before
changing anything; they flush, and the request (or the command) commits once. An agreed answer
is read with the survey's own answer parser, so a level, "don't know" and "not applicable" mean
the same here as in the survey and in response files. Scoring reads agreed answers through
``results.agreed_answers``; this module only stores them and gathers what the team said.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import scoring
from ..audit.operations import record
from ..errors import DmatError
from ..extensions import db
from ..models import (
    AgreedAnswer,
    Answer,
    AnswerKind,
    Area,
    Assessment,
    Question,
    Response,
    Round,
    User,
    utcnow,
)
from . import answers, evidence

MAX_RATIONALE_CHARS = 4000


class AgreedRefused(DmatError):
    """An agreed answer that cannot be stored; ``code`` names the problem for scripts."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def parse_agreed(question: Question, raw: object) -> answers.Choice | None:
    """An agreed answer as posted or imported: ``1..n``, ``dont_know``, ``not_applicable``.

    The one place agreed answers are parsed: the survey's parser, so that every way in reads an
    answer alike. None means no answer was given.
    """
    try:
        return answers.parse_posted_answer(question, raw)
    except answers.AnswerRefused as error:
        raise AgreedRefused(error.code, error.message) from None


RATIONALE = answers.TextField(
    "rationale",
    MAX_RATIONALE_CHARS,
    lambda: _("The rationale must be text."),
    lambda n, most: _("The rationale has %(n)d characters; at most %(max)d.", n=n, max=most),
)


def parse_rationale(raw: object) -> str | None:
    """The rationale to store: stripped text, or None for none (the survey's text rule)."""
    return answers.parse_text(raw, RATIONALE, AgreedRefused)


def check_changeable(assessment: Assessment) -> None:
    """Agreed answers change only while the round is open and the assessment not submitted."""
    if not assessment.round.is_open:
        raise AgreedRefused(
            "round_closed",
            _(
                "The round “%(name)s” is closed; agreed answers can no longer change.",
                name=assessment.round.name,
            ),
        )
    if assessment.is_submitted:
        raise AgreedRefused(
            "submitted",
            _(
                "The assessment of %(city)s has been submitted; agreed answers can no longer "
                "change.",
                city=assessment.city.name,
            ),
        )


def _check_question(assessment: Assessment, question: Question) -> None:
    if question.questionnaire_id != assessment.round.questionnaire_id:
        raise AgreedRefused(
            "other_questionnaire",
            _("Question %(key)s is not part of this round's questionnaire.", key=question.key),
        )


def agreed_answer(assessment: Assessment, question: Question) -> AgreedAnswer | None:
    return db.session.scalar(
        select(AgreedAnswer).where(
            AgreedAnswer.assessment_id == assessment.id, AgreedAnswer.question_id == question.id
        )
    )


def parse_evidence(raw_links: object, raw_note: object) -> tuple[object, object]:
    """The evidence column value and note of an agreed answer (survey/evidence.py's rule);
    UNCHANGED for what was not sent."""
    try:
        return evidence.parse_evidence(raw_links, raw_note)
    except evidence.EvidenceRefused as refused:
        raise AgreedRefused(refused.code, refused.message) from None


def record_agreed(
    assessment: Assessment,
    question: Question,
    raw_answer: object,
    raw_rationale: object = None,
    actor: User | None = None,
    raw_evidence: object = answers.UNCHANGED,
    raw_note: object = answers.UNCHANGED,
) -> AgreedAnswer:
    """Record the team's agreed answer to ``question``, or change the one recorded; audited."""
    check_changeable(assessment)
    _check_question(assessment, question)
    choice = parse_agreed(question, raw_answer)
    if choice is None:
        raise AgreedRefused("no_answer", _("Choose the agreed answer to record."))
    rationale = parse_rationale(raw_rationale)
    links, note = parse_evidence(raw_evidence, raw_note)
    found = agreed_answer(assessment, question)
    action = "agreed_answer_recorded" if found is None else "agreed_answer_changed"
    stored = _store(found, assessment.id, question, choice, rationale, actor, links, note)
    record(
        action,
        f"{actor.email if actor else 'The command line'} "
        f"{'recorded' if found is None else 'changed'} the agreed answer of "
        f"{assessment.city.name} to {question.key}",
        actor=actor,
        city=assessment.city,
        round_=assessment.round,
        details={"question": question.key, "answer": choice.level or choice.kind.value},
    )
    return stored


def _store(
    found: AgreedAnswer | None,
    assessment_id: int,
    question: Question,
    choice: answers.Choice,
    rationale: str | None,
    actor: User | None,
    links: object = answers.UNCHANGED,
    note: object = answers.UNCHANGED,
) -> AgreedAnswer:
    """Write one agreed answer: ``found`` is the stored one to change, None to add one; the
    evidence and its note stay as they are where UNCHANGED."""
    actor_id = actor.id if actor is not None else None
    if found is None:
        found = AgreedAnswer(
            assessment_id=assessment_id, question_id=question.id, created_by_id=actor_id
        )
        db.session.add(found)
    found.kind = choice.kind
    found.level = choice.level
    found.rationale = rationale
    if links is not answers.UNCHANGED:
        found.evidence = links
    if note is not answers.UNCHANGED:
        found.evidence_note = note
    found.updated_by_id = actor_id
    found.updated_at = utcnow()
    db.session.flush()
    return found


def remove_agreed(assessment: Assessment, question: Question, actor: User | None = None) -> bool:
    """Remove the agreed answer to ``question`` (audited); False when there was none."""
    check_changeable(assessment)
    _check_question(assessment, question)
    found = agreed_answer(assessment, question)
    if found is None:
        return False
    db.session.delete(found)
    db.session.flush()
    record(
        "agreed_answer_removed",
        f"{actor.email if actor else 'The command line'} removed the agreed answer of "
        f"{assessment.city.name} to {question.key}",
        actor=actor,
        city=assessment.city,
        round_=assessment.round,
        details={"question": question.key},
    )
    return True


# the team's answers side by side ------------------------------------------------------------------
@dataclass(frozen=True)
class QuestionSide:
    """What a team said to one question, without names: counts per answer and the comments."""

    question: Question
    level_counts: tuple[int, ...]  # how many chose each level, lowest first
    dont_know: int
    not_applicable: int
    comments: tuple[str, ...]
    diverges: bool
    agreed: AgreedAnswer | None
    # the members' evidence links and notes, sorted and without names, like the comments
    evidence: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def answered(self) -> int:
        return sum(self.level_counts) + self.dont_know + self.not_applicable


def area_named(round_: Round, key: str) -> Area | None:
    return next((area for area in round_.questionnaire.areas if area.key == key), None)


def question_named(round_: Round, key: str) -> Question | None:
    return next(
        (q for area in round_.questionnaire.areas for q in area.questions if q.key == key), None
    )


def side_by_side(assessment: Assessment, area: Area) -> list[QuestionSide]:
    """Each question of ``area`` with how the team answered it, diverging questions (rule 9)
    first, then in questionnaire order. One read of the area's answers and one of its agreed
    answers; comments come sorted, so their order says nothing about who wrote them."""
    question_ids = [question.id for question in area.questions]
    rows = db.session.execute(
        select(
            Answer.question_id,
            Answer.kind,
            Answer.level,
            Answer.comment,
            Answer.evidence,
            Answer.evidence_note,
        )
        .join(Response, Answer.response_id == Response.id)
        .where(Response.assessment_id == assessment.id, Answer.question_id.in_(question_ids))
    ).all()
    agreed = {
        a.question_id: a
        for a in db.session.scalars(
            select(AgreedAnswer).where(
                AgreedAnswer.assessment_id == assessment.id,
                AgreedAnswer.question_id.in_(question_ids),
            )
        )
    }
    by_question: dict[int, list] = {question_id: [] for question_id in question_ids}
    for row in rows:
        by_question[row.question_id].append(row)
    sides = []
    for question in area.questions:
        counts = [0] * question.level_count
        dont_know = not_applicable = 0
        comments, links, notes = [], set(), []
        for _id, kind, level, comment, stored, note in by_question[question.id]:
            links.update(evidence.links_of(stored))
            if note:
                notes.append(note)
            if kind == AnswerKind.LEVEL:
                counts[level - 1] += 1
            elif kind == AnswerKind.DONT_KNOW:
                dont_know += 1
            else:
                not_applicable += 1
            if comment:
                comments.append(comment)
        indices = [i for i, n in enumerate(counts) for _ in range(n)]
        spec = scoring.QuestionSpec(question.key, question.level_count)
        sides.append(
            QuestionSide(
                question,
                tuple(counts),
                dont_know,
                not_applicable,
                tuple(sorted(comments)),
                scoring.diverges(spec, indices),
                agreed.get(question.id),
                tuple(sorted(links)),
                tuple(sorted(notes)),
            )
        )
    return sorted(sides, key=lambda side: not side.diverges)  # stable: questionnaire order kept


def agreed_list(assessment: Assessment) -> list[AgreedAnswer]:
    """The assessment's agreed answers in questionnaire order, each with its question loaded."""
    return list(
        db.session.scalars(
            select(AgreedAnswer)
            .join(Question, AgreedAnswer.question_id == Question.id)
            .join(Area, Question.area_id == Area.id)
            .where(AgreedAnswer.assessment_id == assessment.id)
            .options(joinedload(AgreedAnswer.question).joinedload(Question.area))
            .order_by(Area.position, Question.position)
        )
    )


def diverging_without_agreed(assessment: Assessment) -> int:
    """How many questions diverge (rule 9) and have no agreed answer yet: one GROUP BY."""
    agreed_questions = select(AgreedAnswer.question_id).where(
        AgreedAnswer.assessment_id == assessment.id
    )
    query = (
        select(
            Question.key,
            Question.level_count,
            func.min(Answer.level),
            func.max(Answer.level),
            func.count(Answer.level),
        )
        .select_from(Answer)
        .join(Response, Answer.response_id == Response.id)
        .join(Question, Answer.question_id == Question.id)
        .where(
            Response.assessment_id == assessment.id,
            Answer.kind == AnswerKind.LEVEL,
            Answer.question_id.not_in(agreed_questions),
        )
        .group_by(Question.key, Question.level_count)
    )
    return sum(
        # with at least two level answers, the lowest and highest are all rule 9 looks at
        scoring.diverges(scoring.QuestionSpec(key, levels), [low - 1, high - 1])
        for key, levels, low, high, n in db.session.execute(query)
        if n >= 2
    )
