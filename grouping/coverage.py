"""What a schedule covers: the groups that run on it, each with its VMs in priority order."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from extensions import db
from models import VMGroupMembership, VMMachineGroup, VMReplicationContext


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
