"""A job's progress with its step list, and the tail of its log."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from flask import current_app
from sqlalchemy import select

from domain_errors import NotFound, ValidationError
from extensions import db
from jobs.items import KNOWN_STEPS, status_words, step_to_dict
from jobs.lookup import JobRef, resolve_any_id
from jobs.unified import load_items
from models import JOBLOG_ACTIVE_STATUSES, SETUP_REPLICATION_STATUSES, JobStep, LogEvent, ReplicationJob, utcnow
from sanitizer import step_display_name
from sanitizer.loglines import log_line_words

MAX_LOG_LINES = 500
#: A setup step unchanged for longer than this is worth a word on the job's page.
SETUP_QUIET_AFTER = timedelta(minutes=5)


def _resolve(any_id: Any) -> JobRef:
    ref = resolve_any_id(any_id)
    if ref is None:
        raise NotFound("job", any_id)
    return ref


def job_progress(any_id: Any) -> dict[str, Any]:
    """The job (UnifiedJobItem), its steps in order with operator names, and step counts.

    Replication jobs have no JobLog steps; their current operation is their only step.
    """
    ref = _resolve(any_id)
    item = load_items([(ref.source, ref.job_id)])[0]
    steps: list[dict[str, Any]] = []
    if ref.source == "job_tracking":
        steps = [step_to_dict(step) for step in db.session.scalars(
            select(JobStep).where(JobStep.job_id == ref.job_id).order_by(JobStep.seq)).all()]
    completed = sum(1 for step in steps if step["status"] in ("completed", "skipped"))
    return {
        "job": {**item, "matched_by": ref.matched_by},
        "job_id": item["job_id"],
        "status": item["status"],
        "progress": item["progress"],
        "current_step": item["current_step"],
        "steps": steps,
        "steps_completed": completed,
        # The steps the operation runs, not those recorded so far ("0 of 8" as a rollback starts).
        "steps_total": max(len(steps), len(KNOWN_STEPS.get(item["job_type"], ()))),
        "is_active": item["status"] in JOBLOG_ACTIVE_STATUSES,
        "setup_stall": setup_stall(ref.job_id) if ref.source == "replication_jobs" else None,
    }


def failover_status(any_id: Any) -> dict[str, Any]:
    """A job's status in the original API's JobStatusResponse (failover.go:269-279, filled at
    :572-640 [sendense 8b7d59b]), found by any id as there: `progress` is the step completion
    for JobLog operations (the copy progress for a replication), `duration` is nanoseconds (Go's
    time.Duration), `job_details` counts the steps. Errors are the sanitized message."""
    answer = job_progress(any_id)
    item = answer["job"]
    steps = answer["steps"]
    total = answer["steps_total"]
    completed = answer["steps_completed"]
    completion = round(100.0 * completed / total, 1) if total else float(item["progress"] or 0)
    started = _parse(item["started_at"])
    ended = _parse(item["completed_at"]) or utcnow()
    duration_ns = int(max(0.0, (ended - started).total_seconds()) * 1e9) if started else 0
    source = item["data_source"]
    return {
        "success": True,
        "message": f"Retrieved status for {item['display_name']}",
        "job_id": item["job_id"],
        "status": item["status"],
        "progress": completion if source == "job_tracking" else float(item["progress"] or 0),
        "start_time": item["started_at"],
        "duration": duration_ns,
        "job_details": {
            "job_type": item["job_type"], "operation": item["display_name"], "total_steps": total,
            "completed_steps": completed,
            "failed_steps": sum(1 for step in steps if step["status"] == "failed"),
            "running_steps": sum(1 for step in steps if step["status"] == "running"),
            "step_completion": completion, "error_message": item["error_message"] or "",
            "metadata": {"vm_name": item.get("vm_name"), "failover_type": item["job_type"]},
            "tracking_source": source, "external_job_id": item.get("external_job_id"),
            "current_step": item["current_step"],
        },
        "steps": steps,
    }


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def setup_stall(job_id: str, now: datetime | None = None, stuck_minutes: int | None = None) -> dict[str, Any] | None:
    """A replication whose setup step has not moved for more than SETUP_QUIET_AFTER: since when,
    for how many minutes, in which step, and after how many minutes without a move the phantom
    check marks it failed (SCHEDULER_SETUP_STUCK_MINUTES, measured from the same time: the row's
    last update, else its start). None while it moves, copies or has ended."""
    row = db.session.execute(select(ReplicationJob.status, ReplicationJob.updated_at, ReplicationJob.started_at,
                                    ReplicationJob.created_at).where(ReplicationJob.id == job_id)).one_or_none()
    if row is None or (row.status or "pending").lower() not in SETUP_REPLICATION_STATUSES:
        return None
    since = row.updated_at or row.started_at or row.created_at
    now = now or utcnow()
    if since is None or now - since <= SETUP_QUIET_AFTER:
        return None
    if stuck_minutes is None:
        stuck_minutes = int(current_app.config.get("SCHEDULER_SETUP_STUCK_MINUTES", 30))
    return {"since": since, "minutes": int((now - since).total_seconds() // 60),
            "step": status_words(row.status), "failed_after_minutes": stuck_minutes}


def job_logs(any_id: Any, after_id: Any = 0, limit: Any = 200, *, tail: bool = False,
             ref: JobRef | None = None) -> dict[str, Any]:
    """Log lines of a job after `after_id` (oldest first), in operator words (step names shown
    as operators know them, raw errors as their sanitized message: sanitizer.loglines).

    Poll with the returned `last_id` as the next `after_id` to follow a running job. With
    `tail`, the newest `limit` lines instead (still oldest first): what a live page shows.
    JobLog jobs are read by `job_id`, replication jobs by `external_job_id` (both indexed);
    a caller that has resolved the job already passes its `ref`.
    """
    after_id = _non_negative("after_id", after_id, default=0)
    limit = _non_negative("limit", limit, default=200)
    if not 1 <= limit <= MAX_LOG_LINES:
        raise ValidationError("limit", f"must be between 1 and {MAX_LOG_LINES}")
    ref = ref or _resolve(any_id)
    key = LogEvent.job_id if ref.source == "job_tracking" else LogEvent.external_job_id
    query = (select(LogEvent.id, LogEvent.ts, LogEvent.level, LogEvent.message, JobStep.name)
             .outerjoin(JobStep, JobStep.id == LogEvent.step_id)
             .where(key == ref.job_id, LogEvent.id > after_id))
    if tail:
        rows = list(reversed(db.session.execute(query.order_by(LogEvent.id.desc()).limit(limit)).all()))
    else:
        rows = db.session.execute(query.order_by(LogEvent.id).limit(limit)).all()
    lines = [{"id": row_id, "ts": ts.isoformat() if ts else None, "level": level,
              "message": log_line_words(message, step, level), "step": step_display_name(step) if step else None}
             for row_id, ts, level, message, step in rows]
    return {"job_id": ref.job_id, "logs": lines, "last_id": lines[-1]["id"] if lines else after_id,
            "has_more": len(lines) == limit}


def _non_negative(name: str, raw: Any, default: int) -> int:
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise ValidationError(name, "must be a whole number")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError(name, "must be a whole number") from None
    if value < 0:
        raise ValidationError(name, "must not be negative")
    if value > 2 ** 62:
        raise ValidationError(name, "is too large")
    return value
