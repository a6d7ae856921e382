"""Failovers in the running demo: now and then a test failover of an idle VM, later its rollback.

Scheduled replications keep the timeline busy on their own; this adds failover and rollback
jobs running step by step, so the live progress panels and sanitized step errors can be seen
too. It only ever rolls back the test failovers it started itself.
"""
from __future__ import annotations

import logging
import random
import threading
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select

from extensions import db
from models import JobTracking, VMGroupMembership, VMReplicationContext, utcnow
from simulator.chatter import simulated
from simulator.failover import FAILURE_RATE, FailoverOutcome, choose_failing_step, run_operation

log = logging.getLogger(__name__)

OWNER = "demo-activity"


class DemoActivity:
    """One failover action every `interval_seconds` (in a daemon thread, or `act()` from tests)."""

    def __init__(self, app: Flask, *, interval_seconds: float = 240.0, rollback_after: timedelta = timedelta(minutes=5),
                 step_pause: float = 4.0, failure_rate: float = FAILURE_RATE, rng: random.Random | None = None):
        self.app = app
        self.interval_seconds = interval_seconds
        self.rollback_after = rollback_after
        self.step_pause = step_pause
        self.failure_rate = failure_rate
        self.rng = rng or random.Random()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def act(self, now: datetime | None = None) -> FailoverOutcome | None:
        """Roll back one of our test failovers that has run long enough, else fail over an idle VM."""
        now = now or utcnow()
        due = db.session.scalars(
            select(JobTracking.context_id)
            .join(VMReplicationContext, VMReplicationContext.context_id == JobTracking.context_id)
            .where(JobTracking.owner == OWNER, JobTracking.job_type == "failover", JobTracking.status == "completed",
                   JobTracking.completed_at <= now - self.rollback_after,
                   VMReplicationContext.current_status == "failed_over_test")
            .order_by(JobTracking.completed_at).limit(1)).first()
        if due:
            return self._run(due, "rollback")
        idle = list(db.session.scalars(
            select(VMReplicationContext.context_id)
            .outerjoin(VMGroupMembership, VMGroupMembership.vm_context_id == VMReplicationContext.context_id)
            .where(VMGroupMembership.id.is_(None), VMReplicationContext.current_status == "ready_for_failover")
            .order_by(VMReplicationContext.context_id)))
        if not idle:
            return None
        return self._run(self.rng.choice(idle), "test_failover")

    def _run(self, context_id: str, operation_type: str) -> FailoverOutcome:
        return run_operation(context_id, operation_type, fail_at=choose_failing_step(operation_type, self.rng, self.failure_rate),
                             step_pause=self.step_pause, sleep=self._stop.wait, rng=self.rng, owner=OWNER)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="simulator-activity", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_seconds * self.rng.uniform(0.7, 1.3)):
            try:
                with self.app.app_context(), simulated():
                    self.act()
            except Exception:  # the demo goes on after a transient database error
                log.exception("Demo failover activity failed")
