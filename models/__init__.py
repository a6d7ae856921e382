"""SQLAlchemy models: the appliance's production tables and the dashboard's own tables."""
from models.appliance import (  # noqa: F401
    ACTIVE_REPLICATION_STATUSES, COPY_REPLICATION_STATUSES, EXECUTION_STATUSES, FAILED_REPLICATION_STATUSES,
    FAILOVER_STATUSES, JOBLOG_ACTIVE_STATUSES, SCHEDULE_LIMITS, SETUP_REPLICATION_STATUSES,
    TERMINAL_REPLICATION_STATUSES, VM_STATUSES, JobStep, JobTracking, LogEvent, ReplicationJob, ReplicationSchedule,
    ScheduleExecution, VMGroupMembership, VMMachineGroup, VMReplicationContext, VMwareCredential, replication_active,
    replication_state)
from models.dashboard import (ROLES, DashboardApiToken, DashboardAuditEvent,  # noqa: F401
                              DashboardBannerDismissal, DashboardBlackout, DashboardDispatchClaim,
                              DashboardPolicyEvent, DashboardProtectionState, DashboardProtectionSummary, DashboardRPOTarget,
                              DashboardSchedulePolicy, DashboardSchedulerLease, DashboardSession, DashboardUser)
from models.types import JSONText, UTCDateTime, as_utc, utcnow  # noqa: F401

APPLIANCE_TABLES = ("vm_replication_contexts", "replication_schedules", "vm_machine_groups",
                    "vm_group_memberships", "schedule_executions", "replication_jobs",
                    "job_tracking", "job_steps", "log_events")
