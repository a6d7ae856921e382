"""Step 1 of an execution: claiming slots, and what happens to slots that cannot run.

A cron slot is claimed by inserting its execution row under a deterministic id: the primary key
lets exactly one process win, even when two schedulers overlap. The same insert records slots
that did not run (skip-if-running, missed while no scheduler was running), so every slot of a
schedule has exactly one row and operators can see why it did not run.
"""
from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from cron import CronExpression
from cron.zones import local_text
from extensions import db
from models import ReplicationSchedule, ScheduleExecution, as_utc, utcnow
from models.once import insert_once  # noqa: F401  (scheduler.slots.insert_once for its callers)
from policy.slots import slot_policies
from scheduler import metrics
from scheduler.ids import slot_execution_id

log = logging.getLogger(__name__)

MISSED_REASON = "missed: scheduler was not running"
SUPERSEDED_REASON = "missed: scheduler was not running (a later slot ran instead)"
STALE_REQUEST_REASON = "missed: scheduler was not running when this run was due"
SKIP_IF_RUNNING_REASON = "skipped: the previous run of this schedule was still running"
#: At most this many rows are written for the missed slots of one schedule; the rest are
#: summarised in the oldest recorded row.
MAX_MISSED_ROWS = 100
#: Counting missed slots stops here (a 1-second schedule down for a week has 600 000).
MAX_SLOTS_COUNTED = 100_000


@dataclass
class DueSlots:
    """Slots of one schedule in (after, until]: the most recent ones and how many in all."""

    recent: list[datetime]
    total: int
    first: datetime | None

    @property
    def latest(self) -> datetime | None:
        return self.recent[-1] if self.recent else None


def due_slots(expression: CronExpression, after: datetime, until: datetime,
              keep: int = MAX_MISSED_ROWS + 1) -> DueSlots:
    """Fire times strictly after `after` up to and including `until`."""
    recent: deque = deque(maxlen=keep)
    total = 0
    first = None
    current = after
    while total < MAX_SLOTS_COUNTED:
        current = expression.next_after(current)
        if current is None or current > until:
            break
        first = first or current
        recent.append(current)
        total += 1
    return DueSlots(list(recent), total, first)


def last_slots_by_schedule() -> dict[str, datetime]:
    """The latest slot each schedule recorded (one grouped query)."""
    rows = db.session.execute(
        select(ScheduleExecution.schedule_id, func.max(ScheduleExecution.scheduled_at))
        .where(ScheduleExecution.triggered_by == "scheduler")
        .group_by(ScheduleExecution.schedule_id)).all()
    return {schedule_id: as_utc(latest) for schedule_id, latest in rows if latest is not None}


def previous_run_active(schedule_id: str, exclude_id: str | None = None) -> str | None:
    """The id of a running execution of the schedule, if any."""
    statement = select(ScheduleExecution.id).where(ScheduleExecution.schedule_id == schedule_id,
                                                   ScheduleExecution.status == "running")
    if exclude_id:
        statement = statement.where(ScheduleExecution.id != exclude_id)
    return db.session.scalars(statement.limit(1)).first()


@dataclass
class ClaimResult:
    execution_id: str
    status: str  # "running", "skipped", or "lost" (another process claimed the slot)


def claim_slot(schedule: ReplicationSchedule, slot: datetime, now: datetime | None = None) -> ClaimResult:
    """Claim a cron slot: insert its execution row, running or skipped (skip-if-running)."""
    return claim_slots([(schedule, slot)], now)[0]


def skipped_while_running(previous_execution_id: str, now: datetime, details: dict | None = None) -> dict:
    """The columns of an execution skipped because the schedule's previous run (the execution
    `previous_execution_id`) is still running and the schedule skips a slot while it runs."""
    return {"status": "skipped", "completed_at": now, "error_message": SKIP_IF_RUNNING_REASON,
            "execution_duration_seconds": 0,
            "execution_details": {**(details or {}), "skip_reason": "skip_if_running",
                                  "previous_execution_id": previous_execution_id}}


