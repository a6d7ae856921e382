"""The rows of a realistic appliance fleet, generated deterministically from one seed.

Everything is computed in Python from `random.Random(seed)` and a reference time, so the same
seed, size and time give the same rows on SQLite and MariaDB. Rows are tuples in the column
order of `COLUMNS[table]`; times are naive UTC (what the columns store), JSON is already text.
The big tables (JobLog jobs, steps, log events) are produced in streams, never held at once.
"""
from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator

from scheduler.ids import slot_execution_id
from simulator.failover import STEPS as FAILOVER_STEPS
from simulator.raw_errors import FAILOVER_STEP_ERRORS, REPLICATION_ERRORS
from simulator.replications import new_job_id

DATACENTERS = (("Amsterdam-DC1", "ams", "vcenter-ams.fleet.local"),
               ("Frankfurt-DC2", "fra", "vcenter-fra.fleet.local"))
ROLES = (("web", "Web"), ("app", "Applications"), ("sql", "Databases"), ("pg", "Databases"), ("file", "Files"),
         ("mail", "Mail"), ("dc", "Directory"), ("build", "Build"), ("cache", "Caches"), ("mq", "Messaging"),
         ("erp", "ERP"), ("k8s-node", "Kubernetes"), ("ldap", "Directory"), ("backup", "Backup"),
         ("monitor", "Monitoring"))
GUESTS = (("Ubuntu Linux (64-bit)", "linux"), ("Red Hat Enterprise Linux 8 (64-bit)", "linux"),
          ("Debian GNU/Linux 12 (64-bit)", "linux"), ("Microsoft Windows Server 2019 (64-bit)", "windows"),
          ("Microsoft Windows Server 2022 (64-bit)", "windows"))
TIMEZONES = ("UTC", "Europe/London", "Europe/Amsterdam", "Europe/Berlin", "America/New_York", "America/Chicago",
             "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN", "MON-FRI", "SAT,SUN", "1-5")
OTHER_STEPS = {("scheduler", "schedule-execution", "scheduler"): ("vm-collection", "conflict-detection",
                                                                   "replication-dispatch"),
               ("discovery", "vm-discovery", "discovery"): ("vcenter-connection", "vm-inventory-scan",
                                                            "context-registration")}
FAILOVER_KINDS = (  # operation kind, job_type, operation, external id prefix, share
    ("test_failover", "failover", "unified-test-failover", "unified-test-failover", 45),
    ("rollback", "cleanup", "test-failover-rollback", "unified-rollback", 35),
    ("live_failover", "failover", "unified-live-failover", "unified-live-failover", 5),
)
LOG_LEVELS_BY_WEIGHT = ("INFO",) * 8 + ("DEBUG",) * 2
_NAMESPACE = uuid.UUID("0b7e4f1a-6c52-4f0e-8a43-3d9c1e2b5f70")

COLUMNS = {
    "vm_replication_contexts": (
        "context_id", "vm_name", "vmware_vm_id", "vm_path", "vcenter_host", "datacenter", "current_status",
        "current_job_id", "total_jobs_run", "successful_jobs", "failed_jobs", "last_successful_job_id",
        "cpu_count", "memory_mb", "os_type", "power_state", "vm_tools_version", "created_at", "updated_at",
        "first_job_at", "last_job_at", "last_status_change", "auto_added", "scheduler_enabled", "ossea_config_id"),
    "replication_schedules": (
        "id", "name", "description", "cron_expression", "schedule_type", "timezone", "chain_parent_schedule_id",
        "chain_delay_minutes", "replication_type", "max_concurrent_jobs", "retry_attempts", "retry_delay_minutes",
        "enabled", "skip_if_running", "created_at", "updated_at", "created_by"),
    "vm_machine_groups": (
        "id", "name", "description", "schedule_id", "max_concurrent_vms", "priority", "created_at", "updated_at",
        "created_by"),
    "vm_group_memberships": (
        "id", "group_id", "vm_context_id", "enabled", "priority", "schedule_override_id", "added_at", "added_by"),
    "schedule_executions": (
        "id", "schedule_id", "group_id", "scheduled_at", "started_at", "completed_at", "status", "vms_eligible",
        "jobs_created", "jobs_completed", "jobs_failed", "jobs_skipped", "execution_details", "error_message",
        "execution_duration_seconds", "created_at", "triggered_by"),
    "replication_jobs": (
        "id", "vm_context_id", "source_vm_id", "source_vm_name", "source_vm_path", "v_center_host", "datacenter",
        "replication_type", "status", "progress_percent", "current_operation", "bytes_transferred", "total_bytes",
        "error_message", "ossea_config_id", "created_at", "updated_at", "started_at", "completed_at",
        "vma_sync_type", "vma_current_phase", "vma_error_classification", "schedule_execution_id", "scheduled_by",
        "vm_group_id"),
    "job_tracking": (
        "id", "parent_job_id", "job_type", "operation", "status", "external_job_id", "metadata", "error_message",
        "started_at", "completed_at", "created_at", "updated_at", "percent_complete", "owner", "context_id",
        "job_category"),
    "job_steps": ("id", "job_id", "name", "seq", "status", "started_at", "completed_at", "error_message"),
    "log_events": ("id", "job_id", "step_id", "level", "message", "attrs", "ts", "external_job_id"),
}


