"""Steps 2–7 of an execution (SPEC §5): collect, check conflicts, dispatch, follow, retry, chain.

An execution's per-VM outcomes live in `execution_details["vms"]`, in priority order:

    {"vm_context_id", "vm_name", "group_id", "group_name",
     "outcome": one of scheduler.outcomes.STATES (skipped, queued, dispatching, running, completed, failed),
     "reason":  conflict code (skipped, queued) or failure category (failed),
     "message": operator words (sanitized), "actionable_steps": [...] (failed only),
     "retryable": bool (failed only), "job_id", "progress"}

`advance(execution_id)` is the only writer of those details in a process: it adopts job rows
the OMA wrote, dispatches queued VMs when a concurrency slot frees, and finishes the execution
when every VM is settled. Technical detail of failures goes to `error_details`, never to the
operator-facing fields.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import CancelledError, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from flask import Flask
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from appliance import ApplianceError, OMAClient, VMAClient
from cron.zones import local_text
from domain_errors import ChainCycle, DomainError
from extensions import db
from models import DashboardDispatchClaim, ReplicationJob, ReplicationSchedule, ScheduleExecution, utcnow
from sanitizer import sanitize_error
from scheduler import job_lines, metrics
from scheduler.chains import validate_chain
from scheduler.collect import Candidate, collect_vms
from scheduler.conflicts import current_load, first_conflict
from scheduler.contexts import release_contexts
from scheduler.ids import chain_execution_id, retry_execution_id
from scheduler.outcomes import (COMPLETED, DISPATCHING, FAILED, QUEUED, RUNNING, SETTLED, SKIPPED,
                                SUPERSEDED, job_outcome)
from scheduler.slots import insert_once
from scheduler.holds import after_final_outcome, hold_by_policy
from scheduler.specs import SpecSource
from vcenters import login_for, note_use

log = logging.getLogger(__name__)

SCHEDULER_NAME = "scheduler-service"


def summarize(entries: list[dict]) -> dict:
    """The execution's counters, derived from its per-VM outcomes."""
    outcomes = [entry["outcome"] for entry in entries]
    return {
        "vms_eligible": sum(1 for o in outcomes if o != SKIPPED),
        "jobs_created": sum(1 for entry in entries if entry.get("job_id")),
        "jobs_completed": outcomes.count(COMPLETED),
        "jobs_failed": outcomes.count(FAILED),
        "jobs_skipped": outcomes.count(SKIPPED),
    }


def _entry(candidate: Candidate) -> dict:
    return {"vm_context_id": candidate.vm_context_id, "vm_name": candidate.vm_name,
            "group_id": candidate.group_id, "group_name": candidate.group_name}


def _set(entry: dict, outcome: str, **fields) -> None:
    for key in ("reason", "message", "actionable_steps", "retryable"):
        entry.pop(key, None)
    entry["outcome"] = outcome
    entry.update({key: value for key, value in fields.items() if value is not None})


