"""Helpers for the survey tests: tokens from pages, autosaving like the page's script does."""

from __future__ import annotations

import re
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from flask.testing import FlaskClient
from sqlalchemy import event, select

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


TRANSACTION_CONTROL = re.compile(r"^(BEGIN|COMMIT|ROLLBACK)\b", re.IGNORECASE)


@contextmanager
def statements_sent(engine) -> Iterator[list[str]]:
    """The SQL statements that reach the database inside the block, however they were sent
    (through SQLAlchemy or on the driver's cursor), as the driver itself traces them; not
    BEGIN, COMMIT or ROLLBACK. A PostgreSQL statement prepared earlier counts too."""
    seen: list[str] = []
    traced = []
    with tempfile.TemporaryFile() as trace_file:

        def trace(dbapi_connection, _record, _proxy) -> None:
            if isinstance(dbapi_connection, sqlite3.Connection):
                dbapi_connection.set_trace_callback(seen.append)
            else:  # psycopg: libpq's protocol trace, one Execute or Query message a statement
                import psycopg

                dbapi_connection.pgconn.trace(trace_file.fileno())
                dbapi_connection.pgconn.set_trace_flags(
                    psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE
                )
            traced.append(dbapi_connection)

        event.listen(engine, "checkout", trace)
        try:
            yield seen
        finally:
            event.remove(engine, "checkout", trace)
            for dbapi_connection in traced:
                if isinstance(dbapi_connection, sqlite3.Connection):
                    dbapi_connection.set_trace_callback(None)
                else:
                    dbapi_connection.pgconn.untrace()
            trace_file.seek(0)
            for line in trace_file.read().decode(errors="replace").splitlines():
                fields = line.split("\t")  # direction, length, message, its contents
                if fields[0] == "F" and fields[2:3] == ["Query"]:
                    seen.append(fields[3].strip(' "'))
                elif fields[0] == "F" and fields[2:3] == ["Execute"]:
                    seen.append("(extended query)")
    seen[:] = [statement for statement in seen if not TRANSACTION_CONTROL.match(statement)]
