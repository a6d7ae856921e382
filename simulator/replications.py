"""The simulated OMA's side of a replication: validate the request, write the job, claim the VM.

What the real OMA's migration engine does when `POST /api/v1/replications` arrives: find (or
create) the VM's replication context, refuse when the VM already has an active job, write the
`replication_jobs` row with the scheduler metadata, and mark the context as replicating.
"""
from __future__ import annotations

import logging
import random
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import (ReplicationJob, ScheduleExecution, VMMachineGroup, replication_active,
                    VMReplicationContext, utcnow)
from simulator.inventory import total_disk_bytes
from simulator.plan import bytes_to_transfer

log = logging.getLogger(__name__)

REPLICATION_TYPES = ("full", "incremental", "auto", "initial")
NBD_PORT = 10809


@dataclass
class SimulatorError(Exception):
    """An HTTP error answer of the simulated appliance: `{error, details, timestamp}`."""

    status: int
    error: str
    details: str
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.error}: {self.details}"


def new_job_id(now: datetime, rng: random.Random | None = None) -> str:
    """`job-YYYYMMDD-HHMMSS.mmm-xxxxxx`: millisecond UTC time plus 6 random hex digits."""
    suffix = f"{rng.getrandbits(24):06x}" if rng else secrets.token_hex(3)
    return f"job-{now:%Y%m%d-%H%M%S}.{now.microsecond // 1000:03d}-{suffix}"


def _invalid(field_name: str, problem: str) -> SimulatorError:
    return SimulatorError(400, "Invalid request", f"{field_name} {problem}", {"field": field_name})


def _required_text(container: dict, key: str, prefix: str = "") -> str:
    value = container.get(key)
    name = f"{prefix}{key}"
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _invalid(name, "is required")
    if not isinstance(value, str):
        raise _invalid(name, "must be a string")
    return value.strip()


def _optional_text(payload: dict, key: str, max_length: int) -> str | None:
    value = payload.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _invalid(key, "must be a string")
    if len(value) > max_length:
        raise _invalid(key, f"must be at most {max_length} characters")
    return value


@dataclass(frozen=True)
class ReplicationRequest:
    """A validated `POST /api/v1/replications` body."""

    source_vm: dict
    vcenter_host: str
    datacenter: str
    ossea_config_id: int
    replication_type: str
    target_network: str | None
    schedule_execution_id: str | None
    vm_group_id: str | None
    scheduled_by: str | None


def parse_replication_request(payload: object) -> ReplicationRequest:
    """Check the body field by field; the first problem found is named in a 400 answer."""
    if not isinstance(payload, dict):
        raise SimulatorError(400, "Invalid request", "request body must be a JSON object")
    source_vm = payload.get("source_vm")
    if source_vm is None:
        raise _invalid("source_vm", "is required")
    if not isinstance(source_vm, dict):
        raise _invalid("source_vm", "must be an object")
    for key in ("id", "name", "path"):
        _required_text(source_vm, key, "source_vm.")
    disks = source_vm.get("disks")
    if not isinstance(disks, list) or not disks:
        raise _invalid("source_vm.disks", "must list at least one disk")
    vcenter_host = _required_text(payload, "vcenter_host")
    datacenter = _required_text(payload, "datacenter")
    ossea_config_id = payload.get("ossea_config_id")
    if ossea_config_id is None:
        raise _invalid("ossea_config_id", "is required")
    if isinstance(ossea_config_id, bool) or not isinstance(ossea_config_id, int) or ossea_config_id < 1:
        raise _invalid("ossea_config_id", "must be a positive integer")
    replication_type = payload.get("replication_type") or "auto"
    if replication_type not in REPLICATION_TYPES:
        raise _invalid("replication_type", f"must be one of {', '.join(REPLICATION_TYPES)}")
    start = payload.get("start_replication", True)
    if not isinstance(start, bool):
        raise _invalid("start_replication", "must be true or false")
    if not start:
        raise _invalid("start_replication", "must be true: the simulator only creates running replications")
    return ReplicationRequest(
        source_vm=source_vm, vcenter_host=vcenter_host, datacenter=datacenter,
        ossea_config_id=ossea_config_id, replication_type=replication_type,
        target_network=_optional_text(payload, "target_network", 255),
        schedule_execution_id=_optional_text(payload, "schedule_execution_id", 64),
        vm_group_id=_optional_text(payload, "vm_group_id", 64),
        scheduled_by=_optional_text(payload, "scheduled_by", 255),
    )


