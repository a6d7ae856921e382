"""Models on the production schema: round trips of the types that differ between backends."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import APPLIANCE_TABLES, JobTracking, ReplicationSchedule, ScheduleExecution, VMReplicationContext
from tests.factories import add_member, make_group, make_replication_job, make_schedule, make_vm

pytestmark = pytest.mark.both_dbs


def test_migrations_create_every_table_of_the_spec(app):
    tables = set(inspect(db.engine).get_table_names())
    assert set(APPLIANCE_TABLES) <= tables
    assert {"dashboard_users", "dashboard_api_tokens", "dashboard_audit_events",
            "dashboard_scheduler_lease", "dashboard_banner_dismissals", "dashboard_sessions"} <= tables


def test_the_migrated_schema_matches_the_models(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_times_round_trip_as_aware_utc(app):
    slot = datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    vm = make_vm(next_scheduled_at=slot)
    db.session.expire_all()
    loaded = db.session.get(VMReplicationContext, vm.context_id)
    assert loaded.next_scheduled_at == slot
    assert loaded.next_scheduled_at.tzinfo is not None


def test_json_columns_round_trip(app):
    vm = make_vm(last_operation_summary={"status": "failed", "actionable_steps": ["Retry"], "progress": 60.0})
    db.session.expire_all()
    assert db.session.get(VMReplicationContext, vm.context_id).last_operation_summary["actionable_steps"] == ["Retry"]


def test_joblog_metadata_is_stored_in_the_metadata_column(app):
    db.session.add(JobTracking(id="j-1", operation="op", job_type="failover", status="running",
                               job_metadata={"vm": "pg1"}))
    db.session.commit()
    raw = db.session.execute(text("SELECT metadata FROM job_tracking WHERE id='j-1'")).scalar_one()
    assert '"vm"' in raw


def test_schedule_names_are_unique(app):
    make_schedule(name="nightly")
    with pytest.raises(IntegrityError):
        make_schedule(name="nightly")
    db.session.rollback()


def test_a_vm_is_in_a_group_at_most_once(app):
    vm, group = make_vm(), make_group()
    add_member(group, vm)
    with pytest.raises(IntegrityError):
        add_member(group, vm)
    db.session.rollback()


def test_an_execution_id_can_be_claimed_only_once(app):
    schedule = make_schedule()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    db.session.add(ScheduleExecution(id="slot-1", schedule_id=schedule.id, scheduled_at=now))
    db.session.commit()
    db.session.add(ScheduleExecution(id="slot-1", schedule_id=schedule.id, scheduled_at=now))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_deleting_a_schedule_keeps_its_groups_but_clears_the_link(app):
    schedule = make_schedule()
    group = make_group(schedule=schedule)
    db.session.delete(db.session.get(ReplicationSchedule, schedule.id))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(type(group), group.id).schedule_id is None


def test_replication_jobs_keep_scheduler_metadata(app):
    vm = make_vm()
    job = make_replication_job(vm, scheduled_by="scheduler", progress_percent=42.5)
    db.session.expire_all()
    loaded = db.session.get(type(job), job.id)
    assert (loaded.scheduled_by, loaded.progress_percent) == ("scheduler", 42.5)
