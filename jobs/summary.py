"""`last_operation_summary`: the sanitized outcome of a VM's latest failover or rollback.

Written when such an operation ends, so the VM page can show a persistent banner without
re-reading the job's steps; keys are those of the original system (reference/sanitizer.md).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from domain_errors import NotFound
from extensions import db
from jobs.items import current_and_failed_step, joblog_progress, joblog_type
from models import JobStep, JobTracking, VMReplicationContext, utcnow
from sanitizer import sanitize_error, step_display_name

SUMMARY_KEYS = ("job_id", "external_job_id", "operation_type", "status", "progress", "timestamp",
                "steps_completed", "steps_total", "duration_seconds", "failed_step", "failed_step_internal",
                "error_message", "error_category", "error_severity", "actionable_steps")


def build_operation_summary(job: JobTracking, steps: list[JobStep], steps_total: int | None = None) -> dict[str, Any]:
    """The summary of one JobLog operation; error fields only when it failed.

    `steps_total` is the number of steps the operation plans (a failed operation records only
    the steps it reached); by default the steps recorded.
    """
    current, failed_step = current_and_failed_step(steps)
    started = job.started_at or job.created_at
    ended = job.completed_at or utcnow()
    summary: dict[str, Any] = {
        "job_id": job.id,
        "external_job_id": job.external_job_id,
        "operation_type": joblog_type(job),
        "status": job.status,
        "progress": joblog_progress(job, steps),
        "timestamp": ended.isoformat(),
        "steps_completed": sum(1 for step in steps if step.status in ("completed", "skipped")),
        "steps_total": len(steps) if steps_total is None else steps_total,
        "duration_seconds": max(0, int((ended - started).total_seconds())) if started else None,
    }
    if job.status == "failed":
        step = failed_step or current
        raw = (failed_step.error_message if failed_step and failed_step.error_message else None) \
            or job.error_message or "failed"
        error = sanitize_error(step.name if step else job.operation, raw)
        summary.update({
            "failed_step": step_display_name(step.name) if step else None,
            "failed_step_internal": step.name if step else None,
            "error_message": error.message,
            "error_category": error.category,
            "error_severity": error.severity,
            "actionable_steps": list(error.actionable_steps),
        })
    return summary


def write_operation_summary(context_id: str, job_id: str, steps_total: int | None = None) -> dict[str, Any]:
    """Store the summary of JobLog job `job_id` on VM `context_id` and commit; returns it.

    Call when a failover or rollback ends (completed or failed).
    """
    vm = db.session.get(VMReplicationContext, context_id)
    if vm is None:
        raise NotFound("vm_context", context_id)
    job = db.session.get(JobTracking, job_id)
    if job is None:
        raise NotFound("job", job_id)
    steps = list(db.session.scalars(select(JobStep).where(JobStep.job_id == job.id).order_by(JobStep.seq)).all())
    summary = build_operation_summary(job, steps, steps_total)
    vm.last_operation_summary = summary
    db.session.commit()
    return summary
