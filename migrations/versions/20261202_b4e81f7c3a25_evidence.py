"""evidence links and a note on answers and agreed answers

Revision ID: b4e81f7c3a25
Revises: 7a3c9e4d2b10
Create Date: 2026-12-02 01:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4e81f7c3a25'
down_revision = '7a3c9e4d2b10'
branch_labels = None
depends_on = None

TABLES = ('answer', 'agreed_answer')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('evidence', sa.Text(), nullable=True))
            batch_op.add_column(sa.Column('evidence_note', sa.Text(), nullable=True))
            batch_op.create_check_constraint(batch_op.f(f'ck_{table}_evidence_length'), 'evidence IS NULL OR length(evidence) <= 10004')
            batch_op.create_check_constraint(batch_op.f(f'ck_{table}_evidence_note_length'), 'evidence_note IS NULL OR length(evidence_note) <= 1000')


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_evidence_note_length'), type_='check')
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_evidence_length'), type_='check')
            batch_op.drop_column('evidence_note')
            batch_op.drop_column('evidence')
