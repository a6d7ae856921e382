"""`/api/v1/machine-groups` and `/api/v1/vm-contexts/.../group`, `/ungrouped`."""
from __future__ import annotations

from extensions import db
from tests.factories import add_member, make_group, make_replication_job, make_schedule, make_vm
from tests.support.statements import count_statements


def test_a_group_is_created_read_updated_and_deleted(api_client, app):
    schedule = make_schedule("nightly")

    created = api_client.post("/api/v1/machine-groups", json={"name": "web", "schedule_id": schedule.id})
    group_id = created.get_json()["id"]
    updated = api_client.put(f"/api/v1/machine-groups/{group_id}", json={"max_concurrent_vms": 2})
    read = api_client.get(f"/api/v1/machine-groups/{group_id}").get_json()
    deleted = api_client.delete(f"/api/v1/machine-groups/{group_id}")

    assert created.status_code == 201
    assert updated.get_json()["max_concurrent_vms"] == 2
    assert (read["schedule_name"], read["vm_count"]) == ("nightly", 0)
    assert deleted.status_code == 200
    assert api_client.get(f"/api/v1/machine-groups/{group_id}").status_code == 404


def test_the_group_list_uses_the_same_statements_for_any_number_of_groups(api_client, app):
    make_group("only")
    api_client.get("/api/v1/machine-groups")
    with count_statements(db.engine) as one:
        api_client.get("/api/v1/machine-groups")
    for n in range(5):
        add_member(make_group(f"g{n}"), make_vm())
    with count_statements(db.engine) as six:
        body = api_client.get("/api/v1/machine-groups").get_json()

    assert body["count"] == 6
    assert one.count == six.count


def test_vms_are_assigned_listed_and_removed(api_client, app):
    group = make_group("web")
    a, b = make_vm("a"), make_vm("b")

    assigned = api_client.post(f"/api/v1/machine-groups/{group.id}/vms",
                               json={"vm_context_ids": [a.context_id, b.context_id]})
    listed = api_client.get(f"/api/v1/machine-groups/{group.id}/vms").get_json()
    removed = api_client.delete(f"/api/v1/machine-groups/{group.id}/vms/{a.context_id}")
    after = api_client.get(f"/api/v1/machine-groups/{group.id}/vms").get_json()

    assert assigned.get_json()["added"] == [a.context_id, b.context_id]
    assert [vm["vm_name"] for vm in listed["vms"]] == ["a", "b"]
    assert removed.status_code == 200
    assert [vm["vm_name"] for vm in after["vms"]] == ["b"]


def test_assigning_by_context_moves_the_vm(api_client, app):
    old, new = make_group("old"), make_group("new")
    vm = make_vm()
    add_member(old, vm)

    response = api_client.put(f"/api/v1/vm-contexts/{vm.context_id}/group", json={"group_id": new.id})

    assert response.get_json()["moved"] == [vm.context_id]
    assert api_client.get(f"/api/v1/machine-groups/{old.id}").get_json()["vm_count"] == 0


def test_a_null_group_makes_the_vm_ungrouped(api_client, app):
    group = make_group("web")
    vm = make_vm("loose")
    add_member(group, vm)

    api_client.put(f"/api/v1/vm-contexts/{vm.context_id}/group", json={"group_id": None})

    body = api_client.get("/api/v1/vm-contexts/ungrouped").get_json()
    assert [item["vm_name"] for item in body["vms"]] == ["loose"]
    assert api_client.get("/api/v1/discovery/ungrouped-vms").get_json()["count"] == 1


def test_the_order_endpoint_sets_priorities(api_client, app):
    group = make_group("web")
    a, b = make_vm("a"), make_vm("b")
    add_member(group, a)
    add_member(group, b)

    body = api_client.put(f"/api/v1/machine-groups/{group.id}/vms/order",
                          json={"vm_context_ids": [b.context_id, a.context_id]}).get_json()

    assert [(vm["vm_name"], vm["priority"]) for vm in body["vms"]] == [("b", 0), ("a", 1)]


def test_deleting_a_group_with_members_is_a_409(api_client, app):
    group = make_group("web")
    add_member(group, make_vm())

    response = api_client.delete(f"/api/v1/machine-groups/{group.id}")

    assert (response.status_code, response.get_json()["code"]) == (409, "group_not_empty")


def test_moving_a_busy_vm_is_a_409(api_client, app):
    old, new = make_group("old"), make_group("new")
    vm = make_vm()
    add_member(old, vm)
    make_replication_job(vm, status="replicating")

    response = api_client.post(f"/api/v1/machine-groups/{new.id}/vms", json={"vm_context_ids": [vm.context_id]})

    assert (response.status_code, response.get_json()["code"]) == (409, "vm_busy")


def test_a_taken_group_name_is_a_409(api_client, app):
    make_group("web")

    response = api_client.post("/api/v1/machine-groups", json={"name": "web"})

    assert (response.status_code, response.get_json()["details"]["field"]) == (409, "name")


def test_unknown_vm_ids_are_a_400_naming_the_field(api_client, app):
    group = make_group("web")

    response = api_client.post(f"/api/v1/machine-groups/{group.id}/vms", json={"vm_context_ids": ["ctx-nope"]})

    assert response.status_code == 400
    assert "vm_context_ids" in response.get_json()["details"]["fields"]
