"""Demo data for an empty database: most of the inventory as managed VMs (a few stay for discovery
to add), schedules, groups, history.

Seeding happens once: only when no VM, schedule or group exists yet, and in a single
transaction whose unique keys (VM name per vCenter, schedule and group names) make a second
process seeding at the same moment fail and roll back instead of duplicating anything.
"""
from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from joblog.handler import level_name
from models import (DashboardRPOTarget, DashboardSchedulePolicy, LogEvent, ReplicationJob, ReplicationSchedule,
                    ScheduleExecution, VMGroupMembership, VMMachineGroup,
                    VMReplicationContext, utcnow)
from scheduler import job_lines
from scheduler.collect import Candidate
from scheduler.outcomes import RUNNING
from scheduler.pipeline import apply_job, replication_request
from simulator.failover import seed_failover_history
from simulator.inventory import MANAGED_DEMO_VMS, VCENTER_HOST, total_disk_bytes
from simulator.plan import bytes_to_transfer
from simulator.raw_errors import VMA_FAILURE_CLASSIFICATION, replication_error, vma_failure_columns
from simulator.replications import NBD_PORT, new_job_id

log = logging.getLogger(__name__)

SEEDED_BY = "demo-seed"
EVERY_TWO_MINUTES = "Every 2 minutes — demo"
NIGHTLY = "Nightly 02:00"
WEEKEND_FULL = "Weekend full"

_SCHEDULES = (
    # name, cron, timezone, replication type, max concurrent jobs, retries, retry delay, description
    (EVERY_TWO_MINUTES, None, "UTC", "auto", 3, 2, 1,
     "Demo schedule: replicates the web tier every two minutes so there is always something to watch."),
    (NIGHTLY, "0 0 2 * * *", "Europe/London", "incremental", 6, 3, 30,
     "Incremental replication of databases and application servers every night."),
    (WEEKEND_FULL, "0 0 4 * * SAT", "Europe/Berlin", "full", 4, 1, 60,
     "Full copy of the infrastructure servers early on Saturday."),
)
_GROUPS = (
    # name, schedule, max concurrent VMs, priority, members in priority order
    ("Web tier (demo)", EVERY_TWO_MINUTES, 2, 10, ("pgtest1", "web-01", "web-02", "web-03", "pgtest2")),
    ("Databases", NIGHTLY, 3, 5, ("sql-01", "sql-02", "sql-03", "sql-04", "pg-prod-01", "pg-prod-02")),
    ("Application servers", NIGHTLY, 4, 20, ("app-01", "app-02", "app-03", "app-04", "app-05", "app-06",
                                             "legacy-erp-01")),
    ("Infrastructure", WEEKEND_FULL, 2, 30, ("win-dc-01", "win-dc-02", "file-01", "file-02", "mail-01",
                                             "backup-01", "monitor-01")),
)
#: Each group's RPO, so that the Protection page has something to say: the web tier is copied
#: every two minutes, the nightly groups within a day and a bit, the weekend group within a week.
_RPO_MINUTES = {"Web tier (demo)": 30, "Databases": 25 * 60, "Application servers": 25 * 60,
                "Infrastructure": 8 * 24 * 60}
