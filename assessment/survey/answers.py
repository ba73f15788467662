"""How an answer is read and stored, for every way in: the autosave, the page without
JavaScript and the response files.

``parse_answer`` is the one rule for what a posted or imported answer may be (a level ``1..n``
in ASCII digits, ``dont_know``, or ``not_applicable`` where the question allows it), and
``write_answers`` the one write: each answer is one statement, an upsert or a delete, that
checks for itself that the answer may still change.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from flask_babel import gettext as _
from sqlalchemy import BindParameter, Date, bindparam, delete, exists, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Executable

from ..errors import DmatError
from ..models import (
    Answer,
    AnswerKind,
    Assessment,
    AssessmentStatus,
    Response,
    Round,
    RoundPhase,
    round_city,
    utcnow,
)
from ..presentation import date_text
from ..rounds import today

MAX_COMMENT_CHARS = 4000
UNCHANGED = object()  # a comment not sent: keep the stored one
# ASCII digits only: str.isdigit() also accepts "²" (which int() refuses) and "٣" or "４"
LEVEL = re.compile(r"[0-9]{1,3}")


class QuestionRules(Protocol):
    """What checking an answer needs of a question (a ``Question`` row or its cached rules)."""

    key: str
    level_count: int
    allow_na: bool


class AnswerRefused(DmatError):
    """An answer that cannot be stored; ``code`` names the problem for scripts."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class InvalidAnswer(ValueError):
    """What ``parse_answer`` raises: ``code`` is ``not_a_level`` or
    ``not_applicable_not_allowed``; the text, plain English, is what a response file's line
    is told (``refused`` words it for a person on a page, in their language)."""

    def __init__(self, code: str, question: QuestionRules, raw: object) -> None:
        self.code, self.question, self.raw = code, question, raw
        if code == "not_applicable_not_allowed":
            text = f"question {question.key} does not allow not_applicable"
        else:
            text = (
                f"answer '{str(raw)[:40]}' to {question.key} must be a level "
                f"1..{question.level_count}, dont_know"
                f"{' or not_applicable' if question.allow_na else ''}"
            )
        super().__init__(text)

    def refused(self) -> AnswerRefused:
        question = self.question
        if self.code == "not_applicable_not_allowed":
            message = _("Question %(key)s cannot be answered “not applicable”.", key=question.key)
        else:
            message = _(
                "“%(value)s” is not a level of question %(key)s: choose a level from 1 to "
                "%(n)d, “don't know”%(na)s.",
                value=str(self.raw)[:40],
                key=question.key,
                n=question.level_count,
                na=_(" or “not applicable”") if question.allow_na else "",
            )
        return AnswerRefused(self.code, message)


@dataclass(frozen=True)
class Choice:
    """A parsed answer: a kind and a level, or ``None`` for "clear my answer"."""

    kind: AnswerKind
    level: int | None = None


def parse_answer(question: QuestionRules, raw: object, *, may_clear: bool = True) -> Choice | None:
    """``1..n`` (ASCII digits), ``dont_know``, ``not_applicable`` (where allowed), in any case
    and with spaces around; empty or None clears the answer (``None``) where ``may_clear``.
    Anything else raises InvalidAnswer."""
    if may_clear and (raw is None or (isinstance(raw, str) and not raw.strip())):
        return None
    value = "" if isinstance(raw, bool) else str(raw).strip().lower()
    if value == AnswerKind.DONT_KNOW:
        return Choice(AnswerKind.DONT_KNOW)
    if value == AnswerKind.NOT_APPLICABLE:
        if not question.allow_na:
            raise InvalidAnswer("not_applicable_not_allowed", question, raw)
        return Choice(AnswerKind.NOT_APPLICABLE)
    if LEVEL.fullmatch(value) and 1 <= int(value) <= question.level_count:
        return Choice(AnswerKind.LEVEL, int(value))
    raise InvalidAnswer("not_a_level", question, raw)


