"""Find a job from whatever id an operator or a tool has: the smart any-id lookup.

Order of preference: a JobLog UUID, then an external job id (e.g.
`unified-live-failover-pgtest2-1758553933`), then a replication job id, then a VM context id
(its most recent job). All candidates are asked for in ONE statement, each branch reading an
indexed column (primary keys, `idx_external_job`, `idx_job_tracking_context_id`,
`idx_replication_jobs_context`); `log_events.attrs` and messages are never searched.
"""
from __future__ import annotations

from dataclasses import dataclass
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


def _newest(query, sort_at):
    return select(query.order_by(sort_at.desc()).limit(1).subquery())


def _lookup_statement(any_id):
    jt_sort = func.coalesce(JobTracking.started_at, JobTracking.created_at)
    rj_sort = func.coalesce(ReplicationJob.started_at, ReplicationJob.created_at)

    def joblog(rank: int, *where):
        return select(literal(rank).label("rank"), literal("job_tracking").label("source"),
                      JobTracking.id.label("job_id"), jt_sort.label("sort_at")).where(*where)

    def replication(rank: int, *where):
        return select(literal(rank).label("rank"), literal("replication_jobs").label("source"),
                      ReplicationJob.id.label("job_id"), rj_sort.label("sort_at")).where(*where)

    candidates = union_all(
        joblog(1, JobTracking.id == any_id),
        _newest(joblog(2, JobTracking.external_job_id == any_id), jt_sort),
        replication(3, ReplicationJob.id == any_id),
        _newest(joblog(4, JobTracking.context_id == any_id, JobTracking.job_type.in_(TIMELINE_JOBLOG_TYPES),
                       JobTracking.parent_job_id.is_(None)), jt_sort),
        _newest(replication(4, ReplicationJob.vm_context_id == any_id), rj_sort),
    ).subquery("candidates")
    return (select(candidates.c.rank, candidates.c.source, candidates.c.job_id)
            .order_by(candidates.c.rank, candidates.c.sort_at.desc()).limit(1))


# Built once: SQLAlchemy then reuses its cache key and compiled form, which for a statement of
# this size costs more than the database's own work.
_LOOKUP = _lookup_statement(bindparam("any_id"))


def resolve_any_id(any_id: Any) -> JobRef | None:
    """The job an id stands for, or None (one indexed statement)."""
    if not isinstance(any_id, str) or not any_id.strip() or len(any_id) > MAX_ID_LENGTH:
        return None
    row = db.session.execute(_LOOKUP, {"any_id": any_id.strip()}).first()
    if row is None:
        return None
    rank, source, job_id = row
    return JobRef(source, job_id, MATCH_KINDS[rank - 1])


def find_job_by_any_id(any_id: Any) -> dict[str, Any]:
    """The UnifiedJobItem an id stands for, with `matched_by`; NotFound if nothing matches."""
    ref = resolve_any_id(any_id)
    items = load_items([(ref.source, ref.job_id)]) if ref else []
    if not items:
        raise NotFound("job", any_id)
    return {**items[0], "matched_by": ref.matched_by}
