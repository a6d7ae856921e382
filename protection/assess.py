"""The protection state of every VM: is each within its RPO, and will its next run keep it so?

`assess(now)` reads the whole fleet with a fixed number of statements (VMs and memberships,
RPO targets, last good recovery points, failures since, recent durations, running jobs,
schedules and their policies, blackouts) and returns one `Protection` per VM:

* `protected` — the age of the last good recovery point (the completion of the VM's last
  successful replication) is within the RPO, and the next run that will start (windows and
  blackouts skipped over) is predicted to complete before the RPO runs out;
* `at_risk` — within the RPO now, but no run will complete in time;
* `breached` — the age is beyond the RPO;
* `unprotected` — an RPO is set but the VM never replicated successfully;
* `no_target` — no RPO is set for the VM or its group.

`refresh(now)` stores the states (`dashboard_protection_states`, only the rows that changed)
and records each change of state as a policy event; the pages read the stored states, so what
they cost does not grow with the fleet.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import func, or_, select

from cron import CronError
from cron.timing import parsed_cron
from extensions import db
from models import (FAILED_REPLICATION_STATUSES, DashboardProtectionState, DashboardProtectionSummary, DashboardRPOTarget, ReplicationJob,
                    ReplicationSchedule, VMGroupMembership, VMMachineGroup, VMReplicationContext,
                    as_utc, replication_active, utcnow)
from protection.durations import DEFAULT_MINUTES, Prediction, Predictor, recent_durations
from policy.events import record_state_changes
from policy.slots import SlotPolicy, slot_policies
from scheduler.next_runs import frequency_floor, next_run
from vms.status import failover_words, is_failed_over

log = logging.getLogger(__name__)

PROTECTED, AT_RISK, BREACHED, UNPROTECTED, NO_TARGET = "protected", "at_risk", "breached", "unprotected", "no_target"
STATES = (BREACHED, UNPROTECTED, AT_RISK, PROTECTED, NO_TARGET)  # worst first
STATE_WORDS = {PROTECTED: "Protected", AT_RISK: "At risk", BREACHED: "RPO breached",
               UNPROTECTED: "Unprotected", NO_TARGET: "No RPO set"}
#: How far ahead the next run is looked for.
HORIZON = timedelta(days=8)


@dataclass
class Protection:
    context_id: str
    vm_name: str
    group_id: str | None
    state: str
    reason: str
    rpo_minutes: int | None = None
    rpo_source: str | None = None          #: "vm" or "group"
    last_good_at: datetime | None = None
    deadline_at: datetime | None = None
    next_run_at: datetime | None = None
    predicted_completion_at: datetime | None = None
    prediction: Prediction | None = None
    since: datetime | None = None


def hours_text(minutes: float) -> str:
    """"26 h", "45 min", "3 d 4 h"."""
    minutes = max(0, round(minutes))
    if minutes < 90:
        return f"{minutes} min"
    hours = round(minutes / 60)
    if hours < 72:
        return f"{hours} h"
    days, rest = divmod(hours, 24)
    return f"{days} d {rest} h" if rest else f"{days} d"




def _clock(moment: datetime, zone, now: datetime) -> str:
    local = moment.astimezone(zone)
    today = now.astimezone(zone).date()
    if local.date() == today:
        return local.strftime("%H:%M")
    if local.date() == today + timedelta(days=1):
        return local.strftime("%H:%M tomorrow")
    return local.strftime("%a %d %b %H:%M")


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


class _Fleet:
    """Everything `assess` reads, in a fixed number of statements."""

    def __init__(self, now: datetime, only: list[str] | None = None):
        vm, m, g, job = VMReplicationContext, VMGroupMembership, VMMachineGroup, ReplicationJob
        statement = (select(vm.context_id, vm.vm_name, vm.current_status, vm.scheduler_enabled, m.group_id,
                            m.enabled, func.coalesce(m.schedule_override_id, g.schedule_id))
                     .outerjoin(m, m.vm_context_id == vm.context_id).outerjoin(g, g.id == m.group_id)
                     .order_by(vm.vm_name, vm.context_id))
        if only is not None:
            statement = statement.where(vm.context_id.in_(only))
        self.vms = []
        seen = set()
        for row in db.session.execute(statement):
            if row[0] not in seen:  # a VM belongs to one group; a second row written by hand is ignored
                seen.add(row[0])
                self.vms.append(row)
        ids = [row[0] for row in self.vms] if only is not None else None
        targets = db.session.execute(select(DashboardRPOTarget.subject_type, DashboardRPOTarget.subject_id,
                                            DashboardRPOTarget.rpo_minutes)).all()
        # A target another tool wrote that is not a positive number of minutes is no target.
        usable = [(kind, sid, minutes) for kind, sid, minutes in targets
                  if isinstance(minutes, int) and not isinstance(minutes, bool) and minutes > 0]
        self.group_rpo = {sid: minutes for kind, sid, minutes in usable if kind == "group"}
        self.vm_rpo = {sid: minutes for kind, sid, minutes in usable if kind == "vm"}

        def restricted(statement, column):
            return statement.where(column.in_(ids)) if ids is not None else statement

        good = restricted(select(job.vm_context_id, func.max(job.completed_at)).where(job.status == "completed")
                          .group_by(job.vm_context_id), job.vm_context_id)
        self.last_good = {vm_id: as_utc(at) for vm_id, at in db.session.execute(good) if vm_id and at}
        latest_good = (select(job.vm_context_id.label("vm"), func.max(job.completed_at).label("at"))
                       .where(job.status == "completed").group_by(job.vm_context_id).subquery())
        failures = restricted(
            select(job.vm_context_id, func.count(), func.max(job.created_at))
            .outerjoin(latest_good, latest_good.c.vm == job.vm_context_id)
            .where(job.status.in_(FAILED_REPLICATION_STATUSES),
                   or_(latest_good.c.at.is_(None), job.created_at > latest_good.c.at))
            .group_by(job.vm_context_id), job.vm_context_id)
        self.failures = {vm_id: (count, as_utc(at)) for vm_id, count, at in db.session.execute(failures) if vm_id}
        running = restricted(select(job.vm_context_id, func.min(func.coalesce(job.started_at, job.created_at)))
                             .where(replication_active(job.status), job.vm_context_id.is_not(None))
                             .group_by(job.vm_context_id), job.vm_context_id)
        self.running = {vm_id: as_utc(at) for vm_id, at in db.session.execute(running)}
        group_of = {row[0]: row[4] for row in self.vms}
        default = float(current_app.config.get("PROTECTION_DEFAULT_DURATION_MINUTES") or DEFAULT_MINUTES)
        self.predictor = Predictor(recent_durations(ids), group_of, default)
        self.schedules = {s.id: s for s in db.session.scalars(select(ReplicationSchedule))}
        self.policies = slot_policies(self.schedules.values(), now, now + HORIZON)


def _next_run(schedule_id: str | None, fleet: _Fleet, now: datetime, depth: int = 0):
    """(when the schedule next starts a run, why it does not, its policy)."""
    schedule = fleet.schedules.get(schedule_id) if schedule_id else None
    if schedule is None:
        return None, "it is in no group with a schedule", None
    if not schedule.enabled:
        return None, f"its schedule '{schedule.name}' is disabled", fleet.policies.get(schedule.id)
    policy: SlotPolicy = fleet.policies[schedule.id]
    if schedule.schedule_type == "chain":
        if depth > 10:
            return None, "its chain schedule has no parent that runs", policy
        parent_at, why, _ = _next_run(schedule.chain_parent_schedule_id, fleet, now, depth + 1)
        if parent_at is None:
            return None, f"its chain schedule runs after '{schedule.name}''s parent, which {why.removeprefix('it ')}", policy
        return parent_at + timedelta(minutes=schedule.chain_delay_minutes or 0), None, policy
    try:
        slot = next_run(schedule, now, policy)
    except CronError:
        return None, f"its schedule '{schedule.name}' cannot run (its timing is invalid)", policy
    if slot is None or slot > now + HORIZON:
        pushed = _pushed_by(_expression(schedule), policy, now)
        return None, (f"its schedule '{schedule.name}' has no run that will start in the next 8 days"
                      + (f" ({pushed})" if pushed else "")), policy
    return slot, None, policy


def _expression(schedule):
    try:
        return parsed_cron(schedule.cron_expression or "", schedule.zone, frequency_floor())
    except CronError:
        return None


def _pushed_by(expression, policy, now: datetime) -> str | None:
    """Why a cron schedule's next run is later than its next slot (a window, a blackout)."""
    first = expression.next_after(now) if expression is not None and policy is not None else None
    verdict = policy.slot_verdict(first) if first is not None else None
    return f"the {_clock(first, _display_zone(), now)} slot: {verdict.message}" if verdict is not None else None


