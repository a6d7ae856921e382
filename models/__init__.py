"""SQLAlchemy models: the appliance's production tables and the dashboard's own tables."""
from models.appliance import (ACTIVE_REPLICATION_STATUSES, EXECUTION_STATUSES, FAILED_REPLICATION_STATUSES,  # noqa: F401
                              FAILOVER_STATUSES, JOBLOG_ACTIVE_STATUSES, SCHEDULE_LIMITS,
                              TERMINAL_REPLICATION_STATUSES, VM_STATUSES, JobStep, JobTracking, LogEvent,
                              replication_active, replication_state,
                              ReplicationJob, ReplicationSchedule, ScheduleExecution, VMGroupMembership,
                              VMMachineGroup, VMReplicationContext)
from models.dashboard import (ROLES, DashboardApiToken, DashboardAuditEvent,  # noqa: F401
                              DashboardBannerDismissal, DashboardDispatchClaim, DashboardSchedulerLease,
                              DashboardSession, DashboardUser)
from models.types import JSONText, UTCDateTime, utcnow  # noqa: F401

APPLIANCE_TABLES = ("vm_replication_contexts", "replication_schedules", "vm_machine_groups",
                    "vm_group_memberships", "schedule_executions", "replication_jobs",
                    "job_tracking", "job_steps", "log_events")
