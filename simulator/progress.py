"""Advance simulated replications over time, as the real VMA and OMA would report them.

`ProgressDriver.tick(now)` is the whole behaviour: it reads every running simulated job, puts
each where its plan says it is at `now`, and finishes the ones whose time has come. Tests call
`tick` with a clock of their own; in the app a daemon thread calls it every few seconds.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from sqlalchemy import bindparam, case, func, select, update

from extensions import db
from models import ReplicationJob, VMReplicationContext, utcnow
from simulator.plan import plan_job, state_at

log = logging.getLogger(__name__)

# The one status of a simulated job between start and end (another actor, such as the phantom
# check, may end it meanwhile: every write below is guarded by it).
RUNNING = "replicating"
_PROGRESS_COLUMNS = ("progress_percent", "bytes_transferred", "current_operation", "vma_current_phase",
                     "setup_progress_percent", "transfer_speed_bps", "vma_throughput_mbps", "vma_eta_seconds")


@dataclass(frozen=True)
class TickResult:
    advanced: int = 0
    completed: int = 0
    failed: int = 0


class ProgressDriver:
    """Moves simulated jobs along their plans; safe to run in several processes at once."""

    def __init__(self, app: Flask, *, seed: str, failure_rate: float, interval_seconds: float = 2.0,
                 clock: Callable[[], datetime] = utcnow):
        self.app = app
        self.seed = seed
        self.failure_rate = failure_rate
        self.interval_seconds = interval_seconds
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, now: datetime | None = None) -> TickResult:
        """Bring every running simulated job to its state at `now` (in the current app context)."""
        now = now or self.clock()
        jobs = db.session.execute(
            select(ReplicationJob.id, ReplicationJob.started_at, ReplicationJob.vma_sync_type,
                   ReplicationJob.total_bytes, ReplicationJob.source_vm_name, ReplicationJob.vm_context_id)
            .where(ReplicationJob.status == RUNNING, ReplicationJob.vma_current_phase.is_not(None))
            .order_by(ReplicationJob.id)).all()
        progress_rows, finished = [], []
        for job in jobs:
            plan = plan_job(job.id, job.vma_sync_type or "incremental", seed=self.seed,
                            failure_rate=self.failure_rate)
            elapsed = (now - (job.started_at or now)).total_seconds()
            state = state_at(plan, elapsed, int(job.total_bytes or 0), seed=self.seed, vm_name=job.source_vm_name)
            if state["status"] in ("completed", "failed"):
                finished.append((job, state))
            else:
                progress_rows.append({"b_id": job.id, **{c: state[c] for c in _PROGRESS_COLUMNS}})
        if progress_rows:
            table = ReplicationJob.__table__
            db.session.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"), table.c.status == RUNNING)
                .values(**{c: bindparam(c) for c in _PROGRESS_COLUMNS}, updated_at=now, vma_last_poll_at=now),
                progress_rows)
        completed = failed = 0
        for job, state in finished:
            if self._finish(job, state, now):
                completed += state["status"] == "completed"
                failed += state["status"] == "failed"
        db.session.commit()
        return TickResult(advanced=len(progress_rows), completed=completed, failed=failed)

    def _finish(self, job, state: dict, now: datetime) -> bool:
        """End a job exactly once (compare-and-set on its status), then update its VM's counters."""
        won = db.session.execute(
            update(ReplicationJob)
            .where(ReplicationJob.id == job.id, ReplicationJob.status == RUNNING)
            .values(**state, completed_at=now, updated_at=now, vma_last_poll_at=now)
            .execution_options(synchronize_session=False)).rowcount == 1
        if not won or not job.vm_context_id:
            return won
        ctx = VMReplicationContext
        succeeded = state["status"] == "completed"
        counters = ({"successful_jobs": func.coalesce(ctx.successful_jobs, 0) + 1, "last_successful_job_id": job.id}
                    if succeeded else {"failed_jobs": func.coalesce(ctx.failed_jobs, 0) + 1})
        is_current = (ctx.current_job_id == job.id) & (ctx.current_status == "replicating")
        db.session.execute(
            update(ctx).where(ctx.context_id == job.vm_context_id)
            .values(**counters, last_job_at=now, updated_at=now,
                    current_status=case((is_current, "ready_for_failover" if succeeded else "failed"),
                                        else_=ctx.current_status),
                    last_status_change=case((is_current, now), else_=ctx.last_status_change))
            .execution_options(synchronize_session=False))
        log.info("Replication job %s %s vm=%s", job.id, state["status"], job.source_vm_name)
        return True

    # --- background thread -------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="simulator-progress", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval_seconds):
            try:
                with self.app.app_context():
                    self.tick()
            except Exception:  # keep the demo alive through a transient database error
                log.exception("Simulator progress tick failed")
