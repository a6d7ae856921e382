"""The simulated OMA's migration workflow, run inside the `POST /api/v1/replications` request.

Real: `MigrationEngine.StartMigration`, oma/workflows/migration.go:124-251 [OMA 8b7d59b]. The
handler waits for it (replication.go:434) and answers 201 only after every phase; a failing
phase returns at once and the handler answers 500 "Failed to start migration workflow" with the
error, leaving the job row in the last status written and the context's `current_job_id` set
(nothing clears it until a job-completion recount, repository.go:1911).

Phase 1 writes the row and claims the VM in one transaction (repository.go:1755-1800: context
by vm_name + vcenter_host, created when missing; job insert; `current_job_id` set, :1886). The
claim here is a compare-and-set on an empty `current_job_id`, so two requests racing for one VM
give one job and one 409 (the real OMA checks and claims in separate steps).
"""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from extensions import db
from models import ReplicationJob, VMReplicationContext, utcnow
from simulator.inventory import total_disk_bytes
from simulator.plan import SETUP_PHASES, bytes_to_transfer, setup_failure
from simulator.raw_errors import SETUP_ERRORS
from simulator.replications import (DEFAULT_DATACENTER, FALLBACK_VCENTER_HOST, NBD_PORT, CreateRequest, OMAError,
                                    determine_replication_type, new_job_id, refuse_if_busy)
from simulator.wsgi import rfc3339

log = logging.getLogger(__name__)

_WORKFLOW_FAILED = "Failed to start migration workflow"  # replication.go:437
# Share of the setup time spent before each status (setup percent steps of SETUP_PHASES, then
# the VMA call): provisioning the CloudStack volumes is the long part.
_WAIT_WEIGHTS = {"analyzing": 10, "provisioning": 40, "attaching": 10, "configuring": 10, "ready_for_sync": 5,
                 "replicating": 5}


@dataclass(frozen=True)
class SetupSettings:
    seed: str
    provision_seconds: float = 3.0
    failure_rate: float = 0.03
    default_vcenter_host: str = ""  # the credential service's default vCenter (replication.go:379-386)


def _write_retrying(statement, attempts: int = 3) -> None:
    """One single-row update, committed; tried again when the database picked it as a deadlock
    victim (the poller updates the same rows), as an OMA that retried would."""
    for attempt in range(attempts):
        try:
            db.session.execute(statement)
            db.session.commit()
            return
        except OperationalError as exc:
            db.session.rollback()
            code = getattr(exc.orig, "args", (None,))[0]
            if code not in (1205, 1213) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _db_error(exc: IntegrityError) -> str:
    """The driver's text as Go's MySQL driver prints it ("Error 1452 (23000): ...")."""
    args = getattr(exc.orig, "args", ())
    if len(args) >= 2 and isinstance(args[0], int):
        return f"Error {args[0]} (23000): {args[1]}"
    return str(exc.orig)


