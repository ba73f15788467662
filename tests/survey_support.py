"""Helpers for the survey tests: tokens from pages, autosaving like the page's script does."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from assessment.extensions import db
from assessment.models import Answer, Assessment, Response, Round, User

META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
UNSET = object()


def page_token(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    match = META_TOKEN.search(page.get_data(as_text=True))
    assert match, f"no csrf-token meta on {path}"
    return match.group(1)


def autosave(
    client: FlaskClient, round_id: int, token: str | None, question, answer, comment=UNSET
):
    body = {"question": question, "answer": answer}
    if comment is not UNSET:
        body["comment"] = comment
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(f"/survey/{round_id}/answer", json=body, headers=headers)


def stored_answers(user: User, round_: Round) -> dict[str, tuple]:
    """question key -> (kind, level, comment) of the user's stored answers in the round."""
    db.session.expire_all()
    rows = db.session.execute(
        select(Answer)
        .join(Response, Answer.response_id == Response.id)
        .join(Assessment, Response.assessment_id == Assessment.id)
        .where(Assessment.round_id == round_.id, Response.respondent_id == user.id)
    ).scalars()
    return {a.question.key: (a.kind.value, a.level, a.comment) for a in rows}


def all_answer_rows() -> list[tuple]:
    db.session.expire_all()
    return sorted(
        db.session.execute(
            select(
                Answer.response_id, Answer.question_id, Answer.kind, Answer.level, Answer.comment
            )
        ).all()
    )
