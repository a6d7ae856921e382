"""Dispatch claims: one row per VM started by an execution, so a VM is dispatched once per slot.

Revision ID: 0003_dashboard_dispatch_claims
Revises: 0002_dashboard_tables
"""
from alembic import op
import sqlalchemy as sa

from models.types import UTCDateTime

revision = "0003_dashboard_dispatch_claims"
down_revision = "0002_dashboard_tables"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dashboard_dispatch_claims',
    sa.Column('execution_id', sa.String(length=64), nullable=False),
    sa.Column('vm_context_id', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=255), nullable=False),
    sa.Column('claimed_at', UTCDateTime(kind='datetime6'), nullable=False),
    sa.PrimaryKeyConstraint('execution_id', 'vm_context_id')
    )


def downgrade():
    op.drop_table('dashboard_dispatch_claims')
