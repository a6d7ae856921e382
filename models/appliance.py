"""Tables of the appliance's production schema (`oma-production-schema.sql`).

Names, columns and types are the production ones: the dashboard runs against an existing
appliance database without altering these tables. Only the columns the product reads or
writes carry Python defaults; server defaults mirror production for fresh databases.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import (BigInteger, Boolean, Float, ForeignKey, Index, Integer, Numeric,
                        SmallInteger, String, Text, UniqueConstraint, case, func, or_)
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.types import JSONText, LongText, StoredEnum, UTCDateTime, utcnow

VM_STATUSES = ("discovered", "replicating", "ready_for_failover", "failed_over_test",
               "failed_over_live", "completed", "failed", "cleanup_required")
FAILOVER_STATUSES = ("failed_over_test", "failed_over_live", "cleanup_required")
EXECUTION_STATUSES = ("scheduled", "running", "completed", "failed", "skipped", "cancelled")
JOBLOG_JOB_TYPES = ("cleanup", "failover", "migration", "cloudstack", "volume_daemon", "linstor",
                    "virtio", "ossea", "scheduler", "discovery", "bulk-operations",
                    "group-management", "conflict-detection", "phantom-detection",
                    "schedule_management", "schedule_control")
JOBLOG_STATUSES = ("pending", "running", "completed", "failed", "cancelled")
#: JobLog (and unified job list) statuses of a job that has not finished.
JOBLOG_ACTIVE_STATUSES = ("pending", "running")
JOBLOG_CATEGORIES = ("system", "failover", "replication", "scheduler", "discovery", "bulk")
STEP_STATUSES = ("running", "completed", "failed", "skipped")
LOG_LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")
# The statuses the OMA writes to `replication_jobs.status`, read from its source (DRDAVIDBANNER/
# sendense @ 8b7d59b, source/current/oma/): the workflow's setup phases (workflows/migration.go:
# 147-228), the VMA phase mapping (services/vma_progress_client.go:191-207) and the later
# updater's extra words (@ 2acc62b sha/workflows/replication/progress_updater.go:350-368).
#: Setting the replication up: volumes created and attached, NBD export configured.
SETUP_REPLICATION_STATUSES = ("pending", "initializing", "analyzing", "provisioning", "attaching",
                              "configuring", "ready_for_sync", "preparing")
#: Copying data.
COPY_REPLICATION_STATUSES = ("replicating", "snapshotting", "finalizing", "streaming", "running")
#: The VM is busy: conflict check `active_job`, concurrency limits, the phantom scan. A status
#: in none of these lists counts as active too (see `replication_state`).
ACTIVE_REPLICATION_STATUSES = SETUP_REPLICATION_STATUSES + COPY_REPLICATION_STATUSES
#: Ended without a replica: `replication_failed` is the setup's own failure (migration.go:221).
FAILED_REPLICATION_STATUSES = ("failed", "replication_failed", "cancelled")
FINISHED_REPLICATION_STATUSES = ("completed",)
TERMINAL_REPLICATION_STATUSES = FINISHED_REPLICATION_STATUSES + FAILED_REPLICATION_STATUSES


def replication_state(status: str | None) -> str:
    """One job row's status as "completed", "failed", "active" or "unknown".

    An unknown status (a word a later appliance version writes) is treated as active by every
    caller, because a running copy must not be started twice; callers log it as suspect.
    A blank status is the column's default, `pending`."""
    word = (status or "pending").strip().lower()
    if word in FINISHED_REPLICATION_STATUSES:
        return "completed"
    if word in FAILED_REPLICATION_STATUSES:
        return "failed"
    if word in ACTIVE_REPLICATION_STATUSES:
        return "active"
    return "unknown"


def replication_active(column):
    """SQL: the job is not finished, so its VM is busy (unknown statuses and NULL included)."""
    return or_(column.is_(None), column.notin_(TERMINAL_REPLICATION_STATUSES))
#: What an operator may set on a schedule (validation) and what the engine reads a stored row as.
SCHEDULE_LIMITS = {"chain_delay_minutes": (0, 10080), "max_concurrent_jobs": (1, 1000), "retry_attempts": (0, 10),
                   "retry_delay_minutes": (0, 1440)}


