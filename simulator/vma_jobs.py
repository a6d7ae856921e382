"""What the simulated VMA knows of the jobs it runs: its `/status` and `/progress` bodies.

The VMA knows a job once the OMA's workflow handed it over (phase 8, migration.go:209-229
[OMA 8b7d59b]), which is when the OMA writes the job's NBD export name; a row that never got
there (a setup that failed, a row written by someone else) is unknown to it. The VMA's own
state runs ahead of the database: it is the plan at this moment, which the OMA's poller copies
into `replication_jobs` every few seconds (simulator/progress.py).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from extensions import db
from models import ReplicationJob, utcnow
from simulator.plan import MIB, VMAState, plan_job, state_at
from simulator.wsgi import rfc3339

_COLUMNS = (ReplicationJob.id, ReplicationJob.started_at, ReplicationJob.vma_sync_type, ReplicationJob.total_bytes,
            ReplicationJob.source_vm_name, ReplicationJob.source_vm_path)


def known_job(job_id_or_export: str, *, by_export: bool = False):
    """The job the VMA runs under this id (or, for `/progress`, NBD export name), else None."""
    keys = [ReplicationJob.id == job_id_or_export]
    if by_export:  # progress_service.go: jobs are also initialised under their export name
        keys.append(ReplicationJob.nbd_export_name == job_id_or_export)
    return db.session.execute(select(*_COLUMNS).where(or_(*keys), ReplicationJob.nbd_export_name.is_not(None),
                                                      ReplicationJob.started_at.is_not(None)).limit(1)).first()


def vma_state(job, *, seed: str, failure_rate: float, now: datetime | None = None) -> VMAState:
    now = now or utcnow()
    plan = plan_job(job.id, job.vma_sync_type or "full", seed=seed, failure_rate=failure_rate)
    elapsed = (now - job.started_at).total_seconds()
    return state_at(plan, elapsed, int(job.total_bytes or 0), seed=seed, vm_name=job.source_vm_name)


def status_body(job, state: VMAState, now: datetime | None = None) -> dict:
    """The jobTracker's JobStatus (vma/api/server.go:39-47), as handleStatus encodes it (:378-389)."""
    now = now or utcnow()
    status = {"Succeeded": "completed", "Failed": "failed"}.get(state.status, "running")
    return {"job_id": job.id, "status": status, "progress_percent": state.percent,
            "current_operation": state.operation, "start_time": rfc3339(job.started_at, fraction=True),
            "last_update": rfc3339(now, fraction=True), "vm_path": job.source_vm_path}


def progress_body(job, state: VMAState, now: datetime | None = None) -> dict:
    """VMAProgressResponse as convertToVMAProgressResponse builds it (vma/api/progress_handler.go:
    29-196): status and phase are the VMA's own words (Streaming / Transfer, ...), throughput in
    MiB/s, VM name and path "unknown", `errors` always empty and `last_error` null."""
    now = now or utcnow()
    started = job.started_at
    elapsed_ms = int((now - started).total_seconds() * 1000)
    mbps = state.throughput_bps / MIB
    return {
        "job_id": job.id, "status": state.status, "sync_type": job.vma_sync_type or "", "phase": state.stage,
        "percentage": state.percent, "current_operation": state.operation,
        "bytes_transferred": state.bytes_transferred, "total_bytes": state.total_bytes,
        "throughput": {"current_mbps": mbps, "average_mbps": mbps, "peak_mbps": mbps,
                       "last_update": rfc3339(now)},
        "timing": {"start_time": rfc3339(started), "last_update": rfc3339(now), "elapsed_ms": elapsed_ms,
                   "phase_start": rfc3339(started), "phase_elapsed_ms": elapsed_ms, "eta_seconds": state.eta_seconds},
        "vm_info": {"name": "unknown", "path": "unknown", "disk_size_gb": state.total_bytes // (1024 ** 3),
                    "disk_size_bytes": state.total_bytes,
                    "cbt_enabled": (job.vma_sync_type or "") in ("full", "incremental")},
        "phases": [{"name": state.stage, "status": state.status, "start_time": rfc3339(started), "end_time": "",
                    "duration_ms": elapsed_ms}],
        # One entry for the VM's disks together: the simulated copy is not followed disk by disk
        # (the real list comes from migratekit's per-disk reports, :161-176).
        "disk_progresses": [{"disk_id": "disk-2000", "label": "Hard disk 1", "bytes_transferred": state.bytes_transferred,
                             "total_bytes": state.total_bytes, "percent": state.percent, "throughput_mbps": mbps,
                             "status": state.status}],
        "errors": [], "last_error": None,
    }

