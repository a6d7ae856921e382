"""The managed VM list: VMs by name, each with the group it is in."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from extensions import db
from models import VMGroupMembership, VMMachineGroup, VMReplicationContext
from paging import Page


@dataclass(frozen=True)
class VMRow:
    vm: VMReplicationContext
    group_id: str | None
    group_name: str | None


def list_vms(search: str | None = None, page: int = 1, per_page: int = 50) -> Page[VMRow]:
    """One page of managed VMs by name with their group, and the total (two statements).

    `search` keeps the VMs whose name contains it, ignoring case.
    """
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
    return Page([VMRow(vm, group_id, name) for vm, group_id, name in rows], page, per_page,
                db.session.scalar(count) or 0)
