"""The demo programme: the 21 European capitals of a city digital-innovation initiative.

Answers are generated, but plausibly: each city has a maturity per area, each respondent a
personal bias, some questions are harder everywhere, people sometimes don't know, cities without
a municipal IT company say "not applicable" to it, and most cities progress from 2020 to 2022.
The same seed always gives the same data.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from questionnaires import BUNDLED_WITH_INDICATORS, load_questionnaire_file

from .admin.operations import import_questionnaire
from .errors import DmatError
from .extensions import db
from .indicators.demo import load_indicator_demo
from .models import (
    AgreedAnswer,
    Answer,
    AnswerKind,
    Assessment,
    AssessmentStatus,
    City,
    Questionnaire,
    Response,
    Role,
    Round,
    RoundStatus,
    User,
    utcnow,
)
from .survey.operations import store_missing_scores

# cities whose team held its workshop in 2022 and agreed answers to questions it was divided on
WORKSHOP_CITIES = ("Sofia", "Lisbon", "Tallinn")
RATIONALES = (
    "Agreed at the workshop: what exists is real, but it is not yet used across the city.",
    "The departments that are ahead pulled the answers up; the level holds for the whole city.",
    "Checked against the documents during the workshop: the next level is planned, not done.",
    "Pilots run in two districts only, so we settled on the lower level.",
    None,
)
WORKSHOP_EVIDENCE = "https://docs.example.org/workshops/{city}/{question}"
DEMO_PASSWORD = "dmat-demo-2022"
BASELINE, FOLLOW_UP = "2020 baseline", "2022 follow-up"
CAPITALS = (
    ("Amsterdam", "NL"),
    ("Athens", "GR"),
    ("Bratislava", "SK"),
    ("Brussels", "BE"),
    ("Bucharest", "RO"),
    ("Budapest", "HU"),
    ("Copenhagen", "DK"),
    ("Dublin", "IE"),
    ("Helsinki", "FI"),
    ("Lisbon", "PT"),
    ("Ljubljana", "SI"),
    ("Madrid", "ES"),
    ("Nicosia", "CY"),
    ("Paris", "FR"),
    ("Prague", "CZ"),
    ("Riga", "LV"),
    ("Sofia", "BG"),
    ("Stockholm", "SE"),
    ("Tallinn", "EE"),
    ("Vilnius", "LT"),
    ("Zagreb", "HR"),
)
# cities whose 2022 assessment is still being filled in, so the survey can be tried
IN_PROGRESS_2022 = {"Sofia", "Athens", "Riga"}
COMMENTS = (
    "Adopted by the council last spring; the budget line follows next year.",
    "Depends on the department: IT and mobility are ahead, social services behind.",
    "We have a draft, but it has not been discussed with the mayor's office yet.",
    "Pilot running in two districts; evaluation due at the end of the year.",
    "Not sure this is measured anywhere; I answered from experience.",
    "External consultants did this in 2019; nothing has been updated since.",
)


def demo_loaded() -> bool:
    return db.session.scalar(select(Round.id).where(Round.name == BASELINE)) is not None


def demo_logins() -> dict[str, str]:
    """One login (e-mail) per role; Sofia's team stands for the cities."""
    sofia = db.session.scalar(select(City).where(City.name == "Sofia")) or db.session.scalar(
        select(City).order_by(City.id)
    )
    team = sorted(sofia.users, key=lambda user: (user.role != Role.LEADER, user.email))
    return {
        "admin": "admin@dmat.example",
        "coordinator": "coordinator@dmat.example",
        "leader": team[0].email,
        "respondent": team[1].email if len(team) > 1 else team[0].email,
    }


def load_demo(seed: int = 2020, cities: int = len(CAPITALS), respondents: int | None = None):
    """Create the demo programme; returns one login (e-mail) per role."""
    if demo_loaded():
        raise DmatError(f"the demo data is already loaded (round '{BASELINE}' exists)")
    if respondents is not None and not 1 <= respondents <= 50:
        raise DmatError("--respondents must be between 1 and 50")
    if cities < 1:
        raise DmatError("--cities must be 1 or more")
    # version 2: the questions of version 1 and the success indicators (docs/decisions.md)
    questionnaire, _ = import_questionnaire(load_questionnaire_file(BUNDLED_WITH_INDICATORS))
    rng = random.Random(seed)
    password_hash = generate_password_hash(DEMO_PASSWORD, method="scrypt")  # once, for everyone
    city_rows = _cities(cities)
    db.session.add_all(
        [
            User(
                email="admin@dmat.example",
                name="Ada Admin",
                role=Role.ADMIN,
                password_hash=password_hash,
            ),
            User(
                email="coordinator@dmat.example",
                name="Costa Coordinator",
                role=Role.COORDINATOR,
                password_hash=password_hash,
            ),
        ]
    )
    teams = _teams(city_rows, rng, respondents, password_hash)
    # every city takes part in both; the follow-up has no closing date, so the demo stays open
    baseline = Round(
        name=BASELINE,
        questionnaire=questionnaire,
        status=RoundStatus.CLOSED,
        opens_on=date(2020, 3, 2),
        closes_on=date(2020, 6, 30),
    )
    follow_up = Round(name=FOLLOW_UP, questionnaire=questionnaire, opens_on=date(2022, 3, 1))
    db.session.add_all([baseline, follow_up])
    db.session.flush()
    _answer_rounds(questionnaire, baseline, follow_up, teams, rng)
    _workshops(follow_up, rng)
    store_missing_scores()  # as submitting stores them
    load_indicator_demo((baseline, follow_up), seed)
    from .plan.demo import load_demo_plans  # targets and actions of every city's plan

    load_demo_plans(baseline, follow_up, rng)
    return demo_logins()