def parse_posted_answer(question: QuestionRules, raw: object) -> Choice | None:
    """``parse_answer`` for a person on a page: a refusal is an AnswerRefused in their
    language."""
    try:
        return parse_answer(question, raw)
    except InvalidAnswer as invalid:
        raise invalid.refused() from None


@dataclass(frozen=True)
class TextField:
    """A free-text field (a comment, a rationale, an evidence note): its code for scripts, its
    length limit and its two refusals, worded for the reader."""

    code: str
    max_chars: int
    not_text: Callable[[], str]
    too_long: Callable[[int, int], str]


COMMENT = TextField(
    "comment",
    MAX_COMMENT_CHARS,
    lambda: _("The comment must be text."),
    lambda n, most: _("The comment has %(n)d characters; at most %(max)d.", n=n, max=most),
)


def parse_text(raw: object, field: TextField, refused: type[AnswerRefused] = AnswerRefused):
    """The one rule for a free-text field: stripped text, None for none (or blank), UNCHANGED
    passed through; anything but text, or text over the field's limit, raises ``refused``."""
    if raw is UNCHANGED:
        return UNCHANGED
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise refused(f"bad_{field.code}", field.not_text())
    text = raw.strip()
    if len(text) > field.max_chars:
        raise refused(f"{field.code}_too_long", field.too_long(len(text), field.max_chars))
    return text or None


def parse_comment(raw: object) -> object:
    """The comment to store: text, None (no comment) or UNCHANGED."""
    return parse_text(raw, COMMENT)


def check_writable(
    round_: Round, assessment: Assessment | None, city_id: int | None = None
) -> None:
    """Refuses (AnswerRefused) unless the city team may change answers: the round open, the
    city (``city_id``, else the assessment's) taking part, the assessment not submitted."""
    if city_id is None and assessment is not None:
        city_id = assessment.city_id
    refuse_when_locked(
        round_.name,
        round_.phase,
        assessment is not None and assessment.is_submitted,
        opens_on=round_.opens_on,
        taking_part=city_id is None or round_.takes_part(city_id),
    )


def refuse_when_locked(
    round_name: str,
    phase: RoundPhase,
    submitted: bool,
    *,
    opens_on=None,
    taking_part: bool = True,
) -> None:
    """Answers change only in an open round the city takes part in, and before the city's
    assessment is submitted."""
    if not taking_part:
        raise AnswerRefused(
            "not_taking_part",
            _("Your city does not take part in the round “%(name)s”.", name=round_name),
            status=403,
        )
    if phase is RoundPhase.PLANNED:
        raise AnswerRefused(
            "round_planned",
            _(
                "The round “%(name)s” opens on %(date)s; answers can be given from then.",
                name=round_name,
                date=date_text(opens_on),
            ),
        )
    if phase is not RoundPhase.OPEN:
        raise AnswerRefused(
            "round_closed",
            _("The round “%(name)s” is closed; answers can no longer change.", name=round_name),
        )
    if submitted:
        raise AnswerRefused(
            "submitted",
            _("Your city's assessment has been submitted; answers can no longer change."),
        )


class AnswerWrite(NamedTuple):
    """One answer to store: ``choice`` None deletes it; ``comment`` and ``note`` are text, None
    (none) or UNCHANGED (keep the stored one); ``evidence`` is the column value of the links
    (``evidence.stored``) or UNCHANGED."""

    response_id: int
    question_id: int
    choice: Choice | None
    comment: object = UNCHANGED
    evidence: object = UNCHANGED
    note: object = UNCHANGED


def _parameter(column) -> BindParameter:
    return bindparam(column.key, type_=column.type)


def _still_writable(round_open: bool):
    """The write's own check: the assessment is not submitted and, for the city team's ways
    in, the round is open. A round closed or an assessment submitted after a caller's checks
    is never written past."""
    conditions = [
        Response.id == _parameter(Answer.response_id),
        Assessment.status != AssessmentStatus.SUBMITTED,
    ]
    if round_open:
        conditions.append(Round.open_on(bindparam("today", type_=Date)))
        conditions.append(
            or_(
                Round.all_cities,
                exists().where(
                    round_city.c.round_id == Round.id, round_city.c.city_id == Assessment.city_id
                ),
            )
        )
    return (
        select(Response.id)
        .join(Assessment, Assessment.id == Response.assessment_id)
        .join(Round, Round.id == Assessment.round_id)
        .where(*conditions)
        .exists()
    )


