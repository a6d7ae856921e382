"""The benchmark fleet generator (`bench_fleet`, `flask bench seed`) at a hundredth of the full size."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, text

from cron import parse_cron
from extensions import db
from bench_fleet import FleetGenerator, FleetNotEmpty, FleetSize, fleet_counts, seed_fleet
from models import DashboardUser, ReplicationJob, ReplicationSchedule, ScheduleExecution, VMReplicationContext

pytestmark = pytest.mark.both_dbs

SIZE = FleetSize.scaled(0.01)
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)

# (child table, column, parent table, parent key): every foreign key the fleet fills.
FOREIGN_KEYS = (
    ("vm_group_memberships", "group_id", "vm_machine_groups", "id"),
    ("vm_group_memberships", "vm_context_id", "vm_replication_contexts", "context_id"),
    ("vm_group_memberships", "schedule_override_id", "replication_schedules", "id"),
    ("vm_machine_groups", "schedule_id", "replication_schedules", "id"),
    ("replication_schedules", "chain_parent_schedule_id", "replication_schedules", "id"),
    ("schedule_executions", "schedule_id", "replication_schedules", "id"),
    ("schedule_executions", "group_id", "vm_machine_groups", "id"),
    ("replication_jobs", "vm_context_id", "vm_replication_contexts", "context_id"),
    ("replication_jobs", "schedule_execution_id", "schedule_executions", "id"),
    ("replication_jobs", "vm_group_id", "vm_machine_groups", "id"),
    ("vm_replication_contexts", "current_job_id", "replication_jobs", "id"),
    ("vm_replication_contexts", "last_successful_job_id", "replication_jobs", "id"),
    ("job_steps", "job_id", "job_tracking", "id"),
    ("log_events", "job_id", "job_tracking", "id"),
    ("log_events", "step_id", "job_steps", "id"),
)


@pytest.fixture
def seeded(app):
    return seed_fleet(db.engine, SIZE, seed=3, now=NOW)


def test_seeding_writes_the_requested_number_of_rows(seeded):
    counts = fleet_counts(db.engine)
    assert counts["vm_replication_contexts"] == SIZE.vms
    assert counts["vm_machine_groups"] == SIZE.groups
    assert counts["replication_schedules"] == SIZE.schedules
    assert counts["schedule_executions"] == SIZE.executions
    assert counts["replication_jobs"] == SIZE.replication_jobs
    assert counts["job_tracking"] == SIZE.joblog_jobs
    assert counts["log_events"] == SIZE.log_events
    assert counts["job_steps"] >= 2 * SIZE.joblog_jobs
    assert seeded.counts == counts


@pytest.mark.parametrize("child, column, parent, key", FOREIGN_KEYS, ids=[f"{c}.{col}" for c, col, *_ in FOREIGN_KEYS])
def test_every_foreign_key_names_an_existing_row(seeded, child, column, parent, key):
    dangling = db.session.execute(text(
        f"SELECT COUNT(*) FROM {child} c LEFT JOIN {parent} p ON p.{key} = c.{column} "
        f"WHERE c.{column} IS NOT NULL AND p.{key} IS NULL")).scalar_one()
    filled = db.session.execute(text(f"SELECT COUNT(*) FROM {child} WHERE {column} IS NOT NULL")).scalar_one()
    assert dangling == 0
    assert filled > 0


def test_every_cron_schedule_passes_the_products_own_validation(seeded):
    schedules = db.session.scalars(select(ReplicationSchedule).where(ReplicationSchedule.schedule_type == "cron")).all()
    assert schedules
    for schedule in schedules:
        parse_cron(schedule.cron_expression, schedule.timezone)  # raises CronError when invalid


def test_chain_schedules_follow_an_earlier_schedule_without_cycles(seeded):
    schedules = {s.id: s for s in db.session.scalars(select(ReplicationSchedule))}
    chains = [s for s in schedules.values() if s.schedule_type == "chain"]
    assert chains
    for schedule in chains:
        assert schedule.cron_expression == ""
        seen = {schedule.id}
        parent = schedule.chain_parent_schedule_id
        while parent is not None:
            assert parent not in seen
            seen.add(parent)
            parent = schedules[parent].chain_parent_schedule_id


def test_execution_counts_and_details_match_the_jobs_they_dispatched(seeded):
    created = dict(db.session.execute(
        select(ReplicationJob.schedule_execution_id, func.count()).where(
            ReplicationJob.schedule_execution_id.is_not(None)).group_by(ReplicationJob.schedule_execution_id)).all())
    executions = db.session.scalars(select(ScheduleExecution)).all()
    assert executions and created
    for execution in executions:
        jobs = [entry["job_id"] for entry in execution.execution_details["vms"]]
        assert execution.jobs_created == created.get(execution.id, 0) == len(jobs)
        assert execution.jobs_completed + execution.jobs_failed <= execution.jobs_created
        assert execution.scheduled_at.tzinfo is not None


def test_replicating_vms_are_exactly_those_with_a_running_job(seeded):
    replicating = set(db.session.scalars(select(VMReplicationContext.context_id).where(
        VMReplicationContext.current_status == "replicating")))
    running = set(db.session.scalars(select(ReplicationJob.vm_context_id).where(
        ReplicationJob.status == "replicating")))
    assert replicating == running
    assert len(running) == SIZE.running_jobs


def test_some_vms_are_failed_over_and_some_never_replicated(app):
    seed_fleet(db.engine, FleetSize.scaled(0.1), seed=3, now=NOW)
    statuses = dict(db.session.execute(select(VMReplicationContext.current_status, func.count())
                                       .group_by(VMReplicationContext.current_status)).all())
    assert statuses.get("failed_over_test") and statuses.get("failed_over_live") and statuses.get("discovered")
    assert statuses["ready_for_failover"] > sum(statuses.values()) / 2


def test_a_database_with_appliance_rows_is_refused(seeded):
    with pytest.raises(FleetNotEmpty, match="vm_replication_contexts"):
        seed_fleet(db.engine, SIZE, seed=3, now=NOW)
    assert fleet_counts(db.engine)["vm_replication_contexts"] == SIZE.vms


def test_reset_replaces_the_fleet_and_keeps_the_users(seeded, users):
    report = seed_fleet(db.engine, SIZE, seed=4, now=NOW, reset=True)
    assert report.counts == fleet_counts(db.engine)
    assert fleet_counts(db.engine)["replication_jobs"] == SIZE.replication_jobs
    assert db.session.scalar(select(func.count()).select_from(DashboardUser)) == len(users)


def test_the_same_seed_and_time_generate_the_same_rows(app):
    def rows(seed: int) -> tuple:
        generator = FleetGenerator(SIZE, seed=seed, now=NOW)
        schedules = generator.schedule_rows()
        generator.vm_rows()
        generator.group_rows()
        generator.execution_rows()
        return schedules, generator.replication_job_rows(), list(generator.joblog_rows())[:50]

    assert rows(1) == rows(1)
    assert rows(1) != rows(2)


def test_flask_bench_seed_fills_the_database_and_refuses_to_do_it_twice(runner):
    first = runner.invoke(args=["bench", "seed", "--scale", "0.002"])
    second = runner.invoke(args=["bench", "seed", "--scale", "0.002"])
    assert first.exit_code == 0, first.output
    assert "Seeded" in first.output and "10 vm_replication_contexts" in first.output
    assert second.exit_code != 0 and "--reset" in second.output


def test_flask_bench_seed_rejects_a_scale_that_is_not_positive(runner):
    result = runner.invoke(args=["bench", "seed", "--scale", "0"])
    assert result.exit_code != 0 and "--scale" in result.output
    assert fleet_counts(db.engine)["vm_replication_contexts"] == 0