class Pipeline:
    """Runs executions for one process: HTTP dispatch in a thread pool, database work under the
    app context, and a per-process record of VMs being dispatched right now."""

    def __init__(self, app: Flask, holder: str):
        self.app = app
        self.holder = holder
        self.oma = OMAClient.from_config(app.config)
        self.vma = VMAClient.from_config(app.config)
        self.specs = SpecSource(self.vma, float(app.config.get("SCHEDULER_SPECS_MAX_AGE_SECONDS", 10)))
        self.http_pool = ThreadPoolExecutor(int(app.config.get("SCHEDULER_DISPATCH_WORKERS", 32)),
                                            thread_name_prefix="scheduler-dispatch")
        # Decisions about concurrency limits must see dispatches decided a moment ago by another
        # thread of this process, whose job rows do not exist yet.
        self._plan_lock = threading.Lock()
        self._in_flight: dict[str, tuple[str, str]] = {}
        self._busy: set[str] = set()
        self._busy_lock = threading.Lock()
        config = app.config
        connect = float(config.get("API_CONNECT_TIMEOUT", 5))
        replication = float(config.get("OMA_REPLICATION_TIMEOUT", 180))
        timeouts = 2 * connect + replication + float(config.get("VMA_DISCOVERY_TIMEOUT", 90))
        #: A VM still "dispatching" after this long, with no job row, was interrupted.
        self.interrupted_after = timedelta(seconds=timeouts + 10)
        self.execution_timeout = timedelta(hours=float(config.get("SCHEDULER_EXECUTION_TIMEOUT_HOURS") or 24))
        #: How long a request the OMA did not answer waits for the job row it may have written.
        self.unanswered_grace = timedelta(
            seconds=float(config.get("SCHEDULER_DISPATCH_GRACE_SECONDS") or 0) or replication + 60)

    def shutdown(self) -> None:
        self.http_pool.shutdown(wait=False, cancel_futures=True)

    @contextmanager
    def dispatch_paused(self):
        """Hold back new dispatch decisions; yields the VMs being dispatched right now."""
        with self._plan_lock:
            yield set(self._in_flight)

    def is_busy(self, execution_id: str) -> bool:
        return execution_id in self._busy

    @contextmanager
    def _exclusive(self, execution_id: str):
        with self._busy_lock:
            mine = execution_id not in self._busy
            if mine:
                self._busy.add(execution_id)
        try:
            yield mine
        finally:
            if mine:
                with self._busy_lock:
                    self._busy.discard(execution_id)

    def advance(self, execution_id: str) -> None:
        """Move one running execution forward; safe to call any number of times."""
        with self._exclusive(execution_id) as mine:
            if not mine:
                return
            with self.app.app_context():
                try:
                    self._advance(execution_id)
                except CancelledError:
                    # The engine stopped (lease lost, shutdown) while this pass waited for its
                    # dispatches: the claims it wrote make the next leader adopt or fail them.
                    db.session.rollback()
                    log.info("Execution %s: dispatch interrupted because the engine stopped; the next pass "
                             "continues it", execution_id)
                except Exception:
                    db.session.rollback()
                    log.exception("Execution %s could not be advanced; it will be retried", execution_id)
                finally:
                    db.session.remove()

    def _advance(self, execution_id: str) -> None:
        execution = db.session.get(ScheduleExecution, execution_id)
        if execution is None or execution.status != "running":
            return
        schedule = db.session.get(ReplicationSchedule, execution.schedule_id)
        details = dict(execution.execution_details or {})
        entries: list[dict] | None = details.get("vms")
        first_pass = entries is None
        entries = [dict(entry) for entry in entries or ()]
        now = utcnow()
        # Read now: touching the (expired) rows after a commit would check out a connection and
        # hold it for the whole HTTP dispatch.
        request_fields = dispatch_fields(execution, schedule)
        ended = self._adopt_jobs(execution, entries, now)
        if not first_pass and self.overdue(execution.started_at, now):
            self._stop_waiting(entries)

        with self._plan_lock:
            if first_pass:
                pending = collect_vms(schedule.id, details.get("vm_context_ids"))
                entries = [_entry(candidate) for candidate in pending]
            else:
                queued = [e["vm_context_id"] for e in entries if e["outcome"] == QUEUED]
                pending = collect_vms(schedule.id, queued) if queued else []
                still_here = {candidate.vm_context_id for candidate in pending}
                for entry in entries:
                    if entry["outcome"] == QUEUED and entry["vm_context_id"] not in still_here:
                        _set(entry, SKIPPED, reason="vm_disabled",
                             message="The VM no longer belongs to this schedule")
            by_vm = {entry["vm_context_id"]: entry for entry in entries}
            if execution.triggered_by in ("retry", "deferred") and pending:
                pending = self._drop_superseded(execution, schedule, pending, by_vm)
            if pending:
                pending = hold_by_policy(execution, schedule, pending, by_vm, now)
            load = current_load(schedule.id, pending, dict(self._in_flight))
            to_dispatch: list[Candidate] = []
            for candidate in pending:
                conflict = first_conflict(schedule, candidate, load)
                entry = by_vm[candidate.vm_context_id]
                if conflict is None:
                    load.take(candidate)
                    to_dispatch.append(candidate)
                    _set(entry, DISPATCHING)
                else:
                    _set(entry, QUEUED if conflict.queues else SKIPPED, reason=conflict.code,
                         message=conflict.message)
            claimed = self._claim(execution.id, to_dispatch, now)
            for candidate in to_dispatch:
                if candidate not in claimed:  # another process dispatches it; its job row will show up
                    by_vm[candidate.vm_context_id]["claimed_elsewhere"] = True
            for candidate in claimed:
                self._in_flight[candidate.vm_context_id] = (schedule.id, candidate.group_id)
            details["vms"] = entries
            self._write(execution, details, entries)
            db.session.commit()

        if claimed:
            try:
                results = self._dispatch(claimed, request_fields)
            finally:
                with self._plan_lock:
                    for candidate in claimed:
                        self._in_flight.pop(candidate.vm_context_id, None)
            errors = dict(execution.error_details or {})
            for candidate, result in zip(claimed, results):
                raw = result.pop("_raw", None)
                if raw:
                    errors[candidate.vm_context_id] = raw
                _set(by_vm[candidate.vm_context_id], **result)
            execution.error_details = errors or None
            self._write(execution, details, entries)
            db.session.commit()
        self._finish_if_settled(execution, schedule, details, entries)
        release_contexts(ended)

    @staticmethod
    def _drop_superseded(execution: ScheduleExecution, schedule: ReplicationSchedule, pending: list[Candidate],
                         by_vm: dict[str, dict]) -> list[Candidate]:
        """A retry leaves alone the VMs a later run of the schedule has taken on: on an appliance
        that keeps failing, each failing slot would otherwise send the VM again alongside it."""
        later = later_runs_of(execution, schedule.id, {candidate.vm_context_id for candidate in pending})
        kept = []
        for candidate in pending:
            run_at = later.get(candidate.vm_context_id)
            if run_at is None:
                kept.append(candidate)
                continue
            _set(by_vm[candidate.vm_context_id], SKIPPED, reason=SUPERSEDED,
                 message=f"Superseded by the run of {local_time(run_at, schedule.zone)}")
        return kept

    def _adopt_jobs(self, execution: ScheduleExecution, entries: list[dict], now: datetime) -> list[str]:
        """Bring each VM's outcome up to date with the job rows the OMA wrote for this execution;
        the VMs whose job just failed (their context is to be released, see scheduler.contexts)."""
        ended: list[str] = []
        if not entries:
            return ended
        jobs = db.session.execute(
            select(ReplicationJob.id, ReplicationJob.vm_context_id, ReplicationJob.status,
                   ReplicationJob.progress_percent, ReplicationJob.error_message)
            .where(ReplicationJob.schedule_execution_id == execution.id)
            .order_by(ReplicationJob.created_at)).all()
        latest = {row.vm_context_id: row for row in jobs}
        claims = None
        for entry in entries:
            job = latest.get(entry["vm_context_id"])
            if job is not None and (entry.get("job_id") in (None, job.id)):
                was = entry.get("outcome")
                unanswered = bool(entry.get("unanswered_at"))
                apply_job(entry, job)
                log_what_changed(entry, job, was, unanswered)
                if entry["outcome"] == FAILED and was != FAILED:
                    ended.append(entry["vm_context_id"])
            elif entry["outcome"] == DISPATCHING and entry.get("unanswered_at"):
                self._give_up_when_unanswered_too_long(entry, now)
            elif entry["outcome"] == DISPATCHING and not self._dispatching_here(entry["vm_context_id"]):
                if claims is None:
                    claims = dict(db.session.execute(
                        select(DashboardDispatchClaim.vm_context_id, DashboardDispatchClaim.claimed_at)
                        .where(DashboardDispatchClaim.execution_id == execution.id)).all())
                claimed_at = claims.get(entry["vm_context_id"])
                if claimed_at is None or now - claimed_at > self.interrupted_after:
                    _set(entry, FAILED, reason="interrupted", retryable=True,
                         message="The scheduler stopped while starting this replication; it did not start",
                         actionable_steps=["Use Run now, or let the next scheduled run replicate the VM"])
        return ended

    def overdue(self, started_at: datetime | None, now: datetime) -> bool:
        """A run still not finished this long after it started no longer holds its schedule."""
        return started_at is not None and now - started_at > self.execution_timeout

    def _stop_waiting(self, entries: list[dict]) -> None:
        hours = self.execution_timeout.total_seconds() / 3600
        for entry in entries:
            if entry["outcome"] not in SETTLED:
                log.warning("Execution gives up on VM %s (%s) after %g hours", entry.get("vm_name"),
                            entry["outcome"], hours)
                _set(entry, FAILED, reason="execution_timeout", retryable=False,
                     message=f"Not finished {hours:g} hours after the run started; the scheduler stopped waiting "
                             "for it so the schedule can run again",
                     actionable_steps=["Check the replication on the appliance"])

    def _give_up_when_unanswered_too_long(self, entry: dict, now: datetime) -> None:
        """No job row for an unanswered request after the grace period: the OMA did not start it."""
        try:
            since = datetime.fromisoformat(entry["unanswered_at"])
        except (TypeError, ValueError):
            since = None
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        if since is not None and now - since <= self.unanswered_grace:
            return
        category = entry.get("reason") if entry.get("reason") in UNANSWERED else "timeout"
        entry.pop("unanswered_at", None)
        minutes = max(1, round(self.unanswered_grace.total_seconds() / 60))
        _set(entry, FAILED, reason=category, retryable=True,
             message=f"The appliance did not confirm the start, and no job appeared within {minutes} minute(s)",
             actionable_steps=["Check that the migration appliance is not overloaded",
                               "Let the retry or the next scheduled run replicate the VM"])

    def _dispatching_here(self, vm_context_id: str) -> bool:
        with self._plan_lock:
            return vm_context_id in self._in_flight

    def _claim(self, execution_id: str, candidates: list[Candidate], now: datetime) -> list[Candidate]:
        """Insert one dispatch claim per VM; a VM whose claim exists is another process's.

        On the usual path (no claim taken elsewhere) the claims are left for the caller's commit,
        together with the execution's details: one transaction per wave, not two."""
        rows = [{"execution_id": execution_id, "vm_context_id": c.vm_context_id, "holder": self.holder,
                 "claimed_at": now} for c in candidates]
        won = insert_once(DashboardDispatchClaim, rows, commit=False)
        metrics.DUPLICATE_CLAIMS.labels("dispatch").inc(won.count(False))
        return [candidate for candidate, mine in zip(candidates, won) if mine]

    def _dispatch(self, candidates: list[Candidate], request_fields: dict) -> list[dict]:
        """Step 4 for each VM, in parallel: fresh specs from the VMA, then the OMA replication."""
        logins = self._logins(candidates)
        specs = self.specs.for_wave(candidates, logins)
        futures = [self.http_pool.submit(self.dispatch_vm, candidate, specs.get(candidate.vm_context_id),
                                         login=logins.get(candidate.vm_context_id), **request_fields)
                   for candidate in candidates]
        return [future.result() for future in futures]

    def _logins(self, candidates: list[Candidate]) -> dict:
        """Each VM's vCenter login (vcenters.login_for: its credential, else its vCenter host's),
        or the ApplianceError that says, in plain words, why it has none. One lookup per
        credential and host of the wave; one use counted per credential."""
        found: dict = {}
        by_key: dict = {}
        for candidate in candidates:
            key = (candidate.credential_id, candidate.vcenter_host)
            if key not in by_key:
                try:
                    by_key[key] = login_for(candidate.credential_id, vcenter_host=candidate.vcenter_host)
                except DomainError as exc:
                    by_key[key] = ApplianceError("client", f"No vCenter login for {candidate.vcenter_host}: "
                                                           f"{exc.message}", step="vma-discovery")
            found[candidate.vm_context_id] = by_key[key]
        used = {login.credential_id for login in by_key.values()
                if not isinstance(login, ApplianceError) and login.credential_id is not None}
        for credential_id in used:
            note_use(credential_id)
        if used:
            db.session.commit()
        return found

    def dispatch_vm(self, candidate: Candidate, spec: dict | ApplianceError | None, login=None, **fields) -> dict:
        """Start one replication; the outcome fields for the VM's entry (no database access).

        `spec` is the VM's entry of this wave's datacenter discovery, the error of that
        discovery, or None to discover the VM by name."""
        config = self.app.config
        try:
            if isinstance(spec, ApplianceError):
                raise spec
            if spec is None:
                spec = self.specs.by_name(candidate, login)
            if not spec.get("disks"):
                # The OMA would write the job row, set the VM's current job and then fail
                # (migration.go:323 [OMA]); the original scheduler refused (scheduler_service.go:1163).
                raise ApplianceError("client", f"VMA discovery of {candidate.vm_name} found no disks: the VM has "
                                               "no disks configured", step="vma-discovery")
            request = replication_request(candidate, spec, config, **fields)
            asked_at = utcnow()
            body = self.oma.create_replication(request)
            job_id = body.get("job_id")
            if not isinstance(job_id, str) or not job_id:
                raise ApplianceError("protocol", "OMA answered the replication request without a job_id")
        except ApplianceError as exc:
            metrics.DISPATCH_FAILURES.labels(exc.category).inc()
            execution_id = fields["execution_id"]
            if exc.category == "conflict":
                # The OMA refuses while the VM's context names a current job (replication.go:310-315).
                log.info("Replication of VM %s for execution %s skipped: the OMA says it has an active job: %s",
                         candidate.vm_name, execution_id, exc.raw)
                return {"outcome": SKIPPED, "reason": "active_job", "_raw": exc.raw,
                        "message": "The appliance says this VM already has a replication job; it was not started again"}
            if exc.category in UNANSWERED and exc.step == "replication":
                # The OMA works on after the caller gives up (replication.go:378, context.Background):
                # the job may be starting. Its row, if any, is adopted; failed only after the grace period.
                log.warning("Replication request of VM %s for execution %s got no usable answer (%s: %s); looking "
                            "for the job the appliance may have started", candidate.vm_name, execution_id,
                            exc.category, exc.sanitized.message)
                log.debug("Replication request of VM %s for execution %s, the appliance's answer: %s",
                          candidate.vm_name, execution_id, exc.raw)
                return {"outcome": DISPATCHING, "unanswered_at": utcnow().isoformat(), "reason": exc.category,
                        "_raw": exc.raw, "message": "The appliance did not confirm the start; waiting for its job"}
            sanitized = exc.sanitized
            log.warning("Replication of VM %s for execution %s was not started (%s): %s",
                        candidate.vm_name, execution_id, exc.category, sanitized.message)
            log.debug("Replication of VM %s for execution %s not started, the appliance's answer: %s",
                      candidate.vm_name, execution_id, exc.raw)
            return {"outcome": FAILED, "reason": exc.category, "message": sanitized.message,
                    "actionable_steps": list(sanitized.actionable_steps), "retryable": exc.retryable,
                    "_raw": exc.raw}
        metrics.DISPATCHED.inc()
        progress = body.get("progress_percent") or 0
        job_lines.record(job_id, job_lines.INFO, job_lines.describe_request(request, candidate.vm_name),
                         app=self.app, at=asked_at)
        status = body.get("status")
        job_lines.record(job_id, job_lines.INFO, job_lines.accepted(status), app=self.app)
        return {"outcome": RUNNING, "job_id": job_id, "progress": progress,
                "seen": job_lines.seen_key(status if isinstance(status, str) else None, progress)}

    def _write(self, execution: ScheduleExecution, details: dict, entries: list[dict]) -> None:
        details["vms"] = entries
        execution.execution_details = dict(details)
        for name, value in summarize(entries).items():
            setattr(execution, name, value)

    def _finish_if_settled(self, execution: ScheduleExecution, schedule: ReplicationSchedule, details: dict,
                           entries: list[dict]) -> None:
        if any(entry["outcome"] not in SETTLED for entry in entries):
            return
        now = utcnow()
        counts = summarize(entries)
        status = "failed" if counts["jobs_failed"] else "completed"
        message = None
        if counts["jobs_failed"]:
            message = f"{counts['jobs_failed']} of {counts['vms_eligible']} replication(s) failed"
        started = execution.started_at or now
        won = db.session.execute(
            update(ScheduleExecution)
            .where(ScheduleExecution.id == execution.id, ScheduleExecution.status == "running")
            .values(status=status, completed_at=now, error_message=message,
                    execution_duration_seconds=max(0, int((now - started).total_seconds())),
                    execution_details=dict(details), **counts)
            .execution_options(synchronize_session=False)).rowcount == 1
        db.session.commit()
        if not won:
            return
        metrics.EXECUTIONS_FINISHED.labels(status).inc()
        retried = self._schedule_retry(execution, schedule, details, entries, now)
        if not retried:
            # The run and its retries are over: what they left failed counts towards a pause.
            after_final_outcome(schedule, execution, [e for e in entries if e["outcome"] == FAILED],
                                counts["jobs_created"] > 0, now)
        # A retry or a deferred run finishes what its slot began: the slot's run fired the chain.
        if execution.triggered_by not in ("retry", "deferred"):
            self._fire_chain_children(execution, schedule, now)

    def _schedule_retry(self, execution: ScheduleExecution, schedule: ReplicationSchedule, details: dict,
                        entries: list[dict], now: datetime) -> bool:
        """Step 6: failed VMs run again after retry_delay_minutes * 2^(n-1) (n = retry number).
        Whether a retry was scheduled."""
        retrying = [e for e in entries if e["outcome"] == FAILED and e.get("retryable", True)]
        failed = [e["vm_context_id"] for e in retrying]
        previous = details.get("retry") or {}
        attempt = int(previous.get("attempt", 0)) + 1
        limit = schedule.within_limits("retry_attempts")
        if failed and attempt > limit:
            for entry in retrying:
                job_lines.record(entry.get("job_id"), job_lines.WARN,
                                 f"No retry left: the schedule allows {limit} retr{'y' if limit == 1 else 'ies'}")
        if not failed or attempt > limit:
            return False
        root = previous.get("root_execution_id", execution.id)
        delay = timedelta(minutes=schedule.within_limits("retry_delay_minutes") * 2 ** (attempt - 1))
        for entry in retrying:
            job_lines.record(entry.get("job_id"), job_lines.INFO,
                             f"The scheduler will try this VM again at {local_time(now + delay, schedule.zone)} "
                             f"(retry {attempt} of {limit})")
        insert_scheduled_execution(
            retry_execution_id(root, attempt), schedule.id, now + delay, "retry",
            {"retry": {"root_execution_id": root, "previous_execution_id": execution.id, "attempt": attempt},
             "vm_context_ids": failed})
        return True

    def _fire_chain_children(self, execution: ScheduleExecution, schedule: ReplicationSchedule,
                             now: datetime) -> None:
        """Step 7: each enabled chain child runs chain_delay_minutes after its parent finished."""
        children = db.session.scalars(
            select(ReplicationSchedule).where(ReplicationSchedule.chain_parent_schedule_id == schedule.id,
                                              ReplicationSchedule.schedule_type == "chain",
                                              ReplicationSchedule.enabled.is_(True))).all()
        for child in children:
            try:
                validate_chain(child.id, schedule.id)
            except ChainCycle as exc:
                log.error("Chain schedule %s is not fired: %s", child.name, exc.message)
                continue
            insert_scheduled_execution(
                chain_execution_id(execution.id, child.id), child.id,
                now + timedelta(minutes=child.within_limits("chain_delay_minutes")), "chain",
                {"chain": {"parent_execution_id": execution.id, "parent_schedule_id": schedule.id}})


