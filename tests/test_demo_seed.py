"""The demo data seeded into an empty database on first start."""
from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from cron import parse_cron
from extensions import db
from models import (FAILOVER_STATUSES, JobStep, JobTracking, LogEvent, ReplicationJob, ReplicationSchedule,
                    ScheduleExecution, VMGroupMembership, VMMachineGroup, VMReplicationContext, utcnow)
from jobs.progress import job_logs
from sanitizer import find_forbidden, sanitize_error
from scheduler import job_lines
from scheduler.outcomes import STATES
from simulator.inventory import demo_vm
from simulator.seed import EVERY_TWO_MINUTES, demo_cron, seed_demo_data
from tests.factories import make_vm

pytestmark = pytest.mark.both_dbs

JOB_ID = re.compile(r"^job-\d{8}-\d{6}\.\d{3}-[0-9a-f]{6}$")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def seeded(app):
    result = seed_demo_data()
    assert result.created, result.reason
    return result


def test_the_demo_has_at_least_40_vms_in_two_datacenters(seeded):
    per_datacenter = Counter(db.session.scalars(select(VMReplicationContext.datacenter)))
    assert sum(per_datacenter.values()) >= 40
    assert len(per_datacenter) == 2 and min(per_datacenter.values()) >= 15


def test_every_demo_vm_is_the_one_vma_discovery_serves(seeded):
    for context in db.session.scalars(select(VMReplicationContext)):
        served = demo_vm(context.vm_name)
        assert (served["id"], served["path"], served["datacenter"]) == (
            context.vmware_vm_id, context.vm_path, context.datacenter)


def test_the_demo_has_three_valid_schedules_one_firing_every_two_minutes(seeded, app):
    schedules = {s.name: s for s in db.session.scalars(select(ReplicationSchedule))}
    assert len(schedules) == 3
    for schedule in schedules.values():
        parse_cron(schedule.cron_expression, schedule.timezone, app.config["MIN_SCHEDULE_INTERVAL_SECONDS"])
    demo = parse_cron(schedules[EVERY_TWO_MINUTES].cron_expression, schedules[EVERY_TWO_MINUTES].timezone)
    first, second = demo.next_runs(utcnow(), 2)
    assert second - first == timedelta(minutes=2)
    assert {s.timezone for s in schedules.values()} >= {"UTC", "Europe/London"}


@pytest.mark.parametrize("second", [0, 1, 59, 60, 61, 119])
def test_the_demo_schedule_first_fires_within_a_minute_of_seeding(second):
    start = datetime(2025, 3, 30, 0, 58, tzinfo=timezone.utc) + timedelta(seconds=second)
    first = parse_cron(demo_cron(start), "UTC").next_after(start)
    assert first - start <= timedelta(minutes=1)


def test_four_groups_hold_prioritised_members_and_some_vms_stay_ungrouped(seeded):
    groups = list(db.session.scalars(select(VMMachineGroup)))
    assert len(groups) == 4
    assert all(g.schedule_id for g in groups)
    assert len({g.priority for g in groups}) == 4
    memberships = list(db.session.scalars(select(VMGroupMembership)))
    for group in groups:
        priorities = [m.priority for m in memberships if m.group_id == group.id]
        assert len(priorities) >= 3 and len(set(priorities)) == len(priorities)
    assert len({m.vm_context_id for m in memberships}) == len(memberships)  # a VM is in one group at most
    assert count(VMReplicationContext) - len(memberships) >= 5


def test_exactly_one_vm_is_failed_over_and_says_how(seeded):
    failed_over = list(db.session.scalars(select(VMReplicationContext).where(
        VMReplicationContext.current_status.in_(FAILOVER_STATUSES))))
    assert [vm.current_status for vm in failed_over] == ["failed_over_test"]
    summary = failed_over[0].last_operation_summary
    assert (summary["operation_type"], summary["status"]) == ("test_failover", "completed")


def test_failover_history_is_recorded_through_joblog_with_steps_and_logs(seeded):
    jobs = list(db.session.scalars(select(JobTracking)))
    assert {j.job_type for j in jobs} == {"failover", "cleanup"}
    assert {j.status for j in jobs} == {"completed", "failed"}
    assert all(j.external_job_id.startswith("unified-") and j.context_id for j in jobs)
    assert all(j.started_at < utcnow() - timedelta(hours=1) for j in jobs)
    assert count(JobStep) >= 5 * len(jobs)
    assert count(LogEvent) > 0


def test_failed_operations_leave_sanitized_summaries(seeded):
    summaries = [vm.last_operation_summary for vm in db.session.scalars(select(VMReplicationContext).where(
        VMReplicationContext.last_operation_summary.is_not(None)))]
    failed = [s for s in summaries if s["status"] == "failed"]
    assert failed
    for summary in failed:
        shown = {k: v for k, v in summary.items() if k != "failed_step_internal"}
        assert find_forbidden(repr(shown)) == []
        assert summary["error_message"] and summary["actionable_steps"]


def test_replication_history_has_completed_and_failed_jobs_with_raw_errors(seeded):
    jobs = list(db.session.scalars(select(ReplicationJob)))
    assert all(JOB_ID.match(job.id) for job in jobs)
    assert {job.status for job in jobs} == {"completed", "failed"}
    assert all(find_forbidden(job.error_message) for job in jobs if job.status == "failed")
    assert all(job.completed_at and job.completed_at <= utcnow() for job in jobs)


