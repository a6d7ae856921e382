"""Rows of `replication_jobs` and `job_tracking` as one shape: the seed's UnifiedJobItem.

Everything an operator reads here is sanitized: step names become operator words, raw errors
become a message, a category and actions. The raw text stays in the database for admins.
"""
from __future__ import annotations

import re
from functools import lru_cache
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, literal

from models import ACTIVE_REPLICATION_STATUSES, JobStep, JobTracking, ReplicationJob
from models.appliance import FINISHED_REPLICATION_STATUSES
from sanitizer import sanitize_error, scrub_text, step_display_name

JOB_TYPES = ("replication", "test_failover", "live_failover", "rollback")
UNIFIED_STATUSES = ("pending", "running", "completed", "failed", "cancelled")
DATA_SOURCES = ("replication_jobs", "job_tracking")
# JobLog job types that are operations on a VM and belong on the job timeline.
TIMELINE_JOBLOG_TYPES = ("failover", "cleanup")
DISPLAY_NAMES = {"replication": "Replication", "test_failover": "Test Failover",
                 "live_failover": "Live Failover", "rollback": "Rollback"}
# The steps the appliance runs for each operation, in order (the OMA's unified failover engine
# and its rollback); a job's step total comes from here, not from the steps recorded so far.
KNOWN_STEPS: dict[str, tuple[str, ...]] = {
    "test_failover": ("validation", "multi-volume-snapshot-creation", "virtio-driver-injection", "vm-creation",
                      "volume-attachment", "network-configuration", "vm-startup-and-validation"),
    "live_failover": ("validation", "source-vm-power-off", "final-sync", "multi-volume-snapshot-creation",
                      "virtio-driver-injection", "vm-creation", "volume-attachment", "network-configuration",
                      "vm-startup-and-validation"),
    "rollback": ("failover-job-retrieval", "test-vm-shutdown", "test-vm-deletion", "volume-detachment",
                 "cloudstack-snapshot-rollback", "volume-reattachment-to-oma", "cloudstack-snapshot-deletion",
                 "vm-context-status-update"),
}
# Raw replication statuses behind each unified status (anything else passes through as is).
REPLICATION_STATUS_MAP = {
    "pending": ("pending",),
    "running": tuple(s for s in ACTIVE_REPLICATION_STATUSES if s != "pending") + ("cleanup",),
    "completed": FINISHED_REPLICATION_STATUSES,
    "failed": ("failed", "replication_failed"),
    "cancelled": ("cancelled", "canceled"),
}
_RAW_TO_UNIFIED = {raw: unified for unified, raws in REPLICATION_STATUS_MAP.items() for raw in raws}
_INTERNAL_NAME = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")


def joblog_type_sql():
    """SQL for the timeline type of a JobLog job: cleanup is a rollback; live vs test failover."""
    return case(
        (JobTracking.job_type == "cleanup", literal("rollback")),
        ((JobTracking.job_type == "failover")
         & (func.lower(JobTracking.operation).like("%live%")
            | func.coalesce(JobTracking.external_job_id, "").like("unified-live-%")), literal("live_failover")),
        (JobTracking.job_type == "failover", literal("test_failover")),
        else_=func.coalesce(JobTracking.job_type, literal("system")))


def joblog_type(job: JobTracking) -> str:
    """Python twin of `joblog_type_sql` for a loaded row."""
    if job.job_type == "cleanup":
        return "rollback"
    if job.job_type == "failover":
        live = "live" in (job.operation or "").lower() or (job.external_job_id or "").startswith("unified-live-")
        return "live_failover" if live else "test_failover"
    return job.job_type or "system"


def unified_replication_status(raw: str | None) -> str:
    return _RAW_TO_UNIFIED.get(raw or "pending", raw or "pending")


@lru_cache(maxsize=2048)
def operator_step_name(raw: str | None) -> str | None:
    """A step or operation name in operator words: internal names are mapped, prose is scrubbed.

    Cached: the mapping is pure and a fleet repeats the same few step names."""
    if not raw or not raw.strip():
        return None
    text = raw.strip()
    if _INTERNAL_NAME.fullmatch(text.lower()) and text == text.lower():
        return step_display_name(text)
    return scrub_text(text)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _duration(started: datetime | None, completed: datetime | None) -> int | None:
    if started is None or completed is None:
        return None
    return max(0, int((completed - started).total_seconds()))


