"""Read-only page queries that no domain package offers: each runs a fixed number of statements."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from extensions import db
from models import (DashboardBannerDismissal, ReplicationSchedule, ScheduleExecution, VMGroupMembership, VMMachineGroup,
                    VMReplicationContext)
from scheduler import banner_state, scheduler_status


def scheduler_health() -> dict:
    """`scheduler.scheduler_status()`: the scheduler's state and its next fires."""
    return scheduler_status()


def scheduler_banner() -> str | None:
    """`scheduler.banner_state()` (the lease, read once per request)."""
    return banner_state()


@dataclass(frozen=True)
class CoveredGroup:
    group: VMMachineGroup
    vms: list[tuple[str, str, str]]  # (context id, VM name, status)


def schedule_coverage(schedule_id: str) -> list[CoveredGroup]:
    """The groups that run on a schedule, each with its VMs in priority order (two statements)."""
    groups = db.session.scalars(select(VMMachineGroup).where(VMMachineGroup.schedule_id == schedule_id)
                                .order_by(VMMachineGroup.priority, VMMachineGroup.name)).all()
    members: dict[str, list[tuple[str, str, str]]] = {group.id: [] for group in groups}
    if groups:
        rows = db.session.execute(
            select(VMGroupMembership.group_id, VMReplicationContext.context_id, VMReplicationContext.vm_name,
                   VMReplicationContext.current_status)
            .join(VMReplicationContext, VMReplicationContext.context_id == VMGroupMembership.vm_context_id)
            .where(VMGroupMembership.group_id.in_(list(members)))
            .order_by(VMGroupMembership.priority, VMReplicationContext.vm_name))
        for group_id, context_id, name, status in rows:
            members[group_id].append((context_id, name, status))
    return [CoveredGroup(group, members[group.id]) for group in groups]


def schedule_has_running_execution(schedule_id: str) -> bool:
    """True while an execution of the schedule is scheduled or running (its page keeps polling)."""
    return db.session.scalar(
        select(ScheduleExecution.id).where(ScheduleExecution.schedule_id == schedule_id,
                                           ScheduleExecution.status.in_(("scheduled", "running"))).limit(1)) is not None


def schedule_name(schedule_id: str | None) -> tuple[str, str] | None:
    """(id, name) of a schedule, for links such as a chain parent."""
    if not schedule_id:
        return None
    name = db.session.scalar(select(ReplicationSchedule.name).where(ReplicationSchedule.id == schedule_id))
    return (schedule_id, name) if name else None


@dataclass(frozen=True)
class VMRow:
    vm: VMReplicationContext
    group_id: str | None
    group_name: str | None


def list_vms(search: str | None, page: int, per_page: int) -> tuple[list[VMRow], int]:
    """One page of managed VMs by name with their group, and the total (two statements)."""
    query = select(VMReplicationContext, VMMachineGroup.id, VMMachineGroup.name) \
        .outerjoin(VMGroupMembership, VMGroupMembership.vm_context_id == VMReplicationContext.context_id) \
        .outerjoin(VMMachineGroup, VMMachineGroup.id == VMGroupMembership.group_id)
    count = select(func.count()).select_from(VMReplicationContext)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(func.lower(VMReplicationContext.vm_name).like(pattern))
        count = count.where(func.lower(VMReplicationContext.vm_name).like(pattern))
    rows = db.session.execute(query.order_by(VMReplicationContext.vm_name)
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return [VMRow(vm, group_id, name) for vm, group_id, name in rows], db.session.scalar(count) or 0


def banner_dismissed(user_id: int, context_id: str, job_id: str | None) -> bool:
    """Whether this user dismissed the last-operation banner of this VM for this very operation."""
    dismissal = db.session.get(DashboardBannerDismissal, (user_id, context_id))
    return dismissal is not None and dismissal.job_id == (job_id or "")


def schedule_names() -> list[tuple[str, str]]:
    """(id, name) of every schedule by name, for chain-parent and group selects (one statement)."""
    return [tuple(row) for row in db.session.execute(
        select(ReplicationSchedule.id, ReplicationSchedule.name).order_by(ReplicationSchedule.name)).all()]


def schedules_by_name() -> list[ReplicationSchedule]:
    """Every schedule by name, without counts or next runs, for the group form's select (one statement)."""
    return list(db.session.scalars(select(ReplicationSchedule).order_by(ReplicationSchedule.name)).all())
