"""agreed answers

Revision ID: 7a3c9e4d2b10
Revises: 5e1f0c2a7b9d
Create Date: 2026-12-01 22:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a3c9e4d2b10'
down_revision = '5e1f0c2a7b9d'
branch_labels = None
depends_on = None


def upgrade():
    # a new table: plain CREATE TABLE works on SQLite and PostgreSQL alike (no batch needed)
    op.create_table('agreed_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('level', 'dont_know', 'not_applicable', name='agreed_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(kind = 'level' AND level IS NOT NULL AND level BETWEEN 1 AND 10) OR (kind <> 'level' AND level IS NULL)", name=op.f('ck_agreed_answer_level_iff_kind_level')),
    sa.CheckConstraint('rationale IS NULL OR length(rationale) <= 4000', name=op.f('ck_agreed_answer_rationale_length')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_agreed_answer_assessment_id_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_agreed_answer_question_id_question'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_agreed_answer_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_agreed_answer_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreed_answer')),
    sa.UniqueConstraint('assessment_id', 'question_id', name=op.f('uq_agreed_answer_assessment_id_question_id'))
    )


def downgrade():
    op.drop_table('agreed_answer')
