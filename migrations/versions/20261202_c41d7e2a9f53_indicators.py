"""success indicators: their definitions, the cities' values, the named editor

Revision ID: c41d7e2a9f53
Revises: b5d1e7a3c9f2
Create Date: 2026-12-02 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c41d7e2a9f53'
down_revision = 'b5d1e7a3c9f2'
branch_labels = None
depends_on = None


def upgrade():
    # new tables: plain CREATE TABLE works on SQLite and PostgreSQL alike (no batch needed)
    op.create_table('indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('area_key', sa.String(length=80), nullable=True),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('help', sa.JSON(), nullable=True),
    sa.CheckConstraint("direction IN ('higher', 'lower')", name=op.f('ck_indicator_direction_known')),
    sa.CheckConstraint("unit IN ('percent', 'count', 'number', 'eur', 'days', 'rating')", name=op.f('ck_indicator_unit_known')),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], name=op.f('fk_indicator_questionnaire_id_questionnaire'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator')),
    sa.UniqueConstraint('questionnaire_id', 'key', name=op.f('uq_indicator_questionnaire_id_key')),
    sa.UniqueConstraint('questionnaire_id', 'position', name=op.f('uq_indicator_questionnaire_id_position'))
    )
    op.create_table('indicator_editor',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('named_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_indicator_editor_assessment_id_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_indicator_editor_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assessment_id', name=op.f('pk_indicator_editor'))
    )
    op.create_table('indicator_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('source IS NULL OR length(source) <= 500', name=op.f('ck_indicator_value_source_length')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_indicator_value_assessment_id_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_indicator_value_indicator_id_indicator'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_indicator_value_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_value')),
    sa.UniqueConstraint('assessment_id', 'indicator_id', name=op.f('uq_indicator_value_assessment_id_indicator_id'))
    )


def downgrade():
    op.drop_table('indicator_value')
    op.drop_table('indicator_editor')
    op.drop_table('indicator')
