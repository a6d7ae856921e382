"""The unified job list: replication jobs and JobLog operations, newest first, paged in SQL.

The page is chosen by a UNION ALL query over the two tables (filters applied to each
branch so their indexes are used; the newest jobs are looked for in a recent window first, see
`_page_rows`); the rows of that page are then loaded with one query per
table (each with its VM's name) and one for JobLog steps: a fixed number of statements per page.
"""
from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, union_all
from sqlalchemy.orm import load_only

from domain_errors import ValidationError
from extensions import db
from jobs.items import (JOB_TYPES, REPLICATION_STATUS_MAP, TIMELINE_JOBLOG_TYPES, UNIFIED_STATUSES,
                        joblog_item, joblog_type_sql, replication_item)
from models import JOBLOG_ACTIVE_STATUSES, JobStep, JobTracking, ReplicationJob, VMReplicationContext
from models.types import UTCDateTime
from paging import check_paging, page_count

# The columns a UnifiedJobItem is built from: a replication job row also holds long texts
# (change ids, export names) that no list shows.
_ITEM_COLUMNS = load_only(
    ReplicationJob.id, ReplicationJob.status, ReplicationJob.current_operation, ReplicationJob.vma_current_phase,
    ReplicationJob.progress_percent, ReplicationJob.started_at, ReplicationJob.created_at,
    ReplicationJob.completed_at, ReplicationJob.error_message, ReplicationJob.vma_error_details,
    ReplicationJob.vm_context_id, ReplicationJob.source_vm_name, ReplicationJob.replication_type,
    ReplicationJob.schedule_execution_id)
_JOBLOG_COLUMNS = load_only(
    JobTracking.id, JobTracking.job_type, JobTracking.operation, JobTracking.external_job_id, JobTracking.status,
    JobTracking.error_message, JobTracking.percent_complete, JobTracking.started_at, JobTracking.created_at,
    JobTracking.completed_at, JobTracking.context_id)
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25


@dataclass(frozen=True)
class JobFilter:
    """What to show; every field optional. `context_ids` None means all VMs."""

    job_types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    context_ids: tuple[str, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass
class JobPage:
    items: list[dict[str, Any]]
    per_page: int
    next_cursor: str | None = None
    page: int | None = None
    total: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int | None:
        if self.total is None:
            return None
        return page_count(self.total, self.per_page)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"jobs": self.items, "count": len(self.items), "per_page": self.per_page,
                                "next_cursor": self.next_cursor}
        if self.page is not None:
            body.update(page=self.page, total=self.total, pages=self.pages)
        return body


def build_filter(job_type: Any = None, status: Any = None, vm: Any = None, since: datetime | None = None,
                 until: datetime | None = None) -> JobFilter:
    """Check filter values (comma-separated lists allowed) and resolve `vm`: a context id, or part
    of a VM's name in any case ("pg" finds "PG-01" and "web-pg")."""
    types = _split("job_type", job_type, JOB_TYPES)
    statuses = _split("status", status, UNIFIED_STATUSES)
    context_ids = None
    if vm not in (None, ""):
        if not isinstance(vm, str) or len(vm) > 255:
            raise ValidationError("vm", "must be a VM name or context id")
        context_ids = tuple(db.session.scalars(
            select(VMReplicationContext.context_id).where(
                or_(func.lower(VMReplicationContext.vm_name).like(f"%{like_escape(vm.lower())}%", escape="!"),
                    VMReplicationContext.context_id == vm))).all()) or (vm,)
    if since and until and since >= until:
        raise ValidationError("since", "must be before until")
    return JobFilter(types, statuses, context_ids, since, until)


