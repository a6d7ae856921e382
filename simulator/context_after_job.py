"""The OMA's recount of a VM's context once one of its jobs has ended.

Real: `UpdateVMContextAfterJobCompletion`, oma/database/repository.go:1911-1990 [OMA 8b7d59b],
called by the progress poller after it wrote a job completed or failed
(vma_progress_poller.go:352-357) or gave up polling it (:307-311). It recomputes everything from
all the context's jobs, newest first: the first `replicating`/`provisioning` job becomes
`current_job_id` (none: NULL), the newest `completed` one `last_successful_job_id`, the counters
are counts of all jobs, and the status follows the active or else the newest job.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from extensions import db
from models import ReplicationJob, VMReplicationContext

# repository.go:1964: the only statuses the recount sees as active (the OMA's own, narrow list).
_ACTIVE = ("replicating", "provisioning")


def update_context_after_job(job_id: str, now: datetime) -> None:
    """Recount the context of `job_id` (in the caller's transaction)."""
    context_id = db.session.scalar(select(ReplicationJob.vm_context_id).where(ReplicationJob.id == job_id))
    if not context_id:
        return  # repository.go:1930-1933: a job without context is left alone
    jobs = db.session.execute(
        select(ReplicationJob.id, ReplicationJob.status).where(ReplicationJob.vm_context_id == context_id)
        .order_by(ReplicationJob.created_at.desc(), ReplicationJob.id.desc())).all()
    current = last_successful = None
    status = "discovered"
    successful = failed = 0
    for job in jobs:
        if job.status == "completed":
            successful += 1
            last_successful = last_successful or job.id
        elif job.status == "failed":
            failed += 1
        elif job.status in _ACTIVE and current is None:
            current, status = job.id, "replicating"
    if current is None and jobs:
        status = {"completed": "ready_for_failover", "failed": "failed"}.get(jobs[0].status, "discovered")
    db.session.execute(
        update(VMReplicationContext).where(VMReplicationContext.context_id == context_id)
        .values(current_job_id=current, last_successful_job_id=last_successful, total_jobs_run=len(jobs),
                successful_jobs=successful, failed_jobs=failed, current_status=status, last_status_change=now,
                updated_at=now)
        .execution_options(synchronize_session=False))
