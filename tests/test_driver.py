"""Statements run on the driver's cursor store and read exactly what the ORM stores and reads."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    bindparam,
    create_engine,
    event,
    func,
    insert,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from assessment.driver import DriverStatement, autocommitting
from assessment.extensions import db
from assessment.models import City, Role, User

NEW_USER = DriverStatement(
    insert(User).values(
        email=bindparam("email", type_=User.__table__.c.email.type),
        role=bindparam("role", type_=User.__table__.c.role.type),
        city_id=bindparam("city_id", type_=User.__table__.c.city_id.type),
        active=bindparam("active", type_=User.__table__.c.active.type),
        name="",
        created_at=bindparam("created_at", type_=User.__table__.c.created_at.type),
    )
)
USER_BY_EMAIL = DriverStatement(
    select(User.id, User.role, User.active, User.created_at, City.name.label("city")).where(
        User.email == bindparam("email"), City.id == User.city_id
    )
)

ONE = DriverStatement(select(literal_column("1")))
ONE_BACKEND = DriverStatement(select(func.pg_backend_pid().label("pid")))


def test_values_round_trip_as_the_orm_stores_them(make_city):
    city = make_city("Sofia", "BG")
    created = datetime(2022, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
    connection = db.session.connection()
    NEW_USER.run(
        connection,
        {
            "email": "driver@sofia.example",
            "role": Role.LEADER,
            "city_id": city.id,
            "active": True,
            "created_at": created,
        },
    )
    row = USER_BY_EMAIL.first(connection, {"email": "driver@sofia.example"})
    assert (row.role, row.active, row.created_at, row.city) == (Role.LEADER, True, created, "Sofia")
    assert isinstance(row.role, Role)
    # the ORM reads the row the driver wrote, with the same values
    user = db.session.scalar(select(User).where(User.email == "driver@sofia.example"))
    assert (user.id, user.role, user.created_at, user.city_id) == (
        row.id,
        Role.LEADER,
        created,
        city.id,
    )
    assert USER_BY_EMAIL.first(connection, {"email": "nobody@sofia.example"}) is None


def test_a_statement_whose_sql_depends_on_its_values_is_refused(app):
    separator_as_parameter = DriverStatement(select(func.aggregate_strings(User.email, ",")))
    with pytest.raises(ValueError, match="rendered at execution time"):
        separator_as_parameter.first(db.session.connection(), {})


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(app):
    """Callers catch SQLAlchemy's exception classes (the autosave answers 503 on an
    OperationalError), whichever way the statement was sent."""
    missing_table = DriverStatement(select(literal_column("1")).select_from(table("no_such_table")))
    with autocommitting(db.engine) as connection, pytest.raises(DBAPIError) as raised:
        missing_table.first(connection, {})
    assert isinstance(raised.value.orig, db.engine.dialect.loaded_dbapi.Error)
    assert not raised.value.connection_invalidated
    with autocommitting(db.engine) as connection:  # the connection went back whole
        assert ONE.first(connection, {}) == (1,)


@pytest.mark.skipif(
    not os.environ.get("DMAT_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="a SQLite file has no server connection to lose",
)
def test_a_connection_lost_during_a_statement_is_not_used_again(app):
    invalidated = []

    def record(_driver_connection, _record, error) -> None:
        invalidated.append(error)

    event.listen(db.engine, "invalidate", record)
    admin = create_engine(db.engine.url, poolclass=NullPool)
    try:
        with pytest.raises(OperationalError) as raised, autocommitting(db.engine) as connection:
            backend = ONE_BACKEND.first(connection, {}).pid
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": backend})
            ONE.first(connection, {})
    finally:
        admin.dispose()
        event.remove(db.engine, "invalidate", record)
    assert raised.value.connection_invalidated
    assert invalidated == [raised.value.orig]  # discarded, not put back into the pool
