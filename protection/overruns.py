"""Replications that run too long: past their schedule's window, past its
`max_runtime_minutes`, or longer than twice their VM's usual duration (p90, and at least ten
minutes more). They are flagged, never stopped (the OMA's API has no cancel), and each is
recorded once as a `job_overrun` event whose `facts.cause` says which of the three it is."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from cron.zones import local_text
from extensions import db
from models import ReplicationJob, ReplicationSchedule, ScheduleExecution, as_utc, replication_active, utcnow
from policy import events
from policy.slots import slot_policies
from protection.durations import p90, recent_durations

#: "Running unusually long": more than this many times the VM's p90 ...
LONG_FACTOR = 2
#: ... and at least this many minutes more than it.
LONG_MARGIN_MINUTES = 10




def check_overruns(now: datetime | None = None) -> int:
    """Record the overruns seen now; how many were new."""
    now = now or utcnow()
    job, execution = ReplicationJob, ScheduleExecution
    began = func.coalesce(job.started_at, job.created_at)
    active = db.session.execute(
        select(job.id, job.vm_context_id, job.source_vm_name, job.schedule_execution_id, began)
        .where(replication_active(job.status), job.vm_context_id.is_not(None))).all()
    if not active:
        return 0
    execution_ids = sorted({row[3] for row in active if row[3]})
    executions = {row.id: row for row in db.session.execute(
        select(execution.id, execution.schedule_id, execution.started_at, execution.triggered_by)
        .where(execution.id.in_(execution_ids)))} if execution_ids else {}
    schedule_ids = sorted({row.schedule_id for row in executions.values()})
    schedules = {s.id: s for s in db.session.scalars(
        select(ReplicationSchedule).where(ReplicationSchedule.id.in_(schedule_ids)))} if schedule_ids else {}
    policies = slot_policies(schedules.values(), now, now, with_groups=False)
    durations = recent_durations([row[1] for row in active])
    rows = []
    runtime_seen = set()
    for job_id, vm_id, vm_name, execution_id, started in active:
        started = as_utc(started)
        run = executions.get(execution_id)
        schedule = schedules.get(run.schedule_id) if run is not None else None
        policy = policies.get(schedule.id) if schedule is not None else None
        base = dict(subject_type="vm", subject_id=vm_id, subject_name=vm_name, job_id=job_id, at=now,
                    schedule_id=schedule.id if schedule else None, execution_id=execution_id)
        if policy is not None and run.triggered_by != "manual" and policy.has_windows \
                and not policy.windows.allows(now) and started is not None and policy.windows.allows(started):
            rows.append(events.event_row(
                "job_overrun", f"window:{job_id}",
                f"{vm_name} overran the window {policy.windows.verdict_text()} of schedule '{schedule.name}': "
                "still replicating after it closed (it is not stopped)",
                facts={"cause": "window", "windows": policy.windows.verdict_text()}, **base))
        if policy is not None and policy.max_runtime_minutes and run.started_at is not None \
                and (now - as_utc(run.started_at)).total_seconds() > policy.max_runtime_minutes * 60 \
                and execution_id not in runtime_seen:
            runtime_seen.add(execution_id)
            rows.append(events.event_row(
                "job_overrun", f"max_runtime:{execution_id}",
                f"The run of schedule '{schedule.name}' that started {local_text(as_utc(run.started_at), schedule.zone)} "
                f"is past its maximum runtime of {policy.max_runtime_minutes} min; {vm_name} is still replicating",
                facts={"cause": "max_runtime", "max_runtime_minutes": policy.max_runtime_minutes},
                **{**base, "subject_type": "schedule", "subject_id": schedule.id, "subject_name": schedule.name}))
        history = durations.get(vm_id)
        if history and started is not None:
            usual = p90(history)
            running_minutes = (now - started).total_seconds() / 60
            if running_minutes > max(LONG_FACTOR * usual, usual + LONG_MARGIN_MINUTES):
                rows.append(events.event_row(
                    "job_overrun", f"long:{job_id}",
                    f"{vm_name} is running unusually long: {round(running_minutes)} min so far, usually "
                    f"{round(usual)} min (p90 of its last {len(history)})",
                    facts={"cause": "unusually_long", "running_minutes": round(running_minutes, 1),
                           "p90_minutes": round(usual, 1)}, **base))
    return events.record(rows)
