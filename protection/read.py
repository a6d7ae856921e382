"""Reading the stored protection states for pages and the API (a fixed number of statements).

The states are written by the assessment (`protection.assess.refresh`, run by the scheduler's
leader every `PROTECTION_SWEEP_SECONDS` and after policy changes). Between two assessments a
VM can only get worse by the clock: one whose deadline has passed reads as breached at once.
When no assessment ran for three sweeps (no scheduler running), the reader runs one itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import case, func, select

from extensions import db
from models import (DashboardProtectionState, DashboardProtectionSummary, ScheduleExecution, VMReplicationContext,
                    utcnow)
from paging import Page, check_paging
from protection.assess import AT_RISK, BREACHED, PROTECTED, STATE_WORDS, STATES, hours_text

_RANK = {state: index for index, state in enumerate(STATES)}


@dataclass(frozen=True)
class VMProtection:
    context_id: str
    vm_name: str
    group_id: str | None
    state: str
    reason: str
    rpo_minutes: int | None
    rpo_source: str | None
    last_good_at: datetime | None
    deadline_at: datetime | None
    next_run_at: datetime | None
    predicted_completion_at: datetime | None
    predicted_minutes: float | None
    duration_basis: str | None
    since: datetime | None
    now: datetime

    @property
    def words(self) -> str:
        return STATE_WORDS.get(self.state, self.state)

    @property
    def rpo_text(self) -> str:
        """"30 min", "25 h", "8 d"; "—" without a target."""
        return hours_text(self.rpo_minutes) if self.rpo_minutes else "—"

    @property
    def age_minutes(self) -> float | None:
        if self.last_good_at is None:
            return None
        return round(max(0.0, (self.now - self.last_good_at).total_seconds() / 60), 1)

    def to_dict(self) -> dict[str, Any]:
        iso = lambda value: value.isoformat() if value else None  # noqa: E731
        return {"context_id": self.context_id, "vm_name": self.vm_name, "group_id": self.group_id,
                "rpo_minutes": self.rpo_minutes, "rpo_source": self.rpo_source,
                "last_good_at": iso(self.last_good_at), "age_minutes": self.age_minutes,
                "deadline_at": iso(self.deadline_at), "next_run_at": iso(self.next_run_at),
                "predicted_completion_at": iso(self.predicted_completion_at),
                "predicted_duration_minutes": self.predicted_minutes, "duration_basis": self.duration_basis,
                "state": self.state, "state_since": iso(self.since), "reason": self.reason}


def _effective(row: DashboardProtectionState, vm_name: str, now: datetime) -> VMProtection:
    state, reason, since = row.state, row.reason or "", row.since
    if state in (PROTECTED, AT_RISK) and row.deadline_at is not None and row.deadline_at < now \
            and row.last_good_at is not None and row.rpo_minutes:
        age = (now - row.last_good_at).total_seconds() / 60
        state, since = BREACHED, row.deadline_at
        reason = (f"last good {hours_text(age)} ago, RPO {hours_text(row.rpo_minutes)}: breached by "
                  f"{hours_text(age - row.rpo_minutes)}")
    return VMProtection(row.vm_context_id, vm_name, row.group_id, state, reason, row.rpo_minutes, row.rpo_source,
                        row.last_good_at, row.deadline_at, row.next_run_at, row.predicted_completion_at,
                        row.predicted_minutes, row.duration_basis, since, now)


def _sweep_seconds() -> float:
    return float(current_app.config.get("PROTECTION_SWEEP_SECONDS") or 30)


def assessed_at() -> datetime | None:
    """When the fleet was last assessed (None: never), one statement."""
    summary = db.session.get(DashboardProtectionSummary, "fleet")
    return summary.assessed_at if summary is not None else None


def ensure_fresh(now: datetime | None = None) -> datetime | None:
    """When the states were assessed; assess now if no assessment ran for three sweeps, or VMs
    were added or removed since."""
    now = now or utcnow()
    summary = db.session.get(DashboardProtectionSummary, "fleet")
    if summary is not None and now - summary.assessed_at <= timedelta(seconds=3 * _sweep_seconds()):
        # VMs added since the last sweep (by discovery, or another tool) have no state yet.
        vms, states = db.session.execute(select(
            select(func.count()).select_from(VMReplicationContext).scalar_subquery(),
            select(func.count()).select_from(DashboardProtectionState).scalar_subquery())).one()
        if vms == states:
            return summary.assessed_at
    from protection.assess import refresh
    try:
        refresh(now)
    except Exception:  # a read never fails because the assessment could not be stored
        db.session.rollback()
        current_app.logger.warning("Protection states could not be assessed", exc_info=True)
        return summary.assessed_at if summary is not None else None
    return now


def summary_counts(now: datetime | None = None) -> dict[str, int]:
    """VMs per state, deadlines passed since the assessment counted as breached (one statement)."""
    now = now or utcnow()
    late = _in_state(BREACHED, now) & (DashboardProtectionState.state != BREACHED)
    counts = {state: 0 for state in STATES}
    for state, is_late, count in db.session.execute(
            select(DashboardProtectionState.state, case((late, 1), else_=0), func.count())
            .group_by(DashboardProtectionState.state, case((late, 1), else_=0))):
        key = BREACHED if is_late else state
        if key in counts:
            counts[key] += count
    return counts


def _in_state(state: str, now: datetime):
    """SQL: the stored state reads as `state` now (a deadline passed since the assessment is breached)."""
    late = (DashboardProtectionState.state.in_((PROTECTED, AT_RISK)) & DashboardProtectionState.deadline_at.is_not(None)
            & (DashboardProtectionState.deadline_at < now))
    if state == BREACHED:
        return (DashboardProtectionState.state == BREACHED) | late
    if state in (PROTECTED, AT_RISK):
        return (DashboardProtectionState.state == state) & ~late
    return DashboardProtectionState.state == state


def context_ids_in_state(state: str, now: datetime | None = None):
    """A select of the VMs whose protection reads as `state` (for other lists to filter by)."""
    return select(DashboardProtectionState.vm_context_id).where(_in_state(state, now or utcnow()))


def _query():
    return (select(DashboardProtectionState, VMReplicationContext.vm_name)
            .join(VMReplicationContext, VMReplicationContext.context_id == DashboardProtectionState.vm_context_id))


def _rank_order():
    return case({state: index for index, state in enumerate(STATES)}, value=DashboardProtectionState.state, else_=99)


def protection_page(*, state: str | None = None, group_id: str | None = None, search: str | None = None,
                    page: int = 1, per_page: int = 50, now: datetime | None = None) -> Page[VMProtection]:
    """VMs worst first (breached, unprotected, at risk, protected, no target), then nearest
    deadline; filtered by state, group or name (two statements)."""
    check_paging(page, per_page, 500)
    now = now or utcnow()
    statement = _query()
    if state is not None:
        statement = statement.where(_in_state(state, now))
    if group_id is not None:
        statement = statement.where(DashboardProtectionState.group_id == group_id)
    if search:
        statement = statement.where(VMReplicationContext.vm_name.contains(search, autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = db.session.execute(statement.order_by(_rank_order(), DashboardProtectionState.deadline_at,
                                                 VMReplicationContext.vm_name)
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return Page([_effective(row, name, now) for row, name in rows], page, per_page, total)


def states_for(context_ids, now: datetime | None = None) -> dict[str, VMProtection]:
    """The protection of some VMs (a page of the VMs list, a board), one statement."""
    ids = list(context_ids)
    if not ids:
        return {}
    now = now or utcnow()
    found = {}
    for chunk in range(0, len(ids), 500):
        for row, name in db.session.execute(
                _query().where(DashboardProtectionState.vm_context_id.in_(ids[chunk:chunk + 500]))):
            found[row.vm_context_id] = _effective(row, name, now)
    return found


def state_of(context_id: str, now: datetime | None = None) -> VMProtection | None:
    return states_for([context_id], now).get(context_id)


def worst_and_counts(limit: int = 5, now: datetime | None = None) -> tuple[list[VMProtection], dict[str, int]]:
    """`worst` and `summary_counts` together: the counts ride on the worst rows as scalar
    subqueries, so the Overview asks once (twice when no VM needs attention)."""
    now = now or utcnow()
    counters = [select(func.count()).select_from(DashboardProtectionState).where(_in_state(state, now))
                .scalar_subquery().label(f"n_{state}") for state in STATES]
    rows = db.session.execute(
        _query().add_columns(*counters)
        .where(_in_state(BREACHED, now) | _in_state(AT_RISK, now) | _in_state("unprotected", now))
        .order_by(_rank_order(), DashboardProtectionState.deadline_at, VMReplicationContext.vm_name)
        .limit(limit)).all()
    if not rows:
        return [], summary_counts(now)
    counts = {state: int(rows[0][2 + index] or 0) for index, state in enumerate(STATES)}
    items = sorted((_effective(row[0], row[1], now) for row in rows), key=lambda item: _RANK.get(item.state, 99))
    return items, counts



#: Per-VM outcomes and whole-slot skips that the policy decided (scheduler.holds, scheduler.slots).
_POLICY_REASONS = frozenset({"deferred", "window_closed", "blackout"})
_POLICY_SKIPS = frozenset({"outside_window", "blackout"})


@dataclass(frozen=True)
class PolicyLine:
    at: datetime
    text: str


def policy_lines(context_id: str, schedule_id: str | None, limit: int = 8) -> list[PolicyLine]:
    """What the policy did to one VM lately, newest first, in one line each ("02:00 slot: outside
    window Mon–Fri 20:00–06:00, not started"; "deferred to Tue 22:00 by the window"), from the
    latest runs of its schedule and the events about it (two statements)."""
    from policy.events import recent
    lines = [PolicyLine(event.at, event.message) for event in recent(vm_id=context_id, limit=limit)]
    if schedule_id:
        runs = db.session.execute(
            select(ScheduleExecution.scheduled_at, ScheduleExecution.status, ScheduleExecution.error_message,
                   ScheduleExecution.execution_details)
            .where(ScheduleExecution.schedule_id == schedule_id)
            .order_by(ScheduleExecution.scheduled_at.desc()).limit(20)).all()
        for slot, status, error, details in runs:
            details = details if isinstance(details, dict) else {}
            if status == "skipped" and details.get("skip_reason") in _POLICY_SKIPS and error:
                lines.append(PolicyLine(slot, f"slot: {error}"))
                continue
            entries = details.get("vms") if isinstance(details.get("vms"), list) else []
            for entry in entries:
                if isinstance(entry, dict) and entry.get("vm_context_id") == context_id \
                        and entry.get("reason") in _POLICY_REASONS and entry.get("message"):
                    lines.append(PolicyLine(slot, f"slot: {entry['message']}"))
    lines.sort(key=lambda line: line.at, reverse=True)
    return lines[:limit]
