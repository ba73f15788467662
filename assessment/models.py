"""Database tables, as typed SQLAlchemy 2.0 models. The only place tables are defined.

The rules the database can hold are constraints here: one assessment per city and round, one
response per respondent and assessment, one answer per question and response, an answer is a
level or a ``dont_know``/``not_applicable`` but never both, ``submitted_at`` is set exactly when
an assessment is submitted.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from .columns import UTCDateTime, str_enum, utcnow
from .extensions import db
from .names import name_key
from .rounds import RoundPhase, RoundTiming, open_condition, round_phase, round_timing, today

PASSWORD_METHOD = "scrypt"  # Werkzeug's method and its default cost, for every password hash


class Role(enum.StrEnum):
    RESPONDENT = "respondent"
    LEADER = "leader"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def is_city_role(self) -> bool:
        return self in (Role.RESPONDENT, Role.LEADER)


class RoundStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class AssessmentStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class AnswerKind(enum.StrEnum):
    LEVEL = "level"
    DONT_KNOW = "dont_know"
    NOT_APPLICABLE = "not_applicable"


class City(db.Model):  # type: ignore[name-defined]
    __tablename__ = "city"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # the name as compared (assessment/names.py): two cities never differ only in case
    name_key: Mapped[str] = mapped_column(String(120), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="city")
    assessments: Mapped[list[Assessment]] = relationship(back_populates="city")

    __table_args__ = (
        CheckConstraint("length(country) = 2", name="country_code"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    @validates("name")
    def _set_name_key(self, _key: str, name: str) -> str:
        self.name_key = name_key(name)
        return name

    def __repr__(self) -> str:
        return f"<City {self.name}>"


class User(UserMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("city.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # carried in every session and remember cookie; raising it ends all of them (logout, reset,
    # deactivation)
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # who deactivated the account: only they or a higher role may restore it
    deactivated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    city: Mapped[City | None] = relationship(back_populates="users")
    responses: Mapped[list[Response]] = relationship(back_populates="respondent")

    __table_args__ = (
        # respondents and leaders belong to exactly one city; coordinators and admins to none
        CheckConstraint(
            "(role IN ('respondent', 'leader')) = (city_id IS NOT NULL)", name="city_role"
        ),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """Flask-Login's alternative token: the id and the session generation, so that raising
        the generation (auth/operations.end_sessions) ends every session and remember cookie."""
        return f"{self.id}:{self.session_generation}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class Questionnaire(db.Model):  # type: ignore[name-defined]
    """An imported questionnaire version; never changed once answered (changes make a new one)."""

    __tablename__ = "questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    languages: Mapped[list[str]] = mapped_column(JSON)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text)  # the YAML as imported, for export and audit
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    areas: Mapped[list[Area]] = relationship(
        back_populates="questionnaire", order_by="Area.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("key", "version"),
        CheckConstraint("version > 0", name="version_positive"),
    )

    @property
    def label(self) -> str:
        return f"{self.key}:{self.version}"

    def __repr__(self) -> str:
        return f"<Questionnaire {self.label}>"


class Area(db.Model):  # type: ignore[name-defined]
    __tablename__ = "area"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(JSON)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="areas")
    questions: Mapped[list[Question]] = relationship(
        back_populates="area", order_by="Question.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("questionnaire_id", "key"),
        UniqueConstraint("questionnaire_id", "position"),
        CheckConstraint("weight > 0", name="weight_positive"),
    )


class Question(db.Model):  # type: ignore[name-defined]
    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    # repeated from the area so that question keys can be unique per questionnaire
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire.id", ondelete="CASCADE")
    )
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    allow_na: Mapped[bool] = mapped_column(default=False)
    text: Mapped[dict[str, str]] = mapped_column(JSON)
    help: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # the rubric, lowest first: one mapping language -> descriptor per level
    levels: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    # len(levels), kept as a column so that SQL aggregation can scale levels to 0-100
    level_count: Mapped[int] = mapped_column(Integer)
    # rule 1's own score (0-100) per level, lowest first; None: 100 * i / (n - 1)
    level_values: Mapped[list[float] | None] = mapped_column(JSON, nullable=True)

    questionnaire: Mapped[Questionnaire] = relationship()
    area: Mapped[Area] = relationship(back_populates="questions")

    __table_args__ = (
        UniqueConstraint("questionnaire_id", "key"),
        UniqueConstraint("area_id", "position"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("level_count BETWEEN 2 AND 10", name="level_count_range"),
    )


# the cities taking part in a round that does not take every city (Round.all_cities false)
round_city = Table(
    "round_city",
    db.metadata,
    Column(
        "round_id",
        ForeignKey("assessment_round.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("city_id", ForeignKey("city.id", ondelete="CASCADE"), primary_key=True),
)


class Round(db.Model):  # type: ignore[name-defined]
    """An assessment round. Whether it is open is derived (assessment/rounds.py): ``status``
    is only the manual close, ``opens_on``/``closes_on`` (UTC days, either may be missing) the
    dates. Every city takes part when ``all_cities`` (cities added later too), else the cities
    listed in ``round_city``."""

    __tablename__ = "assessment_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire.id", ondelete="RESTRICT")
    )
    status: Mapped[RoundStatus] = mapped_column(
        str_enum(RoundStatus, "round_status"), default=RoundStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    all_cities: Mapped[bool] = mapped_column(default=True, server_default=true())

    questionnaire: Mapped[Questionnaire] = relationship()
    assessments: Mapped[list[Assessment]] = relationship(back_populates="round")
    cities: Mapped[list[City]] = relationship(secondary=round_city, order_by="City.name")

    __table_args__ = (
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint(
            "opens_on IS NULL OR closes_on IS NULL OR closes_on >= opens_on",
            name="closes_after_opens",
        ),
    )

    def phase_on(self, on: date) -> RoundPhase:
        return round_phase(self.status == RoundStatus.CLOSED, self.opens_on, self.closes_on, on)

    @property
    def phase(self) -> RoundPhase:
        return self.phase_on(today())

    @property
    def is_open(self) -> bool:
        return self.phase is RoundPhase.OPEN

    @property
    def timing(self) -> RoundTiming:
        return round_timing(
            self.status == RoundStatus.CLOSED, self.opens_on, self.closes_on, today()
        )

    @classmethod
    def open_on(cls, on):
        """SQL: the round is open on ``on`` (a date or a bound parameter)."""
        return open_condition(cls.status, cls.opens_on, cls.closes_on, on)

    def takes_part(self, city_id: int | None) -> bool:
        return self.all_cities or any(city.id == city_id for city in self.cities)

    def __repr__(self) -> str:
        return f"<Round {self.name}>"


class Assessment(db.Model):  # type: ignore[name-defined]
    """One city's assessment in one round."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_round.id", ondelete="CASCADE"))
    city_id: Mapped[int] = mapped_column(ForeignKey("city.id", ondelete="RESTRICT"))
    status: Mapped[AssessmentStatus] = mapped_column(
        str_enum(AssessmentStatus, "assessment_status"), default=AssessmentStatus.IN_PROGRESS
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # its area and question scores while it is submitted (stored_scores.py)
    stored_scores: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    round: Mapped[Round] = relationship(back_populates="assessments")
    city: Mapped[City] = relationship(back_populates="assessments")
    submitted_by: Mapped[User | None] = relationship()
    responses: Mapped[list[Response]] = relationship(back_populates="assessment")

    __table_args__ = (
        UniqueConstraint("round_id", "city_id"),
        CheckConstraint(
            "(status = 'submitted') = (submitted_at IS NOT NULL)", name="submitted_at_iff_submitted"
        ),
        CheckConstraint(
            "status = 'submitted' OR stored_scores IS NULL", name="stored_scores_only_submitted"
        ),
    )

    @property
    def is_submitted(self) -> bool:
        return self.status == AssessmentStatus.SUBMITTED


class Response(db.Model):  # type: ignore[name-defined]
    """One respondent's answers within a city's assessment."""

    __tablename__ = "response"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    respondent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    assessment: Mapped[Assessment] = relationship(back_populates="responses")
    respondent: Mapped[User] = relationship(back_populates="responses")
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("assessment_id", "respondent_id"),)


