"""Editing the protection policy: a schedule's windows and limits, blackouts, RPO targets.

Every change is validated (ValidationError naming the field), written in one transaction with
its audit row, and makes the scheduler reload where it matters.
"""
from __future__ import annotations

import uuid
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from domain_errors import FieldReader, NotFound, ValidationError, parse_instant
from extensions import db
from models import (DashboardBlackout, DashboardRPOTarget, DashboardSchedulePolicy,
                    VMMachineGroup, VMReplicationContext, utcnow)
from paging import Page, check_paging
from policy.slots import WINDOW_CLOSE_POLICIES, forget_cached_blackouts, stored_windows
from policy.windows import WindowError, describe, parse_windows
from protection.assess import refresh
from security.audit import record_change

log = logging.getLogger(__name__)

POLICY_FIELDS = ("windows", "window_close_policy", "max_runtime_minutes", "pause_after_failures")
#: An RPO from one minute to a year.
RPO_LIMITS = (1, 525_600)
MAX_BLACKOUT_DAYS = 366


# --- a schedule's policy --------------------------------------------------------------------------

def policy_to_dict(row: DashboardSchedulePolicy | None) -> dict[str, Any]:
    windows = stored_windows(row.windows) if row is not None else []
    return {
        "windows": [window.to_dict() for window in windows],
        "windows_text": describe(windows),
        "window_close_policy": row.window_close_policy if row is not None and
        row.window_close_policy in WINDOW_CLOSE_POLICIES else "defer",
        "max_runtime_minutes": row.max_runtime_minutes if row is not None else None,
        "pause_after_failures": row.pause_after_failures if row is not None else None,
        "paused_reason": row.paused_reason if row is not None else None,
        "paused_at": row.paused_at.isoformat() if row is not None and row.paused_at else None,
    }


def read_policy_fields(reader: FieldReader) -> dict[str, Any]:
    """The policy fields of a schedule create or update (only those given)."""
    values: dict[str, Any] = {}
    if reader.has("windows"):
        try:
            values["windows"] = [window.to_dict() for window in parse_windows(reader.data["windows"])]
        except WindowError as exc:
            reader.error(exc.field, exc.message)
    if reader.has("window_close_policy"):
        value = reader.choice("window_close_policy", WINDOW_CLOSE_POLICIES)
        if "window_close_policy" not in reader.errors:
            values["window_close_policy"] = value or "defer"
    for name, high in (("max_runtime_minutes", 10_080), ("pause_after_failures", 100)):
        if reader.has(name):
            raw = reader.data[name]
            value = None if raw is None else reader.integer(name, minimum=1, maximum=high)
            if name not in reader.errors:
                values[name] = value
    return values


def apply_schedule_policy(schedule_id: str, values: dict[str, Any]) -> bool:
    """Write the given policy fields (in the caller's transaction); whether anything changed."""
    if not values:
        return False
    row = db.session.get(DashboardSchedulePolicy, schedule_id)
    if row is None:
        row = DashboardSchedulePolicy(schedule_id=schedule_id, window_close_policy="defer", consecutive_failures=0)
        if all(values.get(name) in (None, [], "defer") for name in values):
            return False  # nothing beyond the defaults: no row needed
        db.session.add(row)
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        row.updated_at = utcnow()
    return changed


def clear_pause(schedule_id: str) -> None:
    """An operator enabled the schedule again: the failures counted so far are forgiven."""
    row = db.session.get(DashboardSchedulePolicy, schedule_id)
    if row is not None and (row.paused_reason or row.consecutive_failures):
        row.paused_reason = None
        row.paused_at = None
        row.consecutive_failures = 0


# --- RPO targets ----------------------------------------------------------------------------------

#: A field the request did not give (as opposed to null, which clears).
MISSING = _MISSING = object()

