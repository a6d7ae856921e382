"""Group CRUD; the list carries VM counts from one query."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from domain_errors import Conflict, FieldReader, NotFound, ValidationError, name_taken_on_conflict
from extensions import db
from models import (DashboardRPOTarget, ReplicationSchedule, VMGroupMembership, VMMachineGroup, VMReplicationContext,
                    utcnow)
from scheduler import schedules_changed
from protection.manage import MISSING as _MISSING, read_rpo, refresh_soon, rpo_of, set_rpo
from security.audit import record_change

EDITABLE_FIELDS = ("name", "description", "schedule_id", "max_concurrent_vms", "priority")
_DEFAULTS = {"description": None, "schedule_id": None, "max_concurrent_vms": 5, "priority": 0}


@dataclass(frozen=True)
class GroupSummary:
    """A group with its schedule's name and how many VMs it holds (enabled ones separately)."""

    group: VMMachineGroup
    schedule_name: str | None
    schedule_enabled: bool | None
    vm_count: int
    enabled_vm_count: int
    active_jobs: int = 0
    rpo_minutes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        # Ours, and the original API's GroupResponse counts (machine_group_management.go:59-77
        # [sendense 8b7d59b]): total_vms, enabled_vms, disabled_vms, active_jobs.
        return {**group_to_dict(self.group, self.rpo_minutes), "schedule_name": self.schedule_name,
                "vm_count": self.vm_count, "enabled_vm_count": self.enabled_vm_count,
                "total_vms": self.vm_count, "enabled_vms": self.enabled_vm_count,
                "disabled_vms": self.vm_count - self.enabled_vm_count, "active_jobs": self.active_jobs}


def group_to_dict(group: VMMachineGroup, rpo_minutes: Any = _MISSING) -> dict[str, Any]:
    """The API representation; `rpo_minutes` is looked up unless the caller read it already."""
    return {
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "schedule_id": group.schedule_id,
        "max_concurrent_vms": group.max_concurrent_vms if group.max_concurrent_vms is not None else 5,
        "priority": group.priority or 0,
        "created_at": group.created_at.isoformat() if group.created_at else None,
        "updated_at": group.updated_at.isoformat() if group.updated_at else None,
        "created_by": group.created_by,
        "rpo_minutes": rpo_of("group", group.id) if rpo_minutes is _MISSING else rpo_minutes,
    }


def _summary_query():
    """Groups with schedule name and VM counts: the counts are correlated subqueries through the
    membership index, so no GROUP BY over the whole membership table is needed."""
    members = (select(func.count()).select_from(VMGroupMembership)
               .where(VMGroupMembership.group_id == VMMachineGroup.id).correlate(VMMachineGroup))
    enabled = members.where(VMGroupMembership.enabled.is_not(False))
    busy = (select(func.count()).select_from(VMGroupMembership)
            .join(VMReplicationContext, VMReplicationContext.context_id == VMGroupMembership.vm_context_id)
            .where(VMGroupMembership.group_id == VMMachineGroup.id, VMReplicationContext.current_job_id.is_not(None))
            .correlate(VMMachineGroup))
    rpo = (select(DashboardRPOTarget.rpo_minutes)
           .where(DashboardRPOTarget.subject_type == "group", DashboardRPOTarget.subject_id == VMMachineGroup.id)
           .correlate(VMMachineGroup))
    return (
        select(VMMachineGroup, ReplicationSchedule.name, ReplicationSchedule.enabled,
               members.scalar_subquery(), enabled.scalar_subquery(), busy.scalar_subquery(), rpo.scalar_subquery())
        .outerjoin(ReplicationSchedule, ReplicationSchedule.id == VMMachineGroup.schedule_id)
    )


def count_groups() -> int:
    return db.session.scalar(select(func.count()).select_from(VMMachineGroup)) or 0


def group_names() -> list[tuple[str, str]]:
    """(id, name) of every group in `list_groups` order, for selects (one light query)."""
    return [tuple(row) for row in db.session.execute(
        select(VMMachineGroup.id, VMMachineGroup.name).order_by(VMMachineGroup.priority, VMMachineGroup.name,
                                                               VMMachineGroup.id)).all()]


def list_groups(schedule_id: str | None = None, ids: list[str] | None = None, *, offset: int = 0,
                limit: int | None = None) -> list[GroupSummary]:
    """Every group (optionally only those of one schedule, or with the given ids, or a slice
    `offset`/`limit`) by priority then name, in one query."""
    query = _summary_query().order_by(VMMachineGroup.priority, VMMachineGroup.name, VMMachineGroup.id)
    if schedule_id is not None:
        query = query.where(VMMachineGroup.schedule_id == schedule_id)
    if ids is not None:
        query = query.where(VMMachineGroup.id.in_(ids))
    if limit is not None:
        query = query.offset(offset).limit(limit)
    return [GroupSummary(group, name, None if enabled is None else bool(enabled), int(count), int(on), int(busy or 0),
                         rpo)
            for group, name, enabled, count, on, busy, rpo in db.session.execute(query).all()]