@dataclass(frozen=True)
class _Plan:
    """When a group's VMs on a schedule next start, computed once per (schedule, group)."""

    next_run: datetime | None
    blocker: str | None
    pushed: str | None


def _plan(schedule_id: str | None, group_id: str | None, fleet: _Fleet, now: datetime, cache: dict) -> _Plan:
    key = (schedule_id, group_id)
    if key in cache:
        return cache[key]
    next_run, blocker, policy = _next_run(schedule_id, fleet, now)
    schedule = fleet.schedules.get(schedule_id) if schedule_id else None
    expression = _expression(schedule) if schedule is not None and schedule.schedule_type == "cron" else None
    if next_run is not None and policy is not None:
        blackout = policy.blackout_at(next_run, group_id)
        if blackout is not None:  # a blackout of its group only: the run starts without it
            later = policy.next_allowed(expression, blackout.ends_at - timedelta(microseconds=1)) \
                if expression is not None else None
            next_run = later
            if later is None:
                blocker = f"{blackout.text()} holds back its group"
    pushed = _pushed_by(expression, policy, now)
    if pushed is None and policy is not None and expression is not None:
        first = expression.next_after(now)
        blackout = policy.blackout_at(first, group_id) if first is not None else None
        if blackout is not None:
            pushed = f"the {_clock(first, _display_zone(), now)} slot: skipped for its group by {blackout.text()}"
    cache[key] = _Plan(next_run, blocker, pushed)
    return cache[key]


