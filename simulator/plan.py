"""How one simulated replication unfolds over time: a pure function of the job and the clock.

Every process that runs the simulator computes the same plan from the job id, so several
dashboard workers can advance the same jobs without coordinating (their writes agree), and a
restarted process picks up where the previous one left off.

Two parts: the OMA's synchronous setup (does it stop half-way, and where) and the VMA's copy,
described as the VMA reports it (stage and status words of vma/progress/model.go:101-122
[VMA 8b7d59b]) together with the phase word the OMA's poller stores (vma_progress_client.go:191-207
[OMA 8b7d59b]).
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from simulator.raw_errors import replication_error

# Fractions of a job's copy at which each VMA stage starts.
_COPY_AT = 0.12
_CLEANUP_AT = 0.95
_THROUGHPUT_BUCKET_SECONDS = 5
MIB = 1024 * 1024

# The setup phases of StartMigration (migration.go:140-224 [OMA 8b7d59b]): the status each
# writes and its setup_progress_percent. A failure in the phase after one leaves the row there.
SETUP_PHASES: tuple[tuple[str, float], ...] = (
    ("initializing", 10.0), ("analyzing", 20.0), ("provisioning", 60.0), ("attaching", 70.0),
    ("configuring", 80.0), ("ready_for_sync", 85.0))
# Where a failed setup leaves the row: after phase 1, 2, 3, 4, or the VMA call (phase 8).
SETUP_FAILURE_STATUSES = ("initializing", "analyzing", "provisioning", "attaching", "replication_failed")


@dataclass(frozen=True)
class JobPlan:
    """The fate of one simulated replication's copy, decided when it starts."""

    job_id: str
    sync_type: str  # the VMA's CBT type: full | incremental
    duration_seconds: float
    fails: bool
    fail_at: float  # fraction of the duration
    error_index: int
    curve: float  # > 1 starts slow, < 1 starts fast: transfers are never perfectly linear

    def outcome_error(self, vm_name: str) -> tuple[str, str]:
        """(classification, raw error text) of a failing job."""
        return replication_error(self.error_index, vm_name)


def _rng(seed: str, *parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(str(p) for p in (seed, *parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def setup_failure(job_id: str, *, seed: str, failure_rate: float) -> str | None:
    """The status a failing setup leaves the job in, or None when the setup succeeds."""
    rng = _rng(seed, "setup", job_id)
    if rng.random() >= failure_rate:
        return None
    return rng.choice(SETUP_FAILURE_STATUSES)


def plan_job(job_id: str, sync_type: str, *, seed: str, failure_rate: float) -> JobPlan:
    """Decide duration and fate of a job: the same answer for the same job id and seed."""
    rng = _rng(seed, "plan", job_id)
    low, high = (90.0, 180.0) if sync_type in ("full", "initial") else (60.0, 150.0)
    return JobPlan(
        job_id=job_id,
        sync_type=sync_type,
        duration_seconds=rng.uniform(low, high),
        fails=rng.random() < failure_rate,
        fail_at=rng.uniform(0.1, 0.9),
        error_index=rng.randrange(1000),
        curve=rng.uniform(0.85, 1.2),
    )


def bytes_to_transfer(job_id: str, sync_type: str, disk_bytes: int, *, seed: str) -> int:
    """A full (initial) sync copies every disk; an incremental one only the changed blocks (2-15 %)."""
    if sync_type in ("full", "initial"):
        return disk_bytes
    return int(disk_bytes * _rng(seed, "changed", job_id).uniform(0.02, 0.15))


def _copy_fraction(plan: JobPlan, fraction: float) -> float:
    if fraction <= _COPY_AT:
        return 0.0
    if fraction >= _CLEANUP_AT:
        return 1.0
    return ((fraction - _COPY_AT) / (_CLEANUP_AT - _COPY_AT)) ** plan.curve


@dataclass(frozen=True)
class VMAState:
    """What the VMA knows of a job at one moment."""

    stage: str  # vma/progress/model.go:101-109
    status: str  # model.go:116-122
    phase: str  # the OMA's word for it (vma_progress_client.go:191-207)
    operation: str  # progress_handler.go mapStageToOperation
    percent: float
    bytes_transferred: int
    total_bytes: int
    throughput_bps: int
    eta_seconds: int
    error: str | None = None  # raw text of a failure

    @property
    def finished(self) -> bool:
        return self.status in ("Succeeded", "Failed")


# (stage, status, OMA phase word, operation) per part of the copy.
_SNAPSHOT = ("Snapshot", "Snapshotting", "Snapshot Creation", "Creating Snapshot")
_TRANSFER = ("Transfer", "Streaming", "Copying Data", "Transferring Data")
_FINALIZE = ("Finalize", "Finalizing", "Cleanup", "Finalizing")


def state_at(plan: JobPlan, elapsed_seconds: float, total_bytes: int, *, seed: str, vm_name: str) -> VMAState:
    """The VMA's view of a job `elapsed_seconds` after its copy started."""
    fraction = max(0.0, elapsed_seconds) / plan.duration_seconds
    failed = plan.fails and fraction >= plan.fail_at
    if failed:
        fraction = plan.fail_at
    elif fraction >= 1.0:
        return VMAState("PersistChangeIDs", "Succeeded", "Completed", "Completed", 100.0, total_bytes, total_bytes,
                        0, 0)
    copied = int(total_bytes * _copy_fraction(plan, fraction))
    percent = round(100.0 * copied / total_bytes, 2) if total_bytes else (100.0 if fraction >= _CLEANUP_AT else 0.0)
    stage = _SNAPSHOT if fraction < _COPY_AT else _TRANSFER if fraction < _CLEANUP_AT else _FINALIZE
    speed = _throughput(plan, elapsed_seconds, total_bytes, seed) if stage is _TRANSFER else 0
    eta = int(min(86400, (total_bytes - copied) / speed)) if speed and copied else 0  # calculateETA
    if failed:
        _classification, raw = plan.outcome_error(vm_name)
        return VMAState(stage[0], "Failed", "Error", "Failed", percent, copied, total_bytes, 0, 0, error=raw)
    return VMAState(*stage, percent, copied, total_bytes, speed, eta)


def _throughput(plan: JobPlan, elapsed_seconds: float, total_bytes: int, seed: str) -> int:
    """Bytes per second around the average rate, varying every few seconds like a real link."""
    average = total_bytes / (plan.duration_seconds * (_CLEANUP_AT - _COPY_AT))
    bucket = int(elapsed_seconds // _THROUGHPUT_BUCKET_SECONDS)
    return int(average * _rng(seed, "speed", plan.job_id, bucket).uniform(0.8, 1.2))