def like_escape(text: str) -> str:
    """`text` with the LIKE wildcards (and the escape character, "!") taken literally: "!" rather
    than a backslash, which MySQL string literals would escape once more."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _split(name: str, raw: Any, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if raw in (None, ""):
        return ()
    if not isinstance(raw, str):
        raise ValidationError(name, f"must be one or more of {', '.join(allowed)}")
    values = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    bad = [value for value in values if value not in allowed]
    if bad:
        raise ValidationError(name, f"must be one of {', '.join(allowed)} (not '{bad[0][:40]}')")
    return values


def _branches(flt: JobFilter):
    """The two SELECTs of the union, each already filtered; either may be left out."""
    branches = []
    if not flt.job_types or "replication" in flt.job_types:
        sort_at = func.coalesce(ReplicationJob.started_at, ReplicationJob.created_at)
        query = select(literal("replication_jobs").label("source"), ReplicationJob.id.label("job_id"),
                       sort_at.label("sort_at"))
        if flt.statuses:
            raws = [raw for status in flt.statuses for raw in REPLICATION_STATUS_MAP[status]]
            if "pending" in flt.statuses:
                query = query.where(or_(ReplicationJob.status.in_(raws), ReplicationJob.status.is_(None)))
            else:
                query = query.where(ReplicationJob.status.in_(raws))
        if flt.context_ids is not None:
            query = query.where(ReplicationJob.vm_context_id.in_(flt.context_ids))
        if flt.since is not None:
            query = query.where(_replication_since(flt.since))
        branches.append(_time_window(query, sort_at, flt))
    joblog_types = [t for t in (flt.job_types or JOB_TYPES) if t != "replication"]
    if joblog_types:
        sort_at = func.coalesce(JobTracking.started_at, JobTracking.created_at)
        query = (select(literal("job_tracking").label("source"), JobTracking.id.label("job_id"),
                        sort_at.label("sort_at"))
                 .where(JobTracking.job_type.in_(TIMELINE_JOBLOG_TYPES), JobTracking.parent_job_id.is_(None)))
        if flt.job_types:
            query = query.where(joblog_type_sql().in_(joblog_types))
        if flt.statuses:
            query = query.where(JobTracking.status.in_(flt.statuses))
        if flt.context_ids is not None:
            query = query.where(JobTracking.context_id.in_(flt.context_ids))
        if flt.since is not None:  # the same window, spelled so that idx_started_at serves it
            query = query.where(or_(JobTracking.started_at >= flt.since,
                                    and_(JobTracking.started_at.is_(None), JobTracking.created_at >= flt.since)))
        branches.append(_time_window(query, sort_at, flt))
    return branches


def _replication_since(since: datetime):
    """Index-friendly bound for replication jobs started since `since`.

    `replication_jobs` has no index on its start time, but the production index on (status,
    completed_at) bounds the candidates: a job started since then is unfinished, or finished
    since then (a job cannot complete before it starts). The exact start-time test follows.
    """
    finished = [raw for status in ("completed", "failed", "cancelled") for raw in REPLICATION_STATUS_MAP[status]]
    return or_(ReplicationJob.status.not_in(finished), ReplicationJob.status.is_(None),
               and_(ReplicationJob.status.in_(finished),
                    or_(ReplicationJob.completed_at >= since, ReplicationJob.completed_at.is_(None))))


def _time_window(query, sort_at, flt: JobFilter):
    if flt.since is not None:
        query = query.where(sort_at >= flt.since)
    if flt.until is not None:
        query = query.where(sort_at < flt.until)
    return query


def encode_cursor(sort_at: datetime | None, source: str, job_id: str) -> str:
    raw = json.dumps([sort_at.isoformat() if sort_at else None, source, job_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime | None, str, str]:
    """The position a cursor points after; ValidationError naming `cursor` if it is not ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, source, job_id = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if source not in ("replication_jobs", "job_tracking") or not isinstance(job_id, str):
            raise ValueError
        return (datetime.fromisoformat(at) if at else None), source, job_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationError("cursor", "is not a cursor returned by this API") from None


def _after(columns, position: tuple[datetime | None, str, str]):
    """Rows after a cursor position in the list order (sort time, source, job id; all descending)."""
    at, source, job_id = position
    bound_at = literal(at, UTCDateTime("datetime6"))
    return or_(columns.sort_at < bound_at,
               and_(columns.sort_at == bound_at, columns.source < source),
               and_(columns.sort_at == bound_at, columns.source == source, columns.job_id < job_id))


def _newest_of_branch(branch, position, wanted: int):
    """One side of the union cut to its newest `wanted` rows after `position` (a subquery each
    time, as SQLite only orders and limits a compound member that way)."""
    inner = branch.subquery()
    query = select(inner.c.source, inner.c.job_id, inner.c.sort_at)
    if position is not None:
        query = query.where(_after(inner.c, position))
    limited = query.order_by(inner.c.sort_at.desc(), inner.c.job_id.desc()).limit(wanted).subquery()
    return select(limited.c.source, limited.c.job_id, limited.c.sort_at)


def _count(branches) -> int:
    """The sum of each side's count in one statement: no union of every row is built to count it."""
    counts = [select(func.count()).select_from(branch.subquery()).scalar_subquery() for branch in branches]
    total = counts[0]
    for count in counts[1:]:
        total = total + count
    return db.session.scalar(select(total)) or 0


def count_jobs(flt: JobFilter | None = None) -> int:
    """How many jobs `list_jobs(flt)` pages through (one statement)."""
    branches = _branches(flt or JobFilter())
    return _count(branches) if branches else 0


# Look-back windows tried in turn, widest last (None: no bound). Neither table has an index on
# coalesce(started_at, created_at), so an unbounded "newest first" sorts every job; within a
# window each side is read by an index range (`idx_started_at`; `(status, completed_at)` for
# replications, see `_replication_since`) and only the window's rows are sorted.
_WINDOWS = (timedelta(days=1), timedelta(days=16), None)


