"""A schedule's next run is the engine's: the same frequency floor on every page and in the API.

Rows here are written straight into the table, as the system we replace or another tool would,
including schedules that fire more often than the floor (which the engine refuses)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

import schedules
from cron import CronError
from extensions import db
from models import ReplicationSchedule
from scheduler import scheduler_status
from scheduler.next_runs import frequency_floor, next_run
from tests.factories import make_schedule

pytestmark = pytest.mark.both_dbs

AFTER = datetime(2025, 7, 1, tzinfo=timezone.utc)


def written_by_another_tool(name: str, expression: str, zone: str | None = "UTC") -> ReplicationSchedule:
    schedule = ReplicationSchedule(id=f"foreign-{name}", name=name, cron_expression=expression, timezone=zone,
                                   schedule_type="cron", enabled=True)
    db.session.add(schedule)
    db.session.commit()
    return schedule


def test_the_floor_is_the_configured_minimum_interval(app):
    app.config["MIN_SCHEDULE_INTERVAL_SECONDS"] = 300
    assert frequency_floor() == 300
    assert frequency_floor({"MIN_SCHEDULE_INTERVAL_SECONDS": "120"}) == 120


def test_a_schedule_at_the_floor_has_a_next_run(app):
    schedule = written_by_another_tool("every-minute", "0 * * * * *")
    assert next_run(schedule, AFTER) == datetime(2025, 7, 1, 0, 1, tzinfo=timezone.utc)


def test_a_schedule_below_the_floor_has_no_next_run_anywhere(app, client):
    schedule = written_by_another_tool("too-often", "*/10 * * * * *")

    with pytest.raises(CronError):
        next_run(schedule, AFTER)
    (summary,) = [s for s in schedules.list_schedules() if s.schedule.name == "too-often"]
    assert summary.next_run_at is None
    assert schedules.schedules.next_run_of(schedule, AFTER) is None
    assert "too-often" not in [item["schedule"] for item in scheduler_status()["next_fires"]]
    assert "too-often" in scheduler_status()["invalid_schedules"]


def test_lowering_the_floor_brings_the_next_run_back(app):
    schedule = written_by_another_tool("every-ten-seconds", "*/10 * * * * *")
    app.config["MIN_SCHEDULE_INTERVAL_SECONDS"] = 10
    assert next_run(schedule, AFTER) == datetime(2025, 7, 1, 0, 0, 10, tzinfo=timezone.utc)


def test_a_row_without_a_zone_runs_in_utc(app):
    schedule = written_by_another_tool("no-zone", "0 0 2 * * *", zone=None)
    blank = written_by_another_tool("blank-zone", "0 0 3 * * *", zone="")

    assert (schedule.zone, blank.zone) == ("UTC", "UTC")
    assert next_run(schedule, AFTER) == datetime(2025, 7, 1, 2, 0, tzinfo=timezone.utc)
    zones = dict(db.session.execute(db.select(ReplicationSchedule.name, ReplicationSchedule.zone)).all())
    assert (zones["no-zone"], zones["blank-zone"]) == ("UTC", "UTC")


def test_disabled_and_chain_schedules_have_no_next_run(app):
    parent = make_schedule("parent")
    assert next_run(make_schedule("off", enabled=False), AFTER) is None
    assert next_run(make_schedule("child", schedule_type="chain", chain_parent_schedule_id=parent.id), AFTER) is None