def _check_references(request: ReplicationRequest) -> None:
    if request.schedule_execution_id and db.session.get(ScheduleExecution, request.schedule_execution_id) is None:
        raise _invalid("schedule_execution_id", "does not name an existing schedule execution")
    if request.vm_group_id and db.session.get(VMMachineGroup, request.vm_group_id) is None:
        raise _invalid("vm_group_id", "does not name an existing machine group")


_ACTIVE_JOB = (select(ReplicationJob.id, ReplicationJob.status)
               .where(ReplicationJob.vm_context_id == VMReplicationContext.context_id,
                      replication_active(ReplicationJob.status)).limit(1))
_CONTEXT_WITH_ACTIVE_JOB = select(
    VMReplicationContext.context_id, VMReplicationContext.vm_name, VMReplicationContext.current_job_id,
    VMReplicationContext.last_successful_job_id, VMReplicationContext.cpu_count, VMReplicationContext.memory_mb,
    VMReplicationContext.os_type, VMReplicationContext.power_state,
    _ACTIVE_JOB.with_only_columns(ReplicationJob.id).scalar_subquery().label("active_job_id"),
    _ACTIVE_JOB.with_only_columns(ReplicationJob.status).scalar_subquery().label("active_job_status"))


# The request path's statements are built once, with bound parameters: a herd of requests then
# reuses one cache key and compiled form each instead of building (and hashing) a statement per
# request, which cost more than the database's own work.
_CONTEXT_BY_NAME = _CONTEXT_WITH_ACTIVE_JOB.where(VMReplicationContext.vm_name == bindparam("vm_name"),
                                                  VMReplicationContext.vcenter_host == bindparam("vcenter_host"))
_INSERT_JOB = insert(ReplicationJob.__table__)
_contexts = VMReplicationContext.__table__
_CLAIM_VM = (
    update(_contexts)
    .where(_contexts.c.context_id == bindparam("claim_context_id"),
           _contexts.c.current_job_id.is_not_distinct_from(bindparam("expected_job_id")))
    .values(current_job_id=bindparam("job_id"), current_status="replicating", last_status_change=bindparam("now"),
            total_jobs_run=func.coalesce(_contexts.c.total_jobs_run, 0) + 1,
            first_job_at=func.coalesce(_contexts.c.first_job_at, bindparam("now")), last_job_at=bindparam("now"),
            cpu_count=bindparam("cpu_count"), memory_mb=bindparam("memory_mb"), os_type=bindparam("os_type"),
            power_state=bindparam("power_state"), updated_at=bindparam("now")))


def _context_of(request: ReplicationRequest):
    """The VM's context by name and vCenter, with its active job if any, in one statement."""
    return db.session.execute(_CONTEXT_BY_NAME, {"vm_name": request.source_vm["name"].strip(),
                                                 "vcenter_host": request.vcenter_host}).first()


def _create_context(request: ReplicationRequest, now: datetime):
    """The real OMA creates a context for a VM it has not seen."""
    vm = request.source_vm
    context = VMReplicationContext(
        context_id=f"ctx-{vm['name'].strip()}-{now:%Y%m%d-%H%M%S}", vm_name=vm["name"].strip(),
        vmware_vm_id=vm["id"].strip(), vm_path=vm["path"].strip(), vcenter_host=request.vcenter_host,
        datacenter=request.datacenter, current_status="discovered",
        ossea_config_id=request.ossea_config_id)
    db.session.add(context)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise SimulatorError(409, "VM is busy", f"VM {vm['name']} is being added by another request")
    return _context_of(request)


def _sync_type(request: ReplicationRequest, context) -> str:
    """`auto` copies everything until the VM has one successful replication, then changes only."""
    if request.replication_type in ("full", "initial"):
        return "initial"
    return "incremental" if context.last_successful_job_id else "initial"


@dataclass(frozen=True)
class StartedReplication:
    """What the OMA answers for a started replication (taken before commit: no reload needed)."""

    job_id: str
    status: str
    progress_percent: float
    started_at: datetime
    vm_context_id: str
    vm_name: str
    replication_type: str
    total_bytes: int

    def to_response(self) -> dict:
        """The 201 body of `POST /api/v1/replications`."""
        return {"job_id": self.job_id, "status": self.status, "progress_percent": self.progress_percent,
                "started_at": self.started_at.isoformat(), "vm_context_id": self.vm_context_id,
                "message": f"Replication of {self.vm_name} started ({self.replication_type})"}


