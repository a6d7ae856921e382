"""What the scheduler is doing, for /readyz, the banner, the overview and `flask scheduler status`."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app, g, has_request_context
from sqlalchemy import func, select

from extensions import db
from models import DashboardSchedulePolicy, ReplicationSchedule, ScheduleExecution
from scheduler import lease
from scheduler.next_runs import next_runs, schedule_problem
from scheduler.other_schedulers import other_scheduler_cached
from scheduler.service import local_service

#: The engine writes its heartbeat into the lease at every renewal; older than this is a stall.
STALL_SECONDS = 30


def _age(value: datetime | None, now: datetime) -> float | None:
    return None if value is None else round((now - value).total_seconds(), 1)


def _lease_row():
    """The lease row, read once per request: the banner and the overview both need it.

    Outside a request (the engine's threads, the CLI) it is read afresh every time.
    """
    if not has_request_context():
        return lease.read_lease()
    if "scheduler_lease_row" not in g:
        g.scheduler_lease_row = lease.read_lease()
    return g.scheduler_lease_row


def banner_state() -> str | None:
    """None when all is well, else "stopped" (no live leader) or "stalled" (leader not firing).
    One primary-key query per request: it runs on every page."""
    row = _lease_row()
    now = datetime.now(timezone.utc)
    if row is None or row.holder is None or row.expires_at is None or row.expires_at < now:
        return "stopped"
    age = _age(row.engine_heartbeat_at, now)
    if age is None or age > STALL_SECONDS:
        return "stalled"
    return None


def _execution_summary():
    """Last scheduler fire and the scheduled/running execution counts, in one statement.

    The last fire is the newest start read down `idx_schedule_executions_started_at` (ORDER BY
    ... LIMIT 1 stops at the first scheduler-made row) instead of max() over every execution,
    and the counts read `idx_schedule_executions_status`: the overview renders this each time.
    """
    def counted(status: str):
        return (select(func.count()).select_from(ScheduleExecution)
                .where(ScheduleExecution.status == status).scalar_subquery())

    last_fire = (select(ScheduleExecution.started_at)
                 .where(ScheduleExecution.triggered_by == "scheduler", ScheduleExecution.status != "skipped",
                        ScheduleExecution.started_at.is_not(None))
                 .order_by(ScheduleExecution.started_at.desc()).limit(1).scalar_subquery())
    return select(last_fire.label("last_fire"), counted("scheduled").label("scheduled"),
                  counted("running").label("running"))


# Built once: SQLAlchemy reuses its compiled form on every overview render.
_EXECUTION_SUMMARY = _execution_summary()


def scheduler_status(next_count: int = 5) -> dict:
    """Leader, this process's role, heartbeat age, last fire, next fires, execution counts."""
    now = datetime.now(timezone.utc)
    row = _lease_row()
    live = row is not None and row.holder is not None and row.expires_at is not None and row.expires_at >= now
    service = local_service()
    state = banner_state() or "running"
    last_fire, scheduled, running = db.session.execute(_EXECUTION_SUMMARY).one()
    upcoming = []
    invalid = {}
    runnable = []
    policies = {}
    policy = DashboardSchedulePolicy
    for schedule in db.session.execute(
            select(ReplicationSchedule.id, ReplicationSchedule.name, ReplicationSchedule.cron_expression,
                   ReplicationSchedule.zone.label("zone"), ReplicationSchedule.enabled,
                   ReplicationSchedule.schedule_type, ReplicationSchedule.chain_parent_schedule_id,
                   # the policy in the same statement: its windows decide the next runs
                   policy.schedule_id.label("policy_id"), policy.windows, policy.window_close_policy,
                   policy.max_runtime_minutes, policy.pause_after_failures)
            .outerjoin(policy, policy.schedule_id == ReplicationSchedule.id)
            .where(ReplicationSchedule.enabled.is_(True))):
        if schedule.policy_id is not None:
            policies[schedule.id] = schedule
        problem = schedule_problem(schedule, now)
        if problem is not None:
            invalid[schedule.name] = problem
            continue
        runnable.append(schedule)
    next_at = next_runs(runnable, now, rows=policies)
    held_back = []  # enabled cron schedules whose windows or blackouts let no slot start soon
    for schedule in runnable:
        if next_at[schedule.id] is None and schedule.schedule_type == "cron":
            held_back.append(schedule.name)
        if next_at[schedule.id] is not None:
            upcoming.append({"schedule_id": schedule.id, "schedule": schedule.name,
                             "at": next_at[schedule.id].isoformat()})
    upcoming.sort(key=lambda item: item["at"])
    return {
        "state": state,
        "enabled_here": bool(current_app.config.get("SCHEDULER_ENABLED")),
        "role": service.role if service is not None else "disabled",
        "process": service.holder if service is not None else None,
        "leader": row.holder if live else None,
        "leader_since": row.acquired_at.isoformat() if live and row.acquired_at else None,
        "lease_expires_in_seconds": round((row.expires_at - now).total_seconds(), 1) if live else None,
        "heartbeat_age_seconds": _age(row.engine_heartbeat_at, now) if live else None,
        "schedules_version": int(row.schedules_version or 0) if row else 0,
        "last_fire_at": last_fire.isoformat() if last_fire else None,
        "next_fires": upcoming[:next_count],
        "invalid_schedules": invalid,
        "held_back_schedules": sorted(held_back),
        "executions": {"scheduled": scheduled or 0, "running": running or 0},
        "other_scheduler": other.to_dict() if (other := other_scheduler_cached()) else None,
    }
