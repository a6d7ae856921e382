"""The simulated OMA's VMA progress poller: copies the VMA's view of each job into the database.

Real: oma/services/vma_progress_poller.go [OMA 8b7d59b]: every 5 s (:49), at most 10 jobs at
once (:50, :117-118), for each job ask the VMA and write `updateJobWithVMAData` (:314-360):
status from the phase word (`MapVMAPhaseToStatus`, vma_progress_client.go:191-207: Snapshot
Creation -> snapshotting, Copying Data -> replicating, Cleanup -> finalizing, Completed ->
completed, Error -> failed), progress, bytes, throughput, sync type and the replication type it
implies; on completion or failure the context recount (:352-357, simulator/context_after_job.py).

`ProgressDriver.tick(now)` is one poll of every job the poller follows. Tests call it with a
clock of their own; in the app a daemon thread calls it every SIMULATOR_TICK_SECONDS.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from sqlalchemy import select, update

from extensions import db
from models import ReplicationJob, utcnow
from simulator.chatter import simulated
from simulator.context_after_job import update_context_after_job
from simulator.plan import MIB, VMAState
from simulator.raw_errors import VMA_FAILURE_CLASSIFICATION, vma_failure_columns
from simulator.vma_jobs import vma_state

log = logging.getLogger(__name__)

# The statuses the poller writes while a copy runs; a job in another status was ended by
# someone else (the phantom check, an operator) and is left alone: every write is guarded.
POLLED = ("replicating", "snapshotting", "finalizing")
POLL_INTERVAL_SECONDS = 5.0  # vma_progress_poller.go:49
MAX_POLLED_JOBS = 10  # vma_progress_poller.go:50


@dataclass(frozen=True)
class TickResult:
    advanced: int = 0
    completed: int = 0
    failed: int = 0


def _status_of(state: VMAState) -> str:
    return {"Snapshot Creation": "snapshotting", "Copying Data": "replicating", "Cleanup": "finalizing",
            "Completed": "completed", "Error": "failed"}.get(state.phase, "replicating")


def job_columns(state: VMAState, sync_type: str, now: datetime) -> dict:
    """The columns `updateJobWithVMAData` writes for one poll."""
    mbps = state.throughput_bps / MIB
    columns = {"status": _status_of(state), "progress_percent": state.percent,
               "current_operation": state.operation, "bytes_transferred": state.bytes_transferred,
               "total_bytes": state.total_bytes, "transfer_speed_bps": int(mbps * 1048576),
               "vma_sync_type": sync_type, "vma_current_phase": state.phase,
               "vma_throughput_mbps": round(mbps, 2), "vma_eta_seconds": state.eta_seconds,
               "vma_last_poll_at": now, "updated_at": now,
               # mapVMASyncTypeToReplicationType (:469-479)
               "replication_type": "incremental" if sync_type == "incremental" else "initial"}
    if state.status == "Succeeded":
        columns.update(completed_at=now, progress_percent=100.0, current_operation="Completed", status="completed")
    elif state.status == "Failed":
        message, details = vma_failure_columns(state.error or "")
        columns.update(status="failed", completed_at=now, current_operation="Failed", error_message=message,
                       vma_error_classification=VMA_FAILURE_CLASSIFICATION, vma_error_details=details)
    return columns


class ProgressDriver:
    """Moves simulated jobs along their plans; safe to run in several processes at once."""

    def __init__(self, app: Flask, *, seed: str, failure_rate: float, interval_seconds: float = POLL_INTERVAL_SECONDS,
                 clock: Callable[[], datetime] = utcnow, max_jobs: int = MAX_POLLED_JOBS):
        self.app = app
        self.seed = seed
        self.failure_rate = failure_rate
        self.interval_seconds = interval_seconds
        self.clock = clock
        self.max_jobs = max_jobs
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, now: datetime | None = None) -> TickResult:
        """One poll (in the current app context): the `max_jobs` longest-running copies are brought
        to their state at `now`; the others wait for a free slot, as they do on the real OMA."""
        now = now or self.clock()
        jobs = db.session.execute(
            select(ReplicationJob.id, ReplicationJob.started_at, ReplicationJob.vma_sync_type,
                   ReplicationJob.total_bytes, ReplicationJob.source_vm_name, ReplicationJob.source_vm_path)
            .where(ReplicationJob.status.in_(POLLED), ReplicationJob.nbd_export_name.is_not(None),
                   ReplicationJob.started_at.is_not(None))
            .order_by(ReplicationJob.started_at, ReplicationJob.id).limit(self.max_jobs)).all()
        advanced = completed = failed = 0
        for job in jobs:
            state = vma_state(job, seed=self.seed, failure_rate=self.failure_rate, now=now)
            won = db.session.execute(
                update(ReplicationJob).where(ReplicationJob.id == job.id, ReplicationJob.status.in_(POLLED))
                .values(**job_columns(state, job.vma_sync_type or "full", now))
                .execution_options(synchronize_session=False)).rowcount == 1
            if not won:
                continue
            if state.finished:
                update_context_after_job(job.id, now)
                completed += state.status == "Succeeded"
                failed += state.status == "Failed"
                log.info("Replication job %s %s vm=%s", job.id, _status_of(state), job.source_vm_name)
            else:
                advanced += 1
        db.session.commit()
        return TickResult(advanced=advanced, completed=completed, failed=failed)

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
                with self.app.app_context(), simulated():
                    self.tick()
            except Exception:  # keep the demo alive through a transient database error
                log.exception("Simulator progress tick failed")
