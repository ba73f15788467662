"""answer values: a question's own score per level (rule 1)

Revision ID: b5d1e7a3c9f2
Revises: b4d81f3e6a25
Create Date: 2026-12-02 01:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5d1e7a3c9f2'
down_revision = 'b4d81f3e6a25'
branch_labels = None
depends_on = None


def upgrade():
    # a nullable column: plain ALTER TABLE ADD COLUMN works on SQLite and PostgreSQL alike
    op.add_column('question', sa.Column('level_values', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('question') as batch_op:
        batch_op.drop_column('level_values')