class Answer(db.Model):  # type: ignore[name-defined]
    __tablename__ = "answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="RESTRICT"))
    kind: Mapped[AnswerKind] = mapped_column(str_enum(AnswerKind, "answer_kind"))
    level: Mapped[int | None] = mapped_column(Integer)  # 1 = lowest, as shown to respondents
    comment: Mapped[str | None] = mapped_column(Text)
    # evidence: up to five http(s) links, one per line, and a note (survey/evidence.py)
    evidence: Mapped[str | None] = mapped_column(Text)
    evidence_note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    response: Mapped[Response] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()

    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        # covers the scoring aggregates: GROUP BY reads only this index, never the table
        Index("ix_answer_scoring", "response_id", "question_id", "kind", "level"),
        CheckConstraint(
            "(kind = 'level' AND level IS NOT NULL AND level BETWEEN 1 AND 10)"
            " OR (kind <> 'level' AND level IS NULL)",
            name="level_iff_kind_level",
        ),
        CheckConstraint("comment IS NULL OR length(comment) <= 4000", name="comment_length"),
        CheckConstraint("evidence IS NULL OR length(evidence) <= 10004", name="evidence_length"),
        CheckConstraint(
            "evidence_note IS NULL OR length(evidence_note) <= 1000", name="evidence_note_length"
        ),
    )