def test_last_nights_execution_counts_its_jobs(seeded):
    execution = db.session.scalars(select(ScheduleExecution)).one()
    jobs = list(db.session.scalars(select(ReplicationJob).where(ReplicationJob.schedule_execution_id == execution.id)))
    assert execution.status == "completed"
    assert execution.jobs_created == len(jobs) == len(execution.execution_details["vms"])
    assert execution.jobs_failed == sum(j.status == "failed" for j in jobs) > 0
    assert all(j.vm_group_id and j.scheduled_by == "scheduler" for j in jobs)


def test_last_nights_failed_vms_say_why_as_the_pipeline_writes_it(seeded):
    execution = db.session.scalars(select(ScheduleExecution)).one()
    jobs = {j.id: j for j in db.session.scalars(select(ReplicationJob)
                                                .where(ReplicationJob.schedule_execution_id == execution.id))}
    entries = execution.execution_details["vms"]
    failed = [e for e in entries if e["outcome"] == "failed"]
    assert {e["vm_name"] for e in failed} == {"sql-03", "app-05"}
    for entry in failed:
        sanitized = sanitize_error("replication", jobs[entry["job_id"]].error_message)
        assert entry["message"] == sanitized.message and entry["reason"] == sanitized.category
        assert entry["actionable_steps"] == list(sanitized.actionable_steps) and entry["retryable"] is True
    assert all(e["outcome"] == "completed" and not e.get("message") for e in entries if e not in failed)
    assert {e["outcome"] for e in entries} <= set(STATES)


def test_last_nights_jobs_have_the_lines_the_scheduler_writes_at_their_times(seeded):
    execution = db.session.scalars(select(ScheduleExecution)).one()
    for job in db.session.scalars(select(ReplicationJob).where(ReplicationJob.schedule_execution_id == execution.id)):
        lines = job_logs(job.id)["logs"]
        messages = list(db.session.scalars(select(LogEvent.message).where(LogEvent.external_job_id == job.id)
                                           .order_by(LogEvent.id)))
        assert len(messages) == len(lines) >= 3
        assert messages[0].startswith(f"Asked the appliance to replicate {job.source_vm_name} (")
        assert f"run {execution.id}" in messages[0]
        assert messages[1] == job_lines.accepted("replicating")
        times = [datetime.fromisoformat(line["ts"]) for line in lines]
        assert times == sorted(times)
        assert abs(times[0] - job.started_at.replace(tzinfo=times[0].tzinfo)) < timedelta(milliseconds=1)
        assert times[-1] <= job.completed_at.replace(tzinfo=times[-1].tzinfo) + timedelta(seconds=1)
        if job.status == "completed":
            assert messages[-1] == job_lines.completed(100)
        else:
            message = sanitize_error("replication", job.error_message).message
            assert job_lines.failed(message) in messages
            assert [line["level"] for line in lines if line["message"].startswith("Replication failed:")] == ["ERROR"]
        assert find_forbidden(" ".join(line["message"] for line in lines)) == []


def test_vm_counters_match_their_jobs(seeded):
    for vm in db.session.scalars(select(VMReplicationContext)):
        jobs = list(db.session.scalars(select(ReplicationJob).where(ReplicationJob.vm_context_id == vm.context_id)))
        assert vm.total_jobs_run == len(jobs)
        assert vm.successful_jobs == sum(j.status == "completed" for j in jobs)


def test_seeding_twice_changes_nothing(seeded):
    before = [count(m) for m in (VMReplicationContext, ReplicationSchedule, VMMachineGroup, ReplicationJob,
                                 JobTracking)]
    again = seed_demo_data()
    assert not again.created
    assert [count(m) for m in (VMReplicationContext, ReplicationSchedule, VMMachineGroup, ReplicationJob,
                               JobTracking)] == before


def test_a_database_with_an_operators_vm_is_not_seeded(app):
    make_vm("their-own-vm")
    result = seed_demo_data()
    assert not result.created and "already has" in result.reason
    assert count(VMReplicationContext) == 1 and count(ReplicationSchedule) == 0


def test_failover_history_is_named_after_the_time_it_ran(seeded):
    for job in db.session.scalars(select(JobTracking)):
        assert job.external_job_id.endswith(f"-{int(job.started_at.timestamp())}")


def test_two_processes_starting_together_seed_one_demo(app):
    results, errors = [], []

    def seed():
        try:
            with app.app_context():
                results.append(seed_demo_data())
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=seed) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert errors == []
    assert sorted(r.created for r in results) == [False, True]
    db.session.expire_all()
    assert count(ReplicationSchedule) == 3 and count(VMMachineGroup) == 4
    assert count(JobTracking) == 5


def test_the_simulated_vcenter_reports_vms_the_demo_does_not_manage_yet(seeded):
    from simulator.inventory import DATACENTERS, demo_vms
    managed = set(db.session.scalars(select(VMReplicationContext.vm_name)))
    for datacenter in DATACENTERS:
        reported = {vm["name"] for vm in demo_vms(datacenter)}
        # Discovery of each datacenter has something to add: "not managed yet" is never 0.
        assert len(reported - managed) >= 2, datacenter
        assert reported & managed, datacenter


def test_the_demo_has_rpo_targets_and_a_nightly_window_so_protection_has_something_to_say(app):
    from protection.assess import assess
    from scheduler.next_runs import upcoming_slots
    now = datetime(2025, 9, 19, 12, 0, tzinfo=timezone.utc)
    seed_demo_data(now=now)
    grouped = [item for item in assess(now) if item.group_id is not None]
    assert grouped and all(item.rpo_minutes for item in grouped)
    states = Counter(item.state for item in grouped)
    assert len(states) >= 2, states  # not every VM in the same state
    nightly = db.session.scalar(select(ReplicationSchedule).where(ReplicationSchedule.name == "Nightly 02:00"))
    assert nightly is not None and upcoming_slots(nightly, 3, now)[0][1] is None  # 02:00 London is inside the window