def _now_default():
    return utcnow()


class VMReplicationContext(db.Model):
    """One managed VM; `context_id` is the master key used by everything else."""

    __tablename__ = "vm_replication_contexts"
    __table_args__ = (
        UniqueConstraint("vmware_vm_id", "vcenter_host", name="unique_vm_per_vcenter"),
        UniqueConstraint("vm_name", "vcenter_host", name="unique_vm_name_per_vcenter"),
        Index("idx_vm_name", "vm_name"),
        Index("idx_vmware_id", "vmware_vm_id"),
        Index("idx_current_status", "current_status"),
        Index("idx_current_job", "current_job_id"),
        Index("idx_vcenter", "vcenter_host"),
        Index("idx_vm_contexts_auto_added", "auto_added"),
        Index("idx_vm_contexts_next_scheduled", "next_scheduled_at"),
        Index("idx_vm_contexts_scheduler_enabled", "scheduler_enabled"),
        Index("fk_vm_context_last_job", "last_successful_job_id"),
    )

    context_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    vm_name: Mapped[str] = mapped_column(String(255), nullable=False)
    vmware_vm_id: Mapped[str] = mapped_column(String(255), nullable=False)
    vm_path: Mapped[str] = mapped_column(String(500), nullable=False)
    vcenter_host: Mapped[str] = mapped_column(String(255), nullable=False)
    datacenter: Mapped[str] = mapped_column(String(255), nullable=False)
    current_status: Mapped[str] = mapped_column(
        StoredEnum(*VM_STATUSES, name="current_status"), nullable=False, default="discovered",
        server_default="discovered")
    current_job_id: Mapped[Optional[str]] = mapped_column(
        String(191), ForeignKey("replication_jobs.id", ondelete="SET NULL", use_alter=True,
                                name="fk_vm_context_current_job"))
    total_jobs_run: Mapped[Optional[int]] = mapped_column(Integer, default=0, server_default="0")
    successful_jobs: Mapped[Optional[int]] = mapped_column(Integer, default=0, server_default="0")
    failed_jobs: Mapped[Optional[int]] = mapped_column(Integer, default=0, server_default="0")
    last_successful_job_id: Mapped[Optional[str]] = mapped_column(
        String(191), ForeignKey("replication_jobs.id", ondelete="SET NULL", use_alter=True,
                                name="fk_vm_context_last_job"))
    cpu_count: Mapped[Optional[int]] = mapped_column(Integer)
    memory_mb: Mapped[Optional[int]] = mapped_column(Integer)
    os_type: Mapped[Optional[str]] = mapped_column(String(255))
    power_state: Mapped[Optional[str]] = mapped_column(String(50))
    vm_tools_version: Mapped[Optional[str]] = mapped_column(String(255))
    created_at: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime(), default=_now_default, server_default=func.current_timestamp())
    updated_at: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime(), default=_now_default, onupdate=_now_default, server_default=func.current_timestamp())
    first_job_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    last_job_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    last_status_change: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime(), default=_now_default, server_default=func.current_timestamp())
    auto_added: Mapped[Optional[bool]] = mapped_column(Boolean, default=False, server_default="0")
    last_scheduled_job_id: Mapped[Optional[str]] = mapped_column(String(255))
    next_scheduled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    scheduler_enabled: Mapped[Optional[bool]] = mapped_column(Boolean, default=True, server_default="1")
    credential_id: Mapped[Optional[int]] = mapped_column(Integer)
    ossea_config_id: Mapped[Optional[int]] = mapped_column(Integer)
    last_operation_summary: Mapped[Optional[dict]] = mapped_column(JSONText())


