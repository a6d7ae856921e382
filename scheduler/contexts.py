"""A VM's context after its job ended: what the OMA's own completion step does, done by us when
we are the ones who settle a job.

The OMA refuses a new replication (409) while the VM's context names a `current_job_id`,
whatever that job's status (oma/api/handlers/replication.go:310-315 [sendense 8b7d59b]). Only
its completion step clears it (`UpdateVMContextAfterJobCompletion`, oma/database/
repository.go:1911-1990), which the OMA runs when its poller sees the end of a copy, but not
after a setup that failed half-way, nor for a job we mark failed as a phantom. Without this
module such a VM would be refused by the OMA for good.
"""
from __future__ import annotations

import logging

from sqlalchemy import select, update

from extensions import db
from models import (FAILOVER_STATUSES, ReplicationJob, VMReplicationContext, replication_active,
                    replication_state, utcnow)

log = logging.getLogger(__name__)

BATCH = 200


def release_context(vm_context_id: str | None) -> bool:
    """Recompute one context from its jobs as the OMA's completion step does: the newest active
    job stays current (a VM still copying stays blocked); otherwise `current_job_id` is cleared
    and the status follows the newest job. A failed-over VM keeps its status. Commits; True if
    the context changed."""
    if not vm_context_id:
        return False
    return bool(release_contexts([vm_context_id]))


def release_finished_holders() -> list[str]:
    """Contexts whose `current_job_id` names a job that ended, or no job at all, are released.

    Catches what no completion step cleared: a setup the OMA failed half-way
    (`replication_failed`, migration.go:141-225), a job another tool ended, every job of an OMA
    without its progress poller. Returns the context ids released."""
    job = ReplicationJob
    held = db.session.scalars(
        select(VMReplicationContext.context_id)
        .outerjoin(job, job.id == VMReplicationContext.current_job_id)
        .where(VMReplicationContext.current_job_id.is_not(None), VMReplicationContext.current_job_id != "")
        .where((job.id.is_(None)) | ~replication_active(job.status))
        .limit(BATCH)).all()
    return release_contexts(held)


def release_contexts(context_ids: list[str]) -> list[str]:
    """Recount `context_ids` (two reads for all of them, one update per context that changes)."""
    if not context_ids:
        return []
    contexts = {c.context_id: c for c in db.session.scalars(
        select(VMReplicationContext).where(VMReplicationContext.context_id.in_(context_ids)))}
    jobs: dict[str, list[tuple[str, str]]] = {context_id: [] for context_id in contexts}
    for context_id, job_id, status in db.session.execute(
            select(ReplicationJob.vm_context_id, ReplicationJob.id, ReplicationJob.status)
            .where(ReplicationJob.vm_context_id.in_(list(contexts)))
            .order_by(ReplicationJob.created_at.desc(), ReplicationJob.id.desc())):
        jobs[context_id].append((job_id, replication_state(status)))
    released = []
    now = utcnow()
    for context_id, context in contexts.items():
        changed = _recount(context, jobs[context_id])
        if not changed:
            continue
        if "current_status" in changed:
            changed["last_status_change"] = now
        db.session.execute(update(VMReplicationContext).where(VMReplicationContext.context_id == context_id)
                           .values(**changed, updated_at=now).execution_options(synchronize_session=False))
        released.append(context_id)
        if "current_job_id" in changed:
            log.info("VM %s is no longer held by job %s (it ended); the appliance accepts its next replication",
                     context.vm_name, context.current_job_id)
    db.session.commit()
    return released


def _recount(context: VMReplicationContext, states: list[tuple[str, str]]) -> dict:
    """The columns UpdateVMContextAfterJobCompletion would write that differ from `context`;
    `states` are (job id, replication_state) newest first."""
    current = next((job_id for job_id, state in states if state in ("active", "unknown")), None)
    last_success = next((job_id for job_id, state in states if state == "completed"), None)
    if current is not None:
        status = "replicating"
    elif states and states[0][1] == "completed":
        status = "ready_for_failover"
    elif states and states[0][1] == "failed":
        status = "failed"
    else:
        status = "discovered"
    if context.current_status in FAILOVER_STATUSES:
        status = context.current_status
    values = {"current_job_id": current, "last_successful_job_id": last_success or context.last_successful_job_id,
              "total_jobs_run": len(states), "successful_jobs": sum(1 for _, s in states if s == "completed"),
              "failed_jobs": sum(1 for _, s in states if s == "failed"), "current_status": status}
    return {key: value for key, value in values.items() if getattr(context, key) != value}