_ANSWER_COLUMNS = (
    "response_id",
    "question_id",
    "kind",
    "level",
    "updated_at",
    "comment",
    "evidence",
    "evidence_note",
)
# the text columns a write may leave as they are, and the AnswerWrite field of each
_KEPT_COLUMNS = (("comment", "comment"), ("evidence", "evidence"), ("evidence_note", "note"))


# The statements are built once: building a statement costs more than running it.
@functools.cache
def _delete_answer(round_open: bool) -> Executable:
    return delete(Answer).where(
        Answer.response_id == _parameter(Answer.response_id),
        Answer.question_id == _parameter(Answer.question_id),
        _still_writable(round_open),
    )


@functools.cache
def _upsert_answer(
    dialect_name: str, changed_texts: tuple[str, ...], round_open: bool
) -> Executable:
    """INSERT … SELECT … ON CONFLICT DO UPDATE: two saves of one question at once both succeed
    (the later one wins), no read is needed to know whether the answer exists, and nothing is
    written once the answer may no longer change."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = Answer.__table__
    values = select(*(_parameter(table.c[name]) for name in _ANSWER_COLUMNS)).where(
        _still_writable(round_open)
    )
    statement = dialect.insert(Answer).from_select(list(_ANSWER_COLUMNS), values)
    updated = ["kind", "level", "updated_at", *changed_texts]
    return statement.on_conflict_do_update(
        index_elements=[Answer.response_id, Answer.question_id],
        set_={name: statement.excluded[name] for name in updated},
    ).execution_options(preserve_rowcount=True)  # SQLAlchemy keeps an INSERT's rowcount


def write_answers(
    connection: Connection, writes: Sequence[AnswerWrite], *, round_open: bool = True
) -> int:
    """Store answers: each one statement that deletes the answer, or inserts it / updates the
    stored one in place, sent together per kind of statement.

    Returns the number of answers changed: fewer than given when the assessment is submitted,
    or (with ``round_open``, the city team's ways in) the round is closed, or when an answer
    to delete was not there. Response files (``round_open=False``) may fill a closed round.
    With ``round_open`` the write checks the round's phase (rounds.open_condition) and that the
    city takes part.
    """
    now = utcnow()
    on = today()
    batches: dict[Executable, list[dict]] = {}
    for write in writes:
        keys = {"response_id": write.response_id, "question_id": write.question_id}
        if round_open:
            keys["today"] = on
        if write.choice is None:
            batches.setdefault(_delete_answer(round_open), []).append(keys)
            continue
        texts = {
            column: getattr(write, field)
            for column, field in _KEPT_COLUMNS
            if getattr(write, field) is not UNCHANGED
        }
        statement = _upsert_answer(connection.dialect.name, tuple(texts), round_open)
        batches.setdefault(statement, []).append(
            {
                **keys,
                "kind": write.choice.kind,
                "level": write.choice.level,
                "updated_at": now,
                **{column: texts.get(column) for column, _field in _KEPT_COLUMNS},
            }
        )
    changed = 0
    for statement, parameters in batches.items():
        if len(parameters) == 1 or not connection.dialect.supports_sane_multi_rowcount:
            changed += sum(connection.execute(statement, one).rowcount for one in parameters)
        else:  # sqlite3 and psycopg sum the rows an executemany changed
            changed += connection.execute(statement, parameters).rowcount
    return changed


def hold_answer_writes(connection: Connection) -> None:
    """No answer or agreed answer is written until the caller's transaction ends, and a write
    that waited checks the assessment's status afresh: submitting stores the scores of the
    answers exactly as they are (``stored_scores``). A write already under way is finished
    first. PostgreSQL only; SQLite lets one transaction write at a time already."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE answer, agreed_answer IN SHARE MODE"))