class VMwareCredential(db.Model):
    """A vCenter login the appliance uses (`vmware_credentials`, shared with the OMA, which reads
    the same rows: database/models.go:534-548 [sendense 8b7d59b]). `password_encrypted` is the
    OMA's AES-256-GCM format (see vcenters.secrets); it is never shown, logged or returned."""

    __tablename__ = "vmware_credentials"
    __table_args__ = (
        Index("idx_vmware_creds_active", "is_active"),
        Index("idx_vmware_creds_default", "is_default"),
        Index("idx_vmware_creds_host", "vcenter_host"),
        Index("idx_vmware_creds_last_used", "last_used"),
        UniqueConstraint("credential_name", name="credential_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    credential_name: Mapped[str] = mapped_column(String(255), nullable=False)
    vcenter_host: Mapped[str] = mapped_column(String(255), nullable=False)
    username: Mapped[str] = mapped_column(String(255), nullable=False)
    password_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    datacenter: Mapped[str] = mapped_column(String(255), nullable=False)
    is_active: Mapped[Optional[bool]] = mapped_column(Boolean, default=True, server_default="1")
    is_default: Mapped[Optional[bool]] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime(kind="timestamp"), default=_now_default, server_default=func.current_timestamp())
    updated_at: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime(kind="timestamp"), default=_now_default, onupdate=_now_default,
        server_default=func.current_timestamp())
    created_by: Mapped[Optional[str]] = mapped_column(String(255))
    last_used: Mapped[Optional[datetime]] = mapped_column(UTCDateTime(kind="timestamp"))
    usage_count: Mapped[Optional[int]] = mapped_column(Integer, default=0, server_default="0")


class ReplicationSchedule(db.Model):
    __tablename__ = "replication_schedules"
    __table_args__ = (
        Index("idx_replication_schedules_enabled", "enabled"),
        Index("idx_replication_schedules_name", "name"),
        Index("idx_replication_schedules_type", "schedule_type"),
        Index("idx_replication_schedules_parent", "chain_parent_schedule_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    description: Mapped[Optional[str]] = mapped_column(Text)
    cron_expression: Mapped[str] = mapped_column(String(100), nullable=False)
    schedule_type: Mapped[str] = mapped_column(
        StoredEnum("cron", "chain", name="schedule_type"), nullable=False, default="cron", server_default="cron")
    timezone: Mapped[Optional[str]] = mapped_column(String(50), default="UTC", server_default="UTC")
    chain_parent_schedule_id: Mapped[Optional[str]] = mapped_column(
        String(64), ForeignKey("replication_schedules.id", ondelete="SET NULL",
                               name="replication_schedules_ibfk_1"))
    chain_delay_minutes: Mapped[Optional[int]] = mapped_column(Integer, default=0, server_default="0")
    replication_type: Mapped[Optional[str]] = mapped_column(
        StoredEnum("full", "incremental", "auto", name="replication_type"), default="auto", server_default="auto")
    max_concurrent_jobs: Mapped[Optional[int]] = mapped_column(Integer, default=1, server_default="1")
    retry_attempts: Mapped[Optional[int]] = mapped_column(Integer, default=3, server_default="3")
    retry_delay_minutes: Mapped[Optional[int]] = mapped_column(Integer, default=30, server_default="30")
    enabled: Mapped[Optional[bool]] = mapped_column(Boolean, default=True, server_default="1")
    skip_if_running: Mapped[Optional[bool]] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime(), default=_now_default, server_default=func.current_timestamp())
    updated_at: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime(), default=_now_default, onupdate=_now_default, server_default=func.current_timestamp())
    created_by: Mapped[Optional[str]] = mapped_column(String(255), default="system", server_default="system")

    def within_limits(self, column: str) -> int:
        """A delay or count as the engine uses it: a NULL as 0, a value another tool stored
        outside `SCHEDULE_LIMITS` brought back inside them (no retry waits a thousand years)."""
        low, high = SCHEDULE_LIMITS[column]
        return min(max(getattr(self, column) or 0, low), high)

    @hybrid_property
    def zone(self) -> str:
        """The IANA time zone the schedule fires in; a row written without one fires in UTC."""
        return self.timezone or "UTC"

    @zone.inplace.expression
    @classmethod
    def _zone_expression(cls):
        return case((or_(cls.timezone.is_(None), cls.timezone == ""), "UTC"), else_=cls.timezone)


