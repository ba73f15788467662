"""Programme writes: questionnaires, cities, rounds, users and imported responses.

Each function checks its input completely, raises DmatError before changing anything when the
input is wrong, and flushes; the caller (a request or a command) commits once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select

from questionnaires import QuestionnaireDefinition
from questionnaires.loader import MAX_VERSION

from ..audit.operations import record
from ..errors import DmatError, FileRefused
from ..extensions import db
from ..indicators.operations import store_indicators
from ..lookups import city_with_name, normalize_email, user_with_email
from ..models import (
    Answer,
    Area,
    Assessment,
    City,
    Question,
    Questionnaire,
    Response,
    Role,
    Round,
    RoundStatus,
    User,
)
from ..survey.answers import AnswerWrite, InvalidAnswer, parse_answer, write_answers
from .response_files import ResponseRow
from .row_checks import RowChecks

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY = re.compile(r"^[A-Za-z]{2}$")
MAX_NAME_CHARS = 120


def import_questionnaire(definition: QuestionnaireDefinition) -> tuple[Questionnaire, bool]:
    """Store a validated questionnaire; returns it and whether it was new.

    Importing the same file again is a no-op; a different file under a stored key and version
    is refused, because a stored version may already have answers.
    """
    # the loader refuses other versions; a definition built in code must not reach the column
    if not 1 <= definition.version <= MAX_VERSION:
        raise DmatError(
            f"questionnaire {definition.label}: the version must be from 1 to {MAX_VERSION}"
        )
    existing = db.session.scalar(
        select(Questionnaire).where(
            Questionnaire.key == definition.key, Questionnaire.version == definition.version
        )
    )
    if existing is not None:
        if existing.source == definition.source:
            return existing, False
        raise DmatError(
            f"questionnaire {definition.label} is already stored with different content; "
            "a changed questionnaire needs a new version number"
        )
    questionnaire = Questionnaire(
        key=definition.key,
        version=definition.version,
        languages=list(definition.languages),
        title=definition.title,
        description=definition.description,
        source=definition.source,
    )
    for area_position, area_definition in enumerate(definition.areas):
        area = Area(
            key=area_definition.key,
            position=area_position,
            weight=area_definition.weight,
            title=area_definition.title,
            description=area_definition.description,
        )
        questionnaire.areas.append(area)
        for position, q in enumerate(area_definition.questions):
            area.questions.append(
                Question(
                    questionnaire=questionnaire,
                    key=q.key,
                    position=position,
                    weight=q.weight,
                    allow_na=q.allow_na,
                    text=q.text,
                    help=q.help,
                    levels=list(q.levels),
                    level_count=len(q.levels),
                    level_values=list(q.values) if q.values is not None else None,
                )
            )
    store_indicators(questionnaire, definition)
    db.session.add(questionnaire)
    db.session.flush()
    record("questionnaire_imported", f"Questionnaire {definition.label} imported")
    return questionnaire, True


def check_name(value: str, what: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise DmatError(f"{what} must not be empty")
    if len(name) > MAX_NAME_CHARS:
        raise DmatError(f"{what} is {len(name)} characters long; at most {MAX_NAME_CHARS}")
    if any(ord(ch) < 32 for ch in value if ch not in "\t\n\r"):
        raise DmatError(f"{what} contains control characters")
    return name


def add_city(name: str, country: str) -> City:
    name = check_name(name, "city name")
    if not COUNTRY.match(country.strip()):
        raise DmatError(f"country '{country}' must be a two-letter ISO 3166 code such as BG")
    existing = city_with_name(name)
    if existing is not None:
        raise DmatError(f"a city named '{existing.name}' already exists")
    city = City(name=name, country=country.strip().upper())
    db.session.add(city)
    db.session.flush()
    record("city_added", f"City '{city.name}' ({city.country}) added", city=city)
    return city


def create_user(
    email: str,
    role: Role | str,
    city: City | None = None,
    password: str | None = None,
    name: str = "",
) -> User:
    email = normalize_email(email)
    if not EMAIL.match(email) or len(email) > 254:
        raise DmatError(f"'{email}' is not an e-mail address")
    try:
        role = Role(role)
    except ValueError:
        raise DmatError(f"role '{role}' is not one of {', '.join(r.value for r in Role)}") from None
    if role.is_city_role and city is None:
        raise DmatError(f"a {role} belongs to a city: give --city")
    if not role.is_city_role and city is not None:
        raise DmatError(f"a {role} works across cities: do not give a city")
    if user_with_email(email) is not None:
        raise DmatError(f"a user with e-mail {email} already exists")
    user = User(email=email, role=role, city=city, name=check_name(name, "name") if name else "")
    if password is not None:
        check_password_strength(password)
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user_created", f"User {email} created as {role}", city=city)
    return user


MIN_PASSWORD_CHARS = 10


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise DmatError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > 1024:
        raise DmatError("the password is longer than 1024 characters")


@dataclass(frozen=True)
class ImportSummary:
    rows: int
    answers_created: int
    answers_updated: int
    respondents_created: int
    assessments_created: int
    cities: int


CLI_ADD_CITY = "add it with dmat city add"


def import_responses(
    round_: Round,
    rows: Sequence[ResponseRow],
    filename: str,
    add_city: str = CLI_ADD_CITY,
) -> ImportSummary:
    """Store the answers of a response file; every row is checked before anything is written.

    Unknown respondents become respondents of the row's city; an answer already stored for the
    same respondent and question is replaced. ``add_city`` says how to add a city the file names
    but the programme lacks: the command's way by default, the web page gives its own.
    """
    if not rows:
        raise DmatError(f"{filename}: no answers to import")
    checks = RowChecks(round_, filename)
    emails = {normalize_email(row.respondent) for row in rows}
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    parsed = []
    new_respondents: dict[str, City] = {}
    for row in rows:
        city = checks.city(row.line, row.city, add_city)
        question = checks.question(row.line, row.question)
        email = normalize_email(row.respondent)
        if not EMAIL.match(email):
            checks.refuse(row.line, f"respondent '{row.respondent}' is not an e-mail address")
        elif city is not None:
            user = users.get(email)
            owner = (
                user.city_id
                if user is not None
                else getattr(new_respondents.get(email), "id", None)
            )
            if user is not None and not user.role.is_city_role:
                checks.refuse(row.line, f"{email} is a {user.role}, not a city team member")
            elif owner is not None and owner != city.id:
                checks.refuse(row.line, f"{email} belongs to another city than {city.name}")
            elif user is None:
                new_respondents.setdefault(email, city)
        evidence = checks.evidence(row.line, row.evidence, row.note)
        if question is not None:
            try:
                choice = parse_answer(question, row.answer, may_clear=False)
            except InvalidAnswer as invalid:
                checks.refuse(row.line, str(invalid))
            else:
                checks.once(
                    row.line,
                    (email, question.key),
                    f"a second answer of {email} to {question.key}",
                )
                parsed.append((row, city, email, question, choice, evidence))
    checks.raise_problems()
    assessments = checks.assessments
    summary = _store_answers(round_, parsed, users, new_respondents, assessments)
    record(
        "responses_imported",
        f"{summary.rows} answers for {summary.cities} cities imported from {filename}",
        round_=round_,
        details={"file": filename, **summary.__dict__},
    )
    return summary


def _store_answers(round_, parsed, users, new_respondents, assessments) -> ImportSummary:
    for email, city in new_respondents.items():
        users[email] = User(email=email, role=Role.RESPONDENT, city=city)
        db.session.add(users[email])
    assessments_created = 0
    for city_id in {city.id for _, city, *_ in parsed} - assessments.keys():
        assessments[city_id] = Assessment(round_id=round_.id, city_id=city_id)
        db.session.add(assessments[city_id])
        assessments_created += 1
    db.session.flush()
    responses = {
        (r.assessment_id, r.respondent_id): r
        for r in db.session.scalars(
            select(Response).where(Response.assessment_id.in_([a.id for a in assessments.values()]))
        )
    }
    for _, city, email, *_ in parsed:
        key = (assessments[city.id].id, users[email].id)
        if key not in responses:
            responses[key] = Response(assessment_id=key[0], respondent_id=key[1])
            db.session.add(responses[key])
    db.session.flush()
    existing = {
        (response_id, question_id)
        for response_id, question_id in db.session.execute(
            select(Answer.response_id, Answer.question_id).where(
                Answer.response_id.in_([r.id for r in responses.values()])
            )
        )
    }
    writes = [
        AnswerWrite(
            responses[(assessments[city.id].id, users[email].id)].id,
            question.id,
            choice,
            row.comment,
            *evidence,
        )
        for row, city, email, question, choice, evidence in parsed
    ]
    # a file may fill a closed round (past rounds' data), never a submitted assessment
    if write_answers(db.session.connection(), writes, round_open=False) != len(writes):
        raise DmatError(
            f"an assessment in '{round_.name}' was submitted during the import; "
            "nothing was imported"
        )
    updated = sum((write.response_id, write.question_id) in existing for write in writes)
    return ImportSummary(
        rows=len(parsed),
        answers_created=len(writes) - updated,
        answers_updated=updated,
        respondents_created=len(new_respondents),
        assessments_created=assessments_created,
        cities=len({city.id for _, city, *_ in parsed}),
    )


def edit_city(city: City, name: str, country: str) -> City:
    """Rename a city or correct its country; names stay unique."""
    name = check_name(name, "city name")
    if not COUNTRY.match(country.strip()):
        raise DmatError(f"country '{country}' must be a two-letter ISO 3166 code such as BG")
    clash = city_with_name(name)
    if clash is not None and clash.id != city.id:
        raise DmatError(f"a city named '{clash.name}' already exists")
    before = (city.name, city.country)
    city.name, city.country = name, country.strip().upper()
    db.session.flush()
    if (city.name, city.country) != before:
        record(
            "city_changed",
            f"City '{before[0]}' ({before[1]}) is now '{city.name}' ({city.country})",
            city=city,
        )
    return city


def set_city_active(city: City, active: bool) -> City:
    """A city that leaves the programme: no longer offered for new users, history kept.

    Deactivating never deletes answers, so past rounds' figures stay as they were.
    """
    changed = city.active != active
    city.active = active
    db.session.flush()
    if changed:
        state = "active again" if active else "deactivated"
        record("city_changed", f"City '{city.name}' {state}", city=city)
    return city


def set_round_status(round_: Round, status: RoundStatus | str) -> Round:
    try:
        status = RoundStatus(status)
    except ValueError:
        raise DmatError(f"status '{status}' is not one of open, closed") from None
    if round_.status != status:
        round_.status = status
        record("round_status_changed", f"Round '{round_.name}' is now {status}", round_=round_)
    db.session.flush()
    return round_


# who may undo whose deactivation: the person who deactivated, or someone of a higher role
RANK = {Role.RESPONDENT: 0, Role.LEADER: 1, Role.COORDINATOR: 2, Role.ADMIN: 3}


def end_sessions(user: User) -> None:
    """End every session and "remember me" cookie of ``user``: they carry the generation
    (``User.get_id``), which the user loader compares with the stored one. One UPDATE adding 1,
    so two at once both count; the attribute is read again when next used."""
    user.session_generation = User.session_generation + 1
    db.session.flush()


def deactivate_user(actor: User | None, user: User, summary: str) -> None:
    """The account can no longer log in and its sessions end; who did it is kept, so that only
    they or a higher role can restore it. Its open links stop working."""
    from ..auth.tokens import revoke_tokens  # auth builds on this module, not the other way

    if not user.active:
        return
    user.active = False
    user.deactivated_by_id = actor.id if actor is not None else None
    revoke_tokens(user)
    end_sessions(user)
    record("user_deactivated", summary, actor=actor, city=user.city)


def may_restore(actor: User, user: User) -> bool:
    """Only the person who deactivated the account, or a higher role, may restore it.

    An account deactivated without a known actor (from the command line, or before this was
    recorded, or by an account since deleted) is restored by the programme team only.
    """
    deactivator = db.session.get(User, user.deactivated_by_id) if user.deactivated_by_id else None
    if deactivator is None:
        return RANK[actor.role] >= RANK[Role.COORDINATOR]
    return deactivator.id == actor.id or RANK[actor.role] > RANK[deactivator.role]


def check_may_restore(actor: User, user: User) -> None:
    if not may_restore(actor, user):
        raise DmatError(
            gettext(
                "Only whoever deactivated %(email)s, or someone of a higher role, can restore the "
                "account.",
                email=user.email,
            )
        )


def restore_user(actor: User, user: User, summary: str) -> None:
    """Let a deactivated account log in again, as ``check_may_restore`` allows; audited. Its
    old sessions stay ended: the generation was raised when it was deactivated."""
    if user.active:
        return
    check_may_restore(actor, user)
    user.active = True
    user.deactivated_by_id = None
    db.session.flush()
    record("user_restored", summary, actor=actor, city=user.city)


def update_user(actor: User, user: User, role: Role | str, city: City | None, active: bool) -> User:
    """Change a user's role, city or active state, as ``actor`` may.

    Admins manage everyone; coordinators manage city teams only (respondents and leaders), and
    nobody can lock themselves out by deactivating or demoting their own account. Deactivating
    ends the user's sessions and records who did it; restoring is for that person or a higher
    role. A user moved to another role or city starts new sessions too.
    """
    try:
        role = Role(role)
    except ValueError:
        raise DmatError(f"role '{role}' is not one of {', '.join(r.value for r in Role)}") from None
    if actor.role != Role.ADMIN and not (user.role.is_city_role and role.is_city_role):
        raise DmatError("coordinators manage respondents and leaders only")
    if user.id == actor.id and (role != user.role or not active):
        raise DmatError("you cannot change the role of, or deactivate, your own account")
    if role.is_city_role and city is None:
        raise DmatError(f"a {role} belongs to a city: choose one")
    if not role.is_city_role:
        city = None
    if active and not user.active:
        check_may_restore(actor, user)  # before anything changes
    if (role, city) != (user.role, user.city):
        where = f" of {city.name}" if city is not None else ""
        record(
            "role_changed",
            f"{user.email}: {user.role} -> {role}{where}",
            actor=actor,
            city=city,
            details={"from": str(user.role), "to": str(role)},
        )
        end_sessions(user)
    if user.active and not active:
        deactivate_user(actor, user, f"{user.email} deactivated")
    elif active and not user.active:
        restore_user(actor, user, f"{user.email} restored")
    user.role, user.city = role, city
    db.session.flush()
    return user


def add_translation(
    questionnaire: Questionnaire, language: str, rows: list, filename: str = "translation"
) -> int:
    """Store a filled-in translation sheet's ``rows`` as ``language`` of the questionnaire:
    every text, or nothing (DmatError listing every problem). Answers are not touched, and the
    questionnaire keeps its version. Returns the number of texts stored."""
    from questionnaires.translations import check_translation, language_problem, texts

    problem = language_problem(language, questionnaire.languages)
    if problem is not None:
        raise DmatError(problem)
    found, problems = check_translation(questionnaire, language, rows)
    if problems:
        raise FileRefused(filename, problems)
    for slot in texts(questionnaire):
        slot.translated(language, found[slot.key])
    added = language not in questionnaire.languages
    if added:
        questionnaire.languages = [*questionnaire.languages, language]
    db.session.flush()
    state = "added" if added else "replaced"
    record(
        "questionnaire_translated",
        f"Questionnaire {questionnaire.label}: language {language} {state} ({len(found)} texts)",
        details={"language": language, "texts": len(found)},
    )
    return len(found)
