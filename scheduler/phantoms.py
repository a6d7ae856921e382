"""Phantom jobs: active replication jobs that nothing is running any more (SPEC §5).

Four rules, checked in order for each job:

1. the VMA answers 404 for the job: it does not exist there;
2. no progress update for 2 hours and the VMA has no data on it;
3. `replicating` at 0 % for 30 minutes;
4. `completed` below 100 %: inconsistent.

A matching job is marked failed with the rule's reason (compare-and-set on its status, never
deleted), so it stops blocking its VM and its execution can finish.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from appliance import ApplianceError, VMAClient
from extensions import db
from models import ReplicationJob, replication_active
from scheduler import metrics

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(hours=2)
ZERO_PROGRESS_AFTER = timedelta(minutes=30)
#: Jobs updated more recently than this are progressing; the VMA is not asked about them.
QUIET_BEFORE_CHECK = timedelta(minutes=10)
#: Completed jobs are checked for rule 4 over this window (newly completed ones).
COMPLETED_WINDOW = timedelta(days=1)
BATCH = 500

REASONS = {
    "vma_not_found": "Phantom job: the VMA does not know this job (marked failed by the scheduler)",
    "stale": "Phantom job: no progress update for 2 hours and no data from the VMA (marked failed by the scheduler)",
    "zero_progress": "Phantom job: still at 0% 30 minutes after it started (marked failed by the scheduler)",
    "inconsistent": "Inconsistent job: reported completed below 100% (marked failed by the scheduler)",
}


def vma_state(vma: VMAClient | None, job_id: str) -> str:
    """"found", "not_found" (404) or "no_data" (no VMA configured, unreachable, or empty)."""
    if vma is None or not vma.configured:
        return "no_data"
    try:
        answer = vma.job_progress(job_id)
    except ApplianceError as exc:
        log.info("VMA has no data on job %s (%s)", job_id, exc.category)
        return "no_data"
    if answer.state == "not_found":
        return "not_found"
    if answer.state == "unknown":
        log.warning("VMA gave no usable answer about job %s: %s", job_id, answer.detail)
        return "no_data"
    return "found" if answer.body else "no_data"


def phantom_rule(job, now: datetime, vma: VMAClient | None) -> str | None:
    """The first phantom rule a job matches, or None."""
    status = (job.status or "").lower()
    progress = float(job.progress_percent or 0)
    if status == "completed":
        return "inconsistent" if progress < 100 else None
    updated = job.updated_at or job.started_at or job.created_at
    started = job.started_at or job.created_at
    quiet = updated is not None and now - updated > QUIET_BEFORE_CHECK
    zero_too_long = status == "replicating" and progress == 0 and started is not None \
        and now - started > ZERO_PROGRESS_AFTER
    if not quiet and not zero_too_long:
        return None
    state = vma_state(vma, job.id) if quiet else "skipped"
    if state == "not_found":
        return "vma_not_found"
    if state == "no_data" and now - updated > STALE_AFTER:
        return "stale"
    if zero_too_long:
        return "zero_progress"
    return None


def detect_phantoms(vma: VMAClient | None, now: datetime) -> list[tuple[str, str]]:
    """Check active jobs and recently completed ones; returns the (job id, rule) pairs marked."""
    job = ReplicationJob
    candidates = db.session.scalars(
        select(job).where(or_(replication_active(job.status),
                              (job.status == "completed") & (job.completed_at >= now - COMPLETED_WINDOW)
                              & (job.progress_percent < 100)))
        .order_by(job.updated_at).limit(BATCH)).all()
    marked = []
    for candidate in candidates:
        rule = phantom_rule(candidate, now, vma)
        if rule is None:
            continue
        won = db.session.execute(
            update(job).where(job.id == candidate.id, job.status == candidate.status)
            .values(status="failed", error_message=REASONS[rule], completed_at=candidate.completed_at or now,
                    updated_at=now)
            .execution_options(synchronize_session=False)).rowcount == 1
        db.session.commit()
        if won:
            metrics.PHANTOMS.labels(rule).inc()
            log.warning("Job %s marked failed: %s", candidate.id, REASONS[rule])
            marked.append((candidate.id, rule))
    return marked
