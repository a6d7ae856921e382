"""Schedules domain: every field validated by name, conflicts, dependants, preview, history."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

import schedules
from domain_errors import Conflict, NotFound, ValidationError
from extensions import db
from models import DashboardAuditEvent, ReplicationSchedule, ScheduleExecution
from tests.factories import add_member, make_group, make_schedule, make_vm

pytestmark = pytest.mark.both_dbs


def valid(**overrides):
    return {"name": "nightly", "cron_expression": "0 30 2 * * *", "timezone": "Europe/London", **overrides}


def field_error(excinfo) -> dict:
    return excinfo.value.errors


def test_a_valid_schedule_is_created_with_defaults_and_an_audit_row(app):
    schedule = schedules.create_schedule(valid(), created_by="operator")

    stored = db.session.get(ReplicationSchedule, schedule.id)
    assert (stored.name, stored.cron_expression, stored.timezone) == ("nightly", "0 30 2 * * *", "Europe/London")
    assert (stored.replication_type, stored.max_concurrent_jobs, stored.enabled) == ("auto", 1, True)
    audit = db.session.scalars(select(DashboardAuditEvent)).one()
    assert (audit.action, audit.object_id, audit.after["name"]) == ("schedule.create", schedule.id, "nightly")


@pytest.mark.parametrize("overrides, field", [
    ({"name": ""}, "name"),
    ({"name": 42}, "name"),
    ({"cron_expression": "0 61 * * * *"}, "cron_expression"),
    ({"cron_expression": "* * * * * *"}, "cron_expression"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"replication_type": "sometimes"}, "replication_type"),
    ({"max_concurrent_jobs": 0}, "max_concurrent_jobs"),
    ({"retry_attempts": "many"}, "retry_attempts"),
    ({"retry_delay_minutes": -1}, "retry_delay_minutes"),
    ({"chain_delay_minutes": True}, "chain_delay_minutes"),
    ({"enabled": "maybe"}, "enabled"),
    ({"skip_if_running": 3}, "skip_if_running"),
    ({"schedule_type": "weekly"}, "schedule_type"),
    ({"colour": "blue"}, "colour"),
])
def test_a_bad_field_is_refused_with_its_name_and_nothing_is_written(app, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        schedules.create_schedule(valid(**overrides))

    assert field in field_error(excinfo)
    assert db.session.scalars(select(ReplicationSchedule)).all() == []
    assert db.session.scalars(select(DashboardAuditEvent)).all() == []


def test_a_missing_name_and_expression_are_both_reported(app):
    with pytest.raises(ValidationError) as excinfo:
        schedules.create_schedule({"timezone": "UTC"})

    assert set(field_error(excinfo)) == {"name", "cron_expression"}


def test_the_cron_message_names_the_faulty_cron_field(app):
    with pytest.raises(ValidationError) as excinfo:
        schedules.create_schedule(valid(cron_expression="0 0 25 * * *"))

    assert field_error(excinfo)["cron_expression"].startswith("hour")


def test_the_frequency_floor_follows_the_setting(app):
    app.config["MIN_SCHEDULE_INTERVAL_SECONDS"] = 10
    schedule = schedules.create_schedule(valid(cron_expression="*/30 * * * * *"))

    assert schedule.cron_expression == "*/30 * * * * *"


def test_a_taken_name_is_a_conflict_on_the_name_field(app):
    make_schedule("nightly")

    with pytest.raises(Conflict) as excinfo:
        schedules.create_schedule(valid())

    assert (excinfo.value.code, excinfo.value.details["field"]) == ("name_taken", "name")


def test_an_update_changes_only_the_fields_given(app):
    schedule = schedules.create_schedule(valid(max_concurrent_jobs=4))

    schedules.update_schedule(schedule.id, {"cron_expression": "0 0 3 * * *"})

    stored = db.session.get(ReplicationSchedule, schedule.id)
    assert (stored.cron_expression, stored.max_concurrent_jobs, stored.timezone) == ("0 0 3 * * *", 4,
                                                                                    "Europe/London")


def test_an_update_may_keep_the_schedule_s_own_name(app):
    schedule = schedules.create_schedule(valid())

    schedules.update_schedule(schedule.id, {"name": "nightly", "retry_attempts": 1})

    assert db.session.get(ReplicationSchedule, schedule.id).retry_attempts == 1


def test_updating_an_unknown_schedule_is_not_found(app):
    with pytest.raises(NotFound):
        schedules.update_schedule("no-such-id", {"name": "x"})


def test_a_chain_schedule_needs_a_parent_that_exists(app):
    with pytest.raises(ValidationError) as missing:
        schedules.create_schedule({"name": "after", "schedule_type": "chain"})
    with pytest.raises(ValidationError) as unknown:
        schedules.create_schedule({"name": "after", "schedule_type": "chain", "chain_parent_schedule_id": "nope"})

    assert "chain_parent_schedule_id" in field_error(missing)
    assert "chain_parent_schedule_id" in field_error(unknown)


def test_a_chain_schedule_runs_after_its_parent_without_an_expression(app):
    parent = schedules.create_schedule(valid())

    child = schedules.create_schedule({"name": "after", "schedule_type": "chain",
                                        "chain_parent_schedule_id": parent.id, "chain_delay_minutes": 15})

    assert (child.chain_parent_schedule_id, child.cron_expression, child.chain_delay_minutes) == (parent.id, "", 15)


def test_a_chain_that_loops_back_is_a_conflict(app):
    first = schedules.create_schedule(valid(name="first"))
    second = schedules.create_schedule({"name": "second", "schedule_type": "chain",
                                         "chain_parent_schedule_id": first.id})
    third = schedules.create_schedule({"name": "third", "schedule_type": "chain",
                                        "chain_parent_schedule_id": second.id})

    with pytest.raises(Conflict) as excinfo:
        schedules.update_schedule(first.id, {"schedule_type": "chain", "chain_parent_schedule_id": third.id})

    assert excinfo.value.code == "chain_cycle"
    assert db.session.get(ReplicationSchedule, first.id).schedule_type == "cron"


def test_a_schedule_cannot_be_its_own_parent(app):
    schedule = schedules.create_schedule(valid())

    with pytest.raises(ValidationError) as excinfo:
        schedules.update_schedule(schedule.id, {"schedule_type": "chain", "chain_parent_schedule_id": schedule.id})

    assert "chain_parent_schedule_id" in field_error(excinfo)


def test_deleting_a_schedule_used_by_groups_names_the_groups(app):
    schedule = make_schedule("nightly")
    make_group("web", schedule)
    make_group("db", schedule)

    with pytest.raises(Conflict) as excinfo:
        schedules.delete_schedule(schedule.id)

    assert excinfo.value.code == "schedule_in_use"
    assert excinfo.value.details["groups"] == ["db", "web"]
    assert "db, web" in excinfo.value.message
    assert db.session.get(ReplicationSchedule, schedule.id) is not None


def test_deleting_a_chain_parent_names_its_children(app):
    parent = schedules.create_schedule(valid())
    schedules.create_schedule({"name": "after", "schedule_type": "chain", "chain_parent_schedule_id": parent.id})

    with pytest.raises(Conflict) as excinfo:
        schedules.delete_schedule(parent.id)

    assert excinfo.value.details["chain_children"] == ["after"]


def test_deleting_an_unused_schedule_removes_it_and_audits_the_old_values(app):
    schedule = schedules.create_schedule(valid())

    schedules.delete_schedule(schedule.id)

    assert db.session.get(ReplicationSchedule, schedule.id) is None
    audit = db.session.scalars(select(DashboardAuditEvent).where(DashboardAuditEvent.action == "schedule.delete")).one()
    assert (audit.before["name"], audit.after) == ("nightly", None)


def test_enabling_requires_a_boolean(app):
    schedule = schedules.create_schedule(valid())

    schedules.set_schedule_enabled(schedule.id, False)
    with pytest.raises(ValidationError) as excinfo:
        schedules.set_schedule_enabled(schedule.id, "perhaps")

    assert db.session.get(ReplicationSchedule, schedule.id).enabled is False
    assert "enabled" in field_error(excinfo)


def test_the_list_counts_groups_and_vms_of_each_schedule(app):
    nightly = make_schedule("nightly")
    make_schedule("weekly")
    web = make_group("web", nightly)
    make_group("db", nightly)
    add_member(web, make_vm())
    add_member(web, make_vm())

    summaries = {s.schedule.name: s for s in schedules.list_schedules()}

    assert (summaries["nightly"].group_count, summaries["nightly"].vm_count) == (2, 2)
    assert (summaries["weekly"].group_count, summaries["weekly"].vm_count) == (0, 0)
    assert summaries["nightly"].next_run_at is not None


def test_the_list_carries_each_schedule_s_latest_execution(app):
    schedule = make_schedule("nightly")
    now = datetime.now(timezone.utc)
    for index, minutes in enumerate((30, 10, 20)):
        db.session.add(ScheduleExecution(id=f"exec-{index}", schedule_id=schedule.id,
                                         scheduled_at=now - timedelta(minutes=minutes), status="completed"))
    db.session.commit()

    (summary,) = schedules.list_schedules()

    assert summary.last_execution.id == "exec-1"


def test_the_preview_describes_the_schedule_and_lists_runs_with_the_zone_offset(app):
    after = datetime(2025, 7, 1, tzinfo=timezone.utc)

    preview = schedules.schedule_preview("0 30 2 * * *", "Europe/London", 3, after)

    assert preview["valid"] is True and preview["error"] is None
    assert "Europe/London" in preview["description"]
    assert preview["next_runs"] == ["2025-07-01T02:30:00+01:00", "2025-07-02T02:30:00+01:00",
                                    "2025-07-03T02:30:00+01:00"]


@pytest.mark.parametrize("expression, zone, field", [
    ("0 0 99 * * *", "UTC", "cron_expression"),
    ("0 0 2 * * *", "Nowhere/City", "timezone"),
    ("* * * * * *", "UTC", "cron_expression"),
    ("", "UTC", "cron_expression"),
])
def test_the_preview_of_a_bad_schedule_is_invalid_with_an_error_naming_the_field(app, expression, zone, field):
    preview = schedules.schedule_preview(expression, zone)

    assert (preview["valid"], preview["next_runs"], preview["field"]) == (False, [], field)
    assert preview["error"]


def test_the_execution_history_is_paged_newest_first(app):
    schedule = make_schedule("nightly")
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for day in range(5):
        db.session.add(ScheduleExecution(id=f"exec-{day}", schedule_id=schedule.id,
                                         scheduled_at=start + timedelta(days=day), status="completed"))
    db.session.commit()

    first = schedules.list_executions(schedule.id, page=1, per_page=2)
    last = schedules.list_executions(schedule.id, page=3, per_page=2)

    assert [e.id for e in first.items] == ["exec-4", "exec-3"]
    assert [e.id for e in last.items] == ["exec-0"]
    assert (first.total, first.pages) == (5, 3)


def test_execution_details_shown_to_operators_are_scrubbed(app):
    schedule = make_schedule("nightly")
    db.session.add(ScheduleExecution(
        id="exec-1", schedule_id=schedule.id, scheduled_at=datetime.now(timezone.utc), status="failed",
        execution_details={"vms": [{"vm": "web-1", "error": "virt-v2v failed on /dev/vdb",
                                    "technical_detail": "Traceback (most recent call last)"}]}))
    db.session.commit()

    shown = schedules.execution_to_dict(schedules.list_executions(schedule.id).items[0])

    outcome = shown["execution_details"]["vms"][0]
    assert "technical_detail" not in outcome
    assert "virt-v2v" not in outcome["error"] and "/dev/vdb" not in outcome["error"]
