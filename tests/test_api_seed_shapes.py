"""The original API's request shapes and answer keys, beside ours (a client written for it keeps
working): list metadata, the executions' names, group counts, the single-VM assignment, the VM
context list, the failover status and the error body whose `error` is a string."""
from __future__ import annotations

from datetime import timedelta

from extensions import db
from models import ScheduleExecution, utcnow
from tests.factories import add_member, make_group, make_operation, make_replication_job, make_schedule, make_vm


def test_the_schedule_list_counts_enabled_and_disabled_and_filters_enabled_only(api_client, app):
    make_schedule("on-1"), make_schedule("on-2"), make_schedule("off", enabled=False)
    body = api_client.get("/api/v1/schedules").get_json()
    assert (body["total_count"], body["enabled_count"], body["disabled_count"]) == (3, 2, 1)
    assert body["retrieved_at"].endswith("Z")
    only = api_client.get("/api/v1/schedules?enabled_only=true").get_json()
    assert sorted(s["name"] for s in only["schedules"]) == ["on-1", "on-2"]
    assert (only["total_count"], only["disabled_count"]) == (2, 0)


def test_executions_carry_the_original_names_and_say_whether_more_follow(api_client, app):
    schedule = make_schedule("nightly")
    now = utcnow()
    for n in range(3):
        db.session.add(ScheduleExecution(id=f"ex-{n}", schedule_id=schedule.id, scheduled_at=now - timedelta(hours=n),
                                         started_at=now - timedelta(hours=n), status="completed",
                                         completed_at=now - timedelta(hours=n) + timedelta(seconds=90),
                                         vms_eligible=4, jobs_created=4, jobs_completed=3, jobs_failed=1,
                                         triggered_by="manual" if n == 0 else "scheduler", created_at=now))
    db.session.commit()
    first = api_client.get(f"/api/v1/schedules/{schedule.id}/executions?page=1&limit=2").get_json()
    assert (first["total_count"], first["page_size"], first["has_more"]) == (3, 2, True)
    item = first["executions"][0]
    assert (item["execution_id"], item["schedule_name"], item["jobs_successful"], item["vms_processed"]) == \
        ("ex-0", "nightly", 3, 4)
    assert (item["duration_seconds"], item["execution_type"]) == (90, "manual")
    assert first["executions"][1]["execution_type"] == "scheduled"
    last = api_client.get(f"/api/v1/schedules/{schedule.id}/executions?page=2&limit=2").get_json()
    assert (len(last["executions"]), last["has_more"]) == (1, False)


def test_deleting_a_schedule_in_use_answers_an_error_string_the_original_gui_understands(api_client, app):
    schedule = make_schedule("nightly")
    make_group("web", schedule)
    response = api_client.delete(f"/api/v1/schedules/{schedule.id}")
    assert response.status_code == 409
    body = response.get_json()
    assert isinstance(body["error"], str) and "machine groups" in body["error"]
    assert body["message"] == body["error"] and body["code"] == "schedule_in_use"
    assert body["details"]["groups"] == ["web"] and body["timestamp"].endswith("Z")


def test_groups_count_their_vms_the_original_way_and_list_members_by_vm_context_id(api_client, app):
    group = make_group("web")
    vms = [make_vm(f"web-{n}") for n in range(3)]
    for n, vm in enumerate(vms):
        add_member(group, vm, enabled=n != 2)
    vms[0].current_job_id = make_replication_job(vms[0]).id
    db.session.commit()
    listed = api_client.get("/api/v1/machine-groups").get_json()
    summary = listed["groups"][0]
    assert (summary["total_vms"], summary["enabled_vms"], summary["disabled_vms"], summary["active_jobs"]) == (3, 2, 1, 1)
    assert listed["total_count"] == 1 and "retrieved_at" in listed
    members = api_client.get(f"/api/v1/machine-groups/{group.id}/vms").get_json()
    assert (members["group_name"], members["total_vms"]) == ("web", 3)
    assert {vm["vm_context_id"] for vm in members["vms"]} == {vm.context_id for vm in vms}
    removed = api_client.delete(f"/api/v1/machine-groups/{group.id}/vms/{vms[1].context_id}")
    assert removed.status_code == 200 and removed.get_json()["success"] is True


def test_assigning_by_context_takes_priority_and_enabled(api_client, app):
    group = make_group("db")
    vm = make_vm("db-1")
    response = api_client.put(f"/api/v1/vm-contexts/{vm.context_id}/group",
                              json={"group_id": group.id, "priority": 3, "enabled": False, "added_by": "web-gui"})
    body = response.get_json()
    assert response.status_code == 200 and body["success"] is True
    assert (body["vm_context_id"], body["group_id"], body["priority"], body["enabled"]) == \
        (vm.context_id, group.id, 3, False)
    member = api_client.get(f"/api/v1/machine-groups/{group.id}/vms").get_json()["vms"][0]
    assert (member["priority"], member["enabled"]) == (3, False)


def test_the_vm_context_list_has_groups_and_the_current_job(api_client, app):
    group = make_group("web")
    busy = make_vm("web-busy")
    make_vm("loner")
    add_member(group, busy)
    job = make_replication_job(busy, progress_percent=42.5)
    busy.current_job_id = job.id
    db.session.commit()
    body = api_client.get("/api/v1/vm-contexts").get_json()
    assert body["count"] == body["total_count"] == 2
    by_name = {vm["vm_name"]: vm for vm in body["vm_contexts"]}
    assert by_name["web-busy"]["groups"] == [{"group_id": group.id, "group_name": "web"}]
    assert by_name["web-busy"]["current_job"]["progress_percent"] == 42.5
    assert by_name["web-busy"]["current_job"]["id"] == job.id
    assert (by_name["loner"]["group_count"], by_name["loner"]["current_job"]) == (0, None)
    assert by_name["loner"]["updated_at"] and "credential_id" in by_name["loner"]
    paged = api_client.get("/api/v1/vm-contexts?per_page=1&page=2").get_json()
    assert (len(paged["vm_contexts"]), paged["has_more"]) == (1, False)


def test_failover_status_in_the_original_shape(api_client, app):
    vm = make_vm("pg-1")
    job = make_operation(vm, "test", status="running", steps=[("failover-validation", "completed", None),
                                                              ("vm-creation", "running", None)])
    body = api_client.get(f"/api/v1/failover/{job.external_job_id}/status").get_json()
    assert body["success"] is True and body["job_id"] == job.id and body["status"] == "running"
    details = body["job_details"]
    assert (details["completed_steps"], details["running_steps"], details["failed_steps"]) == (1, 1, 0)
    assert details["total_steps"] >= 2 and details["metadata"]["vm_name"] == "pg-1"
    assert 0 < body["progress"] < 100 and isinstance(body["duration"], int) and body["duration"] > 0
    missing = api_client.get("/api/v1/failover/no-such-job/status")
    assert missing.status_code == 404 and isinstance(missing.get_json()["error"], str)


def test_a_trigger_records_its_reason_and_answers_the_original_keys(api_client, app):
    schedule = make_schedule("nightly")
    group = make_group("web", schedule)
    add_member(group, make_vm("web-1"))
    response = api_client.post(f"/api/v1/schedules/{schedule.id}/trigger",
                               json={"reason": "before the cutover", "created_by": "web-gui"})
    assert response.status_code == 202, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["execution_id"], body["schedule_name"], body["reason"]) == \
        (body["execution"]["id"], "nightly", "before the cutover")
    assert db.session.get(ScheduleExecution, body["execution_id"]).execution_details["reason"] == "before the cutover"