class MigrationWorkflow:
    """One request's run of StartMigration."""

    def __init__(self, request: CreateRequest, settings: SetupSettings, *,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], datetime] = utcnow):
        self.request = request
        self.settings = settings
        self.sleep = sleep
        self.clock = clock
        self.vm = request.source_vm
        self.vcenter_host = request.vcenter_host or settings.default_vcenter_host or FALLBACK_VCENTER_HOST
        self.datacenter = request.datacenter or DEFAULT_DATACENTER  # replication.go:387-389
        self.job_id = ""
        self.known_context: str | None = None

    def run(self) -> dict:
        existing = refuse_if_busy(self.request)
        self.known_context = existing.context_id if existing is not None else None
        replication_type = self.request.replication_type or determine_replication_type(self.known_context)
        self.job_id = new_job_id(self.clock())
        self._phase_1(replication_type)
        fails_after = setup_failure(self.job_id, seed=self.settings.seed, failure_rate=self.settings.failure_rate)
        # With no setup time and no failure ahead no caller can see the steps between the row's
        # insert and `replicating`: their writes go into the last step's commit.
        visible = self.settings.provision_seconds > 0 or fails_after is not None or not self.vm["disks"]
        if visible:
            self._status("initializing", 10.0)
        if not self.vm["disks"]:  # migration.go:323 (phase 2)
            raise OMAError(500, _WORKFLOW_FAILED, "source VM has no disks to migrate")
        self._store_specs(commit=visible)
        if fails_after == "initializing":
            raise OMAError(500, _WORKFLOW_FAILED, SETUP_ERRORS[fails_after])
        for status, percent in SETUP_PHASES[1:]:
            self._wait(status)
            if status == fails_after:
                self._status(status, percent)
                raise OMAError(500, _WORKFLOW_FAILED, SETUP_ERRORS[status])
            if visible:
                self._status(status, percent)
        self._wait("replicating")
        if fails_after == "replication_failed":  # migration.go:216-223
            self._status("replication_failed", 85.0)
            raise OMAError(500, _WORKFLOW_FAILED, SETUP_ERRORS[fails_after])
        return self._replicating(replication_type)

    # --- phases --------------------------------------------------------------------------------

    def _phase_1(self, replication_type: str) -> None:
        now = self.clock()
        vm, request = self.vm, self.request
        try:
            context_id = self._context_id(now)
        except IntegrityError as exc:  # another request created it meanwhile: its claim decides
            db.session.rollback()
            refuse_if_busy(request)
            raise OMAError(500, _WORKFLOW_FAILED, "failed to create replication job: failed to create/update VM "
                                                  f"context: failed to create VM context: {_db_error(exc)}") from None
        # Lock the context first: the job insert takes a shared lock on it (the foreign key) and
        # the claim below an exclusive one, which two racing requests would deadlock on.
        db.session.execute(select(VMReplicationContext.context_id)
                           .where(VMReplicationContext.context_id == context_id).with_for_update())
        try:
            db.session.execute(insert(ReplicationJob.__table__).values(
                id=self.job_id, vm_context_id=context_id, source_vm_id=vm["id"], source_vm_name=vm["name"],
                source_vm_path=vm["path"], v_center_host=self.vcenter_host, datacenter=self.datacenter,
                replication_type=replication_type, target_network=request.target_network, status="initializing",
                progress_percent=0.0, ossea_config_id=request.ossea_config_id, change_id=request.change_id,
                previous_change_id=request.previous_change_id, snapshot_id=request.snapshot_id,
                schedule_execution_id=request.schedule_execution_id or None, vm_group_id=request.vm_group_id or None,
                scheduled_by=request.scheduled_by or None, created_at=now, updated_at=now))
        except IntegrityError as exc:  # e.g. a schedule_execution_id or vm_group_id with no row: 500
            db.session.rollback()
            raise OMAError(500, _WORKFLOW_FAILED, "failed to create replication job: failed to create replication "
                                                  f"job: {_db_error(exc)}") from None
        ctx = VMReplicationContext
        claimed = db.session.execute(
            update(ctx).where(ctx.context_id == context_id,
                              or_(ctx.current_job_id.is_(None), ctx.current_job_id == ""))
            .values(current_job_id=self.job_id, total_jobs_run=func.coalesce(ctx.total_jobs_run, 0) + 1,
                    current_status="replicating", last_job_at=now, last_status_change=now, updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            db.session.rollback()
            refuse_if_busy(request)  # raises the 409 naming the job that won
            raise OMAError(409, "VM has active replication job",
                           f"VM '{vm['name']}' ({vm['id']}) already has active job")
        db.session.commit()
        log.info("Replication job created job_id=%s vm=%s type=%s scheduled_by=%s",
                 self.job_id, vm["name"], replication_type or '""', request.scheduled_by or "-")

    def _context_id(self, now: datetime) -> str:
        """createOrUpdateVMContext (repository.go:1823-1880): by vm_name + vcenter_host."""
        ctx = VMReplicationContext
        found = db.session.scalar(select(ctx.context_id).where(ctx.vm_name == self.vm["name"],
                                                               ctx.vcenter_host == self.vcenter_host).limit(1))
        if found:
            return found
        context_id = f"ctx-{self.vm['name']}-{now:%Y%m%d-%H%M%S}"
        db.session.execute(insert(ctx.__table__).values(
            context_id=context_id, vm_name=self.vm["name"], vmware_vm_id=self.vm["id"], vm_path=self.vm["path"],
            vcenter_host=self.vcenter_host, datacenter=self.datacenter, current_status="discovered",
            total_jobs_run=0, successful_jobs=0, failed_jobs=0, created_at=now, updated_at=now, first_job_at=now))
        return context_id

    def _status(self, status: str, setup_percent: float) -> None:
        """updateSetupProgress (migration.go:724-747)."""
        _write_retrying(update(ReplicationJob).where(ReplicationJob.id == self.job_id)
                        .values(status=status, setup_progress_percent=setup_percent, updated_at=self.clock())
                        .execution_options(synchronize_session=False))

    def _store_specs(self, commit: bool = True) -> None:
        """updateVMContextWithSpecs (migration.go:465-489): the request's values as sent, so a
        blank `os_type` overwrites the context's."""
        ctx = VMReplicationContext
        context_id = select(ReplicationJob.vm_context_id).where(ReplicationJob.id == self.job_id).scalar_subquery()
        db.session.execute(update(ctx).where(ctx.context_id == context_id).values(
            cpu_count=self.vm["cpus"], memory_mb=self.vm["memory_mb"], os_type=self.vm["os_type"],
            power_state=self.vm["power_state"], vm_tools_version=self.vm["vmware_tools_version"],
            updated_at=self.clock()).execution_options(synchronize_session=False))
        if commit:
            db.session.commit()

    def _wait(self, before_status: str) -> None:
        seconds = self.settings.provision_seconds * _WAIT_WEIGHTS[before_status] / sum(_WAIT_WEIGHTS.values())
        if seconds > 0:
            self.sleep(seconds)

    def _replicating(self, replication_type: str) -> dict:
        """Phase 8 done (the VMA took the job): updateJobStatusWithNBDExport (migration.go:225-229)."""
        now = self.clock()
        sync_type = ("incremental" if replication_type == "incremental"
                     and determine_replication_type(self.known_context) == "incremental" else "full")
        export = f"migration-vol-{uuid.uuid4()}"
        _write_retrying(update(ReplicationJob).where(ReplicationJob.id == self.job_id).values(
            status="replicating", progress_percent=0.0, setup_progress_percent=SETUP_PHASES[-1][1],
            nbd_port=NBD_PORT, nbd_export_name=export, target_device="/dev/vdb", started_at=now, updated_at=now, bytes_transferred=0,
            # The VMA's CBT type and the bytes it will copy; the real poller writes them at its
            # first poll (vma_progress_poller.go:316-323), the simulator's plan needs them now.
            vma_sync_type=sync_type,
            total_bytes=bytes_to_transfer(self.job_id, sync_type, total_disk_bytes(self.vm), seed=self.settings.seed))
            .execution_options(synchronize_session=False))
        return self._result(replication_type)

    def _result(self, replication_type: str) -> dict:
        """MigrationStartResult (replication.go:75-84, built at :441-468)."""
        created = [] if replication_type == "incremental" else [
            {"volume_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.job_id}/{d.get('id')}")),
             "volume_name": f"migration-{self.vm['name']}-{d.get('id')}", "size_gb": int(d.get("size_gb") or 0),
             "status": "Ready"} for d in self.vm["disks"] if isinstance(d, dict)]
        mounted = [{"device_path": f"/dev/vd{chr(ord('b') + i)}", "mount_point": "", "status": "attached"}
                   for i, _disk in enumerate(self.vm["disks"])]
        return {"job_id": self.job_id, "status": "replicating", "progress_percent": 0.0, "source_vm": self.vm,
                "created_volumes": created, "mounted_volumes": mounted,
                "started_at": rfc3339(datetime.now(timezone.utc).astimezone(), fraction=True),
                "message": "Migration workflow started successfully - volumes created and mounted automatically"}