class AgreedAnswer(db.Model):  # type: ignore[name-defined]
    """A city team's agreed answer to one question (rule 9), with the reason for it.

    Recorded before the assessment is submitted, usually after a workshop; for scoring it
    replaces the respondents' answers to the question.
    """

    __tablename__ = "agreed_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="RESTRICT"))
    kind: Mapped[AnswerKind] = mapped_column(str_enum(AnswerKind, "agreed_kind"))
    level: Mapped[int | None] = mapped_column(Integer)  # 1 = lowest, as in Answer
    rationale: Mapped[str | None] = mapped_column(Text)
    # evidence: up to five http(s) links, one per line, and a note (survey/evidence.py)
    evidence: Mapped[str | None] = mapped_column(Text)
    evidence_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # None for the command line, which has no login, or once the account is gone
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    assessment: Mapped[Assessment] = relationship()
    question: Mapped[Question] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    __table_args__ = (
        UniqueConstraint("assessment_id", "question_id"),
        CheckConstraint(
            "(kind = 'level' AND level IS NOT NULL AND level BETWEEN 1 AND 10)"
            " OR (kind <> 'level' AND level IS NULL)",
            name="level_iff_kind_level",
        ),
        CheckConstraint("rationale IS NULL OR length(rationale) <= 4000", name="rationale_length"),
        CheckConstraint("evidence IS NULL OR length(evidence) <= 10004", name="evidence_length"),
        CheckConstraint(
            "evidence_note IS NULL OR length(evidence_note) <= 1000", name="evidence_note_length"
        ),
    )


class AuditEvent(db.Model):  # type: ignore[name-defined]
    """Who did what, and when: submissions, reopenings, imports, exports, role changes."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # the user who acted; None for the command line, which has no login
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(254))  # kept when the user is gone
    action: Mapped[str] = mapped_column(String(40), index=True)
    city_id: Mapped[int | None] = mapped_column(ForeignKey("city.id", ondelete="SET NULL"))
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_round.id", ondelete="SET NULL")
    )
    summary: Mapped[str] = mapped_column(String(500))
    details: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()
    city: Mapped[City | None] = relationship()
    round: Mapped[Round | None] = relationship()


class TokenPurpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"


class AccountToken(db.Model):  # type: ignore[name-defined]
    """A single-use, expiring link for an invitation or a password reset.

    Only a SHA-256 hash of the token is stored: someone who reads the database cannot use it.
    """

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (CheckConstraint("expires_at > created_at", name="expires_after_created"),)


class ApiToken(db.Model):  # type: ignore[name-defined]
    """A bearer token for scripts using the JSON API; only a SHA-256 hash of it is stored.

    Tokens are long random strings, so a fast hash is enough: there is nothing to brute-force.
    A token acts as its user and stops working when the user is deactivated or loses the role.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("length(token_hash) = 64", name="hash_length"),
    )


# -- success indicators (rule 11) -------------------------------------------------------------


class Indicator(db.Model):  # type: ignore[name-defined]
    """A success indicator of a questionnaire version: a measurable result, with its unit and
    the direction that is better."""

    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    area_key: Mapped[str | None] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(String(10))
    direction: Mapped[str] = mapped_column(String(10))
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    help: Mapped[dict[str, str] | None] = mapped_column(JSON)

    questionnaire: Mapped[Questionnaire] = relationship(
        backref=backref("indicators", order_by="Indicator.position", cascade="all, delete-orphan")
    )

    __table_args__ = (
        UniqueConstraint("questionnaire_id", "key"),
        UniqueConstraint("questionnaire_id", "position"),
        CheckConstraint(
            "unit IN ('percent', 'count', 'number', 'eur', 'days', 'rating')", name="unit_known"
        ),
        CheckConstraint("direction IN ('higher', 'lower')", name="direction_known"),
    )


