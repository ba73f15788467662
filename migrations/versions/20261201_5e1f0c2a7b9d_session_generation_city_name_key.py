"""session generation, who deactivated a user, city name key

Revision ID: 5e1f0c2a7b9d
Revises: c3f576c01ab6
Create Date: 2026-12-01 22:30:00

"""
from alembic import op
import sqlalchemy as sa

from assessment.names import name_key

# revision identifiers, used by Alembic.
revision = '5e1f0c2a7b9d'
down_revision = 'c3f576c01ab6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('deactivated_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_user_account_deactivated_by_id_user_account'), 'user_account', ['deactivated_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('city', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=120), nullable=True))
    connection = op.get_bind()
    city = sa.table('city', sa.column('id', sa.Integer), sa.column('name', sa.String), sa.column('name_key', sa.String))
    for city_id, name in connection.execute(sa.select(city.c.id, city.c.name)).all():
        connection.execute(city.update().where(city.c.id == city_id).values(name_key=name_key(name)))
    with op.batch_alter_table('city', schema=None) as batch_op:
        batch_op.alter_column('name_key', existing_type=sa.String(length=120), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_city_name_key'), ['name_key'])


def downgrade():
    with op.batch_alter_table('city', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_city_name_key'), type_='unique')
        batch_op.drop_column('name_key')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_account_deactivated_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('deactivated_by_id')
        batch_op.drop_column('session_generation')