@dataclass(frozen=True)
class FleetSize:
    """How many rows of each kind; `FleetSize.scaled(0.01)` is a hundredth of the full fleet."""

    vms: int = 5_000
    groups: int = 200
    schedules: int = 500
    replication_jobs: int = 100_000
    running_jobs: int = 200
    joblog_jobs: int = 100_000
    log_events: int = 1_000_000
    executions: int = 50_000

    @classmethod
    def scaled(cls, factor: float) -> "FleetSize":
        if not factor > 0:
            raise ValueError("scale must be a positive number")
        full = cls()

        def n(value: int, minimum: int) -> int:
            return max(minimum, round(value * factor))
        vms = n(full.vms, 4)
        return cls(vms=vms, groups=min(n(full.groups, 1), vms), schedules=n(full.schedules, 2),
                   replication_jobs=n(full.replication_jobs, 4), running_jobs=min(n(full.running_jobs, 1), vms // 4),
                   joblog_jobs=n(full.joblog_jobs, 3), log_events=n(full.log_events, 3),
                   executions=n(full.executions, 1))


@dataclass
class _Vm:
    index: int
    row: list
    status: str = "ready_for_failover"
    group: int | None = None


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "|".join(str(p) for p in parts)))


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


class FleetGenerator:
    """Generates one fleet; call the methods in the order of the table dependencies."""

    def __init__(self, size: FleetSize, seed: int = 1, now: datetime | None = None):
        self.size = size
        self.rng = random.Random(seed)
        now = now or datetime.now(timezone.utc)
        self.now = now.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)
        self.vms: list[_Vm] = []
        self.schedule_ids: list[str] = []
        self.cron_schedule_ids: list[str] = []
        self.groups: list[tuple[str, str, list[int]]] = []  # id, schedule id, member VM indexes
        self.executions: list[list] = []
        self._job_ids: set[str] = set()

    # -- inventory ------------------------------------------------------------------------------
    def vm_rows(self) -> list[_Vm]:
        """Context rows of every VM; status and job columns are filled in by `replication_job_rows`."""
        rng, created = self.rng, self.now - timedelta(days=730)
        for i in range(self.size.vms):
            dc, code, vcenter = DATACENTERS[i % 2]
            role, folder = ROLES[rng.randrange(len(ROLES))]
            guest, os_type = GUESTS[rng.randrange(len(GUESTS))]
            name = f"{role}-{code}-{i:04d}"
            added = created + timedelta(minutes=rng.randrange(60 * 24 * 180))
            row = [f"ctx-{name}-{added:%Y%m%d-%H%M%S}", name, _uuid("vm", name), f"/{dc}/vm/{folder}/{name}",
                   vcenter, dc, "ready_for_failover", None, 0, 0, 0, None, rng.choice((1, 2, 2, 4, 4, 8, 16)),
                   rng.choice((2048, 4096, 8192, 8192, 16384, 32768)), os_type,
                   "poweredOn" if rng.random() < 0.93 else "poweredOff", rng.choice(("12352", "12384", "11365")),
                   added, added, None, None, added, 1 if rng.random() < 0.6 else 0,
                   0 if rng.random() < 0.02 else 1, 1]
            self.vms.append(_Vm(i, row))
        # A few VMs were never replicated, a few run in the destination or failed.
        order = list(range(self.size.vms))
        rng.shuffle(order)
        marks = (("discovered", 0.03), ("failed_over_test", 0.01), ("failed_over_live", 0.004),
                 ("cleanup_required", 0.002), ("failed", 0.01))
        cursor = 0
        for status, share in marks:
            count = int(self.size.vms * share)
            for index in order[cursor:cursor + count]:
                self.vms[index].status = status
            cursor += count
        return self.vms

    def schedule_rows(self) -> list[tuple]:
        """Cron schedules of many shapes and zones; a fifth are chains after an earlier schedule."""
        rng, rows = self.rng, []
        created = self.now - timedelta(days=400)
        for n in range(self.size.schedules):
            schedule_id = _uuid("schedule", n)
            chain = n >= 2 and n % 5 == 4
            if chain:
                parent = self.schedule_ids[rng.randrange(len(self.schedule_ids))]
                kind, cron, zone, label = "chain", "", rng.choice(TIMEZONES), "after-parent"
            else:
                parent = None
                kind, (cron, label), zone = "cron", self._cron(rng), rng.choice(TIMEZONES)
                self.cron_schedule_ids.append(schedule_id)
            self.schedule_ids.append(schedule_id)
            rows.append((schedule_id, f"{label}-{n:03d}", f"Fleet schedule {n}: {label.replace('-', ' ')}.", cron,
                         kind, zone, parent, rng.choice((0, 5, 15, 30, 60)) if chain else 0,
                         rng.choice(("incremental", "incremental", "auto", "full")), rng.randint(2, 20),
                         rng.randint(0, 3), rng.choice((5, 15, 30, 60)), 0 if rng.random() < 0.05 else 1,
                         0 if rng.random() < 0.1 else 1, created, created, "fleet-seed"))
        return rows

    @staticmethod
    def _cron(rng: random.Random) -> tuple[str, str]:
        shape = rng.randrange(7)
        minute, hour = rng.randrange(60), rng.randrange(24)
        if shape == 0:
            return f"0 {minute} {hour} * * *", "nightly"
        if shape == 1:
            return f"0 {minute} {hour} * * {rng.choice(WEEKDAYS)}", "weekly"
        if shape == 2:
            return f"0 {minute} */{rng.choice((2, 3, 4, 6, 12))} * * *", "every-few-hours"
        if shape == 3:
            return f"0 */{rng.choice((5, 10, 15, 30))} * * * *", "frequent"
        if shape == 4:
            return f"0 {minute} {hour} {rng.randint(1, 28)} * *", "monthly"
        if shape == 5:
            return f"30 {minute} {hour} * * 1-5", "business-days"
        return rng.choice(("@daily", "@weekly", "@every 4h", "@hourly")), "descriptor"

    def group_rows(self) -> list[tuple]:
        """Groups spread over the schedules; every twentieth VM stays ungrouped."""
        rng, rows = self.rng, []
        created = self.now - timedelta(days=380)
        members: list[list[int]] = [[] for _ in range(self.size.groups)]
        for vm in self.vms:
            if vm.index % 20 != 19:
                vm.group = vm.index % self.size.groups
                members[vm.group].append(vm.index)
        for g in range(self.size.groups):
            group_id = _uuid("group", g)
            schedule_id = self.schedule_ids[g * len(self.schedule_ids) // self.size.groups]
            self.groups.append((group_id, schedule_id, members[g]))
            rows.append((group_id, f"{ROLES[g % len(ROLES)][1]} {DATACENTERS[g % 2][1]} {g:03d}",
                         f"Fleet group {g}.", schedule_id, rng.randint(2, 10), 10 * (g % 10 + 1),
                         created, created, "fleet-seed"))
        return rows

    def membership_rows(self) -> list[tuple]:
        rng, rows = self.rng, []
        for group_id, _, members in self.groups:
            for position, index in enumerate(members):
                vm = self.vms[index].row
                override = (self.cron_schedule_ids[rng.randrange(len(self.cron_schedule_ids))]
                            if len(rows) % 97 == 13 else None)  # about 1 %
                rows.append((_uuid("member", group_id, vm[0]), group_id, vm[0], 0 if rng.random() < 0.02 else 1,
                             10 * (position + 1), override, vm[17], "fleet-seed"))
        return rows

    # -- history ----------------------------------------------------------------------------------
    def execution_rows(self) -> list[list]:
        """Executions of the grouped schedules over the last year, newest first per schedule;
        their counts and per-VM details are completed by `replication_job_rows`."""
        rng = self.rng
        groups = [group for group in self.groups if group[2]]
        per_group = -(-self.size.executions // max(1, len(groups)))
        spacing = timedelta(days=365) / max(1, per_group)
        for e in range(self.size.executions):
            group_id, schedule_id, members = groups[e % len(groups)]
            k = e // len(groups)
            slot = self.now - spacing * (k + 1) - timedelta(minutes=(e % len(groups)) % 720)
            slot = slot.replace(microsecond=0)
            roll = rng.random()
            status = ("completed" if roll < 0.86 else "failed" if roll < 0.93 else "skipped" if roll < 0.99
                      else "cancelled")
            triggered = "scheduler" if roll < 0.95 else rng.choice(("manual", "chain", "retry"))
            self.executions.append([slot_execution_id(schedule_id, slot.replace(tzinfo=timezone.utc)), schedule_id,
                                    group_id, slot, slot, None, status, len(members), 0, 0, 0, 0, [], None, None,
                                    slot, triggered])
        return self.executions

    def replication_job_rows(self) -> list[tuple]:
        """Replication history: 70 % dispatched by executions, the rest started by hand; the newest
        `running_jobs` are still replicating. Updates the VMs' job columns and the executions."""
        rng, rows = self.rng, []
        replicable = [vm for vm in self.vms if vm.status != "discovered"]
        scheduled_target = int(self.size.replication_jobs * 0.7) if self.executions else 0
        ready = [vm for vm in replicable if vm.status == "ready_for_failover"]
        running = rng.sample(ready, min(self.size.running_jobs, len(ready)))
        per_vm: dict[int, list] = {}
        members_of = {group_id: [i for i in members if self.vms[i].status != "discovered"]
                      for group_id, _, members in self.groups}
        for j in range(self.size.replication_jobs - len(running)):
            execution = self.executions[j % len(self.executions)] if j < scheduled_target else None
            members = members_of[execution[2]] if execution is not None else None
            if members:
                vm = self.vms[members[(j // len(self.executions)) % len(members)]]
                started = execution[3] + timedelta(seconds=rng.uniform(0.2, 30))
            else:
                execution = None
                vm = replicable[rng.randrange(len(replicable))]
                started = self.now - timedelta(seconds=rng.uniform(3600, 730 * 86400))
            roll = rng.random()
            status = "completed" if roll < 0.88 else "failed" if roll < 0.98 else "cancelled"
            rows.append(self._job(vm, started, status, execution))
            per_vm.setdefault(vm.index, []).append(rows[-1])
        for vm in running:
            vm.status = "replicating"
            started = self.now - timedelta(seconds=rng.uniform(60, 7200))
            rows.append(self._job(vm, started, "replicating", None))
            per_vm.setdefault(vm.index, []).append(rows[-1])
        self._summarize_vms(per_vm)
        for execution in self.executions:
            execution[12] = _dumps({"vms": execution[12], "trigger": execution[16]})
        return rows

    def _job(self, vm: _Vm, started: datetime, status: str, execution: list | None) -> tuple:
        rng, row = self.rng, vm.row
        job_id = new_job_id(started, rng)
        while job_id in self._job_ids:
            job_id = new_job_id(started, rng)
        self._job_ids.add(job_id)
        sync = "initial" if rng.random() < 0.08 else "incremental"
        total = rng.randint(1, 400) * 1024 ** 3 // (20 if sync == "incremental" else 1)
        running = status == "replicating"
        done = None if running else started + timedelta(seconds=rng.uniform(60, 2400 if sync == "initial" else 600))
        progress = rng.uniform(1, 95) if running else 100.0 if status == "completed" else rng.uniform(5, 90)
        error = classification = None
        if status == "failed":
            classification, text = REPLICATION_ERRORS[rng.randrange(len(REPLICATION_ERRORS))]
            error = text.format(vm=row[1], disk="disk-2000")
        operation = ("Transferring data" if running else "Replication completed" if status == "completed"
                     else "Replication failed" if status == "failed" else "Replication cancelled")
        if execution is not None:
            execution[8] += 1
            execution[9 if status == "completed" else 10] += 1
            execution[12].append({"vm_context_id": row[0], "vm_name": row[1], "group_id": execution[2],
                                  "outcome": status, "job_id": job_id})
            finished = done or started
            if execution[5] is None or finished > execution[5]:
                execution[5] = finished
                execution[14] = int((finished - execution[3]).total_seconds())
        return (job_id, row[0], row[2], row[1], row[3], row[4], row[5], sync, status, round(progress, 1),
                operation, int(total * progress / 100), total, error, 1, started, done or started, started, done,
                sync, "Transferring" if running else "Completed", classification,
                execution[0] if execution else None, "scheduler" if execution else None,
                execution[2] if execution else None)

    def _summarize_vms(self, per_vm: dict[int, list]) -> None:
        for index, jobs in per_vm.items():
            vm = self.vms[index]
            jobs.sort(key=lambda job: job[15])
            completed = [job for job in jobs if job[8] == "completed"]
            row = vm.row
            row[7] = jobs[-1][0]
            row[8], row[9] = len(jobs), len(completed)
            row[10] = sum(1 for job in jobs if job[8] == "failed")
            row[11] = completed[-1][0] if completed else None
            row[19], row[20] = jobs[0][15], jobs[-1][15]
            row[18] = row[21] = jobs[-1][16]
        for vm in self.vms:
            vm.row[6] = vm.status

    def finished_executions(self) -> list[tuple]:
        """Execution rows with the counts of the jobs they dispatched (after `replication_job_rows`)."""
        rows = []
        for execution in self.executions:
            if execution[6] == "skipped":
                execution[11] = execution[7]
            else:
                execution[11] = max(0, execution[7] - execution[8])
            if execution[6] == "failed" and not execution[10]:
                execution[13] = "VM specifications could not be fetched from vCenter"
            execution[5] = execution[5] or execution[3] + timedelta(seconds=2)
            rows.append(tuple(execution))
        return rows

    # -- JobLog -------------------------------------------------------------------------------------
    def joblog_rows(self, first_step_id: int = 1, first_log_id: int = 1
                    ) -> Iterator[tuple[str, tuple]]:
        """Yields `(table, row)` for JobLog jobs, their steps and their log events, job by job."""
        rng, size = self.rng, self.size
        vms = [vm for vm in self.vms if vm.status != "discovered"] or self.vms
        kinds = [kind for kind in FAILOVER_KINDS for _ in range(kind[4])] + [None] * 15
        step_id, log_id = first_step_id, first_log_id
        logs_each, extra_logs = divmod(size.log_events, size.joblog_jobs)
        spacing = 730 * 86400 / size.joblog_jobs
        for n in range(size.joblog_jobs):
            vm = vms[rng.randrange(len(vms))].row
            kind = kinds[rng.randrange(len(kinds))]
            started = self.now - timedelta(seconds=spacing * (size.joblog_jobs - n) + rng.uniform(0, spacing))
            job_id = _uuid("joblog", n)
            if kind is not None:
                operation_kind, job_type, operation, prefix, _ = kind
                steps, category, context = FAILOVER_STEPS[operation_kind], "failover", vm[0]
                external = f"{prefix}-{vm[1]}-{int(started.replace(tzinfo=timezone.utc).timestamp())}"
            else:
                (job_type, operation, category), steps = rng.choice(tuple(OTHER_STEPS.items()))
                context, external = None, None
            running = n >= size.joblog_jobs - max(1, size.joblog_jobs // 2000)
            failing = None if running or rng.random() >= 0.12 else rng.randrange(len(steps))
            done_steps = len(steps) if failing is None else failing + 1
            if running:
                done_steps = rng.randrange(1, len(steps) + 1)
            at = started
            step_rows = []
            for seq in range(done_steps):
                name = steps[seq]
                took = timedelta(seconds=rng.uniform(2, 120))
                last = seq == done_steps - 1
                status = ("running" if running and last else "failed" if failing == seq else "completed")
                error = None
                if status == "failed":
                    choices = FAILOVER_STEP_ERRORS.get(name) or (f"{name} failed: exit status 1",)
                    error = choices[rng.randrange(len(choices))]
                step_rows.append((step_id + seq, job_id, name, seq + 1, status, at,
                                  None if status == "running" else at + took, error))
                at += took
            status = "running" if running else "failed" if failing is not None else "completed"
            metadata = _dumps({"vm_name": vm[1], "context_id": vm[0]}) if context else None
            yield "job_tracking", (
                job_id, None, job_type, operation, status, external, metadata,
                step_rows[-1][7] if status == "failed" else None, started, None if running else at, started,
                at, 100 if status == "completed" else int(100 * done_steps / (len(steps) + 1)), "fleet-seed",
                context, category)
            for step in step_rows:
                yield "job_steps", step
            count = logs_each + (1 if n < extra_logs else 0)
            for k in range(count):
                step = step_rows[k % len(step_rows)]
                level = "ERROR" if step[4] == "failed" and k == count - 1 else LOG_LEVELS_BY_WEIGHT[k % 10]
                message = f"{step[2]}: {vm[1]} {'failed: ' + step[7] if level == 'ERROR' else 'progress ' + str(k)}"
                # The original system kept the external job id only in these attributes.
                attrs = _dumps({"vm_name": vm[1], "step": step[2], "line": k, "external_job_id": external})
                yield "log_events", (log_id, job_id, step[0], level, message, attrs,
                                     step[5] + timedelta(milliseconds=250 * k), external)
                log_id += 1
            step_id += len(step_rows)