def read_rpo(reader: FieldReader, name: str = "rpo_minutes") -> Any:
    """An RPO in minutes, or None to clear it; `_MISSING` when the field is absent."""
    if not reader.has(name):
        return _MISSING
    if reader.data[name] is None:
        return None
    return reader.integer(name, minimum=RPO_LIMITS[0], maximum=RPO_LIMITS[1])




def rpo_of(subject_type: str, subject_id: str) -> int | None:
    row = db.session.get(DashboardRPOTarget, (subject_type, subject_id))
    return row.rpo_minutes if row is not None else None


def set_rpo(subject_type: str, subject_id: str, minutes: int | None) -> bool:
    """Set or clear an RPO target (in the caller's transaction); whether it changed."""
    if minutes is _MISSING:
        return False
    row = db.session.get(DashboardRPOTarget, (subject_type, subject_id))
    if minutes is None:
        if row is None:
            return False
        db.session.delete(row)
        return True
    if row is None:
        db.session.add(DashboardRPOTarget(subject_type=subject_type, subject_id=subject_id, rpo_minutes=minutes,
                                          updated_at=utcnow()))
        return True
    if row.rpo_minutes == minutes:
        return False
    row.rpo_minutes, row.updated_at = minutes, utcnow()
    return True


def set_vm_protection(context_id: str, data: Any) -> dict[str, Any]:
    """`PUT /vm-contexts/{id}/protection`: the VM's own RPO (`rpo_minutes`, null to follow its
    group's). Returns the VM's targets."""
    vm = db.session.get(VMReplicationContext, context_id) if isinstance(context_id, str) else None
    if vm is None:
        raise NotFound("vm_context", context_id)
    reader = FieldReader(data)
    minutes = read_rpo(reader)
    if minutes is _MISSING:
        reader.error("rpo_minutes", "is required (a number of minutes, or null to follow the group's RPO)")
    for name in sorted(set(reader.data) - {"rpo_minutes"}):
        reader.error(name, "is not a protection field (rpo_minutes)")
    reader.raise_if_errors()
    before = rpo_of("vm", vm.context_id)
    if set_rpo("vm", vm.context_id, minutes):
        record_change("vm.protection", "vm", vm.context_id, vm.vm_name, {"rpo_minutes": before},
                      {"rpo_minutes": minutes})
        db.session.commit()
        refresh_soon([vm.context_id])
    return {"context_id": vm.context_id, "vm_name": vm.vm_name, "rpo_minutes": minutes}


def refresh_soon(only: list[str] | None = None) -> None:
    """Targets changed (after the change is committed): assess now (the VMs `only` names, else
    the fleet) rather than at the leader's next sweep. The change stands if this fails; the
    next sweep catches up."""
    try:
        refresh(only=only)
    except Exception:
        db.session.rollback()
        log.warning("Protection states not reassessed after a change; the next sweep does it", exc_info=True)


# --- blackouts ------------------------------------------------------------------------------------

