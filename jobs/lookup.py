"""Find a job from whatever id an operator or a tool has: the smart any-id lookup.

Order of preference: a JobLog UUID, then an external job id (e.g.
`unified-live-failover-pgtest2-1758553933`), then a replication job id, then a VM context id
(its most recent job). Every kind is asked for in ONE statement of scalar subqueries, each
reading an indexed column (primary keys, `idx_external_job`, `idx_job_tracking_context_id`,
`idx_replication_jobs_context`); `log_events.attrs` and messages are never searched.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import bindparam, func, select

from domain_errors import NotFound
from extensions import db
from jobs.items import TIMELINE_JOBLOG_TYPES
from jobs.unified import load_items
from models import JobTracking, ReplicationJob

MAX_ID_LENGTH = 255
MATCH_KINDS = ("joblog_id", "external_job_id", "replication_job_id", "context_id")


@dataclass(frozen=True)
class JobRef:
    """Where a job lives and how the id given was recognised."""

    source: str  # replication_jobs | job_tracking
    job_id: str
    matched_by: str  # one of MATCH_KINDS


def _newest(column, sort_at, *where):
    """The newest matching row's `column`, as a scalar subquery (no temporary table)."""
    return select(column).where(*where).order_by(sort_at.desc()).limit(1).scalar_subquery()


def _lookup_statement(any_id):
    """One row of scalar subqueries, one per kind of id, each an indexed lookup for a bound `any_id`."""
    jt_sort = func.coalesce(JobTracking.started_at, JobTracking.created_at)
    rj_sort = func.coalesce(ReplicationJob.started_at, ReplicationJob.created_at)
    on_timeline = (JobTracking.context_id == any_id, JobTracking.job_type.in_(TIMELINE_JOBLOG_TYPES),
                   JobTracking.parent_job_id.is_(None))
    of_context = (ReplicationJob.vm_context_id == any_id,)
    return select(
        select(JobTracking.id).where(JobTracking.id == any_id).scalar_subquery().label("joblog_id"),
        _newest(JobTracking.id, jt_sort, JobTracking.external_job_id == any_id).label("external_job_id"),
        select(ReplicationJob.id).where(ReplicationJob.id == any_id).scalar_subquery().label("replication_job_id"),
        _newest(JobTracking.id, jt_sort, *on_timeline).label("context_joblog_id"),
        _newest(jt_sort, jt_sort, *on_timeline).label("context_joblog_at"),
        _newest(ReplicationJob.id, rj_sort, *of_context).label("context_replication_id"),
        _newest(rj_sort, rj_sort, *of_context).label("context_replication_at"))


# Built once: SQLAlchemy then reuses its cache key and compiled form, which for a statement of
# this size costs more than the database's own work.
_LOOKUP = _lookup_statement(bindparam("any_id"))
_EPOCH = datetime.min.replace(tzinfo=timezone.utc)


def _newest_of_context(row) -> JobRef | None:
    """The context's newest job across both tables (a replication wins a tie, as in the list)."""
    candidates = []
    if row.context_joblog_id is not None:
        candidates.append((row.context_joblog_at or _EPOCH, 0,
                           JobRef("job_tracking", row.context_joblog_id, "context_id")))
    if row.context_replication_id is not None:
        candidates.append((row.context_replication_at or _EPOCH, 1,
                           JobRef("replication_jobs", row.context_replication_id, "context_id")))
    return max(candidates, key=lambda c: c[:2])[2] if candidates else None


def resolve_any_id(any_id: Any) -> JobRef | None:
    """The job an id stands for, or None (one statement)."""
    if not isinstance(any_id, str) or not any_id.strip() or len(any_id) > MAX_ID_LENGTH:
        return None
    row = db.session.execute(_LOOKUP, {"any_id": any_id.strip()}).one()
    if row.joblog_id is not None:
        return JobRef("job_tracking", row.joblog_id, "joblog_id")
    if row.external_job_id is not None:
        return JobRef("job_tracking", row.external_job_id, "external_job_id")
    if row.replication_job_id is not None:
        return JobRef("replication_jobs", row.replication_job_id, "replication_job_id")
    return _newest_of_context(row)


def find_job_by_any_id(any_id: Any) -> dict[str, Any]:
    """The UnifiedJobItem an id stands for, with `matched_by`; NotFound if nothing matches."""
    ref = resolve_any_id(any_id)
    items = load_items([(ref.source, ref.job_id)]) if ref else []
    if not items:
        raise NotFound("job", any_id)
    return {**items[0], "matched_by": ref.matched_by}
