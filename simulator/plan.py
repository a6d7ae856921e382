"""How one simulated replication unfolds over time: a pure function of the job and the clock.

Every process that runs the simulator computes the same plan from the job id, so several
dashboard workers can advance the same jobs without coordinating (their writes agree), and a
restarted process picks up where the previous one left off.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from simulator.raw_errors import replication_error

# Fractions of a job's duration at which each VMA phase starts.
_SNAPSHOT_AT = 0.08
_COPY_AT = 0.15
_CLEANUP_AT = 0.95
_THROUGHPUT_BUCKET_SECONDS = 5


@dataclass(frozen=True)
class JobPlan:
    """The fate of one simulated replication, decided when it starts."""

    job_id: str
    sync_type: str  # initial | incremental
    duration_seconds: float
    fails: bool
    fail_at: float  # fraction of the duration
    error_index: int
    curve: float  # > 1 starts slow, < 1 starts fast: transfers are never perfectly linear

    def outcome_error(self, vm_name: str) -> tuple[str, str]:
        """(VMA error classification, raw error text) of a failing job."""
        return replication_error(self.error_index, vm_name)


def _rng(seed: str, *parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(str(p) for p in (seed, *parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def plan_job(job_id: str, sync_type: str, *, seed: str, failure_rate: float) -> JobPlan:
    """Decide duration and fate of a job: the same answer for the same job id and seed."""
    rng = _rng(seed, "plan", job_id)
    low, high = (90.0, 180.0) if sync_type == "initial" else (60.0, 150.0)
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
    """An initial sync copies every disk; an incremental one only the changed blocks (2-15 %)."""
    if sync_type == "initial":
        return disk_bytes
    return int(disk_bytes * _rng(seed, "changed", job_id).uniform(0.02, 0.15))


def _copy_fraction(plan: JobPlan, fraction: float) -> float:
    if fraction <= _COPY_AT:
        return 0.0
    if fraction >= _CLEANUP_AT:
        return 1.0
    return ((fraction - _COPY_AT) / (_CLEANUP_AT - _COPY_AT)) ** plan.curve


def state_at(plan: JobPlan, elapsed_seconds: float, total_bytes: int, *, seed: str, vm_name: str) -> dict:
    """Column values of `replication_jobs` for a job `elapsed_seconds` after it started."""
    fraction = max(0.0, elapsed_seconds) / plan.duration_seconds
    failed = plan.fails and fraction >= plan.fail_at
    if failed:
        fraction = plan.fail_at
    elif fraction >= 1.0:
        return {"status": "completed", "progress_percent": 100.0, "bytes_transferred": total_bytes,
                "current_operation": "Completed", "vma_current_phase": "Completed",
                "setup_progress_percent": 100.0, "transfer_speed_bps": 0, "vma_throughput_mbps": 0.0,
                "vma_eta_seconds": 0}

    copied = int(total_bytes * _copy_fraction(plan, fraction))
    progress = round(100.0 * copied / total_bytes, 2) if total_bytes else (100.0 if fraction >= _CLEANUP_AT else 0.0)
    state = {"status": "replicating", "progress_percent": progress, "bytes_transferred": copied,
             "setup_progress_percent": round(min(1.0, fraction / _SNAPSHOT_AT) * 100.0, 2)}
    if fraction < _SNAPSHOT_AT:
        state.update(vma_current_phase="Initializing",
                     current_operation="Provisioning destination volumes" if fraction < _SNAPSHOT_AT / 2
                     else "Starting NBD export")
    elif fraction < _COPY_AT:
        state.update(vma_current_phase="Snapshot Creation", current_operation="Creating VMware snapshot")
    elif fraction < _CLEANUP_AT:
        state.update(vma_current_phase="Copying Data", current_operation="Copying changed blocks"
                     if plan.sync_type == "incremental" else "Copying disk data")
    else:
        state.update(vma_current_phase="Cleanup", current_operation="Removing VMware snapshot")

    speed = _throughput(plan, elapsed_seconds, total_bytes, seed) if state["vma_current_phase"] == "Copying Data" else 0
    remaining_seconds = plan.duration_seconds * (1.0 - fraction)
    state.update(transfer_speed_bps=speed, vma_throughput_mbps=round(speed / 1_000_000, 2),
                 vma_eta_seconds=int(remaining_seconds))
    if failed:
        classification, raw = plan.outcome_error(vm_name)
        state.update(status="failed", current_operation="Failed", transfer_speed_bps=0,
                     vma_throughput_mbps=0.0, vma_eta_seconds=None, error_message=raw,
                     vma_error_classification=classification, vma_error_details=raw)
    return state


def _throughput(plan: JobPlan, elapsed_seconds: float, total_bytes: int, seed: str) -> int:
    """Bytes per second around the average rate, varying every few seconds like a real link."""
    average = total_bytes / (plan.duration_seconds * (_CLEANUP_AT - _COPY_AT))
    bucket = int(elapsed_seconds // _THROUGHPUT_BUCKET_SECONDS)
    return int(average * _rng(seed, "speed", plan.job_id, bucket).uniform(0.8, 1.2))