#: A later run has taken a VM on once it queued it or tried to start it.
TAKEN_ON = frozenset({QUEUED, DISPATCHING, RUNNING, COMPLETED, FAILED})


def later_runs_of(retry: ScheduleExecution, schedule_id: str, vm_ids: set[str]) -> dict[str, datetime]:
    """For each of `vm_ids`, when the latest run of the schedule after the slot `retry` repeats
    took it on; the runs of the retry's own chain (its root and the other retries) do not count."""
    details = _mapping(retry.execution_details)
    root_id = _mapping(details.get("retry")).get("root_execution_id") or \
        _mapping(details.get("deferred")).get("root_execution_id")
    if not isinstance(root_id, str):
        return {}
    root_at = db.session.scalar(select(ScheduleExecution.scheduled_at).where(ScheduleExecution.id == root_id))
    if root_at is None:
        return {}
    found: dict[str, datetime] = {}
    runs = db.session.execute(
        select(ScheduleExecution.id, ScheduleExecution.scheduled_at, ScheduleExecution.execution_details)
        .where(ScheduleExecution.schedule_id == schedule_id, ScheduleExecution.scheduled_at > root_at,
               ScheduleExecution.id != retry.id, ScheduleExecution.status.in_(("running", "completed", "failed")))
        .order_by(ScheduleExecution.scheduled_at.desc()))
    for run_id, run_at, details in runs:
        # Details are JSON in the appliance's table: a row written by hand may hold anything.
        details = _mapping(details)
        if run_id == root_id or root_id in (_mapping(details.get("retry")).get("root_execution_id"),
                                            _mapping(details.get("deferred")).get("root_execution_id")):
            continue
        listed = details.get("vms")
        for entry in listed if isinstance(listed, list) else ():
            vm_id = _mapping(entry).get("vm_context_id")
            if isinstance(vm_id, str) and vm_id in vm_ids and vm_id not in found \
                    and _mapping(entry).get("outcome") in TAKEN_ON:
                found[vm_id] = run_at
        if len(found) == len(vm_ids):
            break
    return found


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def local_time(moment: datetime, zone: str) -> str:
    """HH:MM of a stored UTC time in the schedule's timezone, as the schedule page shows its runs."""
    return local_text(moment, zone)


