"""Migrations build exactly the models' schema on an empty database; ``dmat init`` is idempotent."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from assessment.extensions import db
from assessment.models import Question, Questionnaire


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    """A brand-new database of the kind the suite runs on."""
    shared = os.environ.get("DMAT_TEST_DATABASE_URL")
    if not shared or not shared.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        return
    name = f"dmat_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(shared).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(shared).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_to_head_matches_models_and_init_is_idempotent(empty_database_url, other_app):
    app, dmat = other_app(empty_database_url)
    first = dmat("init")
    assert first.exit_code == 0, first.output
    assert "imported" in first.output
    with app.app_context():
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == [], differences
        questions = db.session.scalar(select(func.count()).select_from(Question))
        db.session.remove()

    second = dmat("init")
    assert second.exit_code == 0, second.output
    assert "already present" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Questionnaire)) == 1
        assert db.session.scalar(select(func.count()).select_from(Question)) == questions == 30
        db.session.remove()
