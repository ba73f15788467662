"""Migrations build exactly the models' schema on an empty database; ``dmat init`` is idempotent."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from assessment.extensions import db
from assessment.models import Indicator, Question, Questionnaire


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
        # both bundled versions: the questions of version 1 twice, the indicators of version 2
        assert db.session.scalar(select(func.count()).select_from(Questionnaire)) == 2
        assert db.session.scalar(select(func.count()).select_from(Question)) == questions == 60
        assert db.session.scalar(select(func.count()).select_from(Indicator)) == 11
        db.session.remove()
