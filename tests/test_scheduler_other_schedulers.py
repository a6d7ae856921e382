"""The OMA's own scheduler firing the same schedules is detected and said loudly."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from extensions import db
from models import ScheduleExecution, utcnow
from scheduler.other_schedulers import find_other_scheduler, forget_cached
from tests.factories import make_schedule

pytestmark = pytest.mark.both_dbs


@pytest.fixture(autouse=True)
def fresh_cache():
    forget_cached()
    yield
    forget_cached()


def run(schedule, execution_id, triggered_by, hours_ago=1):
    at = utcnow() - timedelta(hours=hours_ago)
    db.session.execute(insert(ScheduleExecution).values(
        id=execution_id, schedule_id=schedule.id, scheduled_at=at, started_at=at, status="completed",
        triggered_by=triggered_by, created_at=at))
    db.session.commit()


def test_runs_of_the_omas_scheduler_are_found_and_ours_are_not(app):
    schedule = make_schedule("nightly")
    run(schedule, "7c1a2b3c-0000-4000-8000-000000000001", "scheduler")
    run(schedule, "7c1a2b3c-0000-4000-8000-000000000002", "retry")
    assert find_other_scheduler() is None
    # scheduler_service.go:576-582 [sendense 8b7d59b]
    run(schedule, "0f9e8d7c-0000-4000-8000-000000000003", "scheduler-service", hours_ago=2)
    # its manual trigger, :1023-1035
    run(schedule, "manual-1767225600", "manual", hours_ago=0.5)
    found = find_other_scheduler()
    assert (found.runs, found.latest_schedule, found.triggered_by) == (2, "nightly", "manual")


def test_runs_older_than_a_day_do_not_count(app):
    run(make_schedule(), "0f9e8d7c-0000-4000-8000-000000000004", "scheduler-service", hours_ago=25)
    assert find_other_scheduler() is None


def test_every_page_and_readyz_say_so(viewer_client):
    run(make_schedule("hourly copy"), "0f9e8d7c-0000-4000-8000-000000000005", "scheduler-service")
    forget_cached()  # logging in rendered a page a moment ago; the answer is kept for a minute
    page = viewer_client.get("/").get_data(as_text=True)
    assert "Another scheduler is running these schedules" in page and "hourly copy" in page
    assert "1 run(s) in 24 h not started by this dashboard" in page  # the overview's scheduler panel
    ready = viewer_client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["status"] == "degraded"
    assert ready.get_json()["other_scheduler"]["runs_last_24h"] == 1


def test_the_cli_status_names_the_other_scheduler_and_fails(runner):
    from tests.test_scheduler_health import lead_with_fresh_heartbeat
    lead_with_fresh_heartbeat()
    run(make_schedule("weekly"), "0f9e8d7c-0000-4000-8000-000000000006", "scheduler-service")
    db.session.remove()
    forget_cached()
    result = runner.invoke(args=["scheduler", "status"])
    assert result.exit_code == 1
    assert "OTHER SCHEDULER:  1 run(s)" in result.output and "weekly" in result.output
