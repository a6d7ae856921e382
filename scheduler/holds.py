"""What the policy does inside a running execution: VMs a closing window or a blackout keeps
from being dispatched, and the pause of a schedule whose runs keep failing.

Called by `scheduler.pipeline` under its plan lock, in its transaction: the outcomes written
here are part of the same commit as the execution's other changes.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import update

from extensions import db
from models import DashboardSchedulePolicy, ReplicationSchedule, ScheduleExecution
from policy import events
from cron.zones import local_text
from policy.slots import BLACKOUT, DEFERRED, WINDOW_CLOSED, slot_policies

log = logging.getLogger(__name__)


def hold_by_policy(execution: ScheduleExecution, schedule: ReplicationSchedule, pending: list, by_vm: dict,
                   now: datetime) -> list:
    """The candidates that may be dispatched now; the others' entries say why not.

    * a blackout of the VM's group: skipped ("skipped: blackout 'vCenter upgrade'");
    * the schedule's window is closed (not for Run now): `defer` moves the VMs to a run at the
      next opening ("deferred to Tue 22:00 by the window"), `skip` records them as skipped
      ("window closed")."""
    from scheduler.ids import deferred_execution_id
    from scheduler.outcomes import SKIPPED
    from scheduler.pipeline import _mapping, _set, insert_scheduled_execution

    policy = slot_policies([schedule], now, now)[schedule.id]
    kept, deferred, closed = [], [], []
    window_shut = execution.triggered_by != "manual" and policy.has_windows and not policy.windows.allows(now)
    opening = policy.windows.next_opening(now) if window_shut and policy.close_policy == "defer" else None
    opens = local_text(opening, schedule.zone, "%a %H:%M") if opening is not None else None
    for candidate in pending:
        entry = by_vm[candidate.vm_context_id]
        blackout = policy.blackout_at(now, candidate.group_id)
        if blackout is not None:
            _set(entry, SKIPPED, reason=BLACKOUT, message=f"Skipped: {blackout.text()}")
        elif window_shut and opening is not None:
            _set(entry, SKIPPED, reason=DEFERRED, message=f"Deferred to {opens} by the window",
                 deferred_to=opening.isoformat())
            deferred.append(candidate.vm_context_id)
        elif window_shut:
            _set(entry, SKIPPED, reason=WINDOW_CLOSED,
                 message=f"Skipped: window closed ({policy.windows.verdict_text()})")
            closed.append(candidate.vm_context_id)
        else:
            kept.append(candidate)
    if deferred:
        # Details are JSON in the appliance's table: a row written by hand may hold anything.
        details = _mapping(execution.execution_details)
        root = (_mapping(details.get("retry")).get("root_execution_id") or
                _mapping(details.get("deferred")).get("root_execution_id") or execution.id)
        insert_scheduled_execution(
            deferred_execution_id(execution.id, opening), schedule.id, opening, "deferred",
            {"deferred": {"root_execution_id": root, "from_execution_id": execution.id,
                          "reason": f"deferred to {opens} by the window"},
             "vm_context_ids": deferred})
        log.info("Schedule %s: %d VM(s) of execution %s deferred to %s by the replication window", schedule.name,
                 len(deferred), execution.id, opening.isoformat())
    if deferred or closed:
        what = (f"{len(deferred)} VM(s) deferred to {opens}" if deferred else
                f"{len(closed)} VM(s) skipped")
        events.record([events.event_row(
            "vms_deferred", execution.id, f"Schedule '{schedule.name}': the window closed; {what}",
            subject_type="schedule", subject_id=schedule.id, subject_name=schedule.name, schedule_id=schedule.id,
            execution_id=execution.id, at=now, facts={"deferred": deferred, "skipped": closed,
                                                      "opening": opening.isoformat() if opening else None})])
    return kept


def after_final_outcome(schedule: ReplicationSchedule, execution: ScheduleExecution, failed_entries: list[dict],
                        ran: bool, now: datetime) -> None:
    """A run and its retries are over. Failures in a row are counted; at the schedule's
    `pause_after_failures` it is disabled, with the reason recorded, audited and an event."""
    from scheduler.service import schedules_changed
    from security.audit import record_change

    policy = db.session.get(DashboardSchedulePolicy, schedule.id)
    if policy is None:
        return
    if not failed_entries:
        if ran and policy.consecutive_failures:
            policy.consecutive_failures = 0
            db.session.commit()
        return
    db.session.execute(update(DashboardSchedulePolicy).where(DashboardSchedulePolicy.schedule_id == schedule.id)
                       .values(consecutive_failures=DashboardSchedulePolicy.consecutive_failures + 1)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(policy)
    limit = policy.pause_after_failures
    if not limit or policy.consecutive_failures < limit:
        return
    names = ", ".join(sorted({str(entry.get("vm_name") or entry.get("vm_context_id")) for entry in failed_entries})[:5])
    reason = (f"Paused after {policy.consecutive_failures} runs in a row left VMs failed "
              f"(the last run: {names}); enable it again once the cause is fixed")
    won = db.session.execute(
        update(ReplicationSchedule).where(ReplicationSchedule.id == schedule.id, ReplicationSchedule.enabled.is_(True))
        .values(enabled=False, updated_at=now).execution_options(synchronize_session=False)).rowcount == 1
    if not won:
        db.session.rollback()
        return
    policy.paused_reason = reason
    policy.paused_at = now
    record_change("schedule.pause", "schedule", schedule.id, schedule.name, {"enabled": True},
                  {"enabled": False, "paused_reason": reason})
    events.record([events.event_row(
        "schedule_paused", f"{schedule.id}:{now.isoformat()}", f"Schedule '{schedule.name}': {reason}",
        subject_type="schedule", subject_id=schedule.id, subject_name=schedule.name, schedule_id=schedule.id,
        execution_id=execution.id, at=now,
        facts={"consecutive_failures": policy.consecutive_failures, "pause_after_failures": limit,
               "failed_vms": [entry.get("vm_context_id") for entry in failed_entries]})], commit=False)
    db.session.commit()
    log.warning("Schedule %s disabled: %s", schedule.name, reason)
    schedules_changed()
