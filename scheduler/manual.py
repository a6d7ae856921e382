"""Run a schedule now, from any process: the request is a `scheduled` execution row that the
leader starts within a tick (the compare-and-set start decides who runs it).

What the operator is told depends on what will happen to the request, decided here so the page
and the API say the same: it starts (a live scheduler will pick it up), it is recorded as
skipped (the previous run still runs and the schedule skips a slot while it does), or it waits
for a scheduler (none is running: it starts when one comes back within the missed-slot grace
period, else it is recorded as missed). A schedule that covers no VM is refused, nothing is
recorded.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from domain_errors import Conflict, NotFound
from extensions import db
from models import ReplicationSchedule, ScheduleExecution, utcnow
from scheduler.collect import collect_vms
from scheduler.health import banner_state
from scheduler.ids import manual_execution_id
from scheduler.service import wake_local_scheduler
from scheduler.slots import previous_run_active, skipped_while_running

#: What became of a Run now request.
STARTED = "started"                  # a live scheduler starts it within a tick
SKIPPED = "skipped"                  # recorded as skipped: the previous run is still running
NO_SCHEDULER = "waiting_for_scheduler"  # recorded as scheduled; no scheduler runs to start it


@dataclass(frozen=True)
class ManualRun:
    execution: ScheduleExecution
    outcome: str     #: STARTED, SKIPPED or NO_SCHEDULER
    message: str     #: what happened, in operator words


def trigger_now(schedule_id: str, requested_by: str | None = None) -> ScheduleExecution:
    """Request a run of the schedule now; returns its execution (see `run_now`)."""
    return run_now(schedule_id, requested_by).execution


def run_now(schedule_id: str, requested_by: str | None = None, reason: str | None = None) -> ManualRun:
    """Request a run of the schedule now, and say what became of the request.

    Raises `NotFound` for an unknown schedule, a `schedule_disabled` `Conflict` for a disabled
    one (every VM would be skipped) and a `schedule_has_no_vms` `Conflict` for one that covers
    no VM (the run would do nothing); neither records an execution."""
    schedule = db.session.get(ReplicationSchedule, schedule_id) if isinstance(schedule_id, str) else None
    if schedule is None:
        raise NotFound("schedule", schedule_id)
    if not schedule.enabled:
        raise Conflict("schedule_disabled", f"Schedule '{schedule.name}' is disabled; enable it before running it.",
                       {"field": "enabled"})
    if not collect_vms(schedule.id):
        raise Conflict("schedule_has_no_vms",
                       f"Schedule '{schedule.name}' covers no VM, so a run would replicate nothing; "
                       "put a group with VMs on it first.", {"schedule_id": schedule.id})
    now = utcnow()
    details: dict = {"requested_by": requested_by} if requested_by else {}
    if reason:
        details["reason"] = reason
    running = previous_run_active(schedule.id) if schedule.skip_if_running else None
    execution = ScheduleExecution(id=manual_execution_id(), schedule_id=schedule.id, scheduled_at=now,
                                  status="scheduled", triggered_by="manual", created_at=now,
                                  execution_details=details)
    if running is not None:
        # What the scheduler would record when it starts the request (scheduler.slots.start_scheduled).
        execution.started_at = now
        for column, value in skipped_while_running(running, now, details).items():
            setattr(execution, column, value)
    db.session.add(execution)
    db.session.commit()
    if running is not None:
        return ManualRun(execution, SKIPPED,
                         f"Schedule '{schedule.name}' did not run: its previous run is still running, and the "
                         "schedule skips a run while the previous one runs. The skipped run is in the history below.")
    wake_local_scheduler()
    state = banner_state()
    if state is not None:
        grace = max(1, round(int(current_app.config.get("MISSED_SLOT_GRACE_SECONDS", 300)) / 60))
        why = "no scheduler is running" if state == "stopped" else "the scheduler is not responding"
        return ManualRun(execution, NO_SCHEDULER,
                         f"The run of '{schedule.name}' is requested but has not started: {why}. It starts if the "
                         f"scheduler runs again within {grace} minute(s); after that it is recorded as missed.")
    return ManualRun(execution, STARTED, f"Schedule '{schedule.name}' started; its progress shows below.")
