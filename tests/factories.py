"""Row factories for tests: each returns a committed model with sensible defaults."""
from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta, timezone

from extensions import db
from models import (JobStep, JobTracking, ReplicationJob, ReplicationSchedule, VMGroupMembership, VMMachineGroup,
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


#: A fixed instant for rows whose times matter to the test.
T0 = datetime(2025, 10, 3, 12, 0, tzinfo=timezone.utc)


def make_operation(vm, kind="test", status="completed", minutes=0, steps=(), error=None, **kw) -> JobTracking:
    """A JobLog failover (`kind` test/live) or rollback (`kind` rollback) with (name, status, error) steps."""
    started = kw.pop("started_at", T0 + timedelta(minutes=minutes))
    job = JobTracking(
        id=kw.pop("id", str(uuid.uuid4())), job_type="cleanup" if kind == "rollback" else "failover",
        operation=kw.pop("operation", "rollback" if kind == "rollback" else f"{kind}-failover"), status=status,
        external_job_id=kw.pop("external_job_id", f"unified-{kind}-failover-{vm.vm_name}-{minutes}"),
        context_id=vm.context_id, job_category="failover", started_at=started, error_message=error,
        completed_at=started + timedelta(seconds=25) if status in ("completed", "failed") else None, **kw)
    db.session.add(job)
    db.session.flush()
    for seq, (name, step_status, step_error) in enumerate(steps, start=1):
        db.session.add(JobStep(job_id=job.id, name=name, seq=seq, status=step_status, started_at=started,
                               error_message=step_error))
    db.session.commit()
    return job