def _cities(count: int) -> list[City]:
    named = list(CAPITALS[:count]) + [
        (f"Demo City {n:04d}", CAPITALS[n % len(CAPITALS)][1])
        for n in range(len(CAPITALS) + 1, count + 1)
    ]
    existing = {c.name: c for c in db.session.scalars(select(City))}
    cities = [existing.get(name) or City(name=name, country=country) for name, country in named]
    db.session.add_all(cities)
    db.session.flush()
    return cities


def _teams(cities, rng: random.Random, respondents: int | None, password_hash: str):
    """A leader and respondents per city, all with the demo password."""
    teams: dict[City, list[User]] = {}
    for city in cities:
        domain = city.name.lower().replace(" ", "-") + ".example"
        size = respondents or rng.randint(3, 8)
        team = [
            User(
                email=f"leader@{domain}",
                name=f"{city.name} Leader",
                role=Role.LEADER,
                city=city,
                password_hash=password_hash,
            )
        ]
        team += [
            User(
                email=f"member{n}@{domain}",
                name=f"{city.name} Member {n}",
                role=Role.RESPONDENT,
                city=city,
                password_hash=password_hash,
            )
            for n in range(1, size)
        ]
        db.session.add_all(team)
        teams[city] = team
    db.session.flush()
    return teams


def _answer_rounds(questionnaire: Questionnaire, baseline: Round, follow_up: Round, teams, rng):
    questions = [(area.key, q) for area in questionnaire.areas for q in area.questions]
    difficulty = {q.key: rng.gauss(0, 0.35) for _, q in questions}
    now = utcnow()
    answer_rows = []
    for city, team in teams.items():
        level = {area.key: rng.uniform(1.4, 4.1) for area in questionnaire.areas}
        no_such_thing = {q.key for _, q in questions if q.allow_na and rng.random() < 0.35}
        growth = {key: rng.uniform(-0.25, 0.9) for key in level}
        divided = rng.choice((0.3, 0.5, 0.9))  # how far the team's views differ
        for round_, members in ((baseline, team[: max(1, len(team) - 1)]), (follow_up, team)):
            in_progress = round_ is follow_up and city.name in IN_PROGRESS_2022
            submitted = not in_progress
            assessment = Assessment(
                round_id=round_.id,
                city_id=city.id,
                status=AssessmentStatus.SUBMITTED if submitted else AssessmentStatus.IN_PROGRESS,
                submitted_at=now - timedelta(days=700 if round_ is baseline else 30)
                if submitted
                else None,
                submitted_by_id=team[0].id if submitted else None,
            )
            db.session.add(assessment)
            db.session.flush()
            for member in members:
                response = Response(
                    assessment_id=assessment.id,
                    respondent_id=member.id,
                    completed_at=now if submitted else None,
                )
                db.session.add(response)
                db.session.flush()
                bias = rng.gauss(0, divided)
                share = rng.uniform(0.3, 0.9) if in_progress else 1.0
                for area_key, question in questions:
                    if rng.random() > share:
                        continue
                    mean = level[area_key] + difficulty[question.key] + bias
                    if round_ is follow_up:
                        mean += growth[area_key]
                    answer_rows.append(
                        _answer(rng, response.id, question, mean, question.key in no_such_thing)
                    )
    db.session.execute(insert(Answer), answer_rows)


def _workshops(round_: Round, rng: random.Random, per_city: int = 3) -> None:
    """A few teams agreed answers (rule 9) to the questions they were most divided on: the
    team's median level, with a rationale."""
    from .survey.agreed import side_by_side

    assessments = db.session.execute(
        select(Assessment)
        .join(City, Assessment.city_id == City.id)
        .where(Assessment.round_id == round_.id, City.name.in_(WORKSHOP_CITIES))
    ).scalars()
    for assessment in assessments:
        leader = db.session.scalar(
            select(User.id).where(User.city_id == assessment.city_id, User.role == Role.LEADER)
        )
        diverging = [
            side
            for area in round_.questionnaire.areas
            for side in side_by_side(assessment, area)
            if side.diverges
        ]
        for side in diverging[:per_city]:
            levels = [i + 1 for i, n in enumerate(side.level_counts) for _ in range(n)]
            db.session.add(
                AgreedAnswer(
                    assessment_id=assessment.id,
                    question_id=side.question.id,
                    kind=AnswerKind.LEVEL,
                    level=levels[(len(levels) - 1) // 2],
                    rationale=rng.choice(RATIONALES),
                    # the workshop's protocol as evidence (an example address, never fetched)
                    evidence=WORKSHOP_EVIDENCE.format(
                        city=assessment.city_id, question=side.question.key
                    ),
                    evidence_note="Workshop protocol",
                    created_by_id=leader,
                    updated_by_id=leader,
                )
            )
    db.session.flush()


def _answer(rng: random.Random, response_id: int, question, mean: float, absent: bool) -> dict:
    kind, level = AnswerKind.LEVEL, None
    if absent and rng.random() < 0.85:
        kind = AnswerKind.NOT_APPLICABLE
    elif rng.random() < 0.05:
        kind = AnswerKind.DONT_KNOW
    else:
        scaled = 1 + (mean - 1) * (question.level_count - 1) / 4  # the means are on a 1-5 scale
        level = min(question.level_count, max(1, round(scaled + rng.gauss(0, 0.6))))
    comment = rng.choice(COMMENTS) if rng.random() < 0.04 else None
    return {
        "response_id": response_id,
        "question_id": question.id,
        "kind": kind,
        "level": level,
        "comment": comment,
        "updated_at": utcnow(),
    }