class VMMachineGroup(db.Model):
    __tablename__ = "vm_machine_groups"
    __table_args__ = (
        Index("idx_vm_machine_groups_name", "name"),
        Index("idx_vm_machine_groups_schedule", "schedule_id"),
        Index("idx_vm_machine_groups_priority", "priority"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    description: Mapped[Optional[str]] = mapped_column(Text)
    schedule_id: Mapped[Optional[str]] = mapped_column(
        String(64), ForeignKey("replication_schedules.id", ondelete="SET NULL", name="vm_machine_groups_ibfk_1"))
    max_concurrent_vms: Mapped[Optional[int]] = mapped_column(Integer, default=5, server_default="5")
    priority: Mapped[Optional[int]] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime(), default=_now_default, server_default=func.current_timestamp())
    updated_at: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime(), default=_now_default, onupdate=_now_default, server_default=func.current_timestamp())
    created_by: Mapped[Optional[str]] = mapped_column(String(255), default="system", server_default="system")


class VMGroupMembership(db.Model):
    __tablename__ = "vm_group_memberships"
    __table_args__ = (
        UniqueConstraint("group_id", "vm_context_id", name="unique_vm_group"),
        Index("schedule_override_id", "schedule_override_id"),
        Index("idx_vm_group_memberships_group", "group_id"),
        Index("idx_vm_group_memberships_vm", "vm_context_id"),
        Index("idx_vm_group_memberships_enabled", "enabled"),
        Index("idx_vm_group_memberships_priority", "priority"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    group_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("vm_machine_groups.id", ondelete="CASCADE", name="vm_group_memberships_ibfk_1"),
        nullable=False)
    vm_context_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("vm_replication_contexts.context_id", ondelete="CASCADE",
                               name="vm_group_memberships_ibfk_2"), nullable=False)
    enabled: Mapped[Optional[bool]] = mapped_column(Boolean, default=True, server_default="1")
    priority: Mapped[Optional[int]] = mapped_column(Integer, default=0, server_default="0")
    schedule_override_id: Mapped[Optional[str]] = mapped_column(
        String(64), ForeignKey("replication_schedules.id", ondelete="SET NULL", name="vm_group_memberships_ibfk_3"))
    added_at: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime(), default=_now_default, server_default=func.current_timestamp())
    added_by: Mapped[Optional[str]] = mapped_column(String(255), default="system", server_default="system")


class ScheduleExecution(db.Model):
    """One fired slot, manual, chain or retry trigger of a schedule."""

    __tablename__ = "schedule_executions"
    __table_args__ = (
        Index("idx_schedule_executions_schedule", "schedule_id"),
        Index("idx_schedule_executions_status", "status"),
        Index("idx_schedule_executions_scheduled_at", "scheduled_at"),
        Index("idx_schedule_executions_started_at", "started_at"),
        Index("idx_schedule_executions_group", "group_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    schedule_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("replication_schedules.id", ondelete="CASCADE", name="schedule_executions_ibfk_1"),
        nullable=False)
    group_id: Mapped[Optional[str]] = mapped_column(
        String(64), ForeignKey("vm_machine_groups.id", ondelete="SET NULL", name="schedule_executions_ibfk_2"))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime(), nullable=True)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[Optional[str]] = mapped_column(
        StoredEnum(*EXECUTION_STATUSES, name="execution_status"), default="scheduled", server_default="scheduled")
    vms_eligible: Mapped[Optional[int]] = mapped_column(Integer, default=0, server_default="0")
    jobs_created: Mapped[Optional[int]] = mapped_column(Integer, default=0, server_default="0")
    jobs_completed: Mapped[Optional[int]] = mapped_column(Integer, default=0, server_default="0")
    jobs_failed: Mapped[Optional[int]] = mapped_column(Integer, default=0, server_default="0")
    jobs_skipped: Mapped[Optional[int]] = mapped_column(Integer, default=0, server_default="0")
    execution_details: Mapped[Optional[dict]] = mapped_column(JSONText())
    error_message: Mapped[Optional[str]] = mapped_column(Text)
    error_details: Mapped[Optional[dict]] = mapped_column(JSONText())
    execution_duration_seconds: Mapped[Optional[int]] = mapped_column(Integer)
    created_at: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime(), default=_now_default, server_default=func.current_timestamp())
    triggered_by: Mapped[Optional[str]] = mapped_column(String(255), default="scheduler", server_default="scheduler")