def blackout_to_dict(row: DashboardBlackout, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    groups = row.group_ids if isinstance(row.group_ids, list) else None
    return {"id": row.id, "reason": row.reason, "start": row.starts_at.isoformat(), "end": row.ends_at.isoformat(),
            "group_ids": groups or None, "all_groups": not groups,
            "active": row.starts_at <= now < row.ends_at, "over": row.ends_at <= now,
            "created_by": row.created_by,
            "created_at": row.created_at.isoformat() if row.created_at else None,
            "updated_at": row.updated_at.isoformat() if row.updated_at else None}


def get_blackout(blackout_id: str) -> DashboardBlackout:
    row = db.session.get(DashboardBlackout, blackout_id) if isinstance(blackout_id, str) else None
    if row is None:
        raise NotFound("blackout", blackout_id)
    return row


def list_blackouts(*, include_past: bool = False, page: int = 1, per_page: int = 100) -> Page[DashboardBlackout]:
    check_paging(page, per_page, 500)
    statement = select(DashboardBlackout)
    if not include_past:
        statement = statement.where(DashboardBlackout.ends_at > utcnow())
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = db.session.scalars(statement.order_by(DashboardBlackout.starts_at, DashboardBlackout.id)
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return Page(list(rows), page, per_page, total)


_BLACKOUT_FIELDS = ("reason", "start", "end", "group_ids")


def validate_blackout(data: Any, current: DashboardBlackout | None = None) -> dict[str, Any]:
    reader = FieldReader(data, partial=current is not None)
    if current is not None and not reader.data:
        raise ValidationError("body", "names no blackout field to change")
    values: dict[str, Any] = {}
    reason = reader.string("reason", required=True, max_length=200)
    if reader.has("reason") and "reason" not in reader.errors:
        values["reason"] = reason
    for name, column in (("start", "starts_at"), ("end", "ends_at")):
        if reader.has(name):
            try:
                value = parse_instant(name, reader.data[name])
            except ValidationError as exc:
                reader.error(name, exc.errors[name])
                continue
            if value is None:
                reader.error(name, "is required: an ISO-8601 date and time, e.g. 2026-12-24T18:00:00Z")
            else:
                values[column] = value
        elif current is None:
            reader.error(name, "is required: an ISO-8601 date and time, e.g. 2026-12-24T18:00:00Z")
    if reader.has("group_ids"):
        raw = reader.data["group_ids"]
        if raw is None or raw == []:
            values["group_ids"] = None
        else:
            ids = reader.string_list("group_ids", max_items=1000, max_length=64)
            if ids is not None:
                known = set(db.session.scalars(select(VMMachineGroup.id).where(VMMachineGroup.id.in_(ids))))
                missing = [group_id for group_id in ids if group_id not in known]
                if missing:
                    reader.error("group_ids", f"no group with id '{missing[0]}'")
                else:
                    values["group_ids"] = ids
    for name in sorted(set(reader.data) - set(_BLACKOUT_FIELDS)):
        reader.error(name, "is not a blackout field (reason, start, end, group_ids)")
    starts = values.get("starts_at", current.starts_at if current else None)
    ends = values.get("ends_at", current.ends_at if current else None)
    if starts is not None and ends is not None and "start" not in reader.errors and "end" not in reader.errors:
        if ends <= starts:
            reader.error("end", "must be after the start")
        elif ends - starts > timedelta(days=MAX_BLACKOUT_DAYS):
            reader.error("end", f"must be at most {MAX_BLACKOUT_DAYS} days after the start")
    reader.raise_if_errors()
    return values


def _changed() -> None:
    from scheduler.service import schedules_changed
    forget_cached_blackouts()  # this process's banner and next runs show the change at once
    schedules_changed()  # the engine's next runs skip the blackout
    refresh_soon()


def create_blackout(data: Any, created_by: str | None = None) -> DashboardBlackout:
    values = validate_blackout(data)
    now = utcnow()
    row = DashboardBlackout(id=str(uuid.uuid4()), created_by=created_by, created_at=now, updated_at=now,
                            group_ids=values.pop("group_ids", None), **values)
    db.session.add(row)
    db.session.flush()
    record_change("blackout.create", "blackout", row.id, row.reason, None, blackout_to_dict(row))
    db.session.commit()
    _changed()
    return row


def update_blackout(blackout_id: str, data: Any) -> DashboardBlackout:
    row = get_blackout(blackout_id)
    values = validate_blackout(data, current=row)
    if all(getattr(row, name) == value for name, value in values.items()):
        return row
    before = blackout_to_dict(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    record_change("blackout.update", "blackout", row.id, row.reason, before, blackout_to_dict(row))
    db.session.commit()
    _changed()
    return row


def delete_blackout(blackout_id: str) -> None:
    row = get_blackout(blackout_id)
    record_change("blackout.delete", "blackout", row.id, row.reason, blackout_to_dict(row), None)
    db.session.delete(row)
    db.session.commit()
    _changed()
