"""targets, actions and their history (the city plan)

Revision ID: c5d8e2f41a93
Revises: c41d7e2a9f53
Create Date: 2026-12-02 01:29:16.471293

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d8e2f41a93'
down_revision = 'c41d7e2a9f53'
branch_labels = None
depends_on = None


def upgrade():
    # new tables: plain CREATE TABLE works on SQLite and PostgreSQL alike
    op.create_table('plan_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('areas', sa.JSON(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('owner_name', sa.String(length=120), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('planned', 'in_progress', 'done', 'dropped', name='action_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('progress_note', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('description IS NULL OR length(description) <= 4000', name=op.f('ck_plan_action_description_length')),
    sa.CheckConstraint('length(title) > 0 AND length(title) <= 200', name=op.f('ck_plan_action_title_length')),
    sa.CheckConstraint('owner_id IS NULL OR owner_name IS NULL', name=op.f('ck_plan_action_one_owner')),
    sa.CheckConstraint('progress_note IS NULL OR length(progress_note) <= 4000', name=op.f('ck_plan_action_note_length')),
    sa.CheckConstraint('starts_on IS NULL OR due_on IS NULL OR starts_on <= due_on', name=op.f('ck_plan_action_starts_before_due')),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_plan_action_city_id_city'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_plan_action_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_plan_action_owner_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_action'))
    )
    with op.batch_alter_table('plan_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_action_city_id'), ['city_id'], unique=False)

    op.create_table('plan_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('baseline_round_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('area', 'indicator', 'question', name='target_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'area' AND value >= 0 AND value <= 100) OR (kind = 'question' AND value >= 1 AND value <= 10) OR (kind = 'indicator' AND value >= -1000000000000 AND value <= 1000000000000)", name=op.f('ck_plan_target_value_range')),
    sa.CheckConstraint('length(key) > 0', name=op.f('ck_plan_target_key_not_empty')),
    sa.ForeignKeyConstraint(['baseline_round_id'], ['assessment_round.id'], name=op.f('fk_plan_target_baseline_round_id_assessment_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_plan_target_city_id_city'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_plan_target_set_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_target')),
    sa.UniqueConstraint('city_id', 'baseline_round_id', 'kind', 'key', name=op.f('uq_plan_target_city_id_baseline_round_id_kind_key'))
    )
    op.create_table('plan_action_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('old_status', sa.Enum('planned', 'in_progress', 'done', 'dropped', name='update_old_status', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('new_status', sa.Enum('planned', 'in_progress', 'done', 'dropped', name='update_new_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint('note IS NULL OR length(note) <= 4000', name=op.f('ck_plan_action_update_note_length')),
    sa.ForeignKeyConstraint(['action_id'], ['plan_action.id'], name=op.f('fk_plan_action_update_action_id_plan_action'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_plan_action_update_actor_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_action_update'))
    )
    with op.batch_alter_table('plan_action_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_action_update_action_id'), ['action_id'], unique=False)



def downgrade():
    with op.batch_alter_table('plan_action_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_action_update_action_id'))

    op.drop_table('plan_action_update')
    op.drop_table('plan_target')
    with op.batch_alter_table('plan_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_action_city_id'))

    op.drop_table('plan_action')
