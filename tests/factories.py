"""Row factories for tests: each returns a committed model with sensible defaults."""
from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

from extensions import db
from models import (ReplicationJob, ReplicationSchedule, VMGroupMembership, VMMachineGroup,
                    VMReplicationContext, utcnow)

_seq = itertools.count(1)


def _id() -> str:
    return str(uuid.uuid4())


def make_vm(name: str | None = None, **kw) -> VMReplicationContext:
    n = next(_seq)
    name = name or f"vm-{n:04d}"
    vm = VMReplicationContext(
        context_id=kw.pop("context_id", f"ctx-{name}-{n}"), vm_name=name,
        vmware_vm_id=kw.pop("vmware_vm_id", _id()), vm_path=kw.pop("vm_path", f"/DC1/vm/{name}"),
        vcenter_host=kw.pop("vcenter_host", "vcenter.example.local"), datacenter=kw.pop("datacenter", "DC1"),
        **kw)
    db.session.add(vm)
    db.session.commit()
    return vm


def make_schedule(name: str | None = None, cron_expression: str = "0 0 2 * * *", **kw) -> ReplicationSchedule:
    schedule = ReplicationSchedule(id=kw.pop("id", _id()), name=name or f"schedule-{next(_seq)}",
                                   cron_expression=cron_expression, **kw)
    db.session.add(schedule)
    db.session.commit()
    return schedule


def make_group(name: str | None = None, schedule: ReplicationSchedule | None = None, **kw) -> VMMachineGroup:
    group = VMMachineGroup(id=kw.pop("id", _id()), name=name or f"group-{next(_seq)}",
                           schedule_id=schedule.id if schedule else kw.pop("schedule_id", None), **kw)
    db.session.add(group)
    db.session.commit()
    return group


def add_member(group: VMMachineGroup, vm: VMReplicationContext, **kw) -> VMGroupMembership:
    membership = VMGroupMembership(id=kw.pop("id", _id()), group_id=group.id, vm_context_id=vm.context_id, **kw)
    db.session.add(membership)
    db.session.commit()
    return membership


def make_replication_job(vm: VMReplicationContext, status: str = "replicating", **kw) -> ReplicationJob:
    now = utcnow()
    job = ReplicationJob(
        id=kw.pop("id", f"job-{now:%Y%m%d-%H%M%S}.{now.microsecond // 1000:03d}-{uuid.uuid4().hex[:6]}"),
        vm_context_id=vm.context_id, source_vm_id=vm.vmware_vm_id, source_vm_name=vm.vm_name,
        source_vm_path=vm.vm_path, v_center_host=vm.vcenter_host, datacenter=vm.datacenter,
        replication_type=kw.pop("replication_type", "incremental"), status=status,
        started_at=kw.pop("started_at", now - timedelta(minutes=5)), **kw)
    db.session.add(job)
    db.session.commit()
    return job