def _failures_text(count: int, latest: datetime | None, zone, now: datetime) -> str:
    """"the 02:00 run failed", "the 02:00 run failed twice", "the last 3 runs failed, ..."."""
    if not count:
        return ""
    if latest is None:
        return f"{count} replication(s) failed since"
    when = _clock(latest, zone, now)
    if count == 1:
        return f"the {when} run failed"
    if count == 2:
        return f"the {when} run failed twice"
    return f"the last {count} runs failed, the latest at {when}"


def assess(now: datetime | None = None, only: list[str] | None = None) -> list[Protection]:
    """The protection of every VM (or of the VMs `only` names), in name order."""
    now = now or utcnow()
    fleet = _Fleet(now, only)
    zone = _display_zone()
    plans: dict = {}
    results = []
    for context_id, vm_name, status, scheduler_enabled, group_id, member_enabled, schedule_id in fleet.vms:
        rpo, source = (fleet.vm_rpo[context_id], "vm") if context_id in fleet.vm_rpo else \
            ((fleet.group_rpo[group_id], "group") if group_id in fleet.group_rpo else (None, None))
        last_good = fleet.last_good.get(context_id)
        prediction = fleet.predictor.predict(context_id, group_id)
        item = Protection(context_id, vm_name, group_id, NO_TARGET, "", rpo, source, last_good, prediction=prediction)
        failure_text = _failures_text(*fleet.failures.get(context_id, (0, None)), zone, now)
        # When the next replication of this VM starts, and why none will.
        blocker, next_run, pushed = None, None, None
        if is_failed_over(status):
            blocker = f"it is in {failover_words(status)} and cannot be replicated"
        elif scheduler_enabled is False:
            blocker = "scheduled replication is turned off for it"
        elif group_id is not None and member_enabled is False:
            blocker = "it is disabled in its group"
        else:
            plan = _plan(schedule_id, group_id, fleet, now, plans)
            next_run, blocker, pushed = plan.next_run, plan.blocker, plan.pushed
        running_since = fleet.running.get(context_id)
        item.next_run_at = running_since or next_run
        completion = None
        if running_since is not None:
            completion = max(now, running_since + timedelta(minutes=prediction.minutes))
        elif next_run is not None:
            completion = next_run + timedelta(minutes=prediction.minutes)
        item.predicted_completion_at = completion
        next_text = (f"replicating since {_clock(running_since, zone, now)}" if running_since else
                     f"next run {_clock(next_run, zone, now)}" if next_run else None)
        # What follows the verdict: failures since the last good point, then the next run or why none.
        outlook = [failure_text, next_text or (f"no run planned: {blocker}" if blocker else "")]

        if rpo is None:
            item.state = NO_TARGET
            item.reason = "no RPO set" + (f"; last good {hours_text((now - last_good).total_seconds() / 60)} ago"
                                          if last_good else "; never replicated successfully")
        elif last_good is None:
            item.state = UNPROTECTED
            item.reason = _sentence(f"never replicated successfully; RPO {hours_text(rpo)}", *outlook)
        else:
            age = (now - last_good).total_seconds() / 60
            deadline = last_good + timedelta(minutes=rpo)
            item.deadline_at = deadline
            head = f"last good {hours_text(age)} ago, RPO {hours_text(rpo)}"
            if age > rpo:
                item.state = BREACHED
                item.since = deadline
                item.reason = _sentence(f"{head}: breached since {_clock(deadline, zone, now)} by "
                                        f"{hours_text(age - rpo)}", *outlook)
            elif completion is not None and completion <= deadline:
                item.state = PROTECTED
                item.reason = f"{head}; {next_text}, done by about {_clock(completion, zone, now)}"
            else:
                item.state = AT_RISK
                if completion is None:
                    why = f"no run before the deadline {_clock(deadline, zone, now)}: {blocker}"
                else:
                    why = (f"the {'running replication' if running_since else 'next run'} "
                           f"({_clock(item.next_run_at, zone, now)}) would finish about "
                           f"{_clock(completion, zone, now)}, after the deadline {_clock(deadline, zone, now)}")
                    if pushed and not running_since:
                        why += f" ({pushed})"
                item.reason = _sentence(head, why, failure_text)
        results.append(item)
    return results


