"""Progress of replications read from the VMA, the way the OMA's own poller reads it.

The OMA of the sendense era polls the VMA's `GET /api/v1/progress/{id}` and writes what it
learns into `replication_jobs` (oma/services/vma_progress_poller.go:212-407 [8b7d59b]); later
OMA versions removed that poller (handlers.go:179 [2acc62b]) and nothing writes replication
progress any more. With `PROGRESS_FROM_VMA` on, the dashboard does the poller's work for the
jobs whose row stopped moving, instead of taking a job that is still copying for a phantom.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from appliance import ApplianceError, VMAClient
from extensions import db
from models import COPY_REPLICATION_STATUSES, ReplicationJob
from scheduler import job_lines
from scheduler.contexts import release_context

log = logging.getLogger(__name__)

#: The real poller follows at most 10 jobs at once (vma_progress_poller.go:49).
JOBS_PER_POLL = 10
#: A row updated more recently than this is being written by someone else (the OMA's poller).
QUIET_AFTER = timedelta(seconds=30)

#: The OMA poller's phase words (vma_progress_client.go:191-207 MapVMAPhaseToStatus) and the
#: stages the VMA really reports in `phase` (vma/progress/model.go:100-110, progress_handler.go:112).
PHASE_TO_STATUS = {"Initializing": "initializing", "Snapshot Creation": "snapshotting", "Copying Data": "replicating",
                   "Cleanup": "finalizing", "Completed": "completed", "Error": "failed",
                   "Discover": "initializing", "EnableCBT": "initializing", "QueryCBT": "initializing",
                   "Snapshot": "snapshotting", "PrepareVolumes": "replicating", "StartExports": "replicating",
                   "Transfer": "replicating", "Finalize": "finalizing", "PersistChangeIDs": "finalizing"}
#: The VMA's own `status` words (model.go:115-123); the poller expects completed/failed, which only
#: the `/status` route (running/completed/failed) uses. Both are understood.
STATUS_TO_STATUS = {"Queued": "initializing", "Preparing": "initializing", "Snapshotting": "snapshotting",
                    "Streaming": "replicating", "Finalizing": "finalizing", "Succeeded": "completed",
                    "Failed": "failed", "completed": "completed", "failed": "failed", "running": "replicating"}

# The NBD export names the OMA poller tries before the job id (vma_progress_poller.go:438-466,
# repository.go:1578-1596): its volume tables are not part of what the dashboard manages, so
# the query runs only where they exist.
_EXPORT_NAMES = text("SELECT vd.job_id, ov.volume_id FROM vm_disks vd JOIN ossea_volumes ov "
                     "ON vd.ossea_volume_id = ov.id WHERE vd.job_id IN :job_ids").bindparams(
    bindparam("job_ids", expanding=True))
#: Whether each database (by URL) has the OMA's volume tables, learnt at the first query.
_volume_tables: dict[str, bool] = {}


def export_names(jobs) -> dict[str, list[str]]:
    """Each job's NBD export names: its `nbd_export_name`, then `migration-vol-<volume>` of its
    disks, for all `jobs` in one statement."""
    names = {job.id: [name.strip() for name in (job.nbd_export_name or "").split(",") if name.strip()]
             for job in jobs}
    database = str(db.engine.url)
    if names and _volume_tables.get(database) is not False:
        try:
            with db.session.begin_nested():
                rows = db.session.execute(_EXPORT_NAMES, {"job_ids": list(names)}).all()
            _volume_tables[database] = True
            for job_id, volume in rows:
                if volume:
                    names[job_id].append(f"migration-vol-{volume}")
        except SQLAlchemyError:
            _volume_tables[database] = False
    return {job_id: list(dict.fromkeys(found)) for job_id, found in names.items()}


def _number(value, default=0):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def record(job_id: str, body: dict, now: datetime) -> str:
    """Write one VMA progress answer into the job row, as updateJobWithVMAData does
    (vma_progress_poller.go:337-407); the status written. Releases the VM at the end."""
    phase = body.get("phase") if isinstance(body.get("phase"), str) else ""
    throughput = body.get("throughput") if isinstance(body.get("throughput"), dict) else {}
    timing = body.get("timing") if isinstance(body.get("timing"), dict) else {}
    vma_status = body.get("status") if isinstance(body.get("status"), str) else ""
    status = STATUS_TO_STATUS.get(vma_status) or PHASE_TO_STATUS.get(phase, "replicating")
    current_mbps = float(_number(throughput.get("current_mbps")))
    values = {"status": status, "progress_percent": float(_number(body.get("percentage", body.get("progress_percent")))),
              "current_operation": str(body.get("current_operation") or "")[:1000] or None,
              "bytes_transferred": int(_number(body.get("bytes_transferred"))),
              "total_bytes": int(_number(body.get("total_bytes"))),
              "transfer_speed_bps": int(current_mbps * 1048576), "vma_current_phase": phase[:100] or None,
              "vma_sync_type": str(body.get("sync_type") or "")[:50] or None, "vma_throughput_mbps": current_mbps,
              "vma_eta_seconds": int(_number(timing.get("eta_seconds"))), "vma_last_poll_at": now, "updated_at": now}
    if status == "completed" or phase == "Completed":
        values.update(status="completed", progress_percent=100.0, current_operation="Completed", completed_at=now)
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    if errors or status == "failed":
        values["error_message"] = json.dumps(errors) if errors else "Job failed"
        values["vma_error_classification"] = "migration_error"
        if status == "failed":
            values.update(status="failed", current_operation="Failed", completed_at=now)
    db.session.execute(update(ReplicationJob).where(ReplicationJob.id == job_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    if values["status"] in ("completed", "failed"):
        job_lines.record(job_id, job_lines.INFO if values["status"] == "completed" else job_lines.ERROR,
                         "The source appliance reports the copy " + (
                             "completed" if values["status"] == "completed" else "failed"))
        context_id = db.session.scalar(select(ReplicationJob.vm_context_id).where(ReplicationJob.id == job_id))
        release_context(context_id)
    return values["status"]


def poll_quiet_jobs(vma: VMAClient, now: datetime) -> int:
    """One round of the poller: the copying jobs whose row has not moved for a while, oldest
    first, at most JOBS_PER_POLL; the number of rows written."""
    if vma is None or not vma.configured:
        return 0
    job = ReplicationJob
    quiet = db.session.scalars(
        select(job).where(job.status.in_(COPY_REPLICATION_STATUSES), job.updated_at < now - QUIET_AFTER)
        .order_by(job.updated_at).limit(JOBS_PER_POLL)).all()
    written = 0
    names = export_names(quiet)
    for row in quiet:
        try:
            answer = vma.job_progress(row.id, names[row.id])
        except ApplianceError as exc:
            log.info("VMA progress of job %s not read (%s)", row.id, exc.category)
            continue
        if answer.state == "found" and answer.body:
            record(row.id, answer.body, now)
            written += 1
    return written
