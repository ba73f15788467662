"""round dates and taking-part cities

Revision ID: b4d81f3e6a25
Revises: b4e81f7c3a25
Create Date: 2026-12-02 01:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4d81f3e6a25'
down_revision = 'b4e81f7c3a25'
branch_labels = None
depends_on = None


def upgrade():
    # existing rounds keep what they were: no dates (open until closed by hand), every city
    with op.batch_alter_table('assessment_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opens_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closes_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('all_cities', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.create_check_constraint(batch_op.f('ck_assessment_round_closes_after_opens'), 'opens_on IS NULL OR closes_on IS NULL OR closes_on >= opens_on')

    op.create_table('round_city',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_round_city_city_id_city'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['assessment_round.id'], name=op.f('fk_round_city_round_id_assessment_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'city_id', name=op.f('pk_round_city'))
    )


def downgrade():
    op.drop_table('round_city')
    with op.batch_alter_table('assessment_round', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_assessment_round_closes_after_opens'), type_='check')
        batch_op.drop_column('all_cities')
        batch_op.drop_column('closes_on')
        batch_op.drop_column('opens_on')
