"""When schedules fire next (`next_run`, with the engine's frequency floor) and
`vm_replication_contexts.next_scheduled_at`, each VM's next scheduled replication.

The VMs' values are written by one maintenance thread of the leader, off the firing path: a fire only notes that
next runs changed. One pass reads every VM's current value and effective schedule (one query)
and updates only the VMs whose value differs, grouped by value, in key order. The OMA writes the
same rows when it starts a replication; keeping our writes few, short and ordered keeps them
from waiting on (or deadlocking with) it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from cron import CronError
from cron.expression import HORIZON_DAYS
from cron.timing import next_fire, parsed_cron
from extensions import db
from models import VMGroupMembership, VMMachineGroup, VMReplicationContext, utcnow
from policy.slots import SlotPolicy, slot_policies

#: VMs per UPDATE: each one holds new dispatches back only briefly.
CHUNK = 200


def frequency_floor(config: Mapping[str, Any] | None = None) -> int:
    """The shortest interval between two fires of a schedule (`MIN_SCHEDULE_INTERVAL_SECONDS`).

    The engine refuses a schedule that fires more often, so validation, previews and next runs
    apply the same floor: a page never promises a run the engine will not make."""
    return int((current_app.config if config is None else config).get("MIN_SCHEDULE_INTERVAL_SECONDS", 60))


def schedule_problem(schedule: Any, now: datetime | None = None) -> str | None:
    """Why the engine never fires `schedule` (a model or a row with `schedule_type`,
    `cron_expression`, `zone` and `chain_parent_schedule_id`), in operator words; None when it
    can run. Rows written by other tools may hold what our validation refuses: an unknown type,
    a bad expression or zone, one below the frequency floor, one that never comes round."""
    kind = schedule.schedule_type
    if kind == "chain":
        return None if schedule.chain_parent_schedule_id else "it is a chain schedule without a parent schedule"
    if kind != "cron":
        return f"its type '{kind}' is neither cron nor chain"
    try:
        # The cache `next_run` reads too: a page asking both parses and searches once.
        fire = next_fire(schedule.cron_expression or "", schedule.zone, frequency_floor(), now or utcnow())
    except CronError as exc:
        return str(exc)
    if fire is None:
        return f"it has no run in the next {HORIZON_DAYS // 366} years"
    return None


def next_run(schedule: Any, now: datetime | None = None, policy: SlotPolicy | None = None) -> datetime | None:
    """When `schedule` (a model or a row with `id`, `enabled`, `schedule_type`,
    `cron_expression` and `zone`) next starts a run: its next slot that its replication windows
    and the blackouts let start (`policy`, read when not given; `next_runs` reads it for many
    schedules at once). None for a disabled or chain schedule, or none within the policy's
    look-ahead.

    Raises `CronError` for a schedule the engine refuses: a bad expression or zone, or one
    that fires more often than the frequency floor."""
    if not schedule.enabled or schedule.schedule_type != "cron":
        return None
    now = now or utcnow()
    fire = next_fire(schedule.cron_expression or "", schedule.zone, frequency_floor(), now)
    if policy is None:
        policy = slot_policies([schedule], now, now + POLICY_HORIZON, cached=True)[schedule.id]
    if fire is None or policy.slot_verdict(fire) is None:
        return fire
    return policy.next_allowed(parsed_cron(schedule.cron_expression or "", schedule.zone, frequency_floor()), now)


#: How far ahead next runs read blackouts.
POLICY_HORIZON = timedelta(days=8)


def policy_of(schedule: Any, now: datetime | None = None) -> SlotPolicy:
    """One schedule's policy for what a page shows of its next two months (its `policy` row as
    loaded with it, the blackouts as pages read them): for `next_run` and `upcoming_slots`."""
    now = now or utcnow()
    row = getattr(schedule, "policy", None)
    return slot_policies([schedule], now, now + timedelta(days=60), cached=True,
                         rows={schedule.id: row} if row is not None else {})[schedule.id]


def next_runs(schedules, now: datetime | None = None, rows: dict | None = None) -> dict[str, datetime | None]:
    """`next_run` of many schedules, their policies read together (a fixed number of statements;
    none for the policy rows when the caller read them, `rows`: schedule id → row); a schedule
    the engine refuses has None."""
    schedules = list(schedules)
    now = now or utcnow()
    policies = slot_policies(schedules, now, now + POLICY_HORIZON, cached=True, rows=rows)
    found = {}
    for schedule in schedules:
        try:
            found[schedule.id] = next_run(schedule, now, policies[schedule.id])
        except CronError:
            found[schedule.id] = None
    return found


def upcoming_slots(schedule: Any, count: int = 8, now: datetime | None = None,
                   policy: SlotPolicy | None = None) -> list[tuple[datetime, Any]]:
    """The schedule's next `count` cron slots, each with the window or blackout verdict that
    keeps it from starting (None: it starts). Empty for a chain, disabled or refused schedule."""
    now = now or utcnow()
    if not schedule.enabled or schedule.schedule_type != "cron":
        return []
    try:
        runs = parsed_cron(schedule.cron_expression or "", schedule.zone, frequency_floor()).next_runs(now, count)
    except CronError:
        return []
    if not runs:
        return []
    if policy is None:
        policy = slot_policies([schedule], now, runs[-1], cached=True)[schedule.id]
    return [(slot, policy.slot_verdict(slot)) for slot in runs]


def write_next_runs(next_by_schedule: dict[str, datetime | None],
                    dispatch_paused: Callable[[], AbstractContextManager[set[str]]] = lambda: nullcontext(set()),
                    ) -> tuple[int, int]:
    """Set each VM's next run from its effective schedule (membership override, else its
    group's); VMs of no fired schedule get none. Each write happens inside `dispatch_paused()`,
    which holds back new dispatches and yields the VMs being dispatched right now (the OMA is
    writing their rows): those are left for a later pass. Returns (VMs changed, VMs left)."""
    vm, m, g = VMReplicationContext, VMGroupMembership, VMMachineGroup
    rows = db.session.execute(
        select(vm.context_id, vm.next_scheduled_at, func.coalesce(m.schedule_override_id, g.schedule_id))
        .outerjoin(m, m.vm_context_id == vm.context_id)
        .outerjoin(g, g.id == m.group_id)).all()
    changes: dict[datetime | None, list[str]] = defaultdict(list)
    for context_id, current, schedule_id in rows:
        wanted = next_by_schedule.get(schedule_id) if schedule_id else None
        if current != wanted:
            changes[wanted].append(context_id)
    db.session.commit()
    changed = left = 0
    for at, context_ids in changes.items():
        context_ids.sort()
        for start in range(0, len(context_ids), CHUNK):
            with dispatch_paused() as in_flight:
                chunk = [context_id for context_id in context_ids[start:start + CHUNK] if context_id not in in_flight]
                left += min(CHUNK, len(context_ids) - start) - len(chunk)
                if chunk:
                    db.session.execute(update(vm).where(vm.context_id.in_(chunk)).values(next_scheduled_at=at)
                                       .execution_options(synchronize_session=False))
                    db.session.commit()
            changed += len(chunk)
    return changed, left