def dispatch_fields(execution: ScheduleExecution, schedule: ReplicationSchedule) -> dict:
    """What every replication request of this execution carries besides the VM."""
    scheduled_by = SCHEDULER_NAME
    if execution.triggered_by == "manual":
        requested_by = (execution.execution_details or {}).get("requested_by")
        scheduled_by = f"manual:{requested_by or 'unknown'}"[:255]
    return {"execution_id": execution.id, "replication_type": schedule.replication_type or "auto",
            "scheduled_by": scheduled_by}


#: What a schedule's replication type asks the OMA for. The OMA auto-detects only when the field
#: is empty (replication.go:359-376 [OMA]) and runs its CloudStack pre-flight and config-id
#: correction only for "initial" (:393-415); any other word it stores as is.
OMA_REPLICATION_TYPES = {"auto": None, "full": "initial", "incremental": "incremental"}

#: Failures after which the OMA may have started the job anyway: no answer in time, an error
#: after partial work (a 500 with the job row written, migration.go:141-225), or a garbled answer.
UNANSWERED = frozenset({"timeout", "server", "protocol"})


def replication_request(candidate: Candidate, spec: dict, config, *, execution_id: str, replication_type: str,
                        scheduled_by: str) -> dict:
    """The body of `POST /api/v1/replications`: the real `CreateMigrationRequest`
    (oma/api/handlers/replication.go:41-66 [OMA], `source_vm` is models.VMInfo)."""
    request = {
        "source_vm": {
            "id": spec.get("id"), "name": spec.get("name"), "path": spec.get("path"),
            "datacenter": spec.get("datacenter") or candidate.datacenter,
            "cpus": spec.get("num_cpu") or spec.get("cpus"), "memory_mb": spec.get("memory_mb"),
            "disks": spec.get("disks") or [], "networks": spec.get("networks") or [],
            "power_state": spec.get("power_state"),
            # The VMA puts the OS category in guest_os and leaves os_type blank (vma/vmware/
            # client.go:117); the OMA stores os_type and its failover reads it (virtio_injection.go:216).
            # The original scheduler and GUI send os_type := guest_os (scheduler_service.go:843).
            "os_type": spec.get("guest_os") or spec.get("os_type") or "",
            "vmx_version": spec.get("vmx_version"),
        },
        "ossea_config_id": candidate.ossea_config_id or config.get("OSSEA_CONFIG_ID", 1),
        "target_network": config.get("TARGET_NETWORK") or "",
        "vcenter_host": candidate.vcenter_host,
        "datacenter": candidate.datacenter,
        "schedule_execution_id": execution_id,
        "vm_group_id": candidate.group_id,
        "scheduled_by": scheduled_by,
        "start_replication": True,
    }
    oma_type = OMA_REPLICATION_TYPES.get((replication_type or "auto").lower(), None)
    if oma_type:
        request["replication_type"] = oma_type
    return request


