"""How long the round dashboard takes for a programme of 1,000 cities, against plain SQL.

Builds a synthetic round (1,000 cities × 8 respondents × the bundled questionnaire, and three
agreed answers per city, rule 9) in a temporary SQLite file with bulk inserts, then prints the
dashboard's server time (median of several requests through the test client, logged in as a
coordinator), the time of a plain
``SELECT ... GROUP BY`` over the same answers, and their ratio. ``--not-started`` more cities
take part without an assessment (the dashboard's "not started" list); the SQL statements of one
dashboard request are counted, which must not grow with the number of cities.

    .venv/bin/python bench/dashboard.py [--cities 1000] [--respondents 8] [--requests 7]
                                        [--not-started 100] [--values]

``--values`` gives every question its own answer values (rule 1), uneven as SAMM's are, so the
aggregates add a CASE per answer row.

Targets: the dashboard under 0.5 s, and within 3× the plain query.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, text

from assessment import create_app
from assessment.admin.operations import import_questionnaire
from assessment.extensions import db
from assessment.heap import settle_after_startup
from assessment.models import (
    AgreedAnswer,
    Answer,
    AnswerKind,
    Assessment,
    AssessmentStatus,
    City,
    Response,
    Role,
    Round,
    User,
    utcnow,
)
from assessment.names import name_key
from config import TestConfig
from questionnaires import BUNDLED_QUESTIONNAIRE, load_questionnaire_file

PASSWORD = "benchmark password"
PLAIN_QUERY = text(
    "SELECT r.assessment_id, a.question_id, count(*), sum(a.level) "
    "FROM answer a JOIN response r ON a.response_id = r.id "
    "JOIN assessment s ON r.assessment_id = s.id "
    "WHERE s.round_id = :round GROUP BY r.assessment_id, a.question_id"
)


def build(
    cities: int, respondents: int, seed: int = 1, not_started: int = 0, values: bool = False
) -> int:
    """The synthetic round, with executemany inserts of plain rows; returns the round's id."""
    rng = random.Random(seed)
    questionnaire, _ = import_questionnaire(load_questionnaire_file(BUNDLED_QUESTIONNAIRE))
    if values:  # uneven values, as SAMM's 0 / 25 / 50 / 100
        for area in questionnaire.areas:
            for q in area.questions:
                n = q.level_count
                q.level_values = [round(100 * (i / (n - 1)) ** 1.5, 1) for i in range(n)]
    coordinator = User(email="coordinator@bench.example", role=Role.COORDINATOR)
    coordinator.set_password(PASSWORD)
    db.session.add(coordinator)
    round_ = Round(name="benchmark", questionnaire=questionnaire)
    db.session.add(round_)
    db.session.flush()
    questions = [q for area in questionnaire.areas for q in area.questions]
    now = utcnow()
    countries = ("BG", "NL", "GR", "FI", "PT", "SI", "LV", "EE")
    db.session.execute(
        insert(City),
        [
            {
                "id": n,
                "name": f"City {n:04d}",
                "name_key": name_key(f"City {n:04d}"),
                "country": countries[n % 8],
                "active": True,
            }
            for n in range(1, cities + not_started + 1)
        ],
    )
    db.session.execute(
        insert(Assessment),
        [
            {
                "id": n,
                "round_id": round_.id,
                "city_id": n,
                "status": AssessmentStatus.SUBMITTED if n % 5 else AssessmentStatus.IN_PROGRESS,
                "submitted_at": now if n % 5 else None,
            }
            for n in range(1, cities + 1)
        ],
    )
    users, responses, answers, agreed = [], [], [], []
    first_user = coordinator.id + 1
    for city in range(1, cities + 1):
        maturity = rng.uniform(1.3, 4.3)
        for question in rng.sample(questions, 3):  # the team's workshop
            level = rng.randint(1, question.level_count)
            agreed.append(
                {
                    "assessment_id": city,
                    "question_id": question.id,
                    "kind": AnswerKind.LEVEL,
                    "level": level,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        for member in range(respondents):
            user_id = first_user + (city - 1) * respondents + member
            users.append(
                {
                    "id": user_id,
                    "email": f"m{member}@city{city}.example",
                    "name": "",
                    "role": Role.RESPONDENT,
                    "city_id": city,
                    "active": True,
                }
            )
            responses.append({"id": user_id, "assessment_id": city, "respondent_id": user_id})
            for question in questions:
                roll = rng.random()
                if roll < 0.04:
                    kind, level = AnswerKind.DONT_KNOW, None
                elif roll < 0.07 and question.allow_na:
                    kind, level = AnswerKind.NOT_APPLICABLE, None
                else:
                    scaled = 1 + (maturity - 1) * (question.level_count - 1) / 4
                    level = min(question.level_count, max(1, round(rng.gauss(scaled, 0.8))))
                    kind = AnswerKind.LEVEL
                answers.append(
                    {
                        "response_id": user_id,
                        "question_id": question.id,
                        "kind": kind,
                        "level": level,
                        "updated_at": now,
                    }
                )
    db.session.execute(insert(User), users)
    db.session.execute(insert(Response), responses)
    db.session.execute(insert(Answer), answers)
    db.session.execute(insert(AgreedAnswer), agreed)
    db.session.commit()
    return round_.id


def median_seconds(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=1000)
    parser.add_argument("--respondents", type=int, default=8)
    parser.add_argument("--requests", type=int, default=7)
    parser.add_argument("--not-started", type=int, default=100)
    parser.add_argument("--values", action="store_true", help="questions with answer values")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{os.path.join(directory, 'bench.sqlite')}"
        config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url})
        app = create_app(config)
        with app.app_context():
            db.create_all()
            start = time.perf_counter()
            round_id = build(
                args.cities, args.respondents, not_started=args.not_started, values=args.values
            )
            answers = db.session.scalar(text("SELECT count(*) FROM answer"))
            print(
                f"built {args.cities} cities × {args.respondents} respondents: {answers} answers "
                f"in {time.perf_counter() - start:.1f} s"
            )
            db.session.remove()
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post(
            "/login",
            data={"email": "coordinator@bench.example", "password": PASSWORD, "csrf_token": token},
        )
        path = f"/compare/rounds/{round_id}"
        settle_after_startup()  # as every gunicorn worker does once the app is loaded

        def dashboard() -> None:
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        dashboard()  # warm: templates compiled, connection pool filled
        with app.app_context():
            statements: list[str] = []
            listen = (db.engine, "before_cursor_execute")
            record = lambda *call: statements.append(call[2])  # noqa: E731
            event.listen(*listen, record)
            dashboard()
            event.remove(*listen, record)
            page = client.get(path).get_data(as_text=True)
            shown = page.count('<span class="not-in-cohort">not started</span>')
        page_time = median_seconds(dashboard, args.requests)
        with app.app_context():
            engine = db.engine

            def plain() -> None:
                with engine.connect() as connection:
                    connection.execute(PLAIN_QUERY, {"round": round_id}).all()

            plain()
            query_time = median_seconds(plain, args.requests)
            engine.dispose()
    ratio = page_time / query_time
    print(f"dashboard (median of {args.requests} requests): {page_time * 1000:.0f} ms")
    print(f"plain SELECT ... GROUP BY over the same answers: {query_time * 1000:.0f} ms")
    print(f"ratio: {ratio:.2f}× (targets: dashboard < 500 ms, ratio < 3×)")
    print(f"SQL statements per dashboard request: {len(statements)} ({shown} not started shown)")


if __name__ == "__main__":
    main()
