"""The dashboard's protection policy: schedule windows and limits, blackouts, RPO targets,
each VM's protection state and the policy's events. Appliance tables are left untouched.

Revision ID: 0006_dashboard_protection
Revises: 0005_vmware_credentials
"""
from alembic import op
import sqlalchemy as sa
from models.types import JSONText, UTCDateTime  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0006_dashboard_protection'
down_revision = '0005_vmware_credentials'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dashboard_blackouts',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('starts_at', UTCDateTime(kind='datetime'), nullable=False),
    sa.Column('ends_at', UTCDateTime(kind='datetime'), nullable=False),
    sa.Column('group_ids', JSONText(), nullable=True),
    sa.Column('created_by', sa.String(length=255), nullable=True),
    sa.Column('created_at', UTCDateTime(kind='datetime'), nullable=False),
    sa.Column('updated_at', UTCDateTime(kind='datetime'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dashboard_blackouts', schema=None) as batch_op:
        batch_op.create_index('idx_dashboard_blackouts_period', ['starts_at', 'ends_at'], unique=False)

    op.create_table('dashboard_policy_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=191), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('subject_type', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=True),
    sa.Column('subject_name', sa.String(length=255), nullable=True),
    sa.Column('schedule_id', sa.String(length=64), nullable=True),
    sa.Column('execution_id', sa.String(length=64), nullable=True),
    sa.Column('job_id', sa.String(length=191), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('facts', JSONText(), nullable=True),
    sa.Column('at', UTCDateTime(kind='datetime6'), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('dashboard_policy_events', schema=None) as batch_op:
        batch_op.create_index('idx_dashboard_policy_events_at', ['at'], unique=False)
        batch_op.create_index('idx_dashboard_policy_events_execution', ['execution_id'], unique=False)
        batch_op.create_index('idx_dashboard_policy_events_kind', ['kind', 'at'], unique=False)
        batch_op.create_index('idx_dashboard_policy_events_subject', ['subject_id'], unique=False)

    op.create_table('dashboard_protection_states',
    sa.Column('vm_context_id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('since', UTCDateTime(kind='datetime'), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('group_id', sa.String(length=64), nullable=True),
    sa.Column('rpo_minutes', sa.Integer(), nullable=True),
    sa.Column('rpo_source', sa.String(length=10), nullable=True),
    sa.Column('last_good_at', UTCDateTime(kind='datetime'), nullable=True),
    sa.Column('deadline_at', UTCDateTime(kind='datetime'), nullable=True),
    sa.Column('next_run_at', UTCDateTime(kind='datetime'), nullable=True),
    sa.Column('predicted_completion_at', UTCDateTime(kind='datetime'), nullable=True),
    sa.Column('predicted_minutes', sa.Float(), nullable=True),
    sa.Column('duration_basis', sa.String(length=10), nullable=True),
    sa.Column('computed_at', UTCDateTime(kind='datetime'), nullable=False),
    sa.PrimaryKeyConstraint('vm_context_id')
    )
    with op.batch_alter_table('dashboard_protection_states', schema=None) as batch_op:
        batch_op.create_index('idx_dashboard_protection_state', ['state'], unique=False)

    op.create_table('dashboard_protection_summary',
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('assessed_at', UTCDateTime(kind='datetime6'), nullable=False),
    sa.Column('counts', JSONText(), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('dashboard_rpo_targets',
    sa.Column('subject_type', sa.String(length=10), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('rpo_minutes', sa.Integer(), nullable=False),
    sa.Column('updated_at', UTCDateTime(kind='datetime'), nullable=True),
    sa.PrimaryKeyConstraint('subject_type', 'subject_id')
    )
    op.create_table('dashboard_schedule_policies',
    sa.Column('schedule_id', sa.String(length=64), nullable=False),
    sa.Column('windows', JSONText(), nullable=True),
    sa.Column('window_close_policy', sa.String(length=10), server_default='defer', nullable=False),
    sa.Column('max_runtime_minutes', sa.Integer(), nullable=True),
    sa.Column('pause_after_failures', sa.Integer(), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), server_default='0', nullable=False),
    sa.Column('paused_reason', sa.Text(), nullable=True),
    sa.Column('paused_at', UTCDateTime(kind='datetime'), nullable=True),
    sa.Column('updated_at', UTCDateTime(kind='datetime'), nullable=True),
    sa.ForeignKeyConstraint(['schedule_id'], ['replication_schedules.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('schedule_id')
    )


def downgrade():
    op.drop_table('dashboard_schedule_policies')
    op.drop_table('dashboard_rpo_targets')
    op.drop_table('dashboard_protection_summary')
    with op.batch_alter_table('dashboard_protection_states', schema=None) as batch_op:
        batch_op.drop_index('idx_dashboard_protection_state')

    op.drop_table('dashboard_protection_states')
    with op.batch_alter_table('dashboard_policy_events', schema=None) as batch_op:
        batch_op.drop_index('idx_dashboard_policy_events_subject')
        batch_op.drop_index('idx_dashboard_policy_events_kind')
        batch_op.drop_index('idx_dashboard_policy_events_execution')
        batch_op.drop_index('idx_dashboard_policy_events_at')

    op.drop_table('dashboard_policy_events')
    with op.batch_alter_table('dashboard_blackouts', schema=None) as batch_op:
        batch_op.drop_index('idx_dashboard_blackouts_period')

    op.drop_table('dashboard_blackouts')