def create_replication(payload: object, *, seed: str, now: datetime | None = None,
                       rng: random.Random | None = None) -> StartedReplication:
    """Start a replication for the request's VM; raises SimulatorError (400/409) when refused.

    The VM is claimed with a compare-and-set on its context's `current_job_id`, so two requests
    racing for the same VM cannot both succeed: the loser gets a 409, never a second job.
    A request costs three statements on the usual path (the VM with its active job, the job
    insert, the claim): a scheduler herd sends thousands at once. The execution and group ids are
    checked by the job's foreign keys; only a refused insert looks them up to name the field.
    """
    request = parse_replication_request(payload)
    now = now or utcnow()
    context = _context_of(request)
    if context is None:
        context = _create_context(request, now)
    if context.active_job_id is not None:
        db.session.rollback()
        raise SimulatorError(409, "VM already has an active replication job",
                             f"job {context.active_job_id} for VM {context.vm_name} is {context.active_job_status}",
                             {"job_id": context.active_job_id})

    vm = request.source_vm
    sync_type = _sync_type(request, context)
    job_id = new_job_id(now, rng)
    job = dict(
        id=job_id, vm_context_id=context.context_id, source_vm_id=vm["id"].strip(),
        source_vm_name=vm["name"].strip(), source_vm_path=vm["path"].strip(),
        v_center_host=request.vcenter_host, datacenter=request.datacenter, replication_type=sync_type,
        target_network=request.target_network, status="replicating", progress_percent=0.0,
        current_operation="Provisioning destination volumes", bytes_transferred=0,
        total_bytes=bytes_to_transfer(job_id, sync_type, total_disk_bytes(vm), seed=seed),
        ossea_config_id=request.ossea_config_id, created_at=now, updated_at=now, started_at=now,
        nbd_port=NBD_PORT, nbd_export_name=f"migration-vol-{uuid.uuid4()}", target_device="/dev/vdb",
        vma_sync_type=sync_type, vma_current_phase="Initializing", vma_throughput_mbps=0.0,
        vma_last_poll_at=now, setup_progress_percent=0.0,
        schedule_execution_id=request.schedule_execution_id, vm_group_id=request.vm_group_id,
        scheduled_by=request.scheduled_by)
    try:
        db.session.execute(_INSERT_JOB, job)
    except IntegrityError:
        db.session.rollback()
        _check_references(request)  # names the field when an id does not exist
        raise SimulatorError(409, "VM already has an active replication job",
                             f"the replication of VM {context.vm_name} could not be recorded") from None
    claimed = db.session.execute(_CLAIM_VM, {
        "claim_context_id": context.context_id, "expected_job_id": context.current_job_id, "job_id": job_id,
        "now": now, "cpu_count": _int_or(vm.get("cpus") or vm.get("num_cpu"), context.cpu_count),
        "memory_mb": _int_or(vm.get("memory_mb"), context.memory_mb),
        "os_type": _text_or(vm.get("os_type"), context.os_type),
        "power_state": _text_or(vm.get("power_state"), context.power_state)}).rowcount
    if claimed != 1:
        db.session.rollback()
        raise SimulatorError(409, "VM already has an active replication job",
                             f"another replication of VM {context.vm_name} started at the same time")
    started = StartedReplication(job_id=job_id, status="replicating", progress_percent=0.0, started_at=now,
                                 vm_context_id=context.context_id, vm_name=job["source_vm_name"],
                                 replication_type=sync_type, total_bytes=job["total_bytes"])
    db.session.commit()
    log.info("Replication job created job_id=%s vm=%s type=%s scheduled_by=%s",
             job_id, started.vm_name, sync_type, request.scheduled_by or "-")
    return started


def _int_or(value: object, fallback: int | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else fallback


def _text_or(value: object, fallback: str | None) -> str | None:
    return value if isinstance(value, str) and value else fallback


def vma_job_status(job_id: str) -> dict | None:
    """What the simulated VMA reports for a job it runs; None for a job it does not know.

    The VMA knows the jobs it was asked to run: those the simulated OMA started (they carry a
    VMA phase). A job row the VMA never saw is unknown, which is what the phantom check detects.
    """
    job = db.session.get(ReplicationJob, job_id)
    if job is None or job.vma_current_phase is None:
        return None
    return {
        "job_id": job.id,
        "status": job.status,
        "sync_type": job.vma_sync_type,
        "phase": job.vma_current_phase,
        "current_operation": job.current_operation,
        "progress_percent": float(job.progress_percent or 0.0),
        "bytes_transferred": int(job.bytes_transferred or 0),
        "total_bytes": int(job.total_bytes or 0),
        "throughput_mbps": float(job.vma_throughput_mbps or 0.0),
        "eta_seconds": job.vma_eta_seconds,
        "error_classification": job.vma_error_classification,
        "error_details": job.vma_error_details,
        "last_update": (job.updated_at or job.started_at).isoformat(),
    }
