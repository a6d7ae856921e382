"""The simulated OMA's `POST /api/v1/replications`: the handler's checks and the 409 rule.

Real [OMA 8b7d59b]: `ReplicationHandler.Create`, oma/api/handlers/replication.go:268-480.
Decode (400 "Invalid request payload"), require source_vm id/name/path (:277-281) and a non-zero
ossea_config_id (:283-286), find the context by `vmware_vm_id` (:295, :147-165) and refuse with
409 when its `current_job_id` is non-empty, whatever that job's status (:310-315). Then defaults
(:359-392) and the synchronous migration workflow (simulator/setup.py).
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from extensions import db
from models import ReplicationJob, VMReplicationContext
from simulator.wsgi import rfc3339

log = logging.getLogger(__name__)

NBD_PORT = 10809
# replication.go:383-391: the fallbacks when the request names no vCenter or datacenter (the
# vCenter one after the credential service's default, simulator/oma_api.py).
FALLBACK_VCENTER_HOST = "quad-vcenter-01.quadris.local"
DEFAULT_DATACENTER = "DatabanxDC"


@dataclass
class OMAError(Exception):
    """An error answer of the OMA: `{error, details, timestamp}` (replication.go:724-731)."""

    status: int
    error: str
    details: str

    def body(self) -> dict:
        return {"error": self.error, "details": self.details, "timestamp": oma_timestamp()}

    def __str__(self) -> str:
        return f"{self.status} {self.error}: {self.details}"


def oma_timestamp() -> str:
    """`time.Now().Format(time.RFC3339)` on the OMA host (its local zone)."""
    return rfc3339(datetime.now(timezone.utc).astimezone())


def new_job_id(now: datetime, rng=None) -> str:
    """replication.go:131-145: `job-YYYYMMDD-HHMMSS.mmm-xxxxxx` (millisecond time, 3 random bytes)."""
    suffix = f"{rng.getrandbits(24):06x}" if rng else secrets.token_hex(3)
    return f"job-{now:%Y%m%d-%H%M%S}.{now.microsecond // 1000:03d}-{suffix}"


# encoding/json into CreateMigrationRequest (replication.go:41-66) and models.VMInfo
# (models/replication_job.go:33-52): a value of the wrong JSON type fails the whole decode.
_VM_STRINGS = ("id", "name", "path", "datacenter", "power_state", "os_type", "vmx_version", "display_name",
               "annotation", "folder_path", "vmware_tools_status", "vmware_tools_version")
_VM_INTS = ("cpus", "memory_mb")
_REQUEST_STRINGS = ("replication_type", "target_network", "vcenter_host", "datacenter", "change_id",
                    "previous_change_id", "snapshot_id", "schedule_execution_id", "vm_group_id", "scheduled_by")


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", dict: "object", list: "array"}.get(type(value), "value")


def _mismatch(value: object, field: str, go_type: str) -> OMAError:
    shown = f"number {value}" if _json_type(value) == "number" else _json_type(value)
    return OMAError(400, "Invalid request payload",
                    f"json: cannot unmarshal {shown} into Go struct field CreateMigrationRequest.{field} of type {go_type}")


def _check(container: dict, prefix: str, strings=(), ints=(), lists=(), bools=()) -> None:
    for key in strings:
        if container.get(key) is not None and not isinstance(container[key], str):
            raise _mismatch(container[key], prefix + key, "string")
    for key in ints:
        value = container.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or (isinstance(value, float) and not value.is_integer())):
            raise _mismatch(value, prefix + key, "int")
    for key in lists:
        if container.get(key) is not None and not isinstance(container[key], list):
            raise _mismatch(container[key], prefix + key, "[]models.DiskInfo" if key == "disks"
                            else "[]models.NetworkInfo")
    for key in bools:
        if container.get(key) is not None and not isinstance(container[key], bool):
            raise _mismatch(container[key], prefix + key, "bool")


@dataclass(frozen=True)
class CreateRequest:
    """A decoded `CreateMigrationRequest` (zero values for what was left out, as in Go)."""

    source_vm: dict
    ossea_config_id: int
    replication_type: str
    target_network: str
    vcenter_host: str
    datacenter: str
    change_id: str
    previous_change_id: str
    snapshot_id: str
    schedule_execution_id: str
    vm_group_id: str
    scheduled_by: str
    start_replication: bool


def decode_request(payload: object) -> CreateRequest:
    if not isinstance(payload, dict):
        raise OMAError(400, "Invalid request payload", f"json: cannot unmarshal {_json_type(payload)} into Go "
                                                       "value of type handlers.CreateMigrationRequest")
    vm = payload.get("source_vm")
    if vm is not None and not isinstance(vm, dict):
        raise _mismatch(vm, "source_vm", "models.VMInfo")
    vm = dict(vm or {})
    _check(vm, "source_vm.", strings=_VM_STRINGS, ints=_VM_INTS, lists=("disks", "networks"))
    _check(payload, "", strings=_REQUEST_STRINGS, ints=("ossea_config_id",), bools=("start_replication",))
    for key in _VM_STRINGS:
        vm[key] = vm.get(key) or ""
    for key in _VM_INTS:
        vm[key] = int(vm.get(key) or 0)
    vm["disks"], vm["networks"] = vm.get("disks") or [], vm.get("networks") or []
    text = {key: payload.get(key) or "" for key in _REQUEST_STRINGS}
    start = payload.get("start_replication")
    request = CreateRequest(source_vm=vm, ossea_config_id=int(payload.get("ossea_config_id") or 0),
                            start_replication=True if start is None else start, **text)
    if not (vm["id"] and vm["name"] and vm["path"]):  # replication.go:277-281
        raise OMAError(400, "Source VM information is required", "Missing VM ID, name, or path")
    if request.ossea_config_id == 0:  # replication.go:283-286
        raise OMAError(400, "OSSEA configuration ID is required", "Must specify target OSSEA configuration")
    return request


def context_by_vmware_id(vmware_vm_id: str):
    """checkExistingVMContext (replication.go:147-165): GORM `First`, so the lowest key."""
    ctx = VMReplicationContext
    return db.session.execute(
        select(ctx.context_id, ctx.vm_name, ctx.current_job_id, ctx.current_status)
        .where(ctx.vmware_vm_id == vmware_vm_id).order_by(ctx.context_id).limit(1)).first()


def refuse_if_busy(request: CreateRequest):
    """The 409 rule; returns the existing context (or None)."""
    existing = context_by_vmware_id(request.source_vm["id"])
    if existing is None:
        return None
    vm = request.source_vm
    if not request.start_replication:  # replication.go:300-306
        raise OMAError(409, "VM already exists in management",
                       f"VM '{vm['name']}' ({vm['id']}) is already managed with context ID: {existing.context_id}")
    if existing.current_job_id:  # replication.go:307-313
        raise OMAError(409, "VM has active replication job",
                       f"VM '{vm['name']}' ({vm['id']}) already has active job: {existing.current_job_id}")
    return existing


def determine_replication_type(vm_context_id: str | None) -> str:
    """replication.go:735-775 `determineReplicationType`: incremental once a job of this VM left
    a change ID, which the simulated VMA does at every completed copy; else initial. Read by the
    VM's context (an indexed column), not by its path: the OMA looks in `vm_disks`, per VM."""
    if not vm_context_id:
        return "initial"
    done = db.session.scalar(select(ReplicationJob.id).where(ReplicationJob.vm_context_id == vm_context_id,
                                                             ReplicationJob.status == "completed").limit(1))
    return "incremental" if done else "initial"


def create_context_only(request: CreateRequest, now: datetime) -> dict:
    """`start_replication: false`: createVMContextOnly (replication.go:167-230), 201 VMContextResult."""
    vm = request.source_vm
    context_id = f"ctx-{vm['name']}-{now:%Y%m%d-%H%M%S}"
    db.session.add(VMReplicationContext(
        context_id=context_id, vm_name=vm["name"], vmware_vm_id=vm["id"], vm_path=vm["path"],
        vcenter_host=request.vcenter_host or FALLBACK_VCENTER_HOST, datacenter=request.datacenter or DEFAULT_DATACENTER,
        current_status="discovered", ossea_config_id=request.ossea_config_id, created_at=now, updated_at=now))
    db.session.commit()
    return {"context_id": context_id, "vm_name": vm["name"], "vmware_vm_id": vm["id"],
            "current_status": "discovered", "message": "VM added to management successfully",
            "created_at": rfc3339(now, fraction=True)}
