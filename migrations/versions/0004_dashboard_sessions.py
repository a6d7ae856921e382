"""Browser sessions kept in the database, so logging out or a password change ends them.

Revision ID: 0004_dashboard_sessions
Revises: 0003_dashboard_dispatch_claims
"""
from alembic import op
import sqlalchemy as sa

from models.types import UTCDateTime

revision = "0004_dashboard_sessions"
down_revision = "0003_dashboard_dispatch_claims"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dashboard_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(kind='datetime'), nullable=False),
    sa.Column('last_seen_at', UTCDateTime(kind='datetime'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['dashboard_users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dashboard_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_sessions_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dashboard_sessions_last_seen_at'), ['last_seen_at'], unique=False)


def downgrade():
    op.drop_table('dashboard_sessions')
