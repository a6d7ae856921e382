"""The running scheduler of one process: lease, engine, watchdog, schedule reloads.

A supervisor thread renews (or tries to take) the lease every tick. The lease holder runs an
APScheduler `BackgroundScheduler`: one job per enabled cron schedule (with `cron.ScheduleTrigger`),
plus a heartbeat, the reconcile loop and phantom detection. The supervisor doubles as watchdog:
when the engine's heartbeat stalls it throws the engine away and starts a new one, which first
catches up on the slots the stall missed. Standby processes only renew their attempt.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from apscheduler.executors.pool import ThreadPoolExecutor as APSThreadPool
from apscheduler.schedulers.background import BackgroundScheduler
# Imported here, not by name ("interval") when an engine starts: gunicorn --preload can fork while
# the master's supervisor thread starts an engine, and a module half-imported at that instant stays
# broken in the worker, whose every engine start then fails while it keeps the lease.
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy import func, select

from cron import CronError, ScheduleTrigger
from extensions import db
from models import ReplicationJob, ReplicationSchedule, ScheduleExecution, utcnow
from scheduler import lease, metrics
from scheduler.ids import new_holder_id
from policy.slots import slot_policies
from scheduler.next_runs import POLICY_HORIZON, frequency_floor, schedule_problem, write_next_runs
from scheduler.outcomes import AWAITING_DISPATCH, job_outcome
from scheduler.phantoms import detect_phantoms
from scheduler.pipeline import Pipeline
from scheduler.slots import ClaimResult, catch_up, claim_slots, last_slots_by_schedule, start_scheduled
from scheduler.vma_progress import poll_quiet_jobs

log = logging.getLogger(__name__)
# APScheduler logs every run of every job at INFO (the heartbeat runs each second).
logging.getLogger("apscheduler").setLevel(logging.WARNING)


@dataclass
class LoadedSchedule:
    """A cron schedule the engine fires: its trigger and the last slot handled."""

    snapshot: SimpleNamespace
    signature: tuple
    trigger: ScheduleTrigger
    cursor: datetime
    lock: threading.Lock = field(default_factory=threading.Lock)


class ClaimsFirst:
    """Executions wait while slots are being claimed.

    When hundreds of schedules are due in the same second, every slot is claimed (which fixes
    its fire lag) before dispatch work competes with the claims for the CPU and the database.
    The wait is bounded, so a steady stream of fires cannot starve the executions.
    """

    def __init__(self, max_wait_seconds: float = 2.0):
        self.max_wait_seconds = max_wait_seconds
        self._claiming = 0
        self._idle = threading.Condition()

    @contextmanager
    def claiming(self):
        with self._idle:
            self._claiming += 1
        try:
            yield
        finally:
            with self._idle:
                self._claiming -= 1
                if self._claiming == 0:
                    self._idle.notify_all()

    def wait(self) -> None:
        with self._idle:
            self._idle.wait_for(lambda: self._claiming == 0, timeout=self.max_wait_seconds)


class ClaimBatcher:
    """Slots due together are claimed together: one multi-row insert instead of one per slot.

    Each fire thread queues its claim; whichever finds no batch running drains the queue (in its
    own thread and app context) and hands every caller its result. With 500 schedules due in the
    same second that is a few dozen statements instead of two thousand.
    """

    def __init__(self):
        self._pending: list[tuple[object, datetime, Future]] = []
        self._lock = threading.Lock()
        self._draining = False

    def claim(self, schedule, slot: datetime, now: datetime | None = None) -> ClaimResult:
        future: Future = Future()
        with self._lock:
            self._pending.append((schedule, slot, future))
            drain = not self._draining
            self._draining = True
        if drain:
            self._drain()
        return future.result()

    def _drain(self) -> None:
        while True:
            with self._lock:
                batch, self._pending = self._pending, []
                if not batch:
                    self._draining = False
                    return
            try:
                results = claim_slots([(schedule, slot) for schedule, slot, _ in batch])
            except Exception as exc:  # every waiting fire must hear about it
                db.session.rollback()
                for _, _, future in batch:
                    future.set_exception(exc)
                continue
            for (_, _, future), outcome in zip(batch, results):
                future.set_result(outcome)


def every(seconds: float) -> IntervalTrigger:
    return IntervalTrigger(seconds=seconds, timezone=timezone.utc)


class SchedulerService:
    def __init__(self, app: Flask):
        self.app = app
        config = app.config
        self.lease_seconds = int(config.get("SCHEDULER_LEASE_SECONDS", 20))
        self.tick = float(config.get("SCHEDULER_TICK_SECONDS", 2))
        self.watchdog_seconds = float(config.get("SCHEDULER_WATCHDOG_SECONDS", 15))
        self.grace_seconds = int(config.get("MISSED_SLOT_GRACE_SECONDS", 300))
        self.min_interval = frequency_floor(config)
        self._reset()

    def _reset(self) -> None:
        """Fresh per-process state (also after a fork: threads do not survive it)."""
        self.holder = new_holder_id()
        self.role = "starting"
        self.engine: BackgroundScheduler | None = None
        self.engine_started_at = 0.0
        self.engine_beat = 0.0
        self.engine_beat_wall: datetime | None = None
        self.last_renewed = 0.0
        self.loaded: dict[str, LoadedSchedule] = {}
        self.invalid: dict[str, str] = {}
        self.invalid_before: dict[str, str] = {}
        self.fingerprint = None
        self.pipeline: Pipeline | None = None
        self.execution_pool: ThreadPoolExecutor | None = None
        self._next_runs_stale = threading.Event()
        self.claims_first = ClaimsFirst()
        self.claim_batcher = ClaimBatcher()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._engine_lock = threading.RLock()

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._supervise_forever, name="scheduler-supervisor", daemon=True)
        self._thread.start()

    def stop(self, release: bool = True) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self._stop_engine("service stopped")
        if release:
            with self.app.app_context():
                try:
                    lease.release(self.holder)
                except Exception:
                    log.exception("Could not release the scheduler lease")
                finally:
                    db.session.remove()
        self.role = "stopped"

    def after_fork_in_child(self) -> None:
        """A forked worker inherits no threads: start over with a new identity."""
        with self.app.app_context():
            db.engine.dispose(close=False)  # never share the parent's connections
        self._reset()
        log.info("Scheduler service started as %s in a forked worker", self.holder)
        self.start()

    def wake(self) -> None:
        self._wake.set()

    # --- supervisor / watchdog -------------------------------------------------------------

    def _supervise_forever(self) -> None:
        while not self._stop.is_set():
            with self.app.app_context():
                try:
                    self.supervise_once()
                except Exception:
                    db.session.rollback()
                    log.exception("Scheduler supervisor error")
                    self._fence()
                finally:
                    db.session.remove()
            self._wake.wait(self.tick)
            self._wake.clear()

    def supervise_once(self) -> None:
        """Renew or take the lease, start or stop the engine, restart a stalled engine, reload."""
        beat = self.engine_beat_wall if self.engine is not None else None
        info = {"host": self.holder.split(":")[0], "pid": os.getpid()}
        leader = lease.try_acquire(self.holder, self.lease_seconds, beat, info)
        if leader:
            self.last_renewed = time.monotonic()
            self.role = "leader"
            metrics.IS_LEADER.set(1)
            if self.engine is None:
                self._start_engine()
            elif self._stalled():
                log.error("Scheduler engine heartbeat stalled for %.0f s; restarting the engine",
                          time.monotonic() - self.engine_beat)
                metrics.ENGINE_RESTARTS.inc()
                self._stop_engine("watchdog restart")
                self._start_engine()
            self._reload_if_changed()
        else:
            self.role = "standby"
            metrics.IS_LEADER.set(0)
            if self.engine is not None:
                log.warning("Scheduler lease lost by %s; stopping the engine", self.holder)
                self._stop_engine("lease lost")

    def _stalled(self) -> bool:
        started_long_ago = time.monotonic() - self.engine_started_at > self.watchdog_seconds
        return started_long_ago and time.monotonic() - self.engine_beat > self.watchdog_seconds

    def _fence(self) -> None:
        """Stop firing before the lease can expire when it could not be renewed."""
        if self.engine is not None and time.monotonic() - self.last_renewed > self.lease_seconds - 2 * self.tick:
            log.error("Scheduler lease could not be renewed; stopping the engine")
            self._stop_engine("lease not renewed")
            self.role = "standby"
            metrics.IS_LEADER.set(0)

    # --- engine ----------------------------------------------------------------------------

    def _start_engine(self) -> None:
        with self._engine_lock:
            if self._stop.is_set():
                # Stopping (or about to fork, gunicorn --preload): a lease taken a moment ago is
                # handed back by stop(); starting an engine now would fire slots in a process
                # that is leaving the election.
                return
            log.info("Scheduler lease held by %s; starting the engine", self.holder)
            config = self.app.config
            self.pipeline = Pipeline(self.app, self.holder)
            self.execution_pool = ThreadPoolExecutor(int(config.get("SCHEDULER_EXECUTION_WORKERS", 16)),
                                                     thread_name_prefix="scheduler-execution")
            # Slots fire on their own pool: 500 schedules due in the same second must not delay
            # the heartbeat (the watchdog would restart a busy engine) or the reconcile loop.
            engine = BackgroundScheduler(
                timezone=timezone.utc,
                executors={"default": APSThreadPool(int(config.get("SCHEDULER_FIRE_WORKERS", 20))),
                           "maintenance": APSThreadPool(4)},
                job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
            engine.add_job(self._heartbeat, every(1), id="heartbeat", executor="maintenance")
            engine.add_job(self.reconcile, every(float(config.get("SCHEDULER_RECONCILE_SECONDS", 2))),
                           id="reconcile", executor="maintenance")
            engine.add_job(self.sync_next_runs, every(self.tick), id="next-runs", executor="maintenance")
            engine.add_job(self.check_phantoms, every(int(config.get("PHANTOM_CHECK_SECONDS", 300))),
                           id="phantoms", executor="maintenance")
            # Maintenance other packages register with the app (the protection sweep), run on the leader.
            for name, task, seconds in self.app.extensions.get("scheduler_maintenance", ()):
                engine.add_job(self._maintain, every(seconds), args=[name, task], id=f"maintenance:{name}",
                               executor="maintenance", next_run_time=datetime.now(timezone.utc))
            if config.get("PROGRESS_FROM_VMA"):
                # The cadence of the OMA's own poller (vma_progress_poller.go:49 [8b7d59b]).
                engine.add_job(self.poll_vma_progress, every(5), id="vma-progress", executor="maintenance")
            self.engine = engine
            self.loaded = {}
            self.fingerprint = None
            self.engine_started_at = time.monotonic()
            self._heartbeat()
            engine.start()
            self._reload_if_changed()

    def _stop_engine(self, reason: str) -> None:
        with self._engine_lock:
            engine, self.engine = self.engine, None
            if engine is not None:
                log.info("Stopping the scheduler engine (%s)", reason)
                try:
                    engine.shutdown(wait=False)
                except Exception:
                    log.exception("Scheduler engine did not shut down cleanly")
            if self.execution_pool is not None:
                self.execution_pool.shutdown(wait=False, cancel_futures=True)
                self.execution_pool = None
            if self.pipeline is not None:
                self.pipeline.shutdown()
                self.pipeline = None
            self.loaded = {}
            self.fingerprint = None

    def _heartbeat(self) -> None:
        self.engine_beat = time.monotonic()
        self.engine_beat_wall = datetime.now(timezone.utc)

    def _submit(self, execution_id: str) -> None:
        pool, pipeline = self.execution_pool, self.pipeline
        if pool is not None and pipeline is not None:
            try:
                pool.submit(self._advance_after_claims, pipeline, execution_id)
            except RuntimeError:  # the engine is being stopped; the next leader picks it up
                pass

    def _advance_after_claims(self, pipeline: Pipeline, execution_id: str) -> None:
        self.claims_first.wait()
        pipeline.advance(execution_id)

    # --- schedules -------------------------------------------------------------------------

    def _reload_if_changed(self) -> None:
        fingerprint = (lease.schedules_version(),) + tuple(db.session.execute(
            select(func.count(), func.max(ReplicationSchedule.updated_at))).one())
        if fingerprint != self.fingerprint:
            self.load_schedules()
            self.fingerprint = fingerprint

    def load_schedules(self) -> None:
        """Add, replace or remove APScheduler jobs so they match the enabled cron schedules."""
        engine = self.engine
        if engine is None:
            return
        schedules = db.session.scalars(select(ReplicationSchedule)).all()
        last_slots = last_slots_by_schedule()
        wanted: dict[str, ReplicationSchedule] = {}
        self.invalid = {}
        for schedule in schedules:
            if not schedule.enabled or schedule.schedule_type == "chain":
                continue
            problem = schedule_problem(schedule)
            if problem is not None:
                # A row another tool wrote may hold what we refuse: it is never fired, and says why.
                if self.invalid_before.get(schedule.id) != problem:
                    log.error("Schedule %s is not fired: %s", schedule.name, problem)
                self.invalid[schedule.id] = problem
                continue
            wanted[schedule.id] = schedule
        self.invalid_before = dict(self.invalid)
        for schedule_id in list(self.loaded):
            if schedule_id not in wanted:
                self._remove_job(schedule_id)
        for schedule_id, schedule in wanted.items():
            signature = (schedule.cron_expression, schedule.zone)
            current = self.loaded.get(schedule_id)
            snapshot = SimpleNamespace(id=schedule.id, name=schedule.name, zone=schedule.zone,
                                       skip_if_running=schedule.skip_if_running)
            if current is not None and current.signature == signature:
                current.snapshot = snapshot
                continue
            try:
                trigger = ScheduleTrigger(schedule.cron_expression, schedule.zone, self.min_interval)
            except CronError as exc:
                self.invalid[schedule_id] = str(exc)
                log.error("Schedule %s is not fired: %s", schedule.name, exc)
                self._remove_job(schedule_id)
                continue
            candidates = [last_slots.get(schedule_id), schedule.updated_at, schedule.created_at,
                          current.cursor if current else None]
            cursor = max(value for value in candidates if value is not None) if any(candidates) else utcnow()
            self.loaded[schedule_id] = LoadedSchedule(snapshot, signature, trigger, cursor)
            engine.add_job(self.fire, trigger, args=[schedule_id], id=f"schedule:{schedule_id}",
                           replace_existing=True, next_run_time=datetime.now(timezone.utc))
        self._next_runs_stale.set()

    def _remove_job(self, schedule_id: str) -> None:
        self.loaded.pop(schedule_id, None)
        if self.engine is not None and self.engine.get_job(f"schedule:{schedule_id}") is not None:
            self.engine.remove_job(f"schedule:{schedule_id}")

    def fire(self, schedule_id: str) -> None:
        """An APScheduler job: handle every slot of the schedule that is due (normally one)."""
        entry = self.loaded.get(schedule_id)
        if entry is None:
            return
        with entry.lock, self.app.app_context():
            try:
                with self.claims_first.claiming():
                    latest, claim = catch_up(entry.snapshot, entry.trigger.expression, entry.cursor, utcnow(),
                                             self.grace_seconds, claim=self.claim_batcher.claim)
                if latest is None:
                    return
                entry.cursor = latest
                if claim is not None and claim.status == "running":
                    self._submit(claim.execution_id)
                self._next_runs_stale.set()
            except Exception:
                db.session.rollback()
                log.exception("Schedule %s could not fire", schedule_id)
            finally:
                db.session.remove()

    def sync_next_runs(self) -> None:
        """Bring every VM's `next_scheduled_at` up to date after fires or reloads."""
        if not self._next_runs_stale.is_set():
            return
        self._next_runs_stale.clear()
        now = utcnow()
        loaded = list(self.loaded.items())
        pipeline = self.pipeline
        with self.app.app_context():
            try:
                # The next slot each schedule's windows and the blackouts let start.
                policies = slot_policies([entry.snapshot for _, entry in loaded], now, now + POLICY_HORIZON)
                next_by_schedule = {}
                for schedule_id, entry in loaded:
                    fire = entry.trigger.expression.next_after(now)
                    policy = policies[schedule_id]
                    next_by_schedule[schedule_id] = fire if fire is None or policy.slot_verdict(fire) is None \
                        else policy.next_allowed(entry.trigger.expression, now)
                # While the OMA writes the rows of VMs being dispatched, updating them could
                # deadlock with it; those VMs wait for the next pass.
                paused = pipeline.dispatch_paused if pipeline is not None else (lambda: nullcontext(set()))
                _, left = write_next_runs(next_by_schedule, paused)
                if left:
                    self._next_runs_stale.set()
            except Exception:
                db.session.rollback()
                self._next_runs_stale.set()  # try again at the next tick
                log.warning("Next scheduled runs of VMs not updated yet; retrying", exc_info=True)
            finally:
                db.session.remove()

    # --- reconcile and phantoms ------------------------------------------------------------

    def reconcile(self) -> None:
        """Start due manual/retry/chain runs; advance running executions that need it."""
        with self.app.app_context():
            try:
                self.reconcile_once()
            except Exception:
                db.session.rollback()
                log.exception("Scheduler reconcile failed")
            finally:
                db.session.remove()

    def reconcile_once(self) -> None:
        now = utcnow()
        due = db.session.scalars(
            select(ScheduleExecution.id).where(ScheduleExecution.status == "scheduled",
                                               ScheduleExecution.scheduled_at <= now)
            .order_by(ScheduleExecution.scheduled_at).limit(500)).all()
        for execution_id in due:
            if start_scheduled(execution_id, now, self.grace_seconds) == "running":
                self._submit(execution_id)
        pipeline = self.pipeline
        if pipeline is None:
            return
        running = db.session.execute(
            select(ScheduleExecution.id, ScheduleExecution.execution_details, ScheduleExecution.started_at)
            .where(ScheduleExecution.status == "running")).all()
        running = [row for row in running if not pipeline.is_busy(row.id)]
        if not running:
            return
        jobs: dict[str, dict[str, tuple]] = {}
        ids = [row.id for row in running]
        for chunk in range(0, len(ids), 500):
            for job in db.session.execute(
                    select(ReplicationJob.schedule_execution_id, ReplicationJob.vm_context_id,
                           ReplicationJob.id, ReplicationJob.status, ReplicationJob.progress_percent)
                    .where(ReplicationJob.schedule_execution_id.in_(ids[chunk:chunk + 500]))):
                jobs.setdefault(job[0], {})[job[1]] = (job[2], job[3], float(job[4] or 0))
        for row in running:
            if needs_attention(row.execution_details, jobs.get(row.id, {})) or pipeline.overdue(row.started_at, now):
                self._submit(row.id)

    def check_phantoms(self) -> None:
        config = self.app.config
        with self.app.app_context():
            try:
                vma = self.pipeline.vma if self.pipeline is not None else None
                detect_phantoms(vma, utcnow(), timedelta(minutes=int(config.get("SCHEDULER_SETUP_STUCK_MINUTES", 30))),
                                bool(config.get("PROGRESS_FROM_VMA")))
            except Exception:
                db.session.rollback()
                log.exception("Phantom job detection failed")
            finally:
                db.session.remove()

    def _maintain(self, name: str, task) -> None:
        with self.app.app_context():
            try:
                task()
            except Exception:
                db.session.rollback()
                log.exception("Scheduler maintenance %s failed", name)
            finally:
                db.session.remove()

    def poll_vma_progress(self) -> None:
        with self.app.app_context():
            try:
                if self.pipeline is not None:
                    poll_quiet_jobs(self.pipeline.vma, utcnow())
            except Exception:
                db.session.rollback()
                log.exception("Reading replication progress from the VMA failed")
            finally:
                db.session.remove()


def needs_attention(details: dict | None, jobs: dict[str, tuple]) -> bool:
    """Whether advancing an execution could change anything: not planned yet, VMs waiting or
    being dispatched, or a job whose status or progress moved since the details were written."""
    entries = (details or {}).get("vms")
    if entries is None:
        return True
    for entry in entries:
        outcome = entry.get("outcome")
        if outcome in AWAITING_DISPATCH:
            return True
        job = jobs.get(entry.get("vm_context_id"))
        if job is None:
            continue
        job_id, status, progress = job
        if entry.get("job_id") != job_id or outcome != job_outcome(status) or entry.get("progress") != progress:
            return True
    return False
