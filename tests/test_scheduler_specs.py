"""Fresh VM specs for a dispatch wave, from a VMA over real HTTP (pytest-httpserver)."""
import json

import pytest
from werkzeug import Response

from appliance import ApplianceError, VMAClient
from scheduler.collect import Candidate
from scheduler.specs import SpecSource


class Inventory:
    """A VMA whose datacenter DC1 holds `names`; VMs named in a filter are always found."""

    def __init__(self, httpserver, names):
        self.names = list(names)
        self.requests: list[dict] = []
        httpserver.expect_request("/api/v1/discover", method="POST").respond_with_handler(self._discover)

    def _discover(self, request):
        body = request.get_json()
        self.requests.append(body)
        names = [body["filter"]] if body.get("filter") else self.names
        vms = [{"id": f"vm-{name}", "name": name, "datacenter": body["datacenter"], "num_cpu": 2} for name in names]
        return Response(json.dumps({"vcenter": {"host": body["vcenter"]}, "vms": vms}), 200,
                        content_type="application/json")


def candidate(name: str, datacenter: str = "DC1") -> Candidate:
    return Candidate(vm_context_id=f"ctx-{name}", vm_name=name, vm_status="ready_for_failover",
                     vm_scheduler_enabled=True, membership_enabled=True, group_id="g1", group_name="Group",
                     group_max_vms=None, datacenter=datacenter, vcenter_host="vc.example.local", ossea_config_id=1)


@pytest.fixture
def vma(httpserver):
    return VMAClient(httpserver.url_for(""), 0.5, 0.5, vcenter="vc.example.local", username="svc",
                     password="vc-password")


def test_a_wave_of_vms_in_one_datacenter_costs_one_discovery_without_a_filter(vma, httpserver):
    vcenter = Inventory(httpserver, ["web-1", "web-2", "db-1"])
    specs = SpecSource(vma).for_wave([candidate("web-1"), candidate("db-1")])
    assert {key: spec["id"] for key, spec in specs.items()} == {"ctx-web-1": "vm-web-1", "ctx-db-1": "vm-db-1"}
    assert len(vcenter.requests) == 1
    assert "filter" not in vcenter.requests[0] and vcenter.requests[0]["password"] == "vc-password"


def test_waves_within_the_maximum_age_reuse_the_listing_and_later_ones_fetch_it_again(vma, httpserver):
    vcenter = Inventory(httpserver, ["web-1", "web-2"])
    fresh = SpecSource(vma, max_age_seconds=60)
    fresh.for_wave([candidate("web-1"), candidate("web-2")])
    assert fresh.for_wave([candidate("web-2")])["ctx-web-2"]["name"] == "web-2"
    assert len(vcenter.requests) == 1
    stale = SpecSource(vma, max_age_seconds=0)
    stale.for_wave([candidate("web-1"), candidate("web-2")])
    stale.for_wave([candidate("web-1"), candidate("web-2")])
    assert len(vcenter.requests) == 3


def test_a_lone_vm_is_served_by_the_datacenter_listing_the_real_vma_makes_anyway(vma, httpserver):
    # The real VMA enumerates the whole datacenter for a filtered call too (service.go:79-93).
    vcenter = Inventory(httpserver, ["web-1", "web-2"])
    found = SpecSource(vma).for_wave([candidate("web-1")])
    assert found["ctx-web-1"]["id"] == "vm-web-1"
    assert [request.get("filter") for request in vcenter.requests] == [None]


def test_a_vm_missing_from_the_listing_is_left_to_a_discovery_by_name(vma, httpserver):
    Inventory(httpserver, ["web-1"])
    specs = SpecSource(vma).for_wave([candidate("web-1"), candidate("created-a-moment-ago")])
    assert list(specs) == ["ctx-web-1"]


def test_a_vm_vcenter_does_not_know_by_name_is_a_client_error_naming_it(vma, httpserver):
    httpserver.expect_request("/api/v1/discover").respond_with_json({"vcenter": {}, "vms": []})
    with pytest.raises(ApplianceError) as caught:
        SpecSource(vma).by_name(candidate("gone"))
    assert caught.value.category == "client" and "'gone'" in caught.value.raw


def test_a_failed_listing_is_the_outcome_of_every_vm_of_its_datacenter_only(vma, httpserver):
    httpserver.expect_request("/api/v1/discover", json={"vcenter": "vc.example.local", "username": "svc",
                                                        "password": "vc-password", "datacenter": "DC1"}) \
        .respond_with_json({"error": "vCenter connection failed"}, status=502)
    Inventory(httpserver, ["app-1", "app-2"])
    specs = SpecSource(vma).for_wave([candidate("web-1"), candidate("web-2"),
                                      candidate("app-1", "DC2"), candidate("app-2", "DC2")])
    assert isinstance(specs["ctx-web-1"], ApplianceError) and specs["ctx-web-2"].category == "server"
    assert specs["ctx-app-1"]["name"] == "app-1" and specs["ctx-app-2"]["datacenter"] == "DC2"