#: The nightly schedule may only start replications at night, London time.
_WINDOWS = {NIGHTLY: [{"days": ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"], "start": "20:00", "end": "06:00"}]}


@dataclass
class SeedResult:
    created: bool
    reason: str = ""
    counts: dict = field(default_factory=dict)

    @property
    def summary(self) -> str:
        if not self.created:
            return f"not seeded ({self.reason})"
        return ", ".join(f"{n} {what}" for what, n in self.counts.items())


def demo_cron(now: datetime) -> str:
    """Every two minutes, on the even or odd minutes: whichever comes first after `now`, so the
    first execution fires within a minute of the first start."""
    return "0 1/2 * * * *" if now.minute % 2 == 0 else "0 */2 * * * *"


def inventory_is_empty() -> bool:
    """True when the database has no VM, schedule or group: nothing of an operator's to disturb."""
    return all(db.session.scalar(select(func.count()).select_from(model)) == 0
               for model in (VMReplicationContext, ReplicationSchedule, VMMachineGroup))


def seed_demo_data(now: datetime | None = None, rng: random.Random | None = None) -> SeedResult:
    """Seed the demo inventory, schedules, groups and history into an empty database."""
    if not inventory_is_empty():
        return SeedResult(False, "the database already has VMs, schedules or groups")
    now = now or utcnow()
    rng = rng or random.Random(20250919)
    try:
        counts = _seed(now, rng)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if inventory_is_empty():  # not a lost race: a real error
            raise
        return SeedResult(False, "another process seeded the demo data at the same time")
    counts.update(seed_failover_history(now))
    log.info("Demo data seeded: %s", counts)
    return SeedResult(True, counts=counts)


def _seed(now: datetime, rng: random.Random) -> dict:
    contexts = {vm["name"]: _context(vm, now) for vm in MANAGED_DEMO_VMS}
    db.session.add_all(contexts.values())
    schedules = {}
    for name, cron, tz, rtype, max_jobs, retries, delay, description in _SCHEDULES:
        cron = cron or demo_cron(now)
        schedules[name] = ReplicationSchedule(
            id=str(uuid.uuid4()), name=name, description=description, cron_expression=cron, schedule_type="cron",
            timezone=tz, replication_type=rtype, max_concurrent_jobs=max_jobs, retry_attempts=retries,
            retry_delay_minutes=delay, enabled=True, skip_if_running=True, created_by=SEEDED_BY,
            created_at=now, updated_at=now)
    db.session.add_all(schedules.values())
    db.session.flush()  # no ORM relationships order the inserts: parents go first explicitly
    groups, memberships = {}, 0
    for name, schedule_name, max_vms, priority, members in _GROUPS:
        group = VMMachineGroup(id=str(uuid.uuid4()), name=name, schedule_id=schedules[schedule_name].id,
                               max_concurrent_vms=max_vms, priority=priority, created_by=SEEDED_BY,
                               description=f"Demo group replicated by “{schedule_name}”.")
        groups[name] = group
        db.session.add(group)
        db.session.flush()
        for position, vm_name in enumerate(members):
            db.session.add(VMGroupMembership(id=str(uuid.uuid4()), group_id=group.id,
                                             vm_context_id=contexts[vm_name].context_id, enabled=True,
                                             priority=(position + 1) * 10, added_by=SEEDED_BY))
            memberships += 1
        db.session.add(DashboardRPOTarget(subject_type="group", subject_id=group.id, rpo_minutes=_RPO_MINUTES[name],
                                          updated_at=now))
    for schedule_name, windows in _WINDOWS.items():
        db.session.add(DashboardSchedulePolicy(schedule_id=schedules[schedule_name].id, windows=windows,
                                               window_close_policy="defer", consecutive_failures=0, updated_at=now))
    db.session.flush()
    jobs = _history(now, rng, contexts, schedules, groups)
    return {"VMs": len(contexts), "schedules": len(schedules), "groups": len(groups),
            "memberships": memberships, "replication jobs": jobs}


def _context(vm: dict, now: datetime) -> VMReplicationContext:
    added = now - timedelta(days=14)
    return VMReplicationContext(
        context_id=f"ctx-{vm['name']}-{added:%Y%m%d-%H%M%S}", vm_name=vm["name"], vmware_vm_id=vm["id"],
        vm_path=vm["path"], vcenter_host=VCENTER_HOST, datacenter=vm["datacenter"], current_status="discovered",
        cpu_count=vm["num_cpu"], memory_mb=vm["memory_mb"], os_type=vm["guest_os"], power_state=vm["power_state"],
        vm_tools_version=vm["vmware_tools_version"] or None, ossea_config_id=1, scheduler_enabled=True,
        auto_added=True, created_at=added, updated_at=added, last_status_change=added,
        total_jobs_run=0, successful_jobs=0, failed_jobs=0)


def _job(context: VMReplicationContext, vm: dict, started: datetime, sync_type: str, rng: random.Random, *,
         failed: bool, **scheduler_metadata) -> ReplicationJob:
    job_id = new_job_id(started, rng)
    total = bytes_to_transfer(job_id, sync_type, total_disk_bytes(vm), seed="demo-history")
    duration = timedelta(seconds=rng.uniform(300, 2400) if sync_type == "initial" else rng.uniform(60, 600))
    done = started + duration
    job = ReplicationJob(
        id=job_id, vm_context_id=context.context_id, source_vm_id=vm["id"], source_vm_name=vm["name"],
        source_vm_path=vm["path"], v_center_host=VCENTER_HOST, datacenter=vm["datacenter"],
        replication_type=sync_type, target_network="default", ossea_config_id=1, nbd_port=NBD_PORT,
        nbd_export_name=f"migration-vol-{uuid.UUID(int=rng.getrandbits(128))}", target_device="/dev/vdb",
        total_bytes=total, created_at=started, started_at=started, completed_at=done, updated_at=done,
        vma_sync_type="full" if sync_type == "initial" else "incremental", vma_last_poll_at=done, setup_progress_percent=100.0, **scheduler_metadata)
    if failed:
        _classification, raw = replication_error(rng.randrange(1000), vm["name"])
        copied = int(total * rng.uniform(0.1, 0.8))
        job.status, job.current_operation, job.vma_current_phase = "failed", "Failed", "Copying Data"
        job.bytes_transferred, job.progress_percent = copied, round(100.0 * copied / total, 2) if total else 0.0
        job.error_message, job.vma_error_details = vma_failure_columns(raw)
        job.vma_error_classification = VMA_FAILURE_CLASSIFICATION
    else:
        job.status, job.current_operation, job.vma_current_phase = "completed", "Completed", "Completed"
        job.bytes_transferred, job.progress_percent = total, 100.0
        job.transfer_speed_bps = int(total / duration.total_seconds())
        job.vma_throughput_mbps = round(job.transfer_speed_bps / 1_000_000, 2)
    return job


def _record(context: VMReplicationContext, job: ReplicationJob) -> None:
    """Update the VM's counters as the OMA does when one of its jobs ends (repository.go:1911-1990
    [OMA 8b7d59b]: no job left active, so `current_job_id` is cleared)."""
    context.total_jobs_run = (context.total_jobs_run or 0) + 1
    context.first_job_at = context.first_job_at or job.started_at
    context.last_job_at = job.completed_at
    context.current_job_id = None
    context.last_status_change = job.completed_at
    if job.status == "completed":
        context.successful_jobs = (context.successful_jobs or 0) + 1
        context.last_successful_job_id = job.id
        context.current_status = "ready_for_failover"
    else:
        context.failed_jobs = (context.failed_jobs or 0) + 1
        context.current_status = "failed"


def _last_slot(now: datetime, hour: int, tz: str) -> datetime:
    local = now.astimezone(ZoneInfo(tz))
    slot = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if slot > local:
        slot -= timedelta(days=1)
    return slot.astimezone(ZoneInfo("UTC"))


def _history(now: datetime, rng: random.Random, contexts: dict, schedules: dict, groups: dict) -> int:
    """Initial copies of most VMs days ago, and last night's run of the nightly schedule."""
    by_name = {vm["name"]: vm for vm in MANAGED_DEMO_VMS}
    members_of = {name: members for name, _schedule, _max, _priority, members in _GROUPS}
    never_replicated = {"pgtest3", "win-rdp-02", "vpn-01", "kafka-02"}
    jobs: list[ReplicationJob] = []
    for name, context in contexts.items():
        if name not in never_replicated:
            started = now - timedelta(days=rng.uniform(3, 10))
            jobs.append(_job(context, by_name[name], started, "initial", rng, failed=False, scheduled_by="operator"))

    slot = _last_slot(now, 2, "Europe/London")
    execution = ScheduleExecution(id=str(uuid.uuid4()), schedule_id=schedules[NIGHTLY].id, scheduled_at=slot,
                                  started_at=slot, status="completed", triggered_by="scheduler")
    db.session.add(execution)
    db.session.flush()
    nightly_jobs, details, log_lines, started = [], [], [], slot
    for group_name in ("Databases", "Application servers"):
        group = groups[group_name]
        for member in members_of[group_name]:
            context = contexts[member]
            started += timedelta(seconds=rng.uniform(0.3, 4))
            job = _job(context, by_name[member], started, "incremental", rng, failed=member in ("sql-03", "app-05"),
                       schedule_execution_id=execution.id, vm_group_id=group.id, scheduled_by="scheduler")
            nightly_jobs.append(job)
            entry = {"vm_context_id": context.context_id, "vm_name": member, "group_id": group.id,
                     "group_name": group_name, "outcome": RUNNING}
            apply_job(entry, job)  # the outcome, reason and message the pipeline stores for this job
            details.append(entry)
            request = replication_request(
                Candidate(context.context_id, member, "ready_for_failover", True, True, group.id, group_name,
                          None, context.datacenter, context.vcenter_host, context.ossea_config_id),
                by_name[member], {}, execution_id=execution.id, replication_type="incremental",
                scheduled_by="scheduler")
            log_lines.extend(_job_lines(job, request, entry))
    failed = sum(job.status == "failed" for job in nightly_jobs)
    execution.vms_eligible = execution.jobs_created = len(nightly_jobs)
    execution.jobs_completed, execution.jobs_failed, execution.jobs_skipped = len(nightly_jobs) - failed, failed, 0
    execution.completed_at = max(job.completed_at for job in nightly_jobs)
    execution.execution_duration_seconds = int((execution.completed_at - slot).total_seconds())
    execution.execution_details = {"vms": details}

    jobs.extend(nightly_jobs)
    db.session.add_all(jobs)
    db.session.add_all(log_lines)
    db.session.flush()  # the jobs exist before the contexts point at them
    for job in sorted(jobs, key=lambda j: j.started_at):
        _record(contexts[job.source_vm_name], job)
    return len(jobs)


#: What the appliance answers to a replication request (its job starts copying at once).
_ACCEPTED_STATUS = "replicating"


def _job_lines(job: ReplicationJob, request: dict, entry: dict) -> list[LogEvent]:
    """The lines the scheduler writes for a job it dispatched and followed (scheduler.pipeline:
    the request, the appliance's answer, each quarter of the copy, the end), at the times they
    would have been written. Their own random numbers leave the rest of the demo as it was."""
    rng = random.Random(job.id)
    started, done = job.started_at, job.completed_at
    span = (done - started).total_seconds()
    lines = [(started, job_lines.INFO, job_lines.describe_request(request, job.source_vm_name)),
             (started + timedelta(seconds=rng.uniform(0.2, 1.5)), job_lines.INFO,
              job_lines.accepted(_ACCEPTED_STATUS))]
    final = float(job.progress_percent or 0)
    for quarter in (25, 50, 75):
        if quarter > final:
            break
        seen = min(final, quarter + rng.uniform(0, 6))
        at = started + timedelta(seconds=span * seen / 100)
        lines.append((at, job_lines.INFO, job_lines.changed(_ACCEPTED_STATUS, _ACCEPTED_STATUS, int(seen))))
    if job.status == "completed":
        lines.append((done, job_lines.INFO, job_lines.completed(int(final))))
    else:
        lines.append((done, job_lines.ERROR, job_lines.failed(entry.get("message"))))
        if entry.get("actionable_steps"):
            lines.append((done, job_lines.INFO, job_lines.what_you_can_do(entry["actionable_steps"])))
    return [LogEvent(level=level_name(level), message=message, ts=at, external_job_id=job.id)
            for at, level, message in lines]
