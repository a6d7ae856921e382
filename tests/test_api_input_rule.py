"""One input rule on every API write and list: a value of the wrong type or outside its range is
refused with 400 naming the field; an unknown or contradictory field is refused, not dropped."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db
from models import ReplicationSchedule, VMMachineGroup
from tests.factories import add_member, make_group, make_schedule, make_vm
from tests.test_api_garbage import api_rules, url_for_rule

SCHEDULE = {"name": "nightly", "cron_expression": "0 0 2 * * *", "timezone": "UTC"}
GROUP = {"name": "web"}


def refused(response, field: str) -> dict:
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.get_json()
    assert error["code"] == "validation_error"
    assert field in error["details"]["fields"], error
    return error


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def ids(app):
    schedule = make_schedule("existing")
    group = make_group("existing-group", schedule)
    vm = make_vm("pgtest1")
    add_member(group, vm)
    return {"schedule_id": schedule.id, "group_id": group.id, "context_id": vm.context_id, "vm_name": "pgtest1",
            "any_id": vm.context_id, "job_id": "unknown-job"}


@pytest.mark.parametrize("field, value", [
    ("enabled", "yes"), ("skip_if_running", "no"), ("enabled", 1), ("skip_if_running", None),
    ("max_concurrent_jobs", "5"), ("retry_attempts", True), ("retry_delay_minutes", 2.5),
])
def test_a_schedule_field_of_the_wrong_type_is_refused_on_create_and_update(api_client, ids, field, value):
    refused(api_client.post("/api/v1/schedules", json={**SCHEDULE, field: value}), field)
    refused(api_client.put(f"/api/v1/schedules/{ids['schedule_id']}", json={field: value}), field)
    assert count(ReplicationSchedule) == 1


@pytest.mark.parametrize("field, value", [("max_concurrent_vms", "5"), ("priority", "1"), ("priority", False)])
def test_a_group_field_of_the_wrong_type_is_refused(api_client, ids, field, value):
    refused(api_client.post("/api/v1/machine-groups", json={**GROUP, field: value}), field)
    refused(api_client.put(f"/api/v1/machine-groups/{ids['group_id']}", json={field: value}), field)


def test_real_booleans_and_numbers_are_accepted(api_client):
    response = api_client.post("/api/v1/schedules", json={**SCHEDULE, "enabled": False, "skip_if_running": False,
                                                          "max_concurrent_jobs": 4})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["enabled"], body["skip_if_running"], body["max_concurrent_jobs"]) == (False, False, 4)


@pytest.mark.parametrize("name", ["night\x00ly", "night\x07ly", "line\nbreak", "tab\tbed", "del\x7f", "c1\x85"])
def test_control_characters_in_names_are_refused(api_client, ids, name):
    refused(api_client.post("/api/v1/schedules", json={**SCHEDULE, "name": name}), "name")
    refused(api_client.post("/api/v1/machine-groups", json={"name": name}), "name")
    refused(api_client.put(f"/api/v1/machine-groups/{ids['group_id']}", json={"name": name}), "name")


def test_descriptions_keep_line_breaks_and_tabs_but_not_other_control_characters(api_client):
    text = "first line\r\nsecond\tline\n"
    response = api_client.post("/api/v1/schedules", json={**SCHEDULE, "description": text})
    assert response.status_code == 201 and response.get_json()["description"] == text.strip()
    response = api_client.post("/api/v1/machine-groups", json={**GROUP, "description": text})
    assert response.status_code == 201 and response.get_json()["description"] == text.strip()
    for bad in ("nul \x00 here", "bell \x07", "escape \x1b[31m"):
        refused(api_client.post("/api/v1/schedules", json={**SCHEDULE, "name": "other", "description": bad}),
                "description")
        refused(api_client.post("/api/v1/machine-groups", json={"name": "other", "description": bad}), "description")


def test_a_chain_parent_on_a_cron_schedule_is_refused_not_dropped(api_client, ids):
    error = refused(api_client.post("/api/v1/schedules", json={**SCHEDULE,
                                                               "chain_parent_schedule_id": ids["schedule_id"]}),
                    "chain_parent_schedule_id")
    assert "chain" in error["details"]["fields"]["chain_parent_schedule_id"]
    refused(api_client.put(f"/api/v1/schedules/{ids['schedule_id']}",
                           json={"chain_parent_schedule_id": ids["schedule_id"]}), "chain_parent_schedule_id")
    refused(api_client.post("/api/v1/schedules", json={**SCHEDULE, "chain_delay_minutes": 5}), "chain_delay_minutes")
    # null and 0 say "no chain", which a cron schedule is
    response = api_client.post("/api/v1/schedules", json={**SCHEDULE, "chain_parent_schedule_id": None,
                                                          "chain_delay_minutes": 0})
    assert response.status_code == 201


def test_a_chain_schedule_still_takes_its_parent(api_client, ids):
    response = api_client.post("/api/v1/schedules", json={"name": "after", "schedule_type": "chain",
                                                          "chain_parent_schedule_id": ids["schedule_id"],
                                                          "chain_delay_minutes": 5})
    assert response.status_code == 201
    assert response.get_json()["chain_parent_schedule_id"] == ids["schedule_id"]


BODIES = {  # a valid-looking body per write endpoint, to which an unknown key is added
    "/api/v1/schedules": SCHEDULE,
    "/api/v1/machine-groups": GROUP,
    "/api/v1/schedules/<schedule_id>/enable": {"enabled": True},
    "/api/v1/machine-groups/<group_id>/vms": {"vm_context_ids": ["{context_id}"]},
    "/api/v1/machine-groups/<group_id>/vms/order": {"vm_context_ids": ["{context_id}"]},
    "/api/v1/vm-contexts/<context_id>/group": {"group_id": None},
    "/api/v1/discovery/discover": {"datacenter": "DC1"},
    "/api/v1/discovery/add-vms": {"datacenter": "DC1", "vm_names": ["pgtest1"]},
    "/api/v1/discovery/bulk-add": {"datacenter": "DC1"},
}


def test_every_json_write_endpoint_refuses_an_unknown_field(app, admin_api_client, ids):
    checked = []
    for rule, method in api_rules(app):
        if method in ("GET", "DELETE"):
            continue
        url = url_for_rule(rule, ids)
        body = {key: [item.format(**ids) for item in value] if isinstance(value, list) else value
                for key, value in BODIES.get(rule.rule, {}).items()}
        # a vCenter login is a field of discovery and of the credentials, of nothing else
        takes_login = rule.rule.startswith(("/api/v1/discovery", "/api/v1/vmware-credentials"))
        for unknown in ("unexpected_key", "id", *(() if takes_login else ("credential_id", "password"))):
            error = refused(admin_api_client.open(url, method=method, json={**body, unknown: "x"}), unknown)
            assert unknown in error["error"] or len(error["details"]["fields"]) > 1
        checked.append(f"{method} {rule.rule}")
    assert len(checked) >= 12, checked
    assert count(ReplicationSchedule) == 1 and count(VMMachineGroup) == 1


def test_the_keys_older_clients_send_are_accepted_where_they_send_them(api_client, ids):
    response = api_client.post("/api/v1/schedules", json={**SCHEDULE, "created_by": "web-gui"})
    assert response.status_code == 201
    assert response.get_json()["created_by"] != "web-gui"  # the authenticated user is the creator
    response = api_client.post("/api/v1/machine-groups", json={**GROUP, "created_by": "web-gui"})
    assert response.status_code == 201
    response = api_client.post(f"/api/v1/schedules/{ids['schedule_id']}/trigger", json={"created_by": "web-gui"})
    assert response.status_code == 202
    response = api_client.put(f"/api/v1/vm-contexts/{ids['context_id']}/group",
                              json={"group_id": None, "added_by": "web-gui"})
    assert response.status_code == 200
    response = api_client.post("/api/v1/discovery/add-vms", json={"added_by": "discovery-gui"})
    assert "added_by" not in response.get_json()["details"]["fields"]
    # ...but they must still be what they claim to be
    refused(api_client.post("/api/v1/schedules", json={**SCHEDULE, "name": "typed", "created_by": 5}), "created_by")


def test_the_single_vm_form_of_older_clients_sets_priority_and_enabled(api_client, ids):
    url = f"/api/v1/machine-groups/{ids['group_id']}/vms"
    response = api_client.post(url, json={"vm_context_id": ids["context_id"], "priority": 7, "enabled": False})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["success"] is True and body["assigned_vm"]["vm_context_id"] == ids["context_id"]
    assert (body["assigned_vm"]["priority"], body["assigned_vm"]["enabled"]) == (7, False)
    member = next(vm for vm in api_client.get(url).get_json()["vms"] if vm["vm_context_id"] == ids["context_id"])
    assert (member["priority"], member["enabled"]) == (7, False)
    # the two forms are not mixed, and the single form's fields are checked by name
    refused(api_client.post(url, json={"vm_context_id": ids["context_id"], "vm_context_ids": [ids["context_id"]]}),
            "vm_context_id")
    refused(api_client.post(url, json={"vm_context_id": ids["context_id"], "priority": "high"}), "priority")
    refused(api_client.post(url, json={"vm_context_id": "no-such-vm"}), "vm_context_id")
    refused(api_client.post(url, json={"vm_context_ids": [ids["context_id"]], "priority": 1}), "priority")


@pytest.mark.parametrize("url", ["/api/v1/schedules", "/api/v1/machine-groups", "/api/v1/vm-contexts/ungrouped",
                                 "/api/v1/discovery/ungrouped-vms", "/api/v1/jobs",
                                 "/api/v1/schedules/{schedule_id}/executions",
                                 "/api/v1/machine-groups/{group_id}/vms",
                                 "/api/v1/vm-contexts/{context_id}/recent-jobs"])
def test_every_list_refuses_a_per_page_that_is_not_a_number(api_client, ids, url):
    refused(api_client.get(url.format(**ids) + "?per_page=abc"), "per_page")
    refused(api_client.get(url.format(**ids) + "?unknown_filter=1"), "unknown_filter")


def test_executions_take_the_limit_older_clients_send_as_per_page(api_client, ids):
    url = f"/api/v1/schedules/{ids['schedule_id']}/executions"
    assert api_client.get(url + "?page=1&limit=5").get_json()["per_page"] == 5
    refused(api_client.get(url + "?limit=5&per_page=10"), "limit")
    refused(api_client.get(url + "?limit=abc"), "limit")


def test_documented_arguments_are_still_taken(api_client, ids):
    assert api_client.get("/api/v1/jobs?per_page=5&status=running").status_code == 200
    assert api_client.get(f"/api/v1/machine-groups?schedule_id={ids['schedule_id']}").status_code == 200
    assert api_client.get("/api/v1/vm-contexts/ungrouped?search=pg").status_code == 200
    assert api_client.get("/api/v1/schedules/preview?cron_expression=0+0+2+*+*+*&count=2").status_code == 200


def test_a_405_names_the_allowed_methods_on_the_api_and_on_pages(api_client, client, ids):
    response = api_client.delete("/api/v1/schedules")
    assert response.status_code == 405 and response.is_json
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    response = api_client.post(f"/api/v1/schedules/{ids['schedule_id']}/executions")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    response = client.get("/logout")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
    assert "text/html" in response.content_type
