"""Find a job from whatever id an operator or a tool has: the smart any-id lookup.

Order of preference: a JobLog UUID, then an external job id (e.g.
`unified-live-failover-pgtest2-1758553933`), then a replication job id, then a VM context id
(its most recent job). Every kind is asked for in ONE statement of scalar subqueries, each
reading an indexed column (primary keys, `idx_external_job`, `idx_job_tracking_context_id`,
`idx_replication_jobs_context`); `log_events.attrs` and messages are never searched.
A context id stands for the VM's most recent job: its newest JobLog operation or its last
created replication, whichever started later.
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


def _newest(column, sort_at, *where):
    """The newest matching row's `column`, as a scalar subquery (no temporary table)."""
    return select(column).where(*where).order_by(sort_at.desc()).limit(1).scalar_subquery()


def _newest_of_context_sql(any_id):
    """"<source>:<job id>" of a context's newest job across both tables, as ONE scalar subquery.

    The newest replication is the one created last, and a replication job id begins with its
    creation time (`job-YYYYMMDD-HHMMSS.mmm-xxxxxx`, SPEC §3): it is the greatest id under the
    context in `idx_replication_jobs_context`, whose entries carry the primary key. One probe
    at the end of that index range finds it, however many replications the VM has had (a busy
    VM has hundreds; sorting them by time would read every row). The context's JobLog operations
    are few and are sorted by time. The two are then compared, a replication winning a tie as in
    the list (`replication_jobs` sorts after `job_tracking`).
    """
    jt_sort = func.coalesce(JobTracking.started_at, JobTracking.created_at)
    rj_sort = func.coalesce(ReplicationJob.started_at, ReplicationJob.created_at)
    joblog = (select(literal("job_tracking").label("source"), JobTracking.id.label("job_id"),
                     jt_sort.label("sort_at"))
              .where(JobTracking.context_id == any_id, JobTracking.job_type.in_(TIMELINE_JOBLOG_TYPES),
                     JobTracking.parent_job_id.is_(None))
              .order_by(jt_sort.desc()).limit(1).subquery())
    last_created = (select(ReplicationJob.id).where(ReplicationJob.vm_context_id == any_id)
                    .order_by(ReplicationJob.id.desc()).limit(1).scalar_subquery())
    replication = (select(literal("replication_jobs").label("source"), ReplicationJob.id.label("job_id"),
                          rj_sort.label("sort_at"))
                   .where(ReplicationJob.id == last_created).subquery())
    both = union_all(select(joblog), select(replication)).subquery()
    return (select(both.c.source + literal(":") + both.c.job_id)
            .order_by(both.c.sort_at.desc(), both.c.source.desc()).limit(1).scalar_subquery())


def _lookup_statement(any_id):
    """One row of scalar subqueries, one per kind of id, each an indexed lookup for a bound `any_id`."""
    jt_sort = func.coalesce(JobTracking.started_at, JobTracking.created_at)
    return select(
        select(JobTracking.id).where(JobTracking.id == any_id).scalar_subquery().label("joblog_id"),
        _newest(JobTracking.id, jt_sort, JobTracking.external_job_id == any_id).label("external_job_id"),
        select(ReplicationJob.id).where(ReplicationJob.id == any_id).scalar_subquery().label("replication_job_id"),
        _newest_of_context_sql(any_id).label("context_job"))


# Built once: SQLAlchemy then reuses its cache key and compiled form, which for a statement of
# this size costs more than the database's own work.
_LOOKUP = _lookup_statement(bindparam("any_id"))


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
    if row.context_job is not None:
        source, job_id = row.context_job.split(":", 1)
        return JobRef(source, job_id, "context_id")
    return None


def find_job_by_any_id(any_id: Any) -> dict[str, Any]:
    """The UnifiedJobItem an id stands for, with `matched_by`; NotFound if nothing matches."""
    ref = resolve_any_id(any_id)
    items = load_items([(ref.source, ref.job_id)]) if ref else []
    if not items:
        raise NotFound("job", any_id)
    return {**items[0], "matched_by": ref.matched_by}
