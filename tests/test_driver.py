"""Statements run on the driver's cursor store and read exactly what the ORM stores and reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, func, insert, select

from assessment.driver import DriverStatement
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
