"""The managed VM list: VMs by name, each with the group it is in."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from extensions import db
from models import ReplicationJob, VMGroupMembership, VMMachineGroup, VMReplicationContext
from paging import Page
from sanitizer import scrub_text
from vms.records import vm_to_dict


@dataclass(frozen=True)
class VMRow:
    vm: VMReplicationContext
    group_id: str | None
    group_name: str | None


def list_vms(search: str | None = None, page: int = 1, per_page: int = 50, only=None) -> Page[VMRow]:
    """One page of managed VMs by name with their group, and the total (two statements).

    `search` keeps the VMs whose name contains it, ignoring case; `only` (a select of context
    ids) keeps the VMs it selects.
    """
    query = select(VMReplicationContext, VMMachineGroup.id, VMMachineGroup.name) \
        .outerjoin(VMGroupMembership, VMGroupMembership.vm_context_id == VMReplicationContext.context_id) \
        .outerjoin(VMMachineGroup, VMMachineGroup.id == VMGroupMembership.group_id)
    count = select(func.count()).select_from(VMReplicationContext)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(func.lower(VMReplicationContext.vm_name).like(pattern))
        count = count.where(func.lower(VMReplicationContext.vm_name).like(pattern))
    if only is not None:
        query = query.where(VMReplicationContext.context_id.in_(only))
        count = count.where(VMReplicationContext.context_id.in_(only))
    rows = db.session.execute(query.order_by(VMReplicationContext.vm_name)
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return Page([VMRow(vm, group_id, name) for vm, group_id, name in rows], page, per_page,
                db.session.scalar(count) or 0)


def vm_contexts(search: str | None = None, page: int = 1, per_page: int | None = None) -> Page[dict]:
    """The original API's VM context list (GET /vm-contexts, vm_contexts.go:105-122 [sendense
    8b7d59b]): each context with `groups`, `group_count` and its `current_job` (status and
    progress of the job named by `current_job_id`). Every VM unless `per_page` is given; three
    statements whatever the size (the page, the total, the current jobs), four for every VM."""
    if per_page is None:  # every VM: the size of the page is the count
        count = select(func.count()).select_from(VMReplicationContext)
        if search:
            count = count.where(func.lower(VMReplicationContext.vm_name).like(f"%{search.lower()}%"))
        size = max(1, db.session.scalar(count) or 0)
    else:
        size = per_page
    rows = list_vms(search, page, size)
    job_ids = [row.vm.current_job_id for row in rows.items if row.vm.current_job_id]
    jobs = {job.id: job for job in db.session.scalars(
        select(ReplicationJob).options(load_only(ReplicationJob.id, ReplicationJob.status,
                                                  ReplicationJob.progress_percent, ReplicationJob.replication_type,
                                                  ReplicationJob.current_operation, ReplicationJob.created_at))
        .where(ReplicationJob.id.in_(job_ids)))} if job_ids else {}
    items = []
    for row in rows.items:
        data = vm_to_dict(row.vm)
        groups = [{"group_id": row.group_id, "group_name": row.group_name}] if row.group_id else []
        job = jobs.get(row.vm.current_job_id or "")
        data.update(groups=groups, group_count=len(groups), group_id=row.group_id, group_name=row.group_name,
                    current_job=None if job is None else {
                        "id": job.id, "job_id": job.id, "status": job.status,
                        "progress_percent": float(job.progress_percent or 0),
                        "replication_type": job.replication_type,
                        "current_operation": scrub_text(job.current_operation) if job.current_operation
                        else (job.status or "pending").replace("_", " ").capitalize(),
                        "created_at": job.created_at.isoformat() if job.created_at else None})
        items.append(data)
    return Page(items, page, size, rows.total)
