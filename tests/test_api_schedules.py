"""`/api/v1/schedules`: CRUD, enable, trigger, executions and preview as JSON."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from extensions import db
from models import ScheduleExecution, utcnow
from scheduler import lease
from tests.factories import add_member, make_group, make_schedule, make_vm
from tests.support.statements import count_statements

BODY = {"name": "nightly", "cron_expression": "0 30 2 * * *", "timezone": "Europe/London"}


def test_a_schedule_is_created_read_updated_and_deleted(api_client):
    created = api_client.post("/api/v1/schedules", json=BODY)
    schedule_id = created.get_json()["id"]

    updated = api_client.put(f"/api/v1/schedules/{schedule_id}", json={"max_concurrent_jobs": 3})
    read = api_client.get(f"/api/v1/schedules/{schedule_id}")
    deleted = api_client.delete(f"/api/v1/schedules/{schedule_id}")

    assert created.status_code == 201
    assert (updated.status_code, updated.get_json()["max_concurrent_jobs"]) == (200, 3)
    assert read.get_json()["timezone"] == "Europe/London"
    assert deleted.status_code == 200
    assert api_client.get(f"/api/v1/schedules/{schedule_id}").status_code == 404


def test_the_list_carries_counts_and_the_next_run(api_client, app):
    schedule = make_schedule("nightly")
    make_group("web", schedule)

    body = api_client.get("/api/v1/schedules").get_json()

    (item,) = body["schedules"]
    assert (body["count"], item["group_count"], item["vm_count"]) == (1, 1, 0)
    assert item["next_run_at"] is not None


def test_the_list_uses_the_same_statements_for_any_number_of_schedules(api_client, app):
    make_group("web", make_schedule("first"))
    api_client.get("/api/v1/schedules")
    with count_statements(db.engine) as one:
        api_client.get("/api/v1/schedules")
    for n in range(4):
        schedule = make_schedule(f"more-{n}")
        make_group(f"group-{n}", schedule)
        db.session.add(ScheduleExecution(id=f"run-{n}", schedule_id=schedule.id, status="completed",
                                         scheduled_at=datetime.now(timezone.utc)))
    db.session.commit()
    with count_statements(db.engine) as five:
        body = api_client.get("/api/v1/schedules").get_json()

    assert body["count"] == 5
    assert one.count == five.count


def test_a_bad_field_is_a_400_naming_the_field(api_client):
    response = api_client.post("/api/v1/schedules", json={**BODY, "cron_expression": "0 0 25 * * *"})

    error = response.get_json()
    assert response.status_code == 400
    assert error["code"] == "validation_error"
    assert "cron_expression" in error["details"]["fields"]


@pytest.mark.parametrize("expression", ["@every 99999999999h", "@every 100000h", "0 0 0 30 2 *"])
def test_an_expression_that_would_never_run_is_a_400_naming_it(api_client, expression):
    response = api_client.post("/api/v1/schedules", json={**BODY, "cron_expression": expression})

    assert response.status_code == 400
    assert "cron_expression" in response.get_json()["details"]["fields"]
    assert api_client.get("/api/v1/schedules").get_json()["count"] == 0


def test_the_list_keeps_only_enabled_schedules_when_asked_as_the_original_api_did(api_client, app):
    make_schedule("on")
    make_schedule("off", enabled=False)

    def names(query):
        return [item["name"] for item in api_client.get(f"/api/v1/schedules{query}").get_json()["schedules"]]

    assert (names(""), names("?enabled_only=true"), names("?enabled_only=false")) == (["off", "on"], ["on"],
                                                                                       ["off", "on"])
    refused = api_client.get("/api/v1/schedules?enabled_only=perhaps")
    assert refused.status_code == 400 and "enabled_only" in refused.get_json()["details"]["fields"]


def test_a_taken_name_is_a_409(api_client, app):
    make_schedule("nightly")

    response = api_client.post("/api/v1/schedules", json=BODY)

    assert (response.status_code, response.get_json()["code"]) == (409, "name_taken")


def test_deleting_a_schedule_in_use_is_a_409_naming_the_groups(api_client, app):
    schedule = make_schedule("nightly")
    make_group("web", schedule)

    response = api_client.delete(f"/api/v1/schedules/{schedule.id}")

    assert response.status_code == 409
    assert response.get_json()["details"]["groups"] == ["web"]


def test_a_chain_cycle_is_a_409(api_client, app):
    first = api_client.post("/api/v1/schedules", json=BODY).get_json()
    second = api_client.post("/api/v1/schedules", json={"name": "after", "schedule_type": "chain",
                                                         "chain_parent_schedule_id": first["id"]}).get_json()

    response = api_client.put(f"/api/v1/schedules/{first['id']}",
                              json={"schedule_type": "chain", "chain_parent_schedule_id": second["id"]})

    assert (response.status_code, response.get_json()["code"]) == (409, "chain_cycle")


def test_enable_takes_a_json_boolean(api_client, app):
    schedule = make_schedule("nightly")

    off = api_client.post(f"/api/v1/schedules/{schedule.id}/enable", json={"enabled": False})
    bad = api_client.post(f"/api/v1/schedules/{schedule.id}/enable", json={"enabled": "no"})

    assert (off.status_code, off.get_json()["enabled"]) == (200, False)
    assert bad.status_code == 400 and "enabled" in bad.get_json()["details"]["fields"]


def _covering_a_vm(schedule):
    add_member(make_group(schedule=schedule), make_vm())
    return schedule


def test_trigger_requests_a_manual_execution(api_client, app):
    schedule = _covering_a_vm(make_schedule("nightly"))
    assert lease.try_acquire("host-a:1:aaaa", 20, engine_heartbeat_at=lease.database_now())

    response = api_client.post(f"/api/v1/schedules/{schedule.id}/trigger")

    body = response.get_json()
    execution = body["execution"]
    assert response.status_code == 202
    assert (execution["schedule_id"], execution["triggered_by"], execution["status"]) == (
        schedule.id, "manual", "scheduled")
    assert body["outcome"] == "started" and "started" in body["message"]
    assert db.session.get(ScheduleExecution, execution["id"]) is not None


def test_trigger_without_a_running_scheduler_says_the_run_waits_for_one(api_client, app):
    schedule = _covering_a_vm(make_schedule("nightly"))

    response = api_client.post(f"/api/v1/schedules/{schedule.id}/trigger")

    body = response.get_json()
    assert response.status_code == 202 and body["outcome"] == "waiting_for_scheduler"
    assert "no scheduler is running" in body["message"] and "started;" not in body["message"]
    assert body["execution"]["status"] == "scheduled"


def test_triggering_a_schedule_that_covers_no_vm_is_a_409_and_records_nothing(api_client, app):
    schedule = make_schedule("empty")

    response = api_client.post(f"/api/v1/schedules/{schedule.id}/trigger")

    error = response.get_json()
    assert (response.status_code, error["code"]) == (409, "schedule_has_no_vms")
    assert "covers no VM" in error["error"]
    assert db.session.scalar(db.select(db.func.count()).select_from(ScheduleExecution)) == 0


def test_triggering_while_the_previous_run_runs_is_a_409_and_the_run_is_recorded_as_skipped(api_client, app):
    schedule = _covering_a_vm(make_schedule("busy", skip_if_running=True))
    db.session.add(ScheduleExecution(id="still-running", schedule_id=schedule.id, status="running",
                                     scheduled_at=utcnow(), started_at=utcnow(), triggered_by="scheduler"))
    db.session.commit()

    response = api_client.post(f"/api/v1/schedules/{schedule.id}/trigger")

    error = response.get_json()
    assert (response.status_code, error["code"]) == (409, "previous_run_running")
    assert "previous run is still running" in error["error"]
    skipped = db.session.get(ScheduleExecution, error["details"]["execution_id"])
    assert (skipped.status, skipped.triggered_by) == ("skipped", "manual")
    assert error["details"]["previous_execution_id"] == "still-running"


def test_triggering_a_disabled_schedule_is_a_409(api_client, app):
    schedule = make_schedule("nightly", enabled=False)

    response = api_client.post(f"/api/v1/schedules/{schedule.id}/trigger")

    assert (response.status_code, response.get_json()["code"]) == (409, "schedule_disabled")


def test_executions_are_paginated(api_client, app):
    schedule = make_schedule("nightly")
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for day in range(3):
        db.session.add(ScheduleExecution(id=f"e{day}", schedule_id=schedule.id,
                                         scheduled_at=start + timedelta(days=day), status="completed"))
    db.session.commit()

    body = api_client.get(f"/api/v1/schedules/{schedule.id}/executions?per_page=2&page=1").get_json()

    assert [e["id"] for e in body["executions"]] == ["e2", "e1"]
    assert (body["total"], body["pages"]) == (3, 2)


def test_the_preview_answers_with_runs_in_the_schedule_s_offset(api_client):
    response = api_client.get("/api/v1/schedules/preview", query_string={
        "cron_expression": "0 30 2 * * *", "timezone": "America/New_York", "count": 2,
        "after": "2025-01-10T00:00:00Z"})

    body = response.get_json()
    assert response.status_code == 200
    assert body["valid"] is True and body["error"] is None
    assert body["next_runs"] == ["2025-01-10T02:30:00-05:00", "2025-01-11T02:30:00-05:00"]


@pytest.mark.parametrize("params, field", [
    ({"cron_expression": "0 0 2 * * *", "timezone": "Atlantis/Capital"}, "timezone"),
    ({"cron_expression": "0 0 2 * * MONDAYISH"}, "cron_expression"),
    ({"cron_expression": "* * * * * *"}, "cron_expression"),
])
def test_the_preview_of_a_bad_schedule_is_200_with_valid_false(api_client, params, field):
    response = api_client.get("/api/v1/schedules/preview", query_string=params)

    body = response.get_json()
    assert response.status_code == 200
    assert (body["valid"], body["field"]) == (False, field)
    assert body["error"]


@pytest.mark.parametrize("params, field", [
    ({}, "cron_expression"),
    ({"cron_expression": "@daily", "count": "51"}, "count"),
    ({"cron_expression": "@daily", "count": "ten"}, "count"),
    ({"cron_expression": "@daily", "after": "yesterday"}, "after"),
    ({"cron_expression": "@daily", "after": "2025-01-10T00:00:00"}, "after"),
])
def test_a_malformed_preview_request_is_a_400_naming_the_parameter(api_client, params, field):
    response = api_client.get("/api/v1/schedules/preview", query_string=params)

    assert response.status_code == 400
    assert field in response.get_json()["details"]["fields"]


def test_reading_needs_authentication(anon_client):
    response = anon_client.get("/api/v1/schedules")

    assert (response.status_code, response.get_json()["code"]) == (401, "unauthorized")


def test_a_viewer_may_read_but_not_change(viewer_client):
    assert viewer_client.get("/api/v1/schedules").status_code == 200
    response = viewer_client.post("/api/v1/schedules", json=BODY)
    assert (response.status_code, response.get_json()["code"]) == (403, "forbidden")


def test_a_session_client_must_send_the_csrf_token(client):
    response = client.post("/api/v1/schedules", json=BODY, with_csrf=False)

    assert response.status_code == 400
    assert response.get_json()["code"] == "csrf_failed"
