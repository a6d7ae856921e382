"""The dashboard's own tables: users, API tokens, audit trail, scheduler lease, banner dismissals.

Revision ID: 0002_dashboard_tables
Revises: 0001_appliance_tables
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

from models.types import JSONText, UTCDateTime  # noqa: F401

revision = "0002_dashboard_tables"
down_revision = "0001_appliance_tables"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dashboard_users',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('viewer', 'operator', 'admin', name='dashboard_role'), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('display_timezone', sa.String(length=64), nullable=True),
    sa.Column('created_at', UTCDateTime(kind='datetime'), nullable=False),
    sa.Column('last_login_at', UTCDateTime(kind='datetime'), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )

    op.create_table('dashboard_api_tokens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('token_prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', UTCDateTime(kind='datetime'), nullable=False),
    sa.Column('last_used_at', UTCDateTime(kind='datetime'), nullable=True),
    sa.Column('revoked_at', UTCDateTime(kind='datetime'), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['dashboard_users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('dashboard_api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('dashboard_audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('ts', UTCDateTime(kind='datetime6'), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('actor_kind', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('object_type', sa.String(length=50), nullable=False),
    sa.Column('object_id', sa.String(length=255), nullable=True),
    sa.Column('object_name', sa.String(length=255), nullable=True),
    sa.Column('before', JSONText(), nullable=True),
    sa.Column('after', JSONText(), nullable=True),
    sa.Column('remote_addr', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dashboard_audit_events', schema=None) as batch_op:
        batch_op.create_index('idx_dashboard_audit_actor', ['actor'], unique=False)
        batch_op.create_index('idx_dashboard_audit_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index('idx_dashboard_audit_ts', ['ts'], unique=False)

    op.create_table('dashboard_scheduler_lease',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=255), nullable=True),
    sa.Column('acquired_at', UTCDateTime(kind='datetime6'), nullable=True),
    sa.Column('heartbeat_at', UTCDateTime(kind='datetime6'), nullable=True),
    sa.Column('expires_at', UTCDateTime(kind='datetime6'), nullable=True),
    sa.Column('engine_heartbeat_at', UTCDateTime(kind='datetime6'), nullable=True),
    sa.Column('schedules_version', sa.Integer(), nullable=True),
    sa.Column('info', JSONText(), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )

    op.create_table('dashboard_banner_dismissals',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.String(length=64), nullable=False),
    sa.Column('job_id', sa.String(length=64), nullable=False),
    sa.Column('dismissed_at', UTCDateTime(kind='datetime'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['dashboard_users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'context_id')
    )


def downgrade():
    op.drop_table('dashboard_banner_dismissals')
    op.drop_table('dashboard_scheduler_lease')
    op.drop_table('dashboard_audit_events')
    op.drop_table('dashboard_api_tokens')
    op.drop_table('dashboard_users')
