"""Simulated test failover, live failover and rollback, recorded through JobLog.

Each operation is a JobLog job with the real appliance's step names, log lines inside every
step, and — in a realistic share of runs — a step that fails with the raw technical error the
real tools produce. At the end the VM's status moves as the real engine moves it and the
sanitized outcome is stored in `last_operation_summary`.
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from extensions import db
from joblog import StepFailure, get_tracker
from models import (JobStep, JobTracking, LogEvent, ReplicationJob, VMReplicationContext, replication_active,
                    utcnow)
from simulator.raw_errors import FAILOVER_STEP_ERRORS
from jobs.items import KNOWN_STEPS
from jobs.summary import write_operation_summary

log = logging.getLogger(__name__)

OPERATIONS = ("test_failover", "live_failover", "rollback")
STEPS: dict[str, tuple[str, ...]] = KNOWN_STEPS
# Where the VM must be for the operation, and where it ends up when the operation succeeds / fails.
_FROM_STATUSES = {"test_failover": ("ready_for_failover",), "live_failover": ("ready_for_failover",),
                  "rollback": ("failed_over_test",)}
_ON_SUCCESS = {"test_failover": "failed_over_test", "live_failover": "failed_over_live",
               "rollback": "ready_for_failover"}
_ON_FAILURE = {"test_failover": None, "live_failover": None, "rollback": "cleanup_required"}
_EXTERNAL_PREFIX = {"test_failover": "unified-test-failover", "live_failover": "unified-live-failover",
                    "rollback": "unified-rollback"}
_OPERATION_NAME = {"test_failover": "unified-test-failover", "live_failover": "unified-live-failover",
                   "rollback": "test-failover-rollback"}
FAILURE_RATE = 0.15

# What each step says in the logs while it works (technical: logs are for administrators).
#: The line that opens each step: the pages show the step's display name in its place
#: (sanitizer.loglines), and a display name often starts with a verb ("Starting and Validating
#: VM"), so the line names the step and then says it started.
STEP_STARTED = "%s: started for %s"
#: The line that closes each step (its display name is not in it; names in it are read as steps).
_STEP_LOGS = {
    "validation": "Pre-flight checks passed for %s: its data is copied, network mapping present",
    "failover-job-retrieval": "Found the test failover of %s and its snapshots",
    "source-vm-power-off": "Source VM %s powered off through the VMA",
    "final-sync": "Final incremental sync of %s finished",
    "multi-volume-snapshot-creation": "Created CloudStack volume snapshots for %s",
    "virtio-driver-injection": "Injected KVM drivers into the boot volume of %s",
    "vm-creation": "Created destination VM for %s",
    "volume-attachment": "Attached replicated volumes of %s to the destination VM",
    "network-configuration": "Configured network adapters of %s from its network mapping",
    "vm-startup-and-validation": "Destination VM of %s started and answered the health check",
    "test-vm-shutdown": "Test VM of %s shut down",
    "test-vm-deletion": "Test VM of %s deleted",
    "volume-detachment": "Volumes of %s detached from the test VM",
    "cloudstack-snapshot-rollback": "Volumes of %s reverted to their pre-failover snapshots",
    "volume-reattachment-to-oma": "Volumes of %s attached back to the appliance",
    "cloudstack-snapshot-deletion": "Pre-failover snapshots of %s removed",
    "vm-context-status-update": "Status of %s updated",
}


def step_done_line(step: str) -> str:
    """The template of the line that closes `step` (one %s: the VM's name)."""
    return _STEP_LOGS.get(step, "Step done for %s")


class FailoverRefused(ValueError):
    """The operation cannot start at all (unknown VM or operation); nothing was recorded."""


class StepFailed(StepFailure):
    """Raised inside a step to fail it with the raw error text of the real tool."""


@dataclass(frozen=True)
class FailoverOutcome:
    job_id: str
    external_job_id: str
    operation_type: str
    status: str  # completed | failed
    failed_step: str | None
    summary: dict


def _external_job_id(operation_type: str, vm_name: str, at: datetime) -> str:
    """`unified-<type>-failover-<vm>-<unix seconds>`, with the VM name shortened to fit 64 characters."""
    prefix, stamp = _EXTERNAL_PREFIX[operation_type], str(int(at.timestamp()))
    room = 64 - len(prefix) - len(stamp) - 2
    return f"{prefix}-{vm_name[:room]}-{stamp}"


def _validation_problem(context: VMReplicationContext, operation_type: str) -> str | None:
    """The raw reason the appliance's validation step would give for refusing, if any."""
    allowed = _FROM_STATUSES[operation_type]
    if context.current_status not in allowed:
        return (f"VM {context.vm_name} current_status is '{context.current_status}', "
                f"expected one of {', '.join(allowed)}")
    if operation_type != "rollback":
        if not context.last_successful_job_id:
            return f"VM {context.vm_name} has not been replicated yet (no successful replication job)"
        busy = db.session.scalars(select(ReplicationJob.id).where(
            ReplicationJob.vm_context_id == context.context_id,
            replication_active(ReplicationJob.status)).limit(1)).first()
        if busy:
            return f"VM {context.vm_name} state check failed: replication job {busy} is still running"
    return None


def choose_failing_step(operation_type: str, rng: random.Random, failure_rate: float = FAILURE_RATE) -> str | None:
    """A step of the operation that will fail (one with a known raw error), or None for success."""
    if rng.random() >= failure_rate:
        return None
    candidates = [s for s in STEPS[operation_type] if s in FAILOVER_STEP_ERRORS]
    return rng.choice(candidates) if candidates else None


def run_operation(context_id: str, operation_type: str, *, fail_at: str | None = None, step_pause: float = 0.0,
                  sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None,
                  owner: str = "simulator") -> FailoverOutcome:
    """Run a test failover, live failover or rollback of one VM as a JobLog job, start to finish.

    `fail_at` names the step that fails (with a raw error of the real tool); `step_pause` is how
    long each step takes, so a demo shows progress moving while tests run instantly.
    """
    if operation_type not in OPERATIONS:
        raise FailoverRefused(f"operation must be one of {', '.join(OPERATIONS)}")
    if fail_at is not None and fail_at not in STEPS[operation_type]:
        raise FailoverRefused(f"fail_at must be one of the steps of {operation_type}: "
                              f"{', '.join(STEPS[operation_type])}")
    context = db.session.get(VMReplicationContext, context_id)
    if context is None:
        raise FailoverRefused(f"VM context {context_id} does not exist")
    rng = rng or random.Random()
    vm_name, expected_status, os_type = context.vm_name, context.current_status, context.os_type
    problem = _validation_problem(context, operation_type)
    db.session.rollback()  # JobLog writes through its own connections; hold no locks meanwhile

    tracker = get_tracker()
    started = utcnow()
    external_job_id = _external_job_id(operation_type, vm_name, started)
    steps = STEPS[operation_type]
    job_id = failed_step = None
    job_type = "cleanup" if operation_type == "rollback" else "failover"
    try:
        with tracker.job(job_type, _OPERATION_NAME[operation_type], context_id=context_id,
                         external_job_id=external_job_id, job_category="failover", owner=owner,
                         metadata={"vm_name": vm_name, "operation_type": operation_type}) as job_id:
            for index, step in enumerate(steps):
                if step == "virtio-driver-injection" and os_type == "linux" and fail_at != step:
                    tracker.skip_step(job_id, step, "Linux guests already include the KVM drivers")
                    tracker.mark_progress(job_id, 100 * (index + 1) / len(steps))
                    continue
                failed_step = step
                with tracker.step(job_id, step):
                    log.info(STEP_STARTED, step, vm_name)
                    if step_pause:
                        sleep(step_pause * rng.uniform(0.6, 1.4))
                    if index == 0 and problem:  # the first step checks that the VM may do this
                        raise StepFailed(problem)
                    if step == fail_at:
                        raise StepFailed(rng.choice(FAILOVER_STEP_ERRORS[step]))
                    log.info(step_done_line(step), vm_name)
                failed_step = None
                tracker.mark_progress(job_id, 100 * (index + 1) / len(steps))
    except StepFailed:
        pass  # recorded on the step and the job by JobLog; the summary below says it in operator words
    job = db.session.get(JobTracking, job_id)
    if job.status == "completed":
        new_status = _ON_SUCCESS[operation_type]
    else:  # a refusal by the first (checking) step changed nothing on the VM
        new_status = _ON_FAILURE[operation_type] if failed_step != steps[0] else None
    if new_status:
        db.session.execute(
            update(VMReplicationContext)
            .where(VMReplicationContext.context_id == context_id, VMReplicationContext.current_status == expected_status)
            .values(current_status=new_status, last_status_change=utcnow())
            .execution_options(synchronize_session=False))
    summary = write_operation_summary(context_id, job.id, steps_total=len(steps))
    log.info("%s of %s %s (JobLog job %s)", operation_type, vm_name, job.status, job.id)
    return FailoverOutcome(job_id=job.id, external_job_id=external_job_id, operation_type=operation_type,
                           status=job.status, failed_step=failed_step, summary=summary)


def retime_history(outcome: FailoverOutcome, vm_name: str, started: datetime, rng: random.Random) -> None:
    """Move a finished operation to `started`, its steps (and their logs) end to end, and name it
    after that time as the engine would have (demo history only)."""
    get_tracker().log_handler.flush()
    job = db.session.get(JobTracking, outcome.job_id)
    job.external_job_id = _external_job_id(outcome.operation_type, vm_name, started)
    for event in db.session.scalars(select(LogEvent).where(LogEvent.job_id == job.id)):
        event.external_job_id = job.external_job_id
    moment = started
    for step in db.session.scalars(select(JobStep).where(JobStep.job_id == job.id).order_by(JobStep.seq)):
        took = timedelta(seconds=0 if step.status == "skipped" else rng.uniform(4, 75))
        offset = moment - step.started_at
        for event in db.session.scalars(select(LogEvent).where(LogEvent.step_id == step.id)):
            event.ts = event.ts + offset
        step.started_at, step.completed_at = moment, moment + took
        moment += took
    job.started_at = job.created_at = started
    job.completed_at = job.updated_at = moment


# VM, operation, step that fails (None: succeeds), how long ago.
_HISTORY = (
    ("pgtest2", "test_failover", None, timedelta(days=2, hours=3)),
    ("pgtest2", "rollback", None, timedelta(days=1, hours=22)),
    ("sql-02", "test_failover", "virtio-driver-injection", timedelta(hours=20)),
    ("app-06", "live_failover", "vm-startup-and-validation", timedelta(hours=9)),
    ("web-03", "test_failover", None, timedelta(hours=3)),
)


def seed_failover_history(now: datetime | None = None) -> dict:
    """Failover history of the demo: one VM left in test failover (web-03), a failed driver step,
    a failed live failover and a completed test failover + rollback, all in the past."""
    now = now or utcnow()
    contexts = {c.vm_name: c.context_id for c in db.session.scalars(
        select(VMReplicationContext).where(VMReplicationContext.vm_name.in_({h[0] for h in _HISTORY})))}
    rng = random.Random(7)
    done = 0
    for vm_name, operation_type, fail_at, ago in _HISTORY:
        if vm_name not in contexts:
            continue
        outcome = run_operation(contexts[vm_name], operation_type, fail_at=fail_at, rng=rng, owner="demo-seed")
        retime_history(outcome, vm_name, now - ago, rng)
        write_operation_summary(contexts[vm_name], outcome.job_id, steps_total=len(STEPS[operation_type]))
        done += 1
    return {"failover jobs": done}
