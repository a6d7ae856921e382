"""Policy events: what the protection policy noticed or did, recorded once each.

Kinds (stable names, the alerts read them): `job_overrun` (`facts.cause`: `window`, a
replication still running when its window closed; `max_runtime`, its execution past the
schedule's `max_runtime_minutes`; `unusually_long`, longer than twice its VM's p90),
`schedule_paused` (paused after repeated failures),
`rpo_at_risk`, `rpo_breached`, `rpo_recovered`, `slot_skipped` (a slot a window or a blackout
kept from starting), `vms_deferred` (VMs a closing window deferred or skipped).

Each event has a `key` unique to what it is about, so the same overrun seen by two passes or
two processes is one row.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from extensions import db
from models import DashboardPolicyEvent, utcnow
from models.once import insert_once

SEVERITY = {"job_overrun": "warning", "schedule_paused": "critical",
            "rpo_at_risk": "warning", "rpo_breached": "critical", "rpo_recovered": "info",
            "slot_skipped": "info", "vms_deferred": "info"}


def event_row(kind: str, key: str, message: str, *, subject_type: str, subject_id: str | None = None,
              subject_name: str | None = None, schedule_id: str | None = None, execution_id: str | None = None,
              job_id: str | None = None, facts: dict | None = None, at: datetime | None = None) -> dict[str, Any]:
    return {"key": f"{kind}:{key}"[:191], "kind": kind, "severity": SEVERITY.get(kind, "warning"),
            "subject_type": subject_type, "subject_id": subject_id, "subject_name": (subject_name or "")[:255] or None,
            "schedule_id": schedule_id, "execution_id": execution_id, "job_id": job_id, "message": message,
            "facts": facts or {}, "at": at or utcnow()}


def record(rows: list[dict], *, commit: bool = True) -> int:
    """Insert events; those recorded already (same key) are left as they are. How many were new."""
    if not rows:
        return 0
    if not commit:
        # Inside the caller's transaction: skip the keys that exist, insert the rest with its commit.
        keys = [row["key"] for row in rows]
        known = set(db.session.scalars(select(DashboardPolicyEvent.key).where(DashboardPolicyEvent.key.in_(keys))))
        fresh = [row for row in rows if row["key"] not in known]
        if fresh:
            db.session.add_all(DashboardPolicyEvent(**row) for row in fresh)
        return len(fresh)
    return sum(insert_once(DashboardPolicyEvent, rows))


def record_state_changes(changes, now: datetime) -> None:
    """RPO events for VMs whose protection state changed (in the caller's transaction)."""
    rows = []
    for item, before in changes:
        kind = {"at_risk": "rpo_at_risk", "breached": "rpo_breached"}.get(item.state)
        if kind is None and before in ("at_risk", "breached") and item.state == "protected":
            kind = "rpo_recovered"
        if kind is None:
            continue
        rows.append(event_row(kind, f"{item.context_id}:{now.isoformat()}", f"{item.vm_name}: {item.reason}",
                              subject_type="vm", subject_id=item.context_id, subject_name=item.vm_name, at=now,
                              facts={"state": item.state, "previous_state": before, "rpo_minutes": item.rpo_minutes,
                                     "last_good_at": item.last_good_at.isoformat() if item.last_good_at else None,
                                     "deadline_at": item.deadline_at.isoformat() if item.deadline_at else None}))
    record(rows, commit=False)


def recent(*, schedule_id: str | None = None, vm_id: str | None = None, execution_ids=None,
           limit: int = 20) -> list[DashboardPolicyEvent]:
    """The latest events about a schedule (its executions included), a VM or some executions."""
    statement = select(DashboardPolicyEvent)
    conditions = []
    if schedule_id is not None:
        conditions.append(DashboardPolicyEvent.schedule_id == schedule_id)
    if vm_id is not None:
        conditions.append(DashboardPolicyEvent.subject_id == vm_id)
    if execution_ids:
        conditions.append(DashboardPolicyEvent.execution_id.in_(list(execution_ids)))
    if conditions:
        statement = statement.where(or_(*conditions))
    return list(db.session.scalars(statement.order_by(DashboardPolicyEvent.at.desc(), DashboardPolicyEvent.id.desc())
                                   .limit(limit)))


def event_to_dict(event: DashboardPolicyEvent) -> dict[str, Any]:
    return {"id": event.id, "kind": event.kind, "severity": event.severity, "subject_type": event.subject_type,
            "subject_id": event.subject_id, "subject_name": event.subject_name, "schedule_id": event.schedule_id,
            "execution_id": event.execution_id, "job_id": event.job_id, "message": event.message,
            "facts": event.facts if isinstance(event.facts, dict) else {},
            "at": event.at.isoformat() if event.at else None}