def _page_rows(flt: JobFilter, position, offset: int, limit: int):
    """(source, job id, sort time) of rows offset..offset+limit of the list after `position`.

    Tried in the look-back windows, ending at the cursor's time (or now), until one holds enough
    rows: every row outside a window is older than every row inside it, so a full window's
    newest rows are the list's newest rows. Usually one statement; at most one per window.
    """
    anchor = position[0] if position is not None else datetime.now(timezone.utc)
    if anchor is not None and anchor.tzinfo is None:  # a cursor time is UTC
        anchor = anchor.replace(tzinfo=timezone.utc)
    if (flt.since is not None or flt.context_ids is not None
            or (flt.statuses and set(flt.statuses) <= set(JOBLOG_ACTIVE_STATUSES))):
        # The caller's window, the context index or the status index already bounds the rows:
        # one statement, however few rows there are.
        return _rows_of(flt, position, offset, limit)
    rows = []
    for window in _WINDOWS:
        floor = None if window is None or anchor is None else anchor - window
        if floor is None:
            rows = _rows_of(flt, position, offset, limit)
            break
        rows = _rows_of(replace(flt, since=floor), position, offset, limit)
        if len(rows) >= limit:
            break
    return rows


def _rows_of(flt: JobFilter, position, offset: int, limit: int):
    wanted = offset + limit
    # Each table gives its own newest `wanted` rows after the cursor; the page is the newest of
    # those. The same rows as sorting the whole union, but each side sorts (and the union holds)
    # at most `wanted` rows instead of every job in the window.
    bounded = [_newest_of_branch(branch, position, wanted) for branch in _branches(flt)]
    union = (union_all(*bounded) if len(bounded) > 1 else bounded[0]).subquery("unified")
    sort_at = union.c.sort_at
    rows_query = (select(union.c.source, union.c.job_id, sort_at)
                  .order_by(sort_at.desc(), union.c.source.desc(), union.c.job_id.desc()))
    return db.session.execute(rows_query.offset(offset).limit(limit)).all()


def list_jobs(flt: JobFilter | None = None, *, per_page: int = DEFAULT_PER_PAGE, cursor: str | None = None,
              page: int | None = None) -> JobPage:
    """One page of the unified job list, newest first.

    Cursor paging (`cursor` from the previous page's `next_cursor`) is stable while new jobs
    arrive; page paging (`page` 1..n) also returns the total.
    """
    flt = flt or JobFilter()
    check_paging(1 if page is None else page, per_page, MAX_PER_PAGE)
    if page is not None and cursor:
        raise ValidationError("cursor", "cannot be combined with page")
    branches = _branches(flt)
    if not branches:
        return JobPage([], per_page, page=page, total=0 if page else None)
    position = decode_cursor(cursor) if cursor else None
    offset = (page - 1) * per_page if page is not None else 0
    rows = _page_rows(flt, position, offset, per_page + 1)
    total = _count(branches) if page is not None else None
    has_more = len(rows) > per_page
    rows = rows[:per_page]
    items = load_items([(source, job_id) for source, job_id, _ in rows])
    next_cursor = None
    if has_more and page is None:
        source, job_id, at = rows[-1]
        next_cursor = encode_cursor(at, source, job_id)
    return JobPage(items, per_page, next_cursor=next_cursor, page=page, total=total)


def load_items(refs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """UnifiedJobItems for (source, job id) pairs, in the given order (at most two queries)."""
    replication_ids = [job_id for source, job_id in refs if source == "replication_jobs"]
    joblog_ids = [job_id for source, job_id in refs if source == "job_tracking"]
    names: dict[str, str] = {}
    replications: dict[str, ReplicationJob] = {}
    if replication_ids:  # the VM's name comes with the job: no query per job, no third query
        for job, name in db.session.execute(
                select(ReplicationJob, VMReplicationContext.vm_name).options(_ITEM_COLUMNS)
                .outerjoin(VMReplicationContext, VMReplicationContext.context_id == ReplicationJob.vm_context_id)
                .where(ReplicationJob.id.in_(replication_ids))).all():
            replications[job.id] = job
            if name:
                names[job.vm_context_id] = name
    joblogs: dict[str, JobTracking] = {}
    steps: dict[str, list[JobStep]] = defaultdict(list)
    if joblog_ids:  # the steps come with their job too: one row per step (or one for a job without)
        for job, name, step in db.session.execute(
                select(JobTracking, VMReplicationContext.vm_name, JobStep).options(_JOBLOG_COLUMNS)
                .outerjoin(VMReplicationContext, VMReplicationContext.context_id == JobTracking.context_id)
                .outerjoin(JobStep, JobStep.job_id == JobTracking.id)
                .where(JobTracking.id.in_(joblog_ids)).order_by(JobTracking.id, JobStep.seq)).all():
            joblogs[job.id] = job
            if name:
                names[job.context_id] = name
            if step is not None:
                steps[job.id].append(step)
    items = []
    for source, job_id in refs:
        if source == "replication_jobs" and job_id in replications:
            job = replications[job_id]
            items.append(replication_item(job, names.get(job.vm_context_id)))
        elif source == "job_tracking" and job_id in joblogs:
            job = joblogs[job_id]
            items.append(joblog_item(job, steps[job_id], names.get(job.context_id)))
    return items


def recent_jobs_for_context(context_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """The newest unified jobs of one VM context (the seed's recent-jobs endpoint)."""
    return list_jobs(JobFilter(context_ids=(context_id,)), per_page=limit).items
