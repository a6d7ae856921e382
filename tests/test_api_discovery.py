"""`/api/v1/discovery`: preview, add-vms and bulk-add over a real HTTP VMA (pytest-httpserver)."""
from __future__ import annotations

import pytest

from tests.factories import make_group, make_vm

VCENTER = "vcenter.lab.local"
VMS = [{"id": f"vm-{name}", "name": name, "path": f"/DC1/vm/{name}", "datacenter": "DC1", "power_state": state,
        "guest_os": "Ubuntu Linux (64-bit)", "num_cpu": 2, "memory_mb": 2048, "disks": [], "networks": []}
       for name, state in (("web-01", "poweredOn"), ("web-02", "poweredOff"), ("db-01", "poweredOn"))]


@pytest.fixture
def app_config(app_config, httpserver):
    httpserver.expect_request("/api/v1/discover", method="POST").respond_with_json(
        {"vcenter": {"host": VCENTER, "datacenter": "DC1"}, "vms": VMS})
    return {**app_config, "VMA_API_URL": httpserver.url_for("/").rstrip("/"), "VCENTER_HOST": VCENTER,
            "VCENTER_PASSWORD": "vc-secret-1"}


def test_discover_previews_new_and_managed_vms_without_the_password(api_client, app):
    make_vm("db-01", vcenter_host=VCENTER, vmware_vm_id="vm-db-01")

    response = api_client.post("/api/v1/discovery/discover", json={"datacenter": "DC1"})

    body = response.get_json()
    assert (body["count"], body["new_count"]) == (3, 2)
    assert [vm["name"] for vm in body["vms"] if vm["managed"]] == ["db-01"]
    assert "vc-secret-1" not in response.get_data(as_text=True)


def test_add_vms_adds_and_assigns_without_jobs(api_client, app):
    group = make_group("web")

    body = api_client.post("/api/v1/discovery/add-vms", json={
        "datacenter": "DC1", "vm_names": ["web-01"], "group_id": group.id}).get_json()

    assert (body["added_count"], body["group_id"]) == (1, group.id)
    listed = api_client.get(f"/api/v1/machine-groups/{group.id}/vms").get_json()
    assert [(vm["vm_name"], vm["auto_added"], vm["current_status"]) for vm in listed["vms"]] == [
        ("web-01", True, "discovered")]


def test_bulk_add_with_filters_and_dry_run(api_client, app):
    preview = api_client.post("/api/v1/discovery/bulk-add", json={
        "datacenter": "DC1", "name_pattern": "web-*", "power_state": "poweredOn", "dry_run": True}).get_json()
    added = api_client.post("/api/v1/discovery/bulk-add", json={"datacenter": "DC1", "name_pattern": "web-*"})

    assert [vm["name"] for vm in preview["added"]] == ["web-01"]
    assert added.get_json()["added_count"] == 2
    assert api_client.get("/api/v1/discovery/ungrouped-vms").get_json()["count"] == 2


def test_unknown_names_are_a_400_naming_vm_names(api_client, app):
    response = api_client.post("/api/v1/discovery/add-vms", json={"datacenter": "DC1", "vm_names": ["nope"]})

    assert response.status_code == 400
    assert "vm_names" in response.get_json()["details"]["fields"]


def test_an_unreachable_vma_is_a_502_in_operator_words(api_client, app, httpserver):
    httpserver.clear()
    httpserver.expect_request("/api/v1/discover", method="POST").respond_with_data("upstream exploded", status=500)

    response = api_client.post("/api/v1/discovery/discover", json={"datacenter": "DC1"})

    error = response.get_json()
    assert (response.status_code, error["code"]) == (502, "discovery_failed")
    assert "exploded" not in error["error"] and httpserver.url_for("/") not in error["error"]


def test_an_unknown_datacenter_is_a_404_naming_the_known_ones(api_client, app, httpserver):
    make_vm("db-01", vcenter_host=VCENTER, datacenter="DC1")
    httpserver.clear()
    httpserver.expect_request("/api/v1/discover", method="POST").respond_with_json(
        {"error": "Datacenter not found", "details": "datacenter 'DC9' not found"}, status=404)

    responses = [api_client.post("/api/v1/discovery/discover", json={"datacenter": "DC9"}),
                 api_client.post("/api/v1/discovery/bulk-add", json={"datacenter": "DC9", "dry_run": True})]

    for response in responses:
        error = response.get_json()
        assert (response.status_code, error["code"]) == (404, "not_found")
        assert error["error"] == "vCenter has no datacenter named 'DC9'."
        assert error["details"]["actionable_steps"][-1] == "Pick one of the known datacenters: DC1"
        assert error["details"]["known_datacenters"] == ["DC1"]