class IndicatorValue(db.Model):  # type: ignore[name-defined]
    """A city's value of one indicator in one round (its assessment), with where it comes from
    and the date it describes."""

    __tablename__ = "indicator_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="RESTRICT"))
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(String(500))
    as_of: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # None for the command line, which has no login, or once the account is gone
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    assessment: Mapped[Assessment] = relationship()
    indicator: Mapped[Indicator] = relationship()
    updated_by: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("assessment_id", "indicator_id"),
        CheckConstraint("source IS NULL OR length(source) <= 500", name="source_length"),
    )


class IndicatorEditor(db.Model):  # type: ignore[name-defined]
    """The team member a leader has named to enter the city's indicator values in a round
    (besides the leader); at most one per assessment."""

    __tablename__ = "indicator_editor"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()


# targets, actions and the city plan (DESIGN.md rule 10) ------------------------------------------
class TargetKind(enum.StrEnum):
    AREA = "area"  # a score 0-100
    INDICATOR = "indicator"  # a value in the indicator's unit
    QUESTION = "question"  # a level, 1 = lowest, as shown to respondents


class ActionStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"

    @property
    def is_closed(self) -> bool:
        return self in (ActionStatus.DONE, ActionStatus.DROPPED)


class Target(db.Model):  # type: ignore[name-defined]
    """What a city means to reach for an area, an indicator or a question, by a due date, set on
    the basis of a round (its baseline). Its gap and status are derived (rule 10), never stored."""

    __tablename__ = "plan_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("city.id", ondelete="CASCADE"))
    baseline_round_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_round.id", ondelete="CASCADE")
    )
    kind: Mapped[TargetKind] = mapped_column(str_enum(TargetKind, "target_kind"))
    key: Mapped[str] = mapped_column(String(80))
    value: Mapped[float] = mapped_column(Float)
    due_on: Mapped[date] = mapped_column(Date)
    # None for the command line, which has no login, or once the account is gone
    set_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    city: Mapped[City] = relationship()
    baseline_round: Mapped[Round] = relationship()
    set_by: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("city_id", "baseline_round_id", "kind", "key"),
        CheckConstraint("length(key) > 0", name="key_not_empty"),
        CheckConstraint(
            "(kind = 'area' AND value >= 0 AND value <= 100)"
            " OR (kind = 'question' AND value >= 1 AND value <= 10)"
            " OR (kind = 'indicator' AND value >= -1000000000000 AND value <= 1000000000000)",
            name="value_range",
        ),
    )


class Action(db.Model):  # type: ignore[name-defined]
    """One step of a city's roadmap: what, for which areas and questions, who, by when, how far.

    The plan is the city's, across rounds: areas and questions are kept as keys, matched by key
    in every round's questionnaire (rule 8).
    """

    __tablename__ = "plan_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("city.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    # the owner: a member of the city's team, or a named person outside it, or nobody yet
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    owner_name: Mapped[str | None] = mapped_column(String(120))
    starts_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(
        str_enum(ActionStatus, "action_status"), default=ActionStatus.PLANNED
    )
    progress_note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    city: Mapped[City] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    updates: Mapped[list[ActionUpdate]] = relationship(
        back_populates="action",
        order_by="ActionUpdate.id.desc()",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __table_args__ = (
        CheckConstraint("length(title) > 0 AND length(title) <= 200", name="title_length"),
        CheckConstraint(
            "description IS NULL OR length(description) <= 4000", name="description_length"
        ),
        CheckConstraint(
            "progress_note IS NULL OR length(progress_note) <= 4000", name="note_length"
        ),
        CheckConstraint("owner_id IS NULL OR owner_name IS NULL", name="one_owner"),
        CheckConstraint(
            "starts_on IS NULL OR due_on IS NULL OR starts_on <= due_on", name="starts_before_due"
        ),
    )

    def is_overdue(self, today: date) -> bool:
        """DESIGN.md: past its due date and neither done nor dropped."""
        return self.due_on is not None and self.due_on < today and not self.status.is_closed


class ActionUpdate(db.Model):  # type: ignore[name-defined]
    """The history of an action: who changed it, when, its status before and after, the note."""

    __tablename__ = "plan_action_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("plan_action.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(254))  # kept when the user is gone
    old_status: Mapped[ActionStatus | None] = mapped_column(
        str_enum(ActionStatus, "update_old_status")
    )
    new_status: Mapped[ActionStatus] = mapped_column(str_enum(ActionStatus, "update_new_status"))
    note: Mapped[str | None] = mapped_column(Text)

    action: Mapped[Action] = relationship(back_populates="updates")
    actor: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint("note IS NULL OR length(note) <= 4000", name="note_length"),)
