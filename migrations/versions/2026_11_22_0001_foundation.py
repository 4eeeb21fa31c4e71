"""Foundation: register, accounts, audit, ratings, inspections and tasks.

Revision ID: 0001_foundation
Revises: 
Create Date: 2026-11-22 18:32:35.261369
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate emits sqlmodel.sql.sqltypes.AutoString)
from alembic import op

revision: str = '0001_foundation'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('community',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('name_bo', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('issuer', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community')),
    sa.UniqueConstraint('name', name=op.f('uq_community_name'))
    )
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('id_number', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True),
    sa.Column('id_tail', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('id_number', name=op.f('uq_person_id_number'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_id_tail'), ['id_tail'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_phone'), ['phone'], unique=False)

    op.create_table('area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('name_bo', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_area_community_id_community')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area')),
    sa.UniqueConstraint('community_id', 'name', name=op.f('uq_area_community_id_name'))
    )
    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_community_id'), ['community_id'], unique=False)

    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('session_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('inspector', 'manager', 'landlord', 'admin')", name=op.f('ck_user_role_known')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_user_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('person_id', name=op.f('uq_user_person_id')),
    sa.UniqueConstraint('username', name=op.f('uq_user_username'))
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_role'), ['role'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('subject_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=45), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_audit_event_actor_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_action'), ['action'], unique=False)
        batch_op.create_index('ix_audit_event_actor', ['actor_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_event_subject', ['subject_type', 'subject_id', 'id'], unique=False)

    op.create_table('scorecard_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('active_from', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_scorecard_version_created_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorecard_version')),
    sa.UniqueConstraint('version', name=op.f('uq_scorecard_version_version'))
    )
    with op.batch_alter_table('scorecard_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorecard_version_active_from'), ['active_from'], unique=False)

    op.create_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('street', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('house_number', sa.Integer(), nullable=True),
    sa.Column('unit_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('rooms', sa.Integer(), nullable=False),
    sa.Column('floor_area', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('landlord_id', sa.Integer(), nullable=True),
    sa.Column('rating_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active', 'vacant', 'withdrawn')", name=op.f('ck_unit_status_known')),
    sa.CheckConstraint('rooms >= 0', name=op.f('ck_unit_rooms_non_negative')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_unit_area_id_area')),
    sa.ForeignKeyConstraint(['landlord_id'], ['person.id'], name=op.f('fk_unit_landlord_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit')),
    sa.UniqueConstraint('code', name=op.f('uq_unit_code'))
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_address'), ['address'], unique=False)
        batch_op.create_index('ix_unit_area_code', ['area_id', 'code'], unique=False)
        batch_op.create_index('ix_unit_area_route', ['area_id', 'street', 'house_number', 'code'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_landlord_id'), ['landlord_id'], unique=False)
        batch_op.create_index('ix_unit_rating_code', ['rating_status', 'code'], unique=False)
        batch_op.create_index('ix_unit_status_code', ['status', 'code'], unique=False)

    op.create_table('user_area',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_user_area_area_id_area')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_area_user_id_user')),
    sa.PrimaryKeyConstraint('user_id', 'area_id', name=op.f('pk_user_area'))
    )
    with op.batch_alter_table('user_area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_area_area_id'), ['area_id'], unique=False)

    op.create_table('task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('period_key', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=True),
    sa.Column('stars_at_planning', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['inspector_id'], ['user.id'], name=op.f('fk_task_inspector_id_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_task_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task')),
    sa.UniqueConstraint('unit_id', 'kind', 'period_key', name=op.f('uq_task_unit_id_kind_period_key'))
    )
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index('ix_task_due', ['due'], unique=False)
        batch_op.create_index('ix_task_inspector_status_due', ['inspector_id', 'status', 'due'], unique=False)
        batch_op.create_index('ix_task_status_due', ['status', 'due'], unique=False)

    op.create_table('tenancy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('moved_in', sa.Date(), nullable=False),
    sa.Column('moved_out', sa.Date(), nullable=True),
    sa.Column('registered', sa.Boolean(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('moved_out IS NULL OR moved_out >= moved_in', name=op.f('ck_tenancy_move_out_after_in')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_tenancy_person_id_person')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_tenancy_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenancy'))
    )
    with op.batch_alter_table('tenancy', schema=None) as batch_op:
        batch_op.create_index('ix_tenancy_unit_open', ['unit_id', 'moved_out'], unique=False)
        batch_op.create_index('uq_tenancy_open_person', ['person_id'], unique=True, sqlite_where=sa.text('moved_out IS NULL'), postgresql_where=sa.text('moved_out IS NULL'))

    op.create_table('inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=True),
    sa.Column('scorecard_version_id', sa.Integer(), nullable=False),
    sa.Column('client_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('vetoes', sa.JSON(), nullable=False),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['corrects_id'], ['inspection.id'], name=op.f('fk_inspection_corrects_id_inspection')),
    sa.ForeignKeyConstraint(['inspector_id'], ['user.id'], name=op.f('fk_inspection_inspector_id_user')),
    sa.ForeignKeyConstraint(['scorecard_version_id'], ['scorecard_version.id'], name=op.f('fk_inspection_scorecard_version_id_scorecard_version')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_inspection_task_id_task')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_inspection_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection')),
    sa.UniqueConstraint('client_key', name=op.f('uq_inspection_client_key'))
    )
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_inspector_id'), ['inspector_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_task_id'), ['task_id'], unique=False)
        batch_op.create_index('ix_inspection_unit_newest', ['unit_id', 'id'], unique=False)

    op.create_table('rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('scorecard_version_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('breakdown', sa.JSON(), nullable=False),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_rating_inspection_id_inspection')),
    sa.ForeignKeyConstraint(['scorecard_version_id'], ['scorecard_version.id'], name=op.f('fk_rating_scorecard_version_id_scorecard_version')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_rating_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating')),
    sa.UniqueConstraint('inspection_id', name=op.f('uq_rating_inspection_id'))
    )
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.create_index('ix_rating_unit_newest', ['unit_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index('ix_rating_unit_newest')

    op.drop_table('rating')
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_index('ix_inspection_unit_newest')
        batch_op.drop_index(batch_op.f('ix_inspection_task_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_inspector_id'))

    op.drop_table('inspection')
    with op.batch_alter_table('tenancy', schema=None) as batch_op:
        batch_op.drop_index('uq_tenancy_open_person', sqlite_where=sa.text('moved_out IS NULL'), postgresql_where=sa.text('moved_out IS NULL'))
        batch_op.drop_index('ix_tenancy_unit_open')

    op.drop_table('tenancy')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_status_due')
        batch_op.drop_index('ix_task_inspector_status_due')
        batch_op.drop_index('ix_task_due')

    op.drop_table('task')
    with op.batch_alter_table('user_area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_area_area_id'))

    op.drop_table('user_area')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_status_code')
        batch_op.drop_index('ix_unit_rating_code')
        batch_op.drop_index(batch_op.f('ix_unit_landlord_id'))
        batch_op.drop_index('ix_unit_area_route')
        batch_op.drop_index('ix_unit_area_code')
        batch_op.drop_index(batch_op.f('ix_unit_address'))

    op.drop_table('unit')
    with op.batch_alter_table('scorecard_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorecard_version_active_from'))

    op.drop_table('scorecard_version')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_subject')
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))
        batch_op.drop_index('ix_audit_event_actor')
        batch_op.drop_index(batch_op.f('ix_audit_event_action'))

    op.drop_table('audit_event')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_role'))

    op.drop_table('user')
    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_community_id'))

    op.drop_table('area')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_phone'))
        batch_op.drop_index(batch_op.f('ix_person_name'))
        batch_op.drop_index(batch_op.f('ix_person_id_tail'))

    op.drop_table('person')
    op.drop_table('community')
