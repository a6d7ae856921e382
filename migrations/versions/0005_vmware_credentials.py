"""The appliance's `vmware_credentials` table, created only where it does not exist yet.

On an appliance database the table is already there (the OMA's migration
20250926150000_add_vmware_credentials) and nothing is altered; on an empty database it is
created with the production columns (oma-production-schema.sql).

Revision ID: 0005_vmware_credentials
Revises: 0004_dashboard_sessions
"""
from alembic import op
import sqlalchemy as sa

from models.types import UTCDateTime

revision = "0005_vmware_credentials"
down_revision = "0004_dashboard_sessions"
branch_labels = None
depends_on = None


def upgrade():
    if "vmware_credentials" in set(sa.inspect(op.get_bind()).get_table_names()):
        return
    op.create_table('vmware_credentials',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('credential_name', sa.String(length=255), nullable=False),
    sa.Column('vcenter_host', sa.String(length=255), nullable=False),
    sa.Column('username', sa.String(length=255), nullable=False),
    sa.Column('password_encrypted', sa.Text(), nullable=False),
    sa.Column('datacenter', sa.String(length=255), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default='1', nullable=True),
    sa.Column('is_default', sa.Boolean(), server_default='0', nullable=True),
    sa.Column('created_at', UTCDateTime(kind='timestamp'), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.Column('updated_at', UTCDateTime(kind='timestamp'), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.Column('created_by', sa.String(length=255), nullable=True),
    sa.Column('last_used', UTCDateTime(kind='timestamp'), nullable=True),
    sa.Column('usage_count', sa.Integer(), server_default='0', nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('credential_name', name='credential_name')
    )
    with op.batch_alter_table('vmware_credentials', schema=None) as batch_op:
        batch_op.create_index('idx_vmware_creds_active', ['is_active'], unique=False)
        batch_op.create_index('idx_vmware_creds_default', ['is_default'], unique=False)
        batch_op.create_index('idx_vmware_creds_host', ['vcenter_host'], unique=False)
        batch_op.create_index('idx_vmware_creds_last_used', ['last_used'], unique=False)


def downgrade():
    pass  # the appliance's table: never dropped by the dashboard
