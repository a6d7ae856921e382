"""Appliance tables, created only where they do not exist yet.

On an existing appliance database (created from the production schema) this migration
creates nothing and alters nothing: the dashboard works with those tables as they are.
On an empty database it creates them with the production names, columns and types.

Revision ID: 0001_appliance_tables
Revises:
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from models.types import JSONText, UTCDateTime  # noqa: F401

revision = "0001_appliance_tables"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    existing = set(sa.inspect(bind).get_table_names())
    if bind.dialect.name == "mysql":
        # Forward references (vm_replication_contexts <-> replication_jobs), as in the production dump.
        op.execute("SET FOREIGN_KEY_CHECKS=0")
    if 'replication_schedules' not in existing:
        op.create_table('replication_schedules',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('cron_expression', sa.String(length=100), nullable=False),
        sa.Column('schedule_type', sa.Enum('cron', 'chain', name='schedule_type'), server_default='cron', nullable=False),
        sa.Column('timezone', sa.String(length=50), server_default='UTC', nullable=True),
        sa.Column('chain_parent_schedule_id', sa.String(length=64), nullable=True),
        sa.Column('chain_delay_minutes', sa.Integer(), server_default='0', nullable=True),
        sa.Column('replication_type', sa.Enum('full', 'incremental', 'auto', name='replication_type'), server_default='auto', nullable=True),
        sa.Column('max_concurrent_jobs', sa.Integer(), server_default='1', nullable=True),
        sa.Column('retry_attempts', sa.Integer(), server_default='3', nullable=True),
        sa.Column('retry_delay_minutes', sa.Integer(), server_default='30', nullable=True),
        sa.Column('enabled', sa.Boolean(), server_default='1', nullable=True),
        sa.Column('skip_if_running', sa.Boolean(), server_default='1', nullable=True),
        sa.Column('created_at', UTCDateTime(kind='timestamp'), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
        sa.Column('updated_at', UTCDateTime(kind='timestamp'), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
        sa.Column('created_by', sa.String(length=255), server_default='system', nullable=True),
        sa.ForeignKeyConstraint(['chain_parent_schedule_id'], ['replication_schedules.id'], name='replication_schedules_ibfk_1', ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name')
        )
        with op.batch_alter_table('replication_schedules', schema=None) as batch_op:
            batch_op.create_index('idx_replication_schedules_enabled', ['enabled'], unique=False)
            batch_op.create_index('idx_replication_schedules_name', ['name'], unique=False)
            batch_op.create_index('idx_replication_schedules_parent', ['chain_parent_schedule_id'], unique=False)
            batch_op.create_index('idx_replication_schedules_type', ['schedule_type'], unique=False)

    if 'vm_machine_groups' not in existing:
        op.create_table('vm_machine_groups',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('schedule_id', sa.String(length=64), nullable=True),
        sa.Column('max_concurrent_vms', sa.Integer(), server_default='5', nullable=True),
        sa.Column('priority', sa.Integer(), server_default='0', nullable=True),
        sa.Column('created_at', UTCDateTime(kind='timestamp'), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
        sa.Column('updated_at', UTCDateTime(kind='timestamp'), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
        sa.Column('created_by', sa.String(length=255), server_default='system', nullable=True),
        sa.ForeignKeyConstraint(['schedule_id'], ['replication_schedules.id'], name='vm_machine_groups_ibfk_1', ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name')
        )
        with op.batch_alter_table('vm_machine_groups', schema=None) as batch_op:
            batch_op.create_index('idx_vm_machine_groups_name', ['name'], unique=False)
            batch_op.create_index('idx_vm_machine_groups_priority', ['priority'], unique=False)
            batch_op.create_index('idx_vm_machine_groups_schedule', ['schedule_id'], unique=False)

    if 'vm_replication_contexts' not in existing:
        op.create_table('vm_replication_contexts',
        sa.Column('context_id', sa.String(length=64), nullable=False),
        sa.Column('vm_name', sa.String(length=255), nullable=False),
        sa.Column('vmware_vm_id', sa.String(length=255), nullable=False),
        sa.Column('vm_path', sa.String(length=500), nullable=False),
        sa.Column('vcenter_host', sa.String(length=255), nullable=False),
        sa.Column('datacenter', sa.String(length=255), nullable=False),
        sa.Column('current_status', sa.Enum('discovered', 'replicating', 'ready_for_failover', 'failed_over_test', 'failed_over_live', 'completed', 'failed', 'cleanup_required', name='current_status'), server_default='discovered', nullable=False),
        sa.Column('current_job_id', sa.String(length=191), nullable=True),
        sa.Column('total_jobs_run', sa.Integer(), server_default='0', nullable=True),
        sa.Column('successful_jobs', sa.Integer(), server_default='0', nullable=True),
        sa.Column('failed_jobs', sa.Integer(), server_default='0', nullable=True),
        sa.Column('last_successful_job_id', sa.String(length=191), nullable=True),
        sa.Column('cpu_count', sa.Integer(), nullable=True),
        sa.Column('memory_mb', sa.Integer(), nullable=True),
        sa.Column('os_type', sa.String(length=255), nullable=True),
        sa.Column('power_state', sa.String(length=50), nullable=True),
        sa.Column('vm_tools_version', sa.String(length=255), nullable=True),
        sa.Column('created_at', UTCDateTime(kind='timestamp'), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
        sa.Column('updated_at', UTCDateTime(kind='timestamp'), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
        sa.Column('first_job_at', UTCDateTime(kind='timestamp'), nullable=True),
        sa.Column('last_job_at', UTCDateTime(kind='timestamp'), nullable=True),
        sa.Column('last_status_change', UTCDateTime(kind='timestamp'), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
        sa.Column('auto_added', sa.Boolean(), server_default='0', nullable=True),
        sa.Column('last_scheduled_job_id', sa.String(length=255), nullable=True),
        sa.Column('next_scheduled_at', UTCDateTime(kind='timestamp'), nullable=True),
        sa.Column('scheduler_enabled', sa.Boolean(), server_default='1', nullable=True),
        sa.Column('credential_id', sa.Integer(), nullable=True),
        sa.Column('ossea_config_id', sa.Integer(), nullable=True),
        sa.Column('last_operation_summary', JSONText(), nullable=True),
        sa.ForeignKeyConstraint(['current_job_id'], ['replication_jobs.id'], name='fk_vm_context_current_job', ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['last_successful_job_id'], ['replication_jobs.id'], name='fk_vm_context_last_job', ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('context_id'),
        sa.UniqueConstraint('vm_name', 'vcenter_host', name='unique_vm_name_per_vcenter'),
        sa.UniqueConstraint('vmware_vm_id', 'vcenter_host', name='unique_vm_per_vcenter')
        )
        with op.batch_alter_table('vm_replication_contexts', schema=None) as batch_op:
            batch_op.create_index('fk_vm_context_last_job', ['last_successful_job_id'], unique=False)
            batch_op.create_index('idx_current_job', ['current_job_id'], unique=False)
            batch_op.create_index('idx_current_status', ['current_status'], unique=False)
            batch_op.create_index('idx_vcenter', ['vcenter_host'], unique=False)
            batch_op.create_index('idx_vm_contexts_auto_added', ['auto_added'], unique=False)
            batch_op.create_index('idx_vm_contexts_next_scheduled', ['next_scheduled_at'], unique=False)
            batch_op.create_index('idx_vm_contexts_scheduler_enabled', ['scheduler_enabled'], unique=False)
            batch_op.create_index('idx_vm_name', ['vm_name'], unique=False)
            batch_op.create_index('idx_vmware_id', ['vmware_vm_id'], unique=False)

    if 'schedule_executions' not in existing:
        op.create_table('schedule_executions',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('schedule_id', sa.String(length=64), nullable=False),
        sa.Column('group_id', sa.String(length=64), nullable=True),
        sa.Column('scheduled_at', UTCDateTime(kind='timestamp'), nullable=False),
        sa.Column('started_at', UTCDateTime(kind='timestamp'), nullable=True),
        sa.Column('completed_at', UTCDateTime(kind='timestamp'), nullable=True),
        sa.Column('status', sa.Enum('scheduled', 'running', 'completed', 'failed', 'skipped', 'cancelled', name='execution_status'), server_default='scheduled', nullable=True),
        sa.Column('vms_eligible', sa.Integer(), server_default='0', nullable=True),
        sa.Column('jobs_created', sa.Integer(), server_default='0', nullable=True),
        sa.Column('jobs_completed', sa.Integer(), server_default='0', nullable=True),
        sa.Column('jobs_failed', sa.Integer(), server_default='0', nullable=True),
        sa.Column('jobs_skipped', sa.Integer(), server_default='0', nullable=True),
        sa.Column('execution_details', JSONText(), nullable=True),
        sa.Column('error_message', sa.Text(), nullable=True),
        sa.Column('error_details', JSONText(), nullable=True),
        sa.Column('execution_duration_seconds', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(kind='timestamp'), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
        sa.Column('triggered_by', sa.String(length=255), server_default='scheduler', nullable=True),
        sa.ForeignKeyConstraint(['group_id'], ['vm_machine_groups.id'], name='schedule_executions_ibfk_2', ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['schedule_id'], ['replication_schedules.id'], name='schedule_executions_ibfk_1', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('schedule_executions', schema=None) as batch_op:
            batch_op.create_index('idx_schedule_executions_group', ['group_id'], unique=False)
            batch_op.create_index('idx_schedule_executions_schedule', ['schedule_id'], unique=False)
            batch_op.create_index('idx_schedule_executions_scheduled_at', ['scheduled_at'], unique=False)
            batch_op.create_index('idx_schedule_executions_started_at', ['started_at'], unique=False)
            batch_op.create_index('idx_schedule_executions_status', ['status'], unique=False)

    if 'replication_jobs' not in existing:
        op.create_table('replication_jobs',
        sa.Column('id', sa.String(length=191), nullable=False),
        sa.Column('vm_context_id', sa.String(length=64), nullable=True),
        sa.Column('source_vm_id', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=False),
        sa.Column('source_vm_name', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=False),
        sa.Column('source_vm_path', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=False),
        sa.Column('v_center_host', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=False),
        sa.Column('datacenter', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=False),
        sa.Column('replication_type', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=False),
        sa.Column('target_network', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=True),
        sa.Column('status', sa.String(length=191), server_default='pending', nullable=True),
        sa.Column('progress_percent', sa.Float(), server_default='0', nullable=True),
        sa.Column('current_operation', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=True),
        sa.Column('bytes_transferred', sa.BigInteger(), server_default='0', nullable=True),
        sa.Column('total_bytes', sa.BigInteger(), server_default='0', nullable=True),
        sa.Column('transfer_speed_bps', sa.BigInteger(), server_default='0', nullable=True),
        sa.Column('error_message', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=True),
        sa.Column('change_id', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=True),
        sa.Column('previous_change_id', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=True),
        sa.Column('snapshot_id', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=True),
        sa.Column('nbd_port', sa.BigInteger(), nullable=True),
        sa.Column('nbd_export_name', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=True),
        sa.Column('target_device', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=True),
        sa.Column('ossea_config_id', sa.BigInteger(), nullable=True),
        sa.Column('created_at', UTCDateTime(kind='datetime3'), nullable=True),
        sa.Column('updated_at', UTCDateTime(kind='datetime3'), nullable=True),
        sa.Column('started_at', UTCDateTime(kind='datetime3'), nullable=True),
        sa.Column('completed_at', UTCDateTime(kind='datetime3'), nullable=True),
        sa.Column('vma_sync_type', sa.String(length=50), nullable=True),
        sa.Column('vma_current_phase', sa.String(length=100), nullable=True),
        sa.Column('vma_throughput_mbps', sa.Numeric(precision=10, scale=2, asdecimal=False), server_default='0.00', nullable=True),
        sa.Column('vma_eta_seconds', sa.Integer(), nullable=True),
        sa.Column('vma_last_poll_at', UTCDateTime(kind='timestamp'), nullable=True),
        sa.Column('vma_error_classification', sa.String(length=50), nullable=True),
        sa.Column('vma_error_details', sa.Text(), nullable=True),
        sa.Column('setup_progress_percent', sa.Numeric(precision=5, scale=2, asdecimal=False), server_default='0.00', nullable=True),
        sa.Column('schedule_execution_id', sa.String(length=64), nullable=True),
        sa.Column('scheduled_by', sa.String(length=255), nullable=True),
        sa.Column('vm_group_id', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['schedule_execution_id'], ['schedule_executions.id'], name='fk_replication_jobs_schedule_execution', ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['vm_context_id'], ['vm_replication_contexts.context_id'], name='fk_replication_job_context', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['vm_group_id'], ['vm_machine_groups.id'], name='fk_replication_jobs_vm_group', ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('replication_jobs', schema=None) as batch_op:
            batch_op.create_index('fk_replication_jobs_ossea_config', ['ossea_config_id'], unique=False)
            batch_op.create_index('idx_replication_jobs_completion_tracking', ['status', 'completed_at'], unique=False)
            batch_op.create_index('idx_replication_jobs_context', ['vm_context_id'], unique=False)
            batch_op.create_index('idx_replication_jobs_progress_timeout', ['status', 'updated_at'], unique=False)
            batch_op.create_index('idx_replication_jobs_schedule_execution', ['schedule_execution_id'], unique=False)
            batch_op.create_index('idx_replication_jobs_scheduled_by', ['scheduled_by'], unique=False)
            batch_op.create_index('idx_replication_jobs_vm_group', ['vm_group_id'], unique=False)

    if 'vm_group_memberships' not in existing:
        op.create_table('vm_group_memberships',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('group_id', sa.String(length=64), nullable=False),
        sa.Column('vm_context_id', sa.String(length=64), nullable=False),
        sa.Column('enabled', sa.Boolean(), server_default='1', nullable=True),
        sa.Column('priority', sa.Integer(), server_default='0', nullable=True),
        sa.Column('schedule_override_id', sa.String(length=64), nullable=True),
        sa.Column('added_at', UTCDateTime(kind='timestamp'), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
        sa.Column('added_by', sa.String(length=255), server_default='system', nullable=True),
        sa.ForeignKeyConstraint(['group_id'], ['vm_machine_groups.id'], name='vm_group_memberships_ibfk_1', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['schedule_override_id'], ['replication_schedules.id'], name='vm_group_memberships_ibfk_3', ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['vm_context_id'], ['vm_replication_contexts.context_id'], name='vm_group_memberships_ibfk_2', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('group_id', 'vm_context_id', name='unique_vm_group')
        )
        with op.batch_alter_table('vm_group_memberships', schema=None) as batch_op:
            batch_op.create_index('idx_vm_group_memberships_enabled', ['enabled'], unique=False)
            batch_op.create_index('idx_vm_group_memberships_group', ['group_id'], unique=False)
            batch_op.create_index('idx_vm_group_memberships_priority', ['priority'], unique=False)
            batch_op.create_index('idx_vm_group_memberships_vm', ['vm_context_id'], unique=False)
            batch_op.create_index('schedule_override_id', ['schedule_override_id'], unique=False)

    if 'job_tracking' not in existing:
        op.create_table('job_tracking',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('parent_job_id', sa.String(length=64), nullable=True),
        sa.Column('job_type', sa.Enum('cleanup', 'failover', 'migration', 'cloudstack', 'volume_daemon', 'linstor', 'virtio', 'ossea', 'scheduler', 'discovery', 'bulk-operations', 'group-management', 'conflict-detection', 'phantom-detection', 'schedule_management', 'schedule_control', name='job_type'), nullable=True),
        sa.Column('operation', sa.String(length=100), nullable=False),
        sa.Column('status', sa.Enum('pending', 'running', 'completed', 'failed', 'cancelled', name='job_status'), nullable=True),
        sa.Column('cloudstack_job_id', sa.String(length=64), nullable=True),
        sa.Column('external_job_id', sa.String(length=64), nullable=True),
        sa.Column('metadata', JSONText(), nullable=True),
        sa.Column('error_message', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=True),
        sa.Column('started_at', UTCDateTime(kind='timestamp'), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
        sa.Column('completed_at', UTCDateTime(kind='timestamp'), nullable=True),
        sa.Column('created_at', UTCDateTime(kind='timestamp'), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
        sa.Column('updated_at', UTCDateTime(kind='timestamp'), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
        sa.Column('percent_complete', sa.SmallInteger().with_variant(mysql.TINYINT(display_width=3, unsigned=True), 'mariadb').with_variant(mysql.TINYINT(display_width=3, unsigned=True), 'mysql'), nullable=True),
        sa.Column('canceled_at', UTCDateTime(kind='datetime6'), nullable=True),
        sa.Column('owner', sa.String(length=100), nullable=True),
        sa.Column('context_id', sa.String(length=64), nullable=True),
        sa.Column('job_category', sa.Enum('system', 'failover', 'replication', 'scheduler', 'discovery', 'bulk', name='job_category'), server_default='system', nullable=True),
        sa.ForeignKeyConstraint(['parent_job_id'], ['job_tracking.id'], name='job_tracking_ibfk_1', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('job_tracking', schema=None) as batch_op:
            batch_op.create_index('idx_cloudstack_job', ['cloudstack_job_id'], unique=False)
            batch_op.create_index('idx_completed_at', ['completed_at'], unique=False)
            batch_op.create_index('idx_external_job', ['external_job_id'], unique=False)
            batch_op.create_index('idx_job_tracking_category', ['job_category'], unique=False)
            batch_op.create_index('idx_job_tracking_category_status_started', ['job_category', 'status', 'started_at'], unique=False)
            batch_op.create_index('idx_job_tracking_context_id', ['context_id'], unique=False)
            batch_op.create_index('idx_job_type', ['job_type'], unique=False)
            batch_op.create_index('idx_parent_job', ['parent_job_id'], unique=False)
            batch_op.create_index('idx_started_at', ['started_at'], unique=False)
            batch_op.create_index('idx_status', ['status'], unique=False)

    if 'job_steps' not in existing:
        op.create_table('job_steps',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('job_id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('running', 'completed', 'failed', 'skipped', name='step_status'), server_default='running', nullable=False),
        sa.Column('started_at', UTCDateTime(kind='datetime6'), nullable=False),
        sa.Column('completed_at', UTCDateTime(kind='datetime6'), nullable=True),
        sa.Column('error_message', sa.Text().with_variant(mysql.LONGTEXT(), 'mariadb').with_variant(mysql.LONGTEXT(), 'mysql'), nullable=True),
        sa.Column('metadata', JSONText(), nullable=True),
        sa.ForeignKeyConstraint(['job_id'], ['job_tracking.id'], name='job_steps_ibfk_1', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('job_id', 'seq', name='uk_job_steps_job_seq')
        )

    if 'log_events' not in existing:
        op.create_table('log_events',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('job_id', sa.String(length=64), nullable=True),
        sa.Column('step_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('level', sa.Enum('DEBUG', 'INFO', 'WARN', 'ERROR', name='log_level'), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('attrs', JSONText(), nullable=True),
        sa.Column('ts', UTCDateTime(kind='datetime6'), nullable=False),
        sa.Column('external_job_id', sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(['job_id'], ['job_tracking.id'], name='log_events_ibfk_1', ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['step_id'], ['job_steps.id'], name='log_events_ibfk_2', ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('log_events', schema=None) as batch_op:
            batch_op.create_index('idx_log_events_external_job_id', ['external_job_id'], unique=False)
            batch_op.create_index('job_id', ['job_id'], unique=False)
            batch_op.create_index('step_id', ['step_id'], unique=False)

    if bind.dialect.name == "mysql":
        op.execute("SET FOREIGN_KEY_CHECKS=1")


def downgrade():
    # The appliance's tables belong to the appliance: the dashboard never drops them.
    pass
