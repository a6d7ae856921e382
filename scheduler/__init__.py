"""The embedded scheduler: cron slots fired exactly once, replications driven through the OMA API.

    start_scheduler(app)            # the app factory calls it in a serving process
    trigger_now(schedule_id, ...)   # Run now, from any process
    schedules_changed()             # after committing a schedule/group change
    scheduler_status()              # leader, role, heartbeat, last and next fires
    validate_chain(id, parent_id)   # raises domain_errors.ChainCycle

Exactly one process per database runs the engine (the lease in `dashboard_scheduler_lease`);
each slot is claimed by inserting its execution row under a deterministic id, and each VM of
an execution by a row in `dashboard_dispatch_claims`, so neither can happen twice.
"""
from __future__ import annotations

from scheduler.chains import validate_chain
from scheduler.health import banner_state, scheduler_status
from scheduler.manual import trigger_now
from scheduler.service import (local_service, schedules_changed, start_scheduler, stop_scheduler,
                               wake_local_scheduler)

__all__ = ["banner_state", "local_service", "scheduler_status", "schedules_changed", "start_scheduler",
           "stop_scheduler", "trigger_now", "validate_chain", "wake_local_scheduler"]