def skipped_by_policy(verdict, now: datetime, details: dict | None = None) -> dict:
    """The columns of an execution a replication window or a blackout kept from starting."""
    extra = {"skip_reason": verdict.code}
    if verdict.blackout_id:
        extra["blackout_id"] = verdict.blackout_id
    if verdict.until is not None:
        extra["policy_until"] = verdict.until.isoformat()
    return {"status": "skipped", "completed_at": now, "error_message": verdict.message,
            "execution_duration_seconds": 0, "execution_details": {**(details or {}), **extra}}


def claim_slots(requests: list[tuple[ReplicationSchedule, datetime]], now: datetime | None = None) -> list[ClaimResult]:
    """Claim several slots (of different schedules) with one multi-row insert; if any was
    claimed elsewhere already, each is inserted on its own so that only those are lost.

    A slot outside every replication window of its schedule, or inside a blackout of all its
    groups, is claimed as skipped with the reason (policy.slots)."""
    now = now or utcnow()
    slots = [slot for _, slot in requests]
    policies = slot_policies({schedule.id: schedule for schedule, _ in requests}.values(), min(slots), max(slots)) \
        if requests else {}
    careful = [schedule.id for schedule, _ in requests if schedule.skip_if_running]
    running = {}
    if careful:
        running = dict(db.session.execute(
            select(ScheduleExecution.schedule_id, ScheduleExecution.id)
            .where(ScheduleExecution.schedule_id.in_(careful), ScheduleExecution.status == "running")).all())
    rows = []
    for schedule, slot in requests:
        previous = running.get(schedule.id) if schedule.skip_if_running else None
        row = dict(id=slot_execution_id(schedule.id, slot), schedule_id=schedule.id, scheduled_at=slot,
                   started_at=now, triggered_by="scheduler", created_at=now, status="running", execution_details={},
                   completed_at=None, error_message=None, execution_duration_seconds=None)
        verdict = policies[schedule.id].slot_verdict(slot) if schedule.id in policies else None
        if verdict is not None:
            row.update(skipped_by_policy(verdict, now))
        elif previous is not None:
            row.update(skipped_while_running(previous, now))
        rows.append(row)
    won = insert_once(ScheduleExecution, rows)
    claimed_at = utcnow()  # the slots are ours from here: that is the fire lag
    results = []
    for (schedule, slot), row, mine in zip(requests, rows, won):
        if not mine:
            metrics.DUPLICATE_CLAIMS.labels("slot").inc()
            results.append(ClaimResult(row["id"], "lost"))
            continue
        metrics.observe_fire_lag(max(0.0, (claimed_at - slot).total_seconds()))
        if row["status"] == "skipped" and row["execution_details"].get("skip_reason") != "skip_if_running":
            metrics.SLOTS_SKIPPED_BY_POLICY.labels(row["execution_details"]["skip_reason"]).inc()
            log.info("Slot %s of schedule %s not started: %s", slot.isoformat(), schedule.name, row["error_message"])
        elif row["status"] == "skipped":
            metrics.SLOTS_SKIPPED.inc()
            log.info("Slot %s of schedule %s skipped: execution %s is still running", slot.isoformat(),
                     schedule.name, row["execution_details"]["previous_execution_id"])
        else:
            metrics.SLOTS_FIRED.inc()
        results.append(ClaimResult(row["id"], row["status"]))
    return results


def record_missed(schedule: ReplicationSchedule, due: DueSlots, slots: list[datetime], now: datetime,
                  reason: str = MISSED_REASON) -> int:
    """Write a skipped row per missed slot (bounded); returns how many rows were written."""
    unrecorded = due.total - len(due.recent)
    rows = []
    for index, slot in enumerate(slots):
        details: dict = {"skip_reason": "missed"}
        if index == 0 and unrecorded > 0:
            details["missed_slots_not_recorded"] = unrecorded
            details["first_missed_slot"] = due.first.isoformat() if due.first else None
        rows.append(dict(id=slot_execution_id(schedule.id, slot), schedule_id=schedule.id, scheduled_at=slot,
                         completed_at=now, status="skipped", triggered_by="scheduler", created_at=now,
                         error_message=reason, execution_details=details, execution_duration_seconds=0))
    written = sum(insert_once(ScheduleExecution, rows))
    if written:
        missed = written + max(unrecorded, 0)
        metrics.SLOTS_MISSED.inc(missed)
        log.warning("Schedule %s: %d slot(s) recorded as %r", schedule.name, missed, reason)
    return written


