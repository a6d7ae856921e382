"""The protection policy's API: schedule windows and limits, RPO targets, blackouts,
/protection and the policy events; every bad input a 400 naming the field, nothing written."""
from __future__ import annotations

from datetime import timedelta

import pytest

from extensions import db
from models import DashboardAuditEvent, DashboardBlackout, DashboardSchedulePolicy, VMMachineGroup, utcnow
from tests.factories import add_member, make_group, make_replication_job, make_schedule, make_vm

pytestmark = pytest.mark.both_dbs

SCHEDULE = {"name": "nightly", "cron_expression": "0 0 2 * * *", "timezone": "Europe/London"}


def test_a_schedule_carries_its_windows_and_limits(api_client):
    body = {**SCHEDULE, "windows": [{"days": ["MON", "TUE"], "start": "20:00", "end": "06:00"}],
            "window_close_policy": "skip", "max_runtime_minutes": 240, "pause_after_failures": 3}
    created = api_client.post("/api/v1/schedules", json=body)
    assert created.status_code == 201, created.get_json()
    schedule = created.get_json()
    assert schedule["windows"] == body["windows"] and schedule["windows_text"] == "Mon, Tue 20:00–06:00"
    assert (schedule["window_close_policy"], schedule["max_runtime_minutes"], schedule["pause_after_failures"]) \
        == ("skip", 240, 3)
    changed = api_client.put(f"/api/v1/schedules/{schedule['id']}", json={"windows": [], "max_runtime_minutes": None})
    assert changed.get_json()["windows"] == [] and changed.get_json()["max_runtime_minutes"] is None
    audit = db.session.scalars(db.select(DashboardAuditEvent).where(DashboardAuditEvent.action == "schedule.update")).one()
    assert audit.before["windows"] == body["windows"] and audit.after["windows"] == []


@pytest.mark.parametrize("windows, field", [
    ([{"days": ["MON"], "start": "25:00", "end": "06:00"}], "windows[0].start"),
    ([{"days": ["MOON"], "start": "20:00", "end": "06:00"}], "windows[0].days[0]"),
    ("nights", "windows"),
])
def test_a_bad_window_is_a_400_naming_the_part_and_nothing_is_saved(api_client, windows, field):
    response = api_client.post("/api/v1/schedules", json={**SCHEDULE, "windows": windows})
    assert response.status_code == 400
    assert field in response.get_json()["details"]["fields"]
    assert db.session.scalar(db.select(DashboardSchedulePolicy)) is None


def test_group_and_vm_rpo_targets_and_the_protection_list(api_client):
    schedule = make_schedule()
    group_id = api_client.post("/api/v1/machine-groups", json={"name": "web", "schedule_id": schedule.id,
                                                               "rpo_minutes": 60}).get_json()["id"]
    assert api_client.post("/api/v1/machine-groups", json={"name": "x", "rpo_minutes": 0}).status_code == 400
    vm_ok, vm_late = make_vm("ok-1"), make_vm("late-1")
    web = db.session.get(VMMachineGroup, group_id)
    add_member(web, vm_ok)
    add_member(web, vm_late)
    make_replication_job(vm_ok, status="completed", completed_at=utcnow() - timedelta(minutes=5))
    make_replication_job(vm_late, status="completed", started_at=utcnow() - timedelta(hours=4),
                         completed_at=utcnow() - timedelta(hours=3))
    assert api_client.get(f"/api/v1/machine-groups/{group_id}").get_json()["rpo_minutes"] == 60
    bad = api_client.put(f"/api/v1/vm-contexts/{vm_ok.context_id}/protection", json={"rpo_minutes": -5})
    assert bad.status_code == 400 and "rpo_minutes" in bad.get_json()["details"]["fields"]
    assert api_client.put(f"/api/v1/vm-contexts/{vm_ok.context_id}/protection", json={}).status_code == 400
    own = api_client.put(f"/api/v1/vm-contexts/{vm_ok.context_id}/protection", json={"rpo_minutes": 30}).get_json()
    assert own["rpo_minutes"] == 30 and own["protection"]["rpo_source"] == "vm"

    body = api_client.get("/api/v1/protection").get_json()
    assert body["summary"]["breached"] == 1 and body["summary"]["total"] == 2, body
    assert [item["vm_name"] for item in body["vms"]][0] == "late-1"  # worst first
    late = body["vms"][0]
    assert late["state"] == "breached" and late["rpo_minutes"] == 60 and 175 < late["age_minutes"] < 185
    assert set(late) >= {"context_id", "vm_name", "group_id", "rpo_minutes", "last_good_at", "age_minutes",
                         "deadline_at", "next_run_at", "predicted_completion_at", "state", "reason"}
    only = api_client.get("/api/v1/protection?state=breached").get_json()
    assert [item["vm_name"] for item in only["vms"]] == ["late-1"]
    assert api_client.get("/api/v1/protection?state=fine").status_code == 400
    details = api_client.get("/api/v1/vm-contexts/late-1").get_json()
    assert details["protection"]["state"] == "breached"


def test_blackouts_are_validated_created_changed_and_deleted(api_client):
    group = make_group("db")
    start = utcnow() + timedelta(days=1)
    for body, field in (({"reason": "x", "start": "tomorrow", "end": "2030-01-01T00:00:00Z"}, "start"),
                        ({"reason": "x", "start": "2030-01-02T00:00:00Z", "end": "2030-01-01T00:00:00Z"}, "end"),
                        ({"reason": "x", "start": "2030-01-01T00:00:00Z", "end": "2030-01-02T00:00:00Z",
                          "group_ids": ["no-such-group"]}, "group_ids"),
                        ({"start": "2030-01-01T00:00:00Z", "end": "2030-01-02T00:00:00Z"}, "reason")):
        response = api_client.post("/api/v1/blackouts", json=body)
        assert response.status_code == 400 and field in response.get_json()["details"]["fields"], body
    assert db.session.scalar(db.select(DashboardBlackout)) is None
    created = api_client.post("/api/v1/blackouts", json={
        "reason": "vCenter upgrade", "start": start.isoformat(), "end": (start + timedelta(hours=6)).isoformat(),
        "group_ids": [group.id]})
    assert created.status_code == 201
    blackout = created.get_json()
    assert blackout["group_ids"] == [group.id] and blackout["active"] is False
    changed = api_client.put(f"/api/v1/blackouts/{blackout['id']}", json={"group_ids": None}).get_json()
    assert changed["all_groups"] is True
    assert api_client.get("/api/v1/blackouts").get_json()["count"] == 1
    assert api_client.delete(f"/api/v1/blackouts/{blackout['id']}").get_json()["deleted"] is True
    assert api_client.get(f"/api/v1/blackouts/{blackout['id']}").status_code == 404
    actions = db.session.scalars(db.select(DashboardAuditEvent.action).where(DashboardAuditEvent.object_type == "blackout")
                                 .order_by(DashboardAuditEvent.id)).all()
    assert actions == ["blackout.create", "blackout.update", "blackout.delete"]


def test_a_viewer_reads_protection_but_cannot_change_it(app, users):
    from security.tokens import create_token
    _, plain = create_token(users["viewer"], "wall")
    viewer = app.test_client()
    viewer.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
    assert viewer.get("/api/v1/protection").status_code == 200
    assert viewer.post("/api/v1/blackouts", json={"reason": "x"}).status_code == 403
    vm = make_vm()
    assert viewer.put(f"/api/v1/vm-contexts/{vm.context_id}/protection", json={"rpo_minutes": 5}).status_code == 403
