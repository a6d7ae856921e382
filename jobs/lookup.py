"""Find a job from whatever id an operator or a tool has: the smart any-id lookup.

Order of preference: a JobLog UUID, then an external job id (e.g.
`unified-live-failover-pgtest2-1758553933`), then a replication job id, then a VM context id
(its most recent job). Job ids are asked for in one statement, a context id in a second, each
branch reading an indexed column (primary keys, `idx_external_job`, `idx_job_tracking_context_id`,
`idx_replication_jobs_context`); `log_events.attrs` and messages are never searched.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import bindparam, func, literal, select, union_all

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


def _lookup_statements(any_id):
    """(exact-id statement, context-id statement) for a bound `any_id`."""
    jt_sort = func.coalesce(JobTracking.started_at, JobTracking.created_at)
    rj_sort = func.coalesce(ReplicationJob.started_at, ReplicationJob.created_at)

    def joblog(rank: int, *where):
        return select(literal(rank).label("rank"), literal("job_tracking").label("source"),
                      JobTracking.id.label("job_id"), jt_sort.label("sort_at")).where(*where)

    # Equality on a primary key or a unique-in-practice indexed column: a flat union, no sort.
    exact = union_all(
        joblog(1, JobTracking.id == any_id),
        joblog(2, JobTracking.external_job_id == any_id),
        select(literal(3), literal("replication_jobs"), ReplicationJob.id, rj_sort).where(ReplicationJob.id == any_id),
    )
    on_timeline = (JobTracking.context_id == any_id, JobTracking.job_type.in_(TIMELINE_JOBLOG_TYPES),
                   JobTracking.parent_job_id.is_(None))
    of_context = (ReplicationJob.vm_context_id == any_id,)
    by_context = select(
        _newest(JobTracking.id, jt_sort, *on_timeline).label("joblog_id"),
        _newest(jt_sort, jt_sort, *on_timeline).label("joblog_at"),
        _newest(ReplicationJob.id, rj_sort, *of_context).label("replication_id"),
        _newest(rj_sort, rj_sort, *of_context).label("replication_at"))
    return exact, by_context


# Built once: SQLAlchemy then reuses their cache keys and compiled forms, which for statements
# of this size cost more than the database's own work.
_EXACT, _BY_CONTEXT = _lookup_statements(bindparam("any_id"))
_EPOCH = datetime.min.replace(tzinfo=timezone.utc)


def _newest_of_context(row) -> JobRef | None:
    """The context's newest job across both tables (a replication wins a tie)."""
    candidates = []
    if row.joblog_id is not None:
        candidates.append((row.joblog_at or _EPOCH, 0, JobRef("job_tracking", row.joblog_id, "context_id")))
    if row.replication_id is not None:
        candidates.append((row.replication_at or _EPOCH, 1, JobRef("replication_jobs", row.replication_id,
                                                                   "context_id")))
    return max(candidates, key=lambda c: c[:2])[2] if candidates else None


def resolve_any_id(any_id: Any) -> JobRef | None:
    """The job an id stands for, or None.

    A job id is resolved by one statement; a context id (or an unknown id) needs a second.
    """
    if not isinstance(any_id, str) or not any_id.strip() or len(any_id) > MAX_ID_LENGTH:
        return None
    params = {"any_id": any_id.strip()}
    rows = db.session.execute(_EXACT, params).all()
    if not rows:
        return _newest_of_context(db.session.execute(_BY_CONTEXT, params).one())
    rank, source, job_id, _ = min(rows, key=lambda row: (row[0], -(row[3] or _EPOCH).timestamp()))
    return JobRef(source, job_id, MATCH_KINDS[rank - 1])


def find_job_by_any_id(any_id: Any) -> dict[str, Any]:
    """The UnifiedJobItem an id stands for, with `matched_by`; NotFound if nothing matches."""
    ref = resolve_any_id(any_id)
    items = load_items([(ref.source, ref.job_id)]) if ref else []
    if not items:
        raise NotFound("job", any_id)
    return {**items[0], "matched_by": ref.matched_by}
