"""Step 3 of an execution: the six conflict checks, in order, first match wins (SPEC §5)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from extensions import db
from models import ReplicationJob, ReplicationSchedule, ScheduleExecution, replication_active
from scheduler.collect import Candidate
from vms import failover_words, is_failed_over

CONFLICT_TYPES = ("schedule_disabled", "vm_disabled", "vm_in_failover", "active_job",
                  "schedule_concurrency", "group_concurrency")
#: Conflicts that only mean "not now": the VM waits in the execution's queue for a free slot.
CONCURRENCY_CONFLICTS = frozenset({"schedule_concurrency", "group_concurrency"})

@dataclass(frozen=True)
class Conflict:
    code: str
    message: str

    @property
    def queues(self) -> bool:
        return self.code in CONCURRENCY_CONFLICTS


@dataclass
class Load:
    """Replications running now: per schedule, per group, and the busy VMs.

    `take` counts a dispatch decided in this pass so the limits hold within one pass too.
    """

    schedule_active: int = 0
    group_active: Counter = field(default_factory=Counter)
    busy_vms: set = field(default_factory=set)

    def take(self, candidate: Candidate) -> None:
        self.schedule_active += 1
        self.group_active[candidate.group_id] += 1
        self.busy_vms.add(candidate.vm_context_id)


def current_load(schedule_id: str, candidates: list[Candidate], in_flight: dict[str, tuple[str, str]]) -> Load:
    """Active jobs of the schedule, of the candidates' groups and of the candidates (3 queries).

    `in_flight` maps VMs being dispatched by this process (whose job row may not exist yet) to
    (schedule id, group id); they count as running.
    """
    load = Load()
    if not candidates:
        return load
    job, execution = ReplicationJob, ScheduleExecution
    active = replication_active(job.status)
    load.schedule_active = db.session.scalar(
        select(func.count()).select_from(job).join(execution, execution.id == job.schedule_execution_id)
        .where(execution.schedule_id == schedule_id, active)) or 0
    group_ids = sorted({c.group_id for c in candidates})
    for group_id, count in db.session.execute(
            select(job.vm_group_id, func.count()).where(job.vm_group_id.in_(group_ids), active)
            .group_by(job.vm_group_id)):
        load.group_active[group_id] = count
    vm_ids = [c.vm_context_id for c in candidates]
    load.busy_vms = set(db.session.scalars(
        select(job.vm_context_id).where(job.vm_context_id.in_(vm_ids), active).distinct()))
    for vm_id, (flight_schedule, flight_group) in in_flight.items():
        if vm_id in load.busy_vms:
            continue  # its job row is already counted above
        load.busy_vms.add(vm_id)
        if flight_schedule == schedule_id:
            load.schedule_active += 1
        if flight_group in group_ids:
            load.group_active[flight_group] += 1
    return load


def first_conflict(schedule: ReplicationSchedule, candidate: Candidate, load: Load) -> Conflict | None:
    """The first conflict that keeps this VM from being replicated now, or None."""
    if not schedule.enabled:
        return Conflict("schedule_disabled", "The schedule is disabled")
    if not candidate.vm_scheduler_enabled:
        return Conflict("vm_disabled", "Scheduled replication is turned off for this VM")
    if not candidate.membership_enabled:
        return Conflict("vm_disabled", f"The VM is disabled in group {candidate.group_name}")
    if is_failed_over(candidate.vm_status):
        return Conflict("vm_in_failover", f"The VM is in {failover_words(candidate.vm_status)}; "
                                          "it cannot be replicated while failed over")
    if candidate.vm_context_id in load.busy_vms:
        return Conflict("active_job", "The VM already has a replication running")
    limit = schedule.max_concurrent_jobs
    if limit and limit > 0 and load.schedule_active >= limit:
        return Conflict("schedule_concurrency",
                        f"Waiting: the schedule runs at most {limit} replication(s) at a time")
    group_limit = candidate.group_max_vms
    if group_limit and group_limit > 0 and load.group_active[candidate.group_id] >= group_limit:
        return Conflict("group_concurrency",
                        f"Waiting: group {candidate.group_name} runs at most {group_limit} VM(s) at a time")
    return None
