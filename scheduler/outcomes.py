"""Each VM's outcome within an execution: its states, how a job row's status reads as one, and
a typed view of the entries stored in `execution_details["vms"]`.

The entries are JSON in the appliance's table, written by `scheduler.pipeline` and read by the
pages and the API; rows written by the system we replace or by hand may hold other keys or
states, so `VMOutcome.from_entry` reads any mapping without failing.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from models import replication_state

log = logging.getLogger(__name__)

SKIPPED = "skipped"          # never dispatched: a conflict, or a later run (`reason`) ruled it out
QUEUED = "queued"            # waits for a free concurrency slot; dispatched later
DISPATCHING = "dispatching"  # the replication request is being sent
RUNNING = "running"          # the OMA accepted it; `job_id` follows its job row
COMPLETED = "completed"
FAILED = "failed"            # `reason` is the failure category; `retryable` decides a retry

#: The reason of a VM skipped by a retry because a later run of the schedule already took it on.
SUPERSEDED = "superseded"

STATES = (SKIPPED, QUEUED, DISPATCHING, RUNNING, COMPLETED, FAILED)
#: Nothing more happens to a VM in one of these states within its execution.
SETTLED = frozenset({SKIPPED, COMPLETED, FAILED})
#: States the pipeline still has to act on (dispatch, or notice an interrupted dispatch).
AWAITING_DISPATCH = frozenset({QUEUED, DISPATCHING})


def job_outcome(job_status: str | None) -> str:
    """A replication job row's status as the VM's outcome: completed, failed (`failed`,
    `replication_failed`, `cancelled`) or running (the OMA's setup and copy phases, and a word
    this version does not know, which is logged once)."""
    state = replication_state(job_status)
    if state == "unknown" and job_status not in _UNKNOWN_SEEN:
        _UNKNOWN_SEEN.add(job_status)
        log.warning("Replication job status %r is not one the appliance is known to write; the job is "
                    "treated as still running", job_status)
    return {"completed": COMPLETED, "failed": FAILED}.get(state, RUNNING)


_UNKNOWN_SEEN: set = set()


@dataclass(frozen=True)
class VMOutcome:
    """One VM's entry of an execution, as the pages and the API read it."""

    vm: str
    status: str | None           #: one of STATES, or whatever an older writer stored
    reason: str | None = None    #: conflict code or failure category, in words
    error: str | None = None     #: the operator message (sanitized when written)
    job_id: str | None = None
    progress: float | None = None

    @property
    def state(self) -> str | None:
        """One of STATES: the stored state, a job status read as one, or for an entry without a
        state (older writers) queued when its reason is a concurrency limit, else skipped when it
        has a reason."""
        status = (self.status or "").strip().lower()
        if status in STATES:
            return status
        if status:
            return job_outcome(status)
        if self.reason in _WAITING_REASONS:
            return QUEUED
        if self.reason:
            return SKIPPED
        return RUNNING if self.job_id else None

    @property
    def waiting(self) -> bool:
        """Queued for a concurrency slot: it runs later, it is not skipped."""
        return self.state == QUEUED

    @property
    def label(self) -> str:
        """What happened to the VM, in one word for the operator."""
        return _LABELS.get(self.state, "Waiting to start")

    @property
    def message(self) -> str | None:
        """The operator message stored with the outcome; for an entry without one, the words of
        its reason code (never the code itself)."""
        if self.error:
            return self.error
        if self.reason:
            return REASON_WORDS.get(self.reason.replace(" ", "_"), None)
        return None

    @property
    def text(self) -> str:
        """The label and the message as one phrase ("Waiting: group g runs at most 2 VM(s) at a
        time", "Failed: The replication service failed"), the label once."""
        message = self.message
        if not message:
            return self.label
        if message.lower().startswith(self.label.lower()):
            return message
        return f"{self.label}: {message}"

    def or_job_error(self, job_errors: Mapping[str, str]) -> VMOutcome:
        """A failed outcome stored without a message (older writers) with its job's sanitized
        error instead (`job_errors`: job id → message); any other outcome as it is."""
        if self.state != FAILED or self.message or not self.job_id or not job_errors.get(self.job_id):
            return self
        return replace(self, error=job_errors[self.job_id])

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any], key: str | None = None) -> VMOutcome:
        """Read a stored entry; older writers used `status`, `skip_reason`, `conflict`, `error`."""
        reason = entry.get("skip_reason") or entry.get("reason") or entry.get("conflict")
        progress = entry.get("progress")
        return cls(
            vm=str(entry.get("vm_name") or entry.get("name") or entry.get("vm_context_id") or key or "VM"),
            status=_text(entry.get("status") or entry.get("outcome")),
            reason=str(reason).replace("_", " ") if reason else None,
            error=_text(entry.get("error") or entry.get("error_message") or entry.get("message")),
            job_id=_text(entry.get("job_id")),
            progress=float(progress) if isinstance(progress, (int, float)) and not isinstance(progress, bool) else None,
        )


#: Where writers put the per-VM entries of an execution's details.
_OUTCOME_LISTS = ("vms", "outcomes", "results", "vm_outcomes")


def outcomes_of(details: Any) -> list[VMOutcome]:
    """The per-VM outcomes of an execution's details: a list under one of the known keys, or
    (older writers) a mapping of VM → entry."""
    if not isinstance(details, dict):
        return []
    listed = next((details[name] for name in _OUTCOME_LISTS if isinstance(details.get(name), list)), None)
    if listed is not None:
        return [VMOutcome.from_entry(item) for item in listed if isinstance(item, dict)]
    return [VMOutcome.from_entry(item, key) for key, item in details.items() if isinstance(item, dict)]


#: Reason codes as operator words, for entries written without a message.
REASON_WORDS = {
    "schedule_disabled": "The schedule is disabled",
    "vm_disabled": "Scheduled replication is turned off for this VM",
    "vm_in_failover": "The VM is failed over; it cannot be replicated while failed over",
    "active_job": "The VM already has a replication running",
    "schedule_concurrency": "Waiting for a free slot: the schedule's limit of replications at a time is reached",
    "group_concurrency": "Waiting for a free slot: the group's limit of VMs at a time is reached",
    SUPERSEDED: "A later run of the schedule already replicates this VM",
    "cancelled": "The replication was cancelled",
    "interrupted": "The scheduler stopped while starting this replication",
    "execution_timeout": "The run took too long; the scheduler stopped waiting for it",
    "outside_window": "Not started: outside the schedule's replication window",
    "window_closed": "Skipped: the replication window closed",
    "deferred": "Deferred to the next opening of the replication window",
    "blackout": "Skipped: a blackout holds its group back",
}
_WAITING_REASONS = frozenset({"schedule concurrency", "group concurrency"})
_LABELS = {SKIPPED: "Skipped", QUEUED: "Waiting", DISPATCHING: "Starting", RUNNING: "Running",
           COMPLETED: "Completed", FAILED: "Failed"}


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
