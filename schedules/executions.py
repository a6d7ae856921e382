"""A schedule's execution history, newest first, paginated in SQL."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from domain_errors import ValidationError
from extensions import db
from models import EXECUTION_STATUSES, ReplicationJob, ScheduleExecution
from paging import Page, check_paging
from sanitizer import sanitize_error, scrub_text
from scheduler.outcomes import FAILED, outcomes_of
from schedules.schedules import get_schedule

MAX_PER_PAGE = 100


def list_executions(schedule_id: str, page: int = 1, per_page: int = 20,
                    status: str | None = None) -> Page[ScheduleExecution]:
    """One page of a schedule's executions (two queries: the page and the total)."""
    schedule = get_schedule(schedule_id)
    check_paging(page, per_page, MAX_PER_PAGE)
    if status is not None and status not in EXECUTION_STATUSES:
        raise ValidationError("status", f"must be one of {', '.join(EXECUTION_STATUSES)}")
    where = [ScheduleExecution.schedule_id == schedule.id]
    if status:
        where.append(ScheduleExecution.status == status)
    total = db.session.scalar(select(func.count()).select_from(ScheduleExecution).where(*where))
    items = db.session.scalars(
        select(ScheduleExecution).where(*where)
        .order_by(ScheduleExecution.scheduled_at.desc(), ScheduleExecution.id.desc())
        .offset((page - 1) * per_page).limit(per_page)).all()
    return Page(list(items), page, per_page, total or 0)


def failed_job_errors(executions) -> dict[str, str]:
    """For the failed VMs of `executions` whose outcome holds no message (written by older
    writers), their job's error as the operator reads it: job id → sanitized message, in one
    query for all of them."""
    wanted = set()
    for execution in executions:
        for outcome in outcomes_of(execution.execution_details):
            if outcome.state == FAILED and not outcome.message and outcome.job_id:
                wanted.add(outcome.job_id)
    if not wanted:
        return {}
    rows = db.session.execute(select(ReplicationJob.id, ReplicationJob.error_message)
                              .where(ReplicationJob.id.in_(sorted(wanted)))).all()
    return {job_id: sanitize_error("replication", raw or "replication failed").message for job_id, raw in rows}


def schedule_has_running_execution(schedule_id: str) -> bool:
    """True while an execution of the schedule is scheduled or running (its page keeps polling)."""
    return db.session.scalar(
        select(ScheduleExecution.id).where(ScheduleExecution.schedule_id == schedule_id,
                                           ScheduleExecution.status.in_(("scheduled", "running"))).limit(1)) is not None


# Keys that may hold raw detail for administrators; never shown.
_HIDDEN_KEYS = frozenset({"technical_detail", "raw_error", "error_detail"})


def _vm_outcomes(details: Any) -> Any:
    """Per-VM outcomes with raw detail removed and every text scrubbed of technical terms."""
    if isinstance(details, dict):
        return {key: _vm_outcomes(value) for key, value in details.items() if key not in _HIDDEN_KEYS}
    if isinstance(details, list):
        return [_vm_outcomes(item) for item in details]
    if isinstance(details, str):
        return scrub_text(details)
    return details


def execution_to_dict(execution: ScheduleExecution, schedule_name: str | None = None) -> dict[str, Any]:
    """The API representation; the scheduler writes operator words, scrubbed again to be sure.

    Beside our names, the original API's (ScheduleExecutionResponse, schedule_management.go:
    132-151, filled at :880-922 [sendense 8b7d59b]): `execution_id`, `jobs_successful`,
    `vms_processed` (= vms_eligible), `duration_seconds`, `execution_type` ("scheduled" when the
    scheduler fired it, else "manual"), `summary` (the per-VM outcomes), `updated_at` (the table
    has no such column: the latest instant the row records) and, when known, `schedule_name`."""
    outcomes = _vm_outcomes(execution.execution_details)
    duration = execution.execution_duration_seconds
    if duration is None and execution.started_at and execution.completed_at:
        duration = max(0, int((execution.completed_at - execution.started_at).total_seconds()))
    latest = execution.completed_at or execution.started_at or execution.created_at
    data = {
        "id": execution.id,
        "execution_id": execution.id,
        "schedule_id": execution.schedule_id,
        "group_id": execution.group_id,
        "scheduled_at": execution.scheduled_at.isoformat() if execution.scheduled_at else None,
        "started_at": execution.started_at.isoformat() if execution.started_at else None,
        "completed_at": execution.completed_at.isoformat() if execution.completed_at else None,
        "status": execution.status,
        "vms_eligible": execution.vms_eligible or 0,
        "vms_processed": execution.vms_eligible or 0,
        "jobs_created": execution.jobs_created or 0,
        "jobs_completed": execution.jobs_completed or 0,
        "jobs_successful": execution.jobs_completed or 0,
        "jobs_failed": execution.jobs_failed or 0,
        "jobs_skipped": execution.jobs_skipped or 0,
        "execution_details": outcomes,
        "summary": outcomes,
        "error_message": scrub_text(execution.error_message) if execution.error_message else None,
        "execution_duration_seconds": execution.execution_duration_seconds,
        "duration_seconds": duration,
        "execution_type": "scheduled" if (execution.triggered_by or "scheduler") == "scheduler" else "manual",
        "triggered_by": execution.triggered_by,
        "created_at": execution.created_at.isoformat() if execution.created_at else None,
        "updated_at": latest.isoformat() if latest else None,
    }
    if schedule_name is not None:
        data["schedule_name"] = schedule_name
    return data
