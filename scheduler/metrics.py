"""Prometheus metrics of the scheduler.

Counters and the fire-lag histogram are per process (only the leader fires, so read them with
`scheduler_is_leader`); job and execution counts are read from the database at scrape time and
are the same whichever process answers.
"""
from __future__ import annotations

from collections import deque

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from extensions import db
from models import DashboardProtectionSummary, ReplicationJob, ScheduleExecution

REGISTRY = CollectorRegistry(auto_describe=True)

SLOTS_FIRED = Counter("scheduler_slots_fired", "Cron slots claimed and run by this process", registry=REGISTRY)
SLOTS_SKIPPED = Counter("scheduler_slots_skipped", "Slots recorded as skipped because the previous run "
                        "was still running", registry=REGISTRY)
SLOTS_SKIPPED_BY_POLICY = Counter("scheduler_slots_skipped_by_policy", "Slots not started because of a replication "
                                  "window or a blackout", ["reason"], registry=REGISTRY)
SLOTS_MISSED = Counter("scheduler_slots_missed", "Slots recorded as missed (no scheduler was running)",
                       registry=REGISTRY)
DUPLICATE_CLAIMS = Counter("scheduler_duplicate_claims", "Claims lost to another process (slot or dispatch)",
                           ["kind"], registry=REGISTRY)
FIRE_LAG = Histogram("scheduler_fire_lag_seconds", "Time from a slot's instant to its claim",
                     buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30), registry=REGISTRY)
DISPATCHED = Counter("scheduler_replications_dispatched", "Replications started through the OMA API",
                     registry=REGISTRY)
DISPATCH_FAILURES = Counter("scheduler_dispatch_failures", "Replications that could not be started, by category",
                            ["category"], registry=REGISTRY)
EXECUTIONS_FINISHED = Counter("scheduler_executions_finished", "Executions finished by this process",
                              ["status"], registry=REGISTRY)
ENGINE_RESTARTS = Counter("scheduler_engine_restarts", "Engine restarts by the watchdog", registry=REGISTRY)
PHANTOMS = Counter("scheduler_phantom_jobs_marked", "Jobs marked failed by phantom detection", ["rule"],
                   registry=REGISTRY)
IS_LEADER = Gauge("scheduler_is_leader", "1 while this process holds the scheduler lease", registry=REGISTRY)

#: The most recent fire lags in seconds, for `scheduler_status` and the benchmark.
RECENT_FIRE_LAGS: deque = deque(maxlen=10000)


def observe_fire_lag(seconds: float) -> None:
    FIRE_LAG.observe(seconds)
    RECENT_FIRE_LAGS.append(seconds)


def database_counts() -> tuple[dict, dict]:
    """Replication jobs and schedule executions by status (two grouped queries)."""
    jobs = dict(db.session.execute(select(ReplicationJob.status, func.count()).group_by(ReplicationJob.status)).all())
    executions = dict(db.session.execute(
        select(ScheduleExecution.status, func.count()).group_by(ScheduleExecution.status)).all())
    return jobs, executions


class DatabaseCollector:
    """Jobs by status and executions by status, read at scrape time (needs an app context)."""

    def describe(self):
        return []

    def collect(self):
        jobs, executions = database_counts()
        job_family = GaugeMetricFamily("replication_jobs", "Replication jobs by status", labels=["status"])
        for status, count in sorted(jobs.items()):
            job_family.add_metric([status], count)
        yield job_family
        execution_family = GaugeMetricFamily("schedule_executions", "Schedule executions by status",
                                             labels=["status"])
        for status, count in sorted(executions.items()):
            execution_family.add_metric([status], count)
        yield execution_family
        summary = db.session.get(DashboardProtectionSummary, "fleet")
        counts = summary.counts if summary is not None and isinstance(summary.counts, dict) else {}
        protection = GaugeMetricFamily("vms_protection_state", "VMs by protection state at the last assessment "
                                       "(protected, at_risk, breached, unprotected, no_target)", labels=["state"])
        for state in ("protected", "at_risk", "breached", "unprotected", "no_target"):
            value = counts.get(state)
            protection.add_metric([state], value if isinstance(value, int) else 0)
        yield protection


REGISTRY.register(DatabaseCollector())