@lru_cache(maxsize=2048)
def _sanitized(step_name: str | None, raw_error: str) -> tuple[str | None, str | None, str | None, tuple[str, ...]]:
    """`sanitize_error` of one (step, raw error) pair, cached: it is pure, and a fleet repeats
    the same few errors across thousands of jobs."""
    error = sanitize_error(step_name, raw_error) or sanitize_error(step_name, "failed")
    if error is None:
        return None, None, None, ()
    return error.message, error.category, error.severity, tuple(error.actionable_steps)


def _error_fields(step_name: str | None, raw_error: str | None, failed: bool) -> dict[str, Any]:
    message, category, severity, steps = _sanitized(step_name, raw_error or "failed") if failed \
        else (None, None, None, ())
    return {
        "error_message": message,
        "error_category": category,
        "error_severity": severity,
        "actionable_steps": list(steps),
    }


def replication_item(job: ReplicationJob, vm_name: str | None = None) -> dict[str, Any]:
    """A replication job as a UnifiedJobItem."""
    status = unified_replication_status(job.status)
    started = job.started_at or job.created_at
    if status == "completed":
        current = "Completed"
    else:
        current = operator_step_name(job.current_operation) or operator_step_name(job.vma_current_phase)
    return {
        "job_id": job.id,
        "external_job_id": None,
        "job_type": "replication",
        "status": status,
        "progress": float(job.progress_percent or 0.0),
        "started_at": _iso(started),
        "completed_at": _iso(job.completed_at),
        "display_name": DISPLAY_NAMES["replication"],
        "current_step": current,
        **_error_fields("replication", job.error_message or job.vma_error_details, status == "failed"),
        "data_source": "replication_jobs",
        "duration_seconds": _duration(started, job.completed_at),
        "context_id": job.vm_context_id,
        "vm_name": vm_name or job.source_vm_name,
        "replication_type": job.replication_type,
        "schedule_execution_id": job.schedule_execution_id,
    }


def current_and_failed_step(steps: Iterable[JobStep]) -> tuple[JobStep | None, JobStep | None]:
    """The latest step (highest seq) and the latest failed one, if any."""
    ordered = sorted(steps, key=lambda step: step.seq)
    failed = [step for step in ordered if step.status == "failed"]
    return (ordered[-1] if ordered else None), (failed[-1] if failed else None)


def joblog_progress(job: JobTracking, steps: list[JobStep]) -> float:
    if job.percent_complete is not None:
        return float(job.percent_complete)
    if job.status == "completed":
        return 100.0
    return 0.0


def joblog_item(job: JobTracking, steps: list[JobStep], vm_name: str | None = None) -> dict[str, Any]:
    """A JobLog job (failover, rollback, ...) as a UnifiedJobItem."""
    job_type = joblog_type(job)
    current, failed_step = current_and_failed_step(steps)
    status = job.status or "pending"
    error_step = failed_step or current
    raw_error = (failed_step.error_message if failed_step and failed_step.error_message else job.error_message)
    started = job.started_at or job.created_at
    return {
        "job_id": job.id,
        "external_job_id": job.external_job_id,
        "job_type": job_type,
        "status": status,
        "progress": joblog_progress(job, steps),
        "started_at": _iso(started),
        "completed_at": _iso(job.completed_at),
        "display_name": DISPLAY_NAMES.get(job_type, operator_step_name(job.operation) or "Operation"),
        "current_step": ("Completed" if status == "completed" and current is None
                         else operator_step_name(current.name) if current else None),
        **_error_fields(error_step.name if error_step else job.operation, raw_error, status == "failed"),
        "data_source": "job_tracking",
        "duration_seconds": _duration(started, job.completed_at),
        "context_id": job.context_id,
        "vm_name": vm_name,
        "replication_type": None,
        "schedule_execution_id": None,
    }


def step_to_dict(step: JobStep) -> dict[str, Any]:
    """One JobLog step in operator words (its raw error is never included)."""
    error = sanitize_error(step.name, step.error_message) if step.status == "failed" and step.error_message \
        else None
    return {
        "seq": step.seq,
        "name": step_display_name(step.name),
        "status": step.status,
        "started_at": _iso(step.started_at),
        "completed_at": _iso(step.completed_at),
        "duration_seconds": _duration(step.started_at, step.completed_at),
        "error_message": error.message if error else None,
        "error_category": error.category if error else None,
        "actionable_steps": list(error.actionable_steps) if error else [],
    }


def status_words(status: str | None) -> str:
    """A job row's status word as an operator reads it: "ready_for_sync" is "Ready for sync"."""
    return (status or "pending").replace("_", " ").replace("-", " ").capitalize()