def catch_up(schedule: ReplicationSchedule, expression: CronExpression, after: datetime, now: datetime,
             grace_seconds: int, claim=claim_slot) -> tuple[datetime | None, ClaimResult | None]:
    """Handle every slot of a schedule in (after, now]: the latest runs if it is within the
    grace period, every other one is recorded as missed. Returns (latest slot, its claim).
    `claim(schedule, slot, now)` claims the latest slot (the engine batches claims)."""
    due = due_slots(expression, after, now)
    if due.latest is None:
        return None, None
    latest = due.latest
    if now - latest > timedelta(seconds=grace_seconds):
        record_missed(schedule, due, due.recent, now)
        return latest, None
    older = due.recent[:-1]
    if older:
        record_missed(schedule, DueSlots(older, due.total - 1, due.first), older, now, SUPERSEDED_REASON)
    return latest, claim(schedule, latest, now)


def start_scheduled(execution_id: str, now: datetime, grace_seconds: int) -> str:
    """Start a manual, retry or chain run whose time has come (compare-and-set from
    `scheduled`); returns its new status, or "lost" when another process started it."""
    execution = db.session.get(ScheduleExecution, execution_id)
    if execution is None or execution.status != "scheduled":
        return "lost"
    values: dict = {"started_at": now, "status": "running"}
    schedule = db.session.get(ReplicationSchedule, execution.schedule_id)
    verdict = None
    if schedule is not None and now - execution.scheduled_at <= timedelta(seconds=grace_seconds):
        policy = slot_policies([schedule], now, now)[schedule.id]
        # Run now is the operator's explicit request: windows do not hold it back, blackouts do.
        verdict = policy.slot_verdict(now, windows=execution.triggered_by != "manual")
        if verdict is not None and verdict.code == "outside_window" and policy.close_policy == "defer" \
                and verdict.until is not None:
            return _defer_scheduled(execution, verdict, schedule.zone)
    if now - execution.scheduled_at > timedelta(seconds=grace_seconds):
        values.update(status="skipped", completed_at=now, error_message=STALE_REQUEST_REASON,
                      execution_duration_seconds=0)
    elif verdict is not None:
        values.update(skipped_by_policy(verdict, now, execution.execution_details))
    elif execution.triggered_by == "manual" and schedule is not None and schedule.skip_if_running:
        running = previous_run_active(schedule.id, exclude_id=execution.id)
        if running is not None:
            values.update(skipped_while_running(running, now, execution.execution_details))
    won = db.session.execute(
        update(ScheduleExecution).where(ScheduleExecution.id == execution_id,
                                        ScheduleExecution.status == "scheduled")
        .values(**values).execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    return values["status"] if won else "lost"


def _defer_scheduled(execution: ScheduleExecution, verdict, zone: str) -> str:
    """A retry, chain or deferred run due outside the schedule's windows waits for the next
    opening (window_close_policy defer): its time moves there, it stays `scheduled`."""
    details = dict(execution.execution_details or {})
    details.setdefault("deferred_from", execution.scheduled_at.isoformat())
    details["deferred_reason"] = f"deferred to {local_text(verdict.until, zone, '%a %H:%M')} by the window"
    won = db.session.execute(
        update(ScheduleExecution).where(ScheduleExecution.id == execution.id, ScheduleExecution.status == "scheduled")
        .values(scheduled_at=verdict.until, execution_details=details)
        .execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    if won:
        log.info("Execution %s deferred to %s by the replication window", execution.id, verdict.until.isoformat())
    return "scheduled" if won else "lost"
