"""A cheap fingerprint of what a job list shows, so a poll can tell "nothing changed" before
loading and rendering anything.

The fingerprint covers every unfinished job (status, progress, current operation, last update,
newest step) and, for finished jobs, how many ended inside the window and when the last one
did. Any change an operator could see in a list, a progress panel or the timeline changes it;
it may also change for a job the list does not show, which only costs one extra render. Each
part reads an index: (status, updated_at) and (status, completed_at) of `replication_jobs`,
idx_status and idx_completed_at of `job_tracking`, uk_job_steps_job_seq of `job_steps`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, func, literal, or_, select, type_coerce, union_all

from extensions import db
from jobs.items import REPLICATION_STATUS_MAP, TIMELINE_JOBLOG_TYPES
from jobs.unified import JobFilter
from models import JOBLOG_ACTIVE_STATUSES, JobStep, JobTracking, ReplicationJob

_ACTIVE_REPLICATION = REPLICATION_STATUS_MAP["pending"] + REPLICATION_STATUS_MAP["running"]
_FINISHED_REPLICATION = (REPLICATION_STATUS_MAP["completed"] + REPLICATION_STATUS_MAP["failed"]
                         + REPLICATION_STATUS_MAP["cancelled"])
_FINISHED_JOBLOG = ("completed", "failed", "cancelled")


@dataclass(frozen=True)
class Fingerprint:
    version: str
    active: bool  # some job is pending or running


def _text(value):
    """A literal typed as plain text: a UNION takes each column's type from its first SELECT,
    and an untyped "" under a status column would be decoded through that column's ENUM."""
    return literal(value, String)


def _plain(column):
    """A column read as plain text, whichever SELECT of the union comes first."""
    return type_coerce(column, String)


def jobs_fingerprint(flt: JobFilter | None = None, since: datetime | None = None) -> Fingerprint:
    """A short hash that changes whenever the jobs `flt` selects change visibly.

    `since` bounds the finished jobs counted (the start of the time window shown); the status
    filter is ignored, which keeps the fingerprint a superset. One statement: a UNION ALL of
    indexed reads.
    """
    rows = sorted((tuple(row) for row in db.session.execute(fingerprint_statement(flt, since)).all()), key=repr)
    active_rows = sum(1 for row in rows if row[0] in ("r", "j"))
    return Fingerprint(hashlib.blake2b(repr(rows).encode(), digest_size=8).hexdigest(), active_rows > 0)


def fingerprint_statement(flt: JobFilter | None = None, since: datetime | None = None):
    """The one statement behind `jobs_fingerprint`. Every column of every SELECT is plain text,
    so no row is decoded through a type it does not belong to (a status ENUM, say)."""
    flt = flt or JobFilter()
    parts = []
    if not flt.job_types or "replication" in flt.job_types:
        active = select(_text("r").label("kind"), _plain(ReplicationJob.id).label("id"),
                        _plain(ReplicationJob.status).label("status"),
                        cast(ReplicationJob.progress_percent, String).label("progress"),
                        (func.coalesce(ReplicationJob.current_operation, "") + "|"
                         + func.coalesce(ReplicationJob.vma_current_phase, "")).label("detail"),
                        cast(ReplicationJob.updated_at, String).label("at")).where(
            or_(ReplicationJob.status.in_(_ACTIVE_REPLICATION), ReplicationJob.status.is_(None)))
        finished = select(_text("R"), _text(""), _text(""), cast(func.count(), String), _text(""),
                          cast(func.max(ReplicationJob.completed_at), String)).where(
            ReplicationJob.status.in_(_FINISHED_REPLICATION))
        if flt.context_ids is not None:
            active = active.where(ReplicationJob.vm_context_id.in_(flt.context_ids))
            finished = finished.where(ReplicationJob.vm_context_id.in_(flt.context_ids))
        if since is not None:
            finished = finished.where(ReplicationJob.completed_at >= since)
        parts += [active, finished]
    if not flt.job_types or any(t != "replication" for t in flt.job_types):
        newest_step = (select(func.max(JobStep.seq)).where(JobStep.job_id == JobTracking.id)
                       .correlate(JobTracking).scalar_subquery())
        scope = [JobTracking.job_type.in_(TIMELINE_JOBLOG_TYPES), JobTracking.parent_job_id.is_(None)]
        if flt.context_ids is not None:
            scope.append(JobTracking.context_id.in_(flt.context_ids))
        active = select(_text("j"), _plain(JobTracking.id), _plain(JobTracking.status),
                        cast(JobTracking.percent_complete, String),
                        cast(newest_step, String), cast(JobTracking.updated_at, String)).where(
            JobTracking.status.in_(JOBLOG_ACTIVE_STATUSES), *scope)
        finished = select(_text("J"), _text(""), _text(""), cast(func.count(), String), _text(""),
                          cast(func.max(JobTracking.completed_at), String)).where(
            JobTracking.status.in_(_FINISHED_JOBLOG), *scope)
        if since is not None:
            finished = finished.where(JobTracking.completed_at >= since)
        parts += [active, finished]
    return union_all(*parts)
