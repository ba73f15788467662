"""Survey read side: a respondent's own answers and progress, a team's progress counts.

Leaders see how many questions each member answered, never what they answered.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from reports.context import previous_round

from ..extensions import db
from ..models import (
    Answer,
    AnswerKind,
    Area,
    Assessment,
    Question,
    Questionnaire,
    Response,
    Round,
    RoundPhase,
    User,
)
from ..rounds import rounds_in_order


@dataclass(frozen=True)
class Progress:
    answered: int
    total: int
    areas: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> (answered, total)

    @property
    def share(self) -> float:
        return self.answered / self.total if self.total else 0.0

    def as_json(self, area_key: str | None = None) -> dict:
        data: dict = {"answered": self.answered, "total": self.total}
        if area_key is not None:
            data["area"] = {"answered": self.areas[area_key][0], "total": self.areas[area_key][1]}
        return data


def last_saved_question(response: Response | None) -> tuple[str, str] | None:
    """(area key, question key) of the response's most recently saved answer, if any."""
    if response is None:
        return None
    row = db.session.execute(
        select(Area.key, Question.key)
        .join(Question, Question.area_id == Area.id)
        .join(Answer, Answer.question_id == Question.id)
        .where(Answer.response_id == response.id)
        .order_by(Answer.updated_at.desc(), Answer.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


@dataclass(frozen=True)
class EarlierAnswer:
    """A respondent's own answer to a question (matched by key) in an earlier round."""

    kind: AnswerKind
    level: int | None
    level_count: int


def earlier_own_answers(round_: Round, user: User) -> tuple[Round | None, dict[str, EarlierAnswer]]:
    """The city's previous round of the same questionnaire key (as the report takes it) and the
    user's own answers in it by question key: one query for the answers, never another's."""
    city = user.city
    before = previous_round(round_, city) if city is not None else None
    if before is None:
        return None, {}
    rows = db.session.execute(
        select(Question.key, Answer.kind, Answer.level, Question.level_count)
        .join(Answer, Answer.question_id == Question.id)
        .join(Response, Answer.response_id == Response.id)
        .join(Assessment, Response.assessment_id == Assessment.id)
        .where(
            Assessment.round_id == before.id,
            Assessment.city_id == user.city_id,
            Response.respondent_id == user.id,
        )
    )
    return before, {key: EarlierAnswer(kind, level, count) for key, kind, level, count in rows}


def own_answers(response: Response | None) -> dict[int, Answer]:
    if response is None:
        return {}
    answers = db.session.scalars(select(Answer).where(Answer.response_id == response.id))
    return {answer.question_id: answer for answer in answers}


@dataclass(frozen=True)
class QuestionRules:
    """What checking an answer to a question needs, without loading the question row."""

    id: int
    key: str
    area_key: str
    level_count: int
    allow_na: bool


@dataclass(frozen=True)
class Layout:
    """A questionnaire's areas (id, key, number of questions, in order) and its questions."""

    areas: tuple[tuple[int, str, int], ...]
    questions: dict[int, QuestionRules]


@functools.lru_cache(maxsize=64)
def questionnaire_layout(questionnaire_id: int, imported_at: datetime) -> Layout:
    """A stored questionnaire never changes, so its layout is read once per process (the
    import time tells a re-imported questionnaire with a reused id apart)."""
    rows = db.session.execute(
        select(
            Area.id, Area.key, Question.id, Question.key, Question.level_count, Question.allow_na
        )
        .join(Question, Question.area_id == Area.id)
        .where(Area.questionnaire_id == questionnaire_id)
        .order_by(Area.position, Question.position)
    ).all()
    sizes: dict[int, list] = {}
    questions = {}
    for area_id, area_key, question_id, key, level_count, allow_na in rows:
        sizes.setdefault(area_id, [area_id, area_key, 0])[2] += 1
        questions[question_id] = QuestionRules(question_id, key, area_key, level_count, allow_na)
    return Layout(tuple(tuple(size) for size in sizes.values()), questions)


def progress_of(layout: Layout, answered_question_ids) -> Progress:
    answered_by_area: dict[str, int] = {}
    for question_id in answered_question_ids:
        rules = layout.questions.get(question_id)
        if rules is not None:
            answered_by_area[rules.area_key] = answered_by_area.get(rules.area_key, 0) + 1
    areas = {key: (answered_by_area.get(key, 0), size) for _, key, size in layout.areas}
    return Progress(sum(a for a, _ in areas.values()), sum(t for _, t in areas.values()), areas)


def answered_question_ids(response_id: int | None) -> list[int]:
    """Which questions the response has answered, read from the answer index alone."""
    if response_id is None:
        return []
    return list(
        db.session.scalars(select(Answer.question_id).where(Answer.response_id == response_id))
    )


def response_progress(questionnaire: Questionnaire, response: Response | None) -> Progress:
    """Answered / total questions, overall and per area: one small query per call."""
    layout = questionnaire_layout(questionnaire.id, questionnaire.imported_at)
    return progress_of(layout, answered_question_ids(response.id if response else None))


@dataclass(frozen=True)
class MemberProgress:
    user: User
    answered: int
    completed_at: datetime | None
    last_saved: datetime | None

    @property
    def counts(self) -> bool:
        """Whether the member counts in "n of m team members have not finished": every active
        member; a removed one is listed (their answers count) but can no longer finish."""
        return self.user.active

    @property
    def finished(self) -> bool:
        return self.completed_at is not None


def unfinished_members(rows: list[MemberProgress]) -> list[MemberProgress]:
    """The members who count and have not marked their response complete."""
    return [row for row in rows if row.counts and not row.finished]


def team_progress(round_: Round, city_id: int, assessment: Assessment | None):
    """Every team member (active, or removed but with answers) and how far they got."""
    counts: dict[int, tuple[int, datetime | None, datetime | None]] = {}
    if assessment is not None:
        rows = db.session.execute(
            select(
                Response.respondent_id,
                func.count(Answer.id),
                Response.completed_at,
                func.max(Answer.updated_at),
            )
            .outerjoin(Answer, Answer.response_id == Response.id)
            .where(Response.assessment_id == assessment.id)
            .group_by(Response.respondent_id, Response.completed_at)
        )
        counts = {user_id: (n, done, last) for user_id, n, done, last in rows}
    members = db.session.scalars(
        select(User)
        .where(User.city_id == city_id, or_(User.active.is_(True), User.id.in_(list(counts))))
        .order_by(User.name, User.email)
    )
    rows = []
    for user in members:
        answered, done, last = counts.get(user.id, (0, None, None))
        rows.append(MemberProgress(user, answered, done, last))
    return rows


def rounds_for_city(city_id: int) -> list[tuple[Round, Assessment | None]]:
    """The open and planned rounds the city takes part in, and every round in which it has an
    assessment, newest first (rounds.round_order_key)."""
    assessments = {
        a.round_id: a
        for a in db.session.scalars(select(Assessment).where(Assessment.city_id == city_id))
    }
    rounds = db.session.scalars(select(Round).options(selectinload(Round.cities))).all()
    shown = [
        r
        for r in rounds
        if r.id in assessments or (r.phase is not RoundPhase.CLOSED and r.takes_part(city_id))
    ]
    return [(r, assessments.get(r.id)) for r in rounds_in_order(shown, newest_first=True)]


@dataclass(frozen=True)
class TeamRound:
    """A round as the team page shows it: each member's progress and who has not finished."""

    round: Round
    assessment: Assessment | None
    total: int  # questions in the round's questionnaire
    members: dict[int, MemberProgress]  # by user id
    counted: int  # members who count in "n of m have not finished"
    unfinished: list[MemberProgress]

    @property
    def locked(self) -> bool:
        return not self.round.is_open or (
            self.assessment is not None and self.assessment.is_submitted
        )


def team_round(city_id: int, round_id: int | None = None) -> TeamRound | None:
    """The round ``round_id`` (None when the city cannot see it), or by default the newest open
    round (else the newest one of the city), with the team's progress in it."""
    rounds = rounds_for_city(city_id)
    if round_id is not None:
        chosen = next(((r, a) for r, a in rounds if r.id == round_id), None)
    else:
        chosen = next(((r, a) for r, a in rounds if r.is_open), rounds[0] if rounds else None)
    if chosen is None:
        return None
    round_, assessment = chosen
    rows = team_progress(round_, city_id, assessment)
    return TeamRound(
        round=round_,
        assessment=assessment,
        total=response_progress(round_.questionnaire, None).total,
        members={row.user.id: row for row in rows},
        counted=sum(1 for row in rows if row.counts),
        unfinished=unfinished_members(rows),
    )