def get_group(group_id: str) -> VMMachineGroup:
    group = db.session.get(VMMachineGroup, group_id) if isinstance(group_id, str) else None
    if group is None:
        raise NotFound("machine_group", group_id)
    return group


def group_summary(group_id: str) -> GroupSummary:
    """One group with its counts (one query)."""
    row = db.session.execute(_summary_query().where(VMMachineGroup.id == group_id)).first() \
        if isinstance(group_id, str) else None
    if row is None:
        raise NotFound("machine_group", group_id)
    group, name, enabled, count, on, busy, rpo = row
    return GroupSummary(group, name, None if enabled is None else bool(enabled), int(count), int(on), int(busy or 0),
                        rpo)


def validate_group_input(data: Any, current: VMMachineGroup | None = None) -> dict[str, Any]:
    """Check every field of a create or partial update; raise ValidationError/Conflict."""
    reader = FieldReader(data, partial=current is not None)
    if current is not None and not reader.data:
        raise ValidationError("body", "names no group field to change")
    values: dict[str, Any] = {}

    def take(name: str, value: Any) -> None:
        if reader.has(name) and name not in reader.errors:
            values[name] = value

    take("name", reader.string("name", required=True, max_length=255))
    take("description", reader.string("description", max_length=2000, multiline=True))
    take("schedule_id", reader.string("schedule_id", max_length=64))
    take("max_concurrent_vms", reader.integer("max_concurrent_vms", minimum=1, maximum=1000))
    take("priority", reader.integer("priority", minimum=0, maximum=100000))
    rpo = read_rpo(reader)
    if current is None:
        # Older clients name themselves; the creator recorded is the authenticated user.
        reader.string("created_by", max_length=255)
    for name in sorted(set(reader.data) - set(EDITABLE_FIELDS) - {"rpo_minutes"}
                       - ({"created_by"} if current is None else set())):
        reader.error(name, "is set by the dashboard" if name in ("id", "created_at", "updated_at", "created_by")
                     else "is not a group field")
    if values.get("schedule_id") and db.session.get(ReplicationSchedule, values["schedule_id"]) is None:
        reader.error("schedule_id", f"no schedule with id '{values['schedule_id']}'")
    for name in ("max_concurrent_vms", "priority"):
        if name in values and values[name] is None:
            values[name] = _DEFAULTS[name]
    reader.raise_if_errors()
    name = values.get("name")
    if name is not None:
        query = select(VMMachineGroup.id).where(VMMachineGroup.name == name)
        if current is not None:
            query = query.where(VMMachineGroup.id != current.id)
        if db.session.scalar(query.limit(1)) is not None:
            raise Conflict("name_taken", f"A group named '{name}' already exists.", {"field": "name"})
    values["_rpo"] = rpo
    return values


def create_group(data: Any, created_by: str | None = None) -> VMMachineGroup:
    values = validate_group_input(data)
    rpo = values.pop("_rpo")
    group = VMMachineGroup(id=str(uuid.uuid4()), created_by=created_by or "system", **{**_DEFAULTS, **values})
    db.session.add(group)
    with name_taken_on_conflict("group", group.name, db.session):
        db.session.flush()
        rpo_set = set_rpo("group", group.id, rpo)
        record_change("group.create", "group", group.id, group.name, None, group_to_dict(group))
        db.session.commit()
    if rpo_set:
        refresh_soon()
    return group


def update_group(group_id: str, data: Any) -> VMMachineGroup:
    """Apply a partial update (only the fields given change)."""
    group = get_group(group_id)
    values = validate_group_input(data, current=group)
    rpo = values.pop("_rpo")
    before = group_to_dict(group)
    rpo_changed = set_rpo("group", group.id, rpo)
    if not rpo_changed and all(getattr(group, name) == value for name, value in values.items()):
        return group  # nothing changes: no audit row, updated_at kept
    for name, value in values.items():
        setattr(group, name, value)
    group.updated_at = utcnow()
    with name_taken_on_conflict("group", group.name, db.session):
        db.session.flush()
        record_change("group.update", "group", group.id, group.name, before, group_to_dict(group))
        db.session.commit()
    if values.get("schedule_id", before["schedule_id"]) != before["schedule_id"]:
        schedules_changed()  # its VMs now run on another schedule: their next runs move
    if rpo_changed or values.get("schedule_id", before["schedule_id"]) != before["schedule_id"]:
        refresh_soon()
    return group


def delete_group(group_id: str) -> None:
    """Delete an empty group; a group with members is refused (move or remove them first)."""
    group = get_group(group_id)
    members = db.session.scalar(select(func.count()).select_from(VMGroupMembership)
                                .where(VMGroupMembership.group_id == group.id))
    if members:
        raise Conflict("group_not_empty",
                       f"Group '{group.name}' still has {members} VM(s); move or remove them first.",
                       {"member_count": members})
    record_change("group.delete", "group", group.id, group.name, group_to_dict(group), None)
    set_rpo("group", group.id, None)
    db.session.delete(group)
    db.session.commit()