class ReplicationJob(db.Model):
    """Written by the OMA when a replication starts (the simulator writes it in DEMO mode)."""

    __tablename__ = "replication_jobs"
    __table_args__ = (
        Index("fk_replication_jobs_ossea_config", "ossea_config_id"),
        Index("idx_replication_jobs_progress_timeout", "status", "updated_at"),
        Index("idx_replication_jobs_completion_tracking", "status", "completed_at"),
        Index("idx_replication_jobs_context", "vm_context_id"),
        Index("idx_replication_jobs_schedule_execution", "schedule_execution_id"),
        Index("idx_replication_jobs_scheduled_by", "scheduled_by"),
        Index("idx_replication_jobs_vm_group", "vm_group_id"),
    )

    id: Mapped[str] = mapped_column(String(191), primary_key=True)
    vm_context_id: Mapped[Optional[str]] = mapped_column(
        String(64), ForeignKey("vm_replication_contexts.context_id", ondelete="CASCADE",
                               name="fk_replication_job_context"))
    source_vm_id: Mapped[str] = mapped_column(LongText(), nullable=False)
    source_vm_name: Mapped[str] = mapped_column(LongText(), nullable=False)
    source_vm_path: Mapped[str] = mapped_column(LongText(), nullable=False)
    v_center_host: Mapped[str] = mapped_column(LongText(), nullable=False)
    datacenter: Mapped[str] = mapped_column(LongText(), nullable=False)
    replication_type: Mapped[str] = mapped_column(LongText(), nullable=False)
    target_network: Mapped[Optional[str]] = mapped_column(LongText())
    status: Mapped[Optional[str]] = mapped_column(String(191), default="pending", server_default="pending")
    progress_percent: Mapped[Optional[float]] = mapped_column(Float, default=0, server_default="0")
    current_operation: Mapped[Optional[str]] = mapped_column(LongText())
    bytes_transferred: Mapped[Optional[int]] = mapped_column(BigInteger, default=0, server_default="0")
    total_bytes: Mapped[Optional[int]] = mapped_column(BigInteger, default=0, server_default="0")
    transfer_speed_bps: Mapped[Optional[int]] = mapped_column(BigInteger, default=0, server_default="0")
    error_message: Mapped[Optional[str]] = mapped_column(LongText())
    change_id: Mapped[Optional[str]] = mapped_column(LongText())
    previous_change_id: Mapped[Optional[str]] = mapped_column(LongText())
    snapshot_id: Mapped[Optional[str]] = mapped_column(LongText())
    nbd_port: Mapped[Optional[int]] = mapped_column(BigInteger)
    nbd_export_name: Mapped[Optional[str]] = mapped_column(LongText())
    target_device: Mapped[Optional[str]] = mapped_column(LongText())
    ossea_config_id: Mapped[Optional[int]] = mapped_column(BigInteger)
    created_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime3"), default=_now_default)
    updated_at: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime("datetime3"), default=_now_default, onupdate=_now_default)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime3"))
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime3"))
    vma_sync_type: Mapped[Optional[str]] = mapped_column(String(50))
    vma_current_phase: Mapped[Optional[str]] = mapped_column(String(100))
    vma_throughput_mbps: Mapped[Optional[float]] = mapped_column(
        Numeric(10, 2, asdecimal=False), default=0, server_default="0.00")
    vma_eta_seconds: Mapped[Optional[int]] = mapped_column(Integer)
    vma_last_poll_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime(), nullable=True)
    vma_error_classification: Mapped[Optional[str]] = mapped_column(String(50))
    vma_error_details: Mapped[Optional[str]] = mapped_column(Text)
    setup_progress_percent: Mapped[Optional[float]] = mapped_column(
        Numeric(5, 2, asdecimal=False), default=0, server_default="0.00")
    schedule_execution_id: Mapped[Optional[str]] = mapped_column(
        String(64), ForeignKey("schedule_executions.id", ondelete="SET NULL",
                               name="fk_replication_jobs_schedule_execution"))
    scheduled_by: Mapped[Optional[str]] = mapped_column(String(255))
    vm_group_id: Mapped[Optional[str]] = mapped_column(
        String(64), ForeignKey("vm_machine_groups.id", ondelete="SET NULL", name="fk_replication_jobs_vm_group"))


