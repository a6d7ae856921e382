"""Step 2 of an execution: the VMs a schedule replicates, in the order they run."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select

from extensions import db
from models import VMGroupMembership, VMMachineGroup, VMReplicationContext


@dataclass(frozen=True)
class Candidate:
    """A VM of the schedule with what the conflict checks and the dispatch need to know."""

    vm_context_id: str
    vm_name: str
    vm_status: str
    vm_scheduler_enabled: bool
    membership_enabled: bool
    group_id: str
    group_name: str
    group_max_vms: int | None
    datacenter: str
    vcenter_host: str
    ossea_config_id: int | None
    credential_id: int | None = None


def collect_vms(schedule_id: str, only: list[str] | None = None) -> list[Candidate]:
    """VMs of every group on this schedule plus memberships overriding to it, by group priority
    then membership priority (one query). A membership overriding to another schedule follows
    that schedule instead. `only` restricts the result to some VMs (retries, queued VMs)."""
    m, g, vm = VMGroupMembership, VMMachineGroup, VMReplicationContext
    statement = (
        select(vm.context_id, vm.vm_name, vm.current_status, vm.scheduler_enabled, m.enabled, g.id, g.name,
               g.max_concurrent_vms, vm.datacenter, vm.vcenter_host, vm.ossea_config_id, vm.credential_id)
        .join(m, m.vm_context_id == vm.context_id)
        .join(g, g.id == m.group_id)
        .where(or_(m.schedule_override_id == schedule_id,
                   and_(g.schedule_id == schedule_id, m.schedule_override_id.is_(None))))
        .order_by(g.priority, m.priority, vm.vm_name, vm.context_id)
    )
    if only is not None:
        if not only:
            return []
        statement = statement.where(vm.context_id.in_(only))
    return [
        Candidate(vm_context_id=row[0], vm_name=row[1], vm_status=row[2], vm_scheduler_enabled=row[3] is not False,
                  membership_enabled=row[4] is not False, group_id=row[5], group_name=row[6],
                  group_max_vms=row[7], datacenter=row[8], vcenter_host=row[9], ossea_config_id=row[10],
                  credential_id=row[11])
        for row in db.session.execute(statement)
    ]
