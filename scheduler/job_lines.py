"""The log of a replication job: what the dashboard itself did and saw for it.

The OMA writes no log lines for a replication; the job detail page reads `log_events` by
`external_job_id` for replication jobs (jobs.progress.job_logs), so the scheduler records its
own lines there under the job's id: the request it sent (never a secret, only what it asked
for), the appliance's answer, the status and progress changes it saw, phantom checks that
marked the job, and retries. Lines go straight to the JobLog writer of the app (queued, written
in batches: a line never waits on the database) and not through the console loggers.

At most a few lines per job per change of state, never one per poll: callers log when what
they saw differs from what they saw before (see `seen_key`).
"""
from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask, current_app

from jobs.items import status_words

_logger = logging.getLogger("joblog.replication")

INFO, WARN, ERROR = logging.INFO, logging.WARNING, logging.ERROR


def record(job_id: str | None, level: int, message: str, *, app: Flask | None = None,
           at: datetime | None = None) -> None:
    """Queue one line for the log of replication job `job_id` (nothing without a job id or JobLog)."""
    if not job_id:
        return
    if app is None:
        try:
            app = current_app._get_current_object()
        except RuntimeError:
            return
    tracker = app.extensions.get("joblog")
    handler = getattr(tracker, "log_handler", None)
    if handler is None:
        return
    line = _logger.makeRecord(_logger.name, level, __file__, 0, message, (), None,
                              extra={"external_job_id": job_id})
    if at is not None:
        line.created = at.timestamp()
    handler.handle(line)


def seen_key(status: str | None, progress: float | None) -> str:
    """What a line is logged for: the status, and the quarter of the copy reached."""
    quarter = min(4, int(float(progress or 0) // 25))
    return f"{status or 'pending'}|{quarter}"


def accepted(status) -> str:
    """The appliance's answer to the replication request."""
    return ("The appliance accepted the request and started this job"
            + (f" (status: {status_words(status)})" if isinstance(status, str) else ""))


def unconfirmed_found() -> str:
    return "The appliance had not confirmed the start of this replication; the scheduler found its job afterwards"


def changed(old_status: str | None, status: str | None, progress: int) -> str:
    """A new status of the job, or (same status) a new quarter of the copy."""
    if old_status != (status or "pending"):
        change = f"{status_words(old_status)} → " if old_status else ""
        return f"Status: {change}{status_words(status)} ({progress} %)"
    return f"Progress: {progress} %"


def completed(progress: int) -> str:
    return f"Replication completed ({progress} %)"


def failed(message: str | None) -> str:
    return f"Replication failed: {message or 'it stopped'}"


def what_you_can_do(steps) -> str:
    return "What you can do: " + "; ".join(steps)


def describe_request(request: dict, vm_name: str) -> str:
    """The replication request in a sentence: what was asked for, without any secret."""
    source = request.get("source_vm") or {}
    disks = len(source.get("disks") or [])
    networks = len(source.get("networks") or [])
    kind = {"initial": "a full copy", "incremental": "an incremental copy"}.get(
        request.get("replication_type"), "the copy the appliance chooses (full or incremental)")
    parts = [f"{disks} disk(s)", f"{networks} network(s)"]
    if source.get("cpus"):
        parts.append(f"{source['cpus']} CPU(s)")
    if source.get("memory_mb"):
        parts.append(f"{source['memory_mb']} MB memory")
    by = request.get("scheduled_by") or "the scheduler"
    who = f"on request of {by.split(':', 1)[1]}" if by.startswith("manual:") else "by the schedule"
    return (f"Asked the appliance to replicate {vm_name} ({', '.join(parts)}; {kind}), "
            f"{who}, run {request.get('schedule_execution_id')}")
