"""Phantom jobs: active replication jobs that nothing is running any more (SPEC §5).

Rules, checked in order for each job:

0. a setup phase (initializing … ready_for_sync) with no update for SCHEDULER_SETUP_STUCK_MINUTES:
   the OMA moves its row at every setup step (migration.go:147-228 [8b7d59b]) and leaves it
   where it was when a setup fails half-way (:141-225); the VMA is not asked, it only learns of
   a job at the last step;
1. the VMA itself says it has no such job (on its progress and its status route);
2. no progress update for 2 hours and the VMA has no data on it;
3. `replicating` at 0 % for 30 minutes while the VMA has no data on it;
4. `completed` below 100 %: inconsistent.

A job the VMA reports on is never a phantom: on OMA versions without a progress poller the row
never moves while the copy goes on (with PROGRESS_FROM_VMA the answer is written to the row).
A router 404 (a VMA without the route) is "no data", never "not found".

A matching job is marked failed with the rule's reason (compare-and-set on its status, never
deleted) and its VM's context is released as the OMA's completion step would, so the VM is not
refused by the OMA for good and its execution can finish.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from appliance import ApplianceError, VMAClient
from extensions import db
from models import SETUP_REPLICATION_STATUSES, ReplicationJob, replication_active
from scheduler import job_lines, metrics
from scheduler.contexts import release_contexts, release_finished_holders
from scheduler.vma_progress import export_names, record

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(hours=2)
ZERO_PROGRESS_AFTER = timedelta(minutes=30)
SETUP_STUCK_AFTER = timedelta(minutes=30)
#: Jobs updated more recently than this are progressing; the VMA is not asked about them.
QUIET_BEFORE_CHECK = timedelta(minutes=10)
#: Completed jobs are checked for rule 4 over this window (newly completed ones).
COMPLETED_WINDOW = timedelta(days=1)
BATCH = 500

REASONS = {
    "setup_stuck": "Phantom job: its setup stopped at one step and did not move for {minutes} minutes "
                   "(marked failed by the scheduler)",
    "vma_not_found": "Phantom job: the VMA does not know this job (marked failed by the scheduler)",
    "stale": "Phantom job: no progress update for 2 hours and no data from the VMA (marked failed by the scheduler)",
    "zero_progress": "Phantom job: still at 0% 30 minutes after it started (marked failed by the scheduler)",
    "inconsistent": "Inconsistent job: reported completed below 100% (marked failed by the scheduler)",
}

#: What each phantom check saw, for the job's own log.
PHANTOM_CHECKS = {
    "setup_stuck": "its setup did not move for too long",
    "vma_not_found": "the source appliance does not know this job",
    "stale": "no progress for 2 hours and no data from the source appliance",
    "zero_progress": "still at 0 % 30 minutes after it started",
    "inconsistent": "reported completed below 100 %",
}


def reason(rule: str, setup_stuck_after: timedelta = SETUP_STUCK_AFTER) -> str:
    return REASONS[rule].format(minutes=int(setup_stuck_after.total_seconds() // 60))


def vma_answer(vma: VMAClient | None, job, names: Sequence[str] = ()) -> tuple[str, dict | None]:
    """("found", body), ("not_found", None) or ("no_data", None): no VMA configured, unreachable,
    or an answer that says nothing about the job."""
    if vma is None or not vma.configured:
        return "no_data", None
    try:
        answer = vma.job_progress(job.id, names)
    except ApplianceError as exc:
        log.info("VMA has no data on job %s (%s)", job.id, exc.category)
        return "no_data", None
    if answer.state == "not_found":
        return "not_found", None
    if answer.state == "unknown":
        log.warning("The source appliance gave no usable answer about job %s; it counts as no data", job.id)
        log.debug("The source appliance's answers about job %s: %s", job.id, answer.detail)
        return "no_data", None
    return ("found", answer.body) if answer.body else ("no_data", None)


def phantom_rule(job, now: datetime, vma: VMAClient | None, setup_stuck_after: timedelta = SETUP_STUCK_AFTER,
                 progress_from_vma: bool = False, names: Sequence[str] = ()) -> str | None:
    """The first phantom rule a job matches, or None; `names` are the job's NBD export names."""
    status = (job.status or "pending").lower()
    progress = float(job.progress_percent or 0)
    if status == "completed":
        return "inconsistent" if progress < 100 else None
    updated = job.updated_at or job.started_at or job.created_at
    started = job.started_at or job.created_at
    if status in SETUP_REPLICATION_STATUSES:
        return "setup_stuck" if updated is not None and now - updated > setup_stuck_after else None
    quiet = updated is not None and now - updated > QUIET_BEFORE_CHECK
    zero_too_long = status == "replicating" and progress == 0 and started is not None \
        and now - started > ZERO_PROGRESS_AFTER
    if not quiet and not zero_too_long:
        return None
    state, body = vma_answer(vma, job, names)
    if state == "found":
        if progress_from_vma:
            record(job.id, body, now)
        return None
    if state == "not_found" and quiet:
        return "vma_not_found"
    if state == "no_data" and quiet and now - updated > STALE_AFTER:
        return "stale"
    if zero_too_long:
        return "zero_progress"
    return None


def detect_phantoms(vma: VMAClient | None, now: datetime, setup_stuck_after: timedelta = SETUP_STUCK_AFTER,
                    progress_from_vma: bool = False) -> list[tuple[str, str]]:
    """Check active jobs and recently completed ones; returns the (job id, rule) pairs marked."""
    job = ReplicationJob
    candidates = db.session.scalars(
        select(job).where(or_(replication_active(job.status),
                              (job.status == "completed") & (job.completed_at >= now - COMPLETED_WINDOW)
                              & (job.progress_percent < 100)))
        .order_by(job.updated_at).limit(BATCH)).all()
    marked: list[tuple[str, str]] = []
    released: list[str] = []
    names = export_names(candidates)
    for candidate in candidates:
        rule = phantom_rule(candidate, now, vma, setup_stuck_after, progress_from_vma, names[candidate.id])
        if rule is None:
            continue
        words = reason(rule, setup_stuck_after)
        same_status = job.status.is_(None) if candidate.status is None else job.status == candidate.status
        won = db.session.execute(
            update(job).where(job.id == candidate.id, same_status)
            .values(status="failed", error_message=words, completed_at=candidate.completed_at or now,
                    updated_at=now)
            .execution_options(synchronize_session=False)).rowcount == 1
        db.session.commit()
        if won:
            metrics.PHANTOMS.labels(rule).inc()
            log.warning("Job %s marked failed: %s", candidate.id, words)
            job_lines.record(candidate.id, job_lines.WARN, f"Phantom check: {PHANTOM_CHECKS[rule]}; the scheduler "
                                                           "marked the job failed and released the VM")
            marked.append((candidate.id, rule))
            released.append(candidate.vm_context_id)
    release_contexts([context_id for context_id in dict.fromkeys(released) if context_id])
    release_finished_holders()
    return marked
