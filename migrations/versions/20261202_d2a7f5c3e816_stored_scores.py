"""a submitted assessment's stored area and question scores

Revision ID: d2a7f5c3e816
Revises: c5d8e2f41a93
Create Date: 2026-12-02 05:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2a7f5c3e816'
down_revision = 'c5d8e2f41a93'
branch_labels = None
depends_on = None


def upgrade():
    # existing submitted assessments start without stored scores: they are scored from their
    # answers until ``dmat init`` stores them
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stored_scores', sa.JSON(none_as_null=True), nullable=True))
        batch_op.create_check_constraint(
            'stored_scores_only_submitted', "status = 'submitted' OR stored_scores IS NULL"
        )


def downgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_constraint('stored_scores_only_submitted', type_='check')
        batch_op.drop_column('stored_scores')