class JobTracking(db.Model):
    """A JobLog job (failover, rollback/cleanup, scheduler work, ...)."""

    __tablename__ = "job_tracking"
    __table_args__ = (
        Index("idx_parent_job", "parent_job_id"),
        Index("idx_status", "status"),
        Index("idx_job_type", "job_type"),
        Index("idx_cloudstack_job", "cloudstack_job_id"),
        Index("idx_external_job", "external_job_id"),
        Index("idx_started_at", "started_at"),
        Index("idx_completed_at", "completed_at"),
        Index("idx_job_tracking_context_id", "context_id"),
        Index("idx_job_tracking_category", "job_category"),
        Index("idx_job_tracking_category_status_started", "job_category", "status", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    parent_job_id: Mapped[Optional[str]] = mapped_column(
        String(64), ForeignKey("job_tracking.id", ondelete="CASCADE", name="job_tracking_ibfk_1"))
    job_type: Mapped[Optional[str]] = mapped_column(StoredEnum(*JOBLOG_JOB_TYPES, name="job_type"))
    operation: Mapped[str] = mapped_column(String(100), nullable=False)
    status: Mapped[Optional[str]] = mapped_column(StoredEnum(*JOBLOG_STATUSES, name="job_status"))
    cloudstack_job_id: Mapped[Optional[str]] = mapped_column(String(64))
    external_job_id: Mapped[Optional[str]] = mapped_column(String(64))
    job_metadata: Mapped[Optional[dict]] = mapped_column("metadata", JSONText())
    error_message: Mapped[Optional[str]] = mapped_column(LongText())
    started_at: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime(), default=_now_default, server_default=func.current_timestamp(), nullable=True)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime(), default=_now_default, server_default=func.current_timestamp(), nullable=True)
    updated_at: Mapped[Optional[datetime]] = mapped_column(
        UTCDateTime(), default=_now_default, onupdate=_now_default, server_default=func.current_timestamp(),
        nullable=True)
    percent_complete: Mapped[Optional[int]] = mapped_column(
        SmallInteger().with_variant(mysql.TINYINT(3, unsigned=True), "mysql", "mariadb"))
    canceled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime6"))
    owner: Mapped[Optional[str]] = mapped_column(String(100))
    context_id: Mapped[Optional[str]] = mapped_column(String(64))
    job_category: Mapped[Optional[str]] = mapped_column(
        StoredEnum(*JOBLOG_CATEGORIES, name="job_category"), default="system", server_default="system")


class JobStep(db.Model):
    __tablename__ = "job_steps"
    __table_args__ = (UniqueConstraint("job_id", "seq", name="uk_job_steps_job_seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    job_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("job_tracking.id", ondelete="CASCADE", name="job_steps_ibfk_1"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(
        StoredEnum(*STEP_STATUSES, name="step_status"), nullable=False, default="running", server_default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime("datetime6"), nullable=False, default=_now_default)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime("datetime6"))
    error_message: Mapped[Optional[str]] = mapped_column(LongText())
    step_metadata: Mapped[Optional[dict]] = mapped_column("metadata", JSONText())


class LogEvent(db.Model):
    __tablename__ = "log_events"
    __table_args__ = (
        Index("job_id", "job_id"),
        Index("step_id", "step_id"),
        Index("idx_log_events_external_job_id", "external_job_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    job_id: Mapped[Optional[str]] = mapped_column(
        String(64), ForeignKey("job_tracking.id", ondelete="SET NULL", name="log_events_ibfk_1"))
    step_id: Mapped[Optional[int]] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("job_steps.id", ondelete="SET NULL", name="log_events_ibfk_2"))
    level: Mapped[str] = mapped_column(StoredEnum(*LOG_LEVELS, name="log_level"), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    attrs: Mapped[Optional[dict]] = mapped_column(JSONText())
    ts: Mapped[datetime] = mapped_column(UTCDateTime("datetime6"), nullable=False, default=_now_default)
    external_job_id: Mapped[Optional[str]] = mapped_column(String(255))