def _sentence(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def _display_zone():
    from cron.zones import load_zone
    try:
        return load_zone(current_app.config.get("DISPLAY_TIMEZONE") or "UTC")
    except CronError:
        return timezone.utc


# --- the stored states -----------------------------------------------------------------------

_STORED = ("state", "reason", "group_id", "rpo_minutes", "rpo_source", "last_good_at", "deadline_at", "next_run_at",
           "predicted_completion_at", "predicted_minutes", "duration_basis")


def _stored_values(item: Protection) -> dict:
    return {"state": item.state, "reason": item.reason[:2000], "group_id": item.group_id,
            "rpo_minutes": item.rpo_minutes, "rpo_source": item.rpo_source, "last_good_at": item.last_good_at,
            "deadline_at": item.deadline_at, "next_run_at": item.next_run_at,
            "predicted_completion_at": item.predicted_completion_at,
            "predicted_minutes": round(item.prediction.minutes, 2) if item.prediction else None,
            "duration_basis": item.prediction.basis if item.prediction else None}


def _same(row: DashboardProtectionState, values: dict) -> bool:
    for name in _STORED:
        old, new = getattr(row, name), values[name]
        if isinstance(old, datetime) or isinstance(new, datetime):
            if (old is None) != (new is None) or (old is not None and abs((old - new).total_seconds()) >= 1):
                return False
        elif name == "predicted_minutes":
            if (old is None) != (new is None) or (old is not None and abs(old - new) > 0.01):
                return False
        elif old != new:
            return False
    return True


def refresh(now: datetime | None = None, only: list[str] | None = None) -> dict[str, int]:
    """Assess every VM (or the VMs `only` names), store what changed, record each change of
    state; counts by state of the VMs assessed. The fleet's summary is written by a whole pass."""
    now = now or utcnow()
    items = assess(now, only)
    statement = select(DashboardProtectionState)
    if only is not None:
        statement = statement.where(DashboardProtectionState.vm_context_id.in_(list(only)))
    stored = {row.vm_context_id: row for row in db.session.scalars(statement)}
    changes = []
    inserts = []
    for item in items:
        values = _stored_values(item)
        row = stored.pop(item.context_id, None)
        if row is None:
            inserts.append({"vm_context_id": item.context_id, "since": item.since or now, "computed_at": now,
                            **values})
            continue
        if row.state != item.state:
            changes.append((item, row.state))
            row.since = item.since or now
        if not _same(row, values):
            for name, value in values.items():
                setattr(row, name, value)
            row.computed_at = now
    for gone in stored.values():
        db.session.delete(gone)
    if inserts:
        db.session.bulk_insert_mappings(DashboardProtectionState, inserts)
    record_state_changes(changes, now)
    counts = {state: 0 for state in STATES}
    for item in items:
        counts[item.state] += 1
    if only is not None:
        db.session.commit()
        return counts
    summary = db.session.get(DashboardProtectionSummary, "fleet")
    if summary is None:
        db.session.add(DashboardProtectionSummary(name="fleet", assessed_at=now, counts=counts))
    else:
        summary.assessed_at, summary.counts = now, counts
    db.session.commit()
    return counts

