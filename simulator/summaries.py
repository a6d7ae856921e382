"""`vm_replication_contexts.last_operation_summary`: the sanitized outcome of a failover or rollback.

Built from the JobLog rows of the operation, in operator words only: step names go through
`step_display_name` and the raw error through `sanitize_error`. `failed_step_internal` keeps the
internal step name for administrators (it is the one key an operator view must leave out).
"""
from __future__ import annotations

from sqlalchemy import select, update

from extensions import db
from models import JobStep, JobTracking, VMReplicationContext, utcnow
from sanitizer import sanitize_error, step_display_name

OPERATION_TYPES = ("test_failover", "live_failover", "rollback")


def build_operation_summary(job: JobTracking, steps: list[JobStep], operation_type: str, steps_total: int) -> dict:
    """The summary of one finished JobLog job and its steps (keys of the reference's "Operation summary")."""
    if operation_type not in OPERATION_TYPES:
        raise ValueError(f"operation_type must be one of {', '.join(OPERATION_TYPES)}")
    failed_step = next((s for s in steps if s.status == "failed"), None)
    completed = sum(s.status in ("completed", "skipped") for s in steps)
    summary = {
        "job_id": job.id,
        "external_job_id": job.external_job_id,
        "operation_type": operation_type,
        "status": job.status,
        "progress": 100 if job.status == "completed" else int(round(100 * completed / steps_total)) if steps_total else 0,
        "timestamp": (job.completed_at or utcnow()).isoformat(),
        "steps_completed": completed,
        "steps_total": steps_total,
        "duration_seconds": (int((job.completed_at - job.started_at).total_seconds())
                             if job.completed_at and job.started_at else None),
    }
    if job.status == "failed":
        step_name = failed_step.name if failed_step else None
        sanitized = sanitize_error(step_name, (failed_step.error_message if failed_step else None)
                                   or job.error_message or "failed")
        summary.update(failed_step=step_display_name(step_name) if step_name else None,
                       failed_step_internal=step_name, error_message=sanitized.message,
                       error_category=sanitized.category, error_severity=sanitized.severity,
                       actionable_steps=list(sanitized.actionable_steps))
    return summary


def write_operation_summary(job_id: str, operation_type: str, steps_total: int) -> dict:
    """Store the summary of JobLog job `job_id` on its VM's context and return it (not committed)."""
    job = db.session.get(JobTracking, job_id)
    if job is None or not job.context_id:
        raise LookupError(f"JobLog job {job_id} does not exist or has no VM context")
    steps = list(db.session.scalars(select(JobStep).where(JobStep.job_id == job_id).order_by(JobStep.seq)))
    summary = build_operation_summary(job, steps, operation_type, steps_total)
    db.session.execute(update(VMReplicationContext).where(VMReplicationContext.context_id == job.context_id)
                       .values(last_operation_summary=summary, updated_at=utcnow())
                       .execution_options(synchronize_session=False))
    return summary
