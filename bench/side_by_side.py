"""How long the side-by-side page of an area takes for a team of 40, with evidence and agreed
answers.

Builds one city with 40 members who each answered every question of the bundled questionnaire
(with a comment and an evidence link on some), and agreed answers with evidence on a few
questions, in a temporary SQLite file; then prints the server time of the page
``/results/<round>/<city>/team/<area>`` for each area (median of several requests through the
test client, signed in as the city's leader), and the time of the page's reads alone.

    .venv/bin/python bench/side_by_side.py [--members 40] [--requests 15]

Target: under 50 ms per page.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select

from assessment import create_app
from assessment.admin.operations import import_questionnaire
from assessment.extensions import db
from assessment.heap import settle_after_startup
from assessment.models import (
    AgreedAnswer,
    Answer,
    AnswerKind,
    Area,
    Assessment,
    City,
    Response,
    Role,
    Round,
    User,
    utcnow,
)
from assessment.names import name_key
from assessment.survey.agreed import side_by_side
from bench.dashboard import median_seconds
from config import TestConfig
from questionnaires import BUNDLED_QUESTIONNAIRE, load_questionnaire_file

PASSWORD = "benchmark password"
LEADER = "leader@plovdiv.example"


def build(members: int, seed: int = 1) -> tuple[int, int, list[str]]:
    """The city's round; returns the round's id, the city's id and the area keys."""
    rng = random.Random(seed)
    questionnaire, _ = import_questionnaire(load_questionnaire_file(BUNDLED_QUESTIONNAIRE))
    city = City(name="Пловдив", name_key=name_key("Пловдив"), country="BG")
    db.session.add(city)
    db.session.flush()
    leader = User(email=LEADER, role=Role.LEADER, city_id=city.id)
    leader.set_password(PASSWORD)
    round_ = Round(name="benchmark", questionnaire=questionnaire)
    db.session.add_all([leader, round_])
    db.session.flush()
    assessment = Assessment(round_id=round_.id, city_id=city.id)
    db.session.add(assessment)
    db.session.flush()
    questions = [q for area in questionnaire.areas for q in area.questions]
    now = utcnow()
    db.session.execute(
        insert(User),
        [
            {
                "email": f"m{n}@plovdiv.example",
                "name": "",
                "role": Role.RESPONDENT,
                "city_id": city.id,
            }
            for n in range(members)
        ],
    )
    user_ids = db.session.scalars(select(User.id).where(User.role == Role.RESPONDENT)).all()
    db.session.execute(
        insert(Response),
        [{"assessment_id": assessment.id, "respondent_id": user_id} for user_id in user_ids],
    )
    answers = []
    for response_id in db.session.scalars(select(Response.id)).all():
        for question in questions:
            roll = rng.random()
            level = None if roll < 0.05 else rng.randint(1, question.level_count)
            link = f"https://plovdiv.bg/docs/{response_id}/{question.id}"
            answers.append(
                {
                    "response_id": response_id,
                    "question_id": question.id,
                    "kind": AnswerKind.DONT_KNOW if level is None else AnswerKind.LEVEL,
                    "level": level,
                    "comment": f"Коментар {response_id}-{question.id}" if roll > 0.7 else None,
                    "evidence": link if roll > 0.8 else None,
                    "evidence_note": "Отчет" if roll > 0.9 else None,
                    "updated_at": now,
                }
            )
    db.session.execute(insert(Answer), answers)
    db.session.execute(
        insert(AgreedAnswer),
        [
            {
                "assessment_id": assessment.id,
                "question_id": question.id,
                "kind": AnswerKind.LEVEL,
                "level": 2,
                "rationale": "Решено на семинара",
                "evidence": "https://plovdiv.bg/protokol-7\nhttps://data.plovdiv.bg/budget",
                "evidence_note": "Протокол №7",
                "created_at": now,
                "updated_at": now,
            }
            for question in questions[::4]
        ],
    )
    db.session.commit()
    return round_.id, city.id, [area.key for area in questionnaire.areas]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{os.path.join(directory, 'bench.sqlite')}"
        config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url})
        app = create_app(config)
        with app.app_context():
            db.create_all()
            round_id, city_id, areas = build(args.members)
            answers = db.session.scalar(select(func.count()).select_from(Answer))
            print(f"built 1 city × {args.members} members: {answers} answers")
            db.session.remove()
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"email": LEADER, "password": PASSWORD, "csrf_token": token})
        settle_after_startup()
        worst = 0.0
        for key in areas:
            path = f"/results/{round_id}/{city_id}/team/{key}"

            def load(path=path) -> None:
                response = client.get(path)
                assert response.status_code == 200, response.status_code

            load()  # warm: templates compiled, connection pool filled
            page_time = median_seconds(load, args.requests)
            with app.app_context():
                assessment = db.session.scalar(select(Assessment))
                area = db.session.scalar(select(Area).where(Area.key == key))
                reads = median_seconds(
                    lambda a=assessment, b=area: side_by_side(a, b), args.requests
                )
                db.session.remove()
            worst = max(worst, page_time)
            print(
                f"{key:14} page (median of {args.requests}): {page_time * 1000:5.1f} ms; "
                f"its reads alone: {reads * 1000:5.1f} ms"
            )
    print(f"slowest area: {worst * 1000:.1f} ms (target: under 50 ms)")


if __name__ == "__main__":
    main()