def log_what_changed(entry: dict, job, was: str | None, unanswered: bool) -> None:
    """Log lines for what changed in a job since the entry last saw it (`entry["seen"]`): the
    appliance's late answer, a new status, a quarter of the copy, the end. Nothing otherwise."""
    before = entry.get("seen")
    key = job_lines.seen_key(job.status, job.progress_percent)
    entry["seen"] = key
    if unanswered:
        job_lines.record(job.id, job_lines.WARN, job_lines.unconfirmed_found())
    if key == before:
        return
    progress = int(float(job.progress_percent or 0))
    outcome = entry["outcome"]
    if outcome == COMPLETED and was != COMPLETED:
        job_lines.record(job.id, job_lines.INFO, job_lines.completed(progress))
    elif outcome == FAILED and was != FAILED:
        job_lines.record(job.id, job_lines.ERROR, job_lines.failed(entry.get("message")))
        if entry.get("actionable_steps"):
            job_lines.record(job.id, job_lines.INFO, job_lines.what_you_can_do(entry["actionable_steps"]))
    elif outcome not in (COMPLETED, FAILED):
        old_status = before.split("|", 1)[0] if before else None
        job_lines.record(job.id, job_lines.INFO, job_lines.changed(old_status, job.status, progress))


def apply_job(entry: dict, job) -> None:
    """Copy a job row's state into a VM's outcome."""
    entry.pop("claimed_elsewhere", None)
    entry.pop("unanswered_at", None)
    entry["job_id"] = job.id
    entry["progress"] = float(job.progress_percent or 0)
    outcome = job_outcome(job.status)
    if outcome != FAILED:
        _set(entry, outcome)
    elif (job.status or "").lower() == "cancelled":
        _set(entry, FAILED, reason="cancelled", retryable=False, message="The replication was cancelled")
    else:
        # The step is the replication itself: a failed job's current operation is the word
        # "Failed" (it names the job's state, not a step), which read as "Failed failed".
        sanitized = sanitize_error("replication", job.error_message or "replication failed")
        _set(entry, FAILED, reason=sanitized.category, retryable=True, message=sanitized.message,
             actionable_steps=list(sanitized.actionable_steps))


def insert_scheduled_execution(execution_id: str, schedule_id: str, at: datetime, triggered_by: str,
                               details: dict) -> bool:
    """A retry, chain or manual run waiting for its time; False if it already exists."""
    try:
        db.session.execute(insert(ScheduleExecution).values(
            id=execution_id, schedule_id=schedule_id, scheduled_at=at, status="scheduled",
            triggered_by=triggered_by, execution_details=details, created_at=utcnow()))
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        return False
