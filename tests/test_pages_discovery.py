"""Discovery page against a stand-in VMA (pytest-httpserver): preview, add without jobs, bulk add, failures."""
import re

import pytest

from extensions import db
from models import ReplicationJob, VMGroupMembership, VMReplicationContext
from simulator import build_simulator
from simulator.inventory import DATACENTERS, VCENTER_HOST, VCENTER_USERNAME
from simulator.server import Credentials
from tests.factories import make_group, make_vm

VMS = [{"id": f"vm-{n}", "name": name, "path": f"/DC1/vm/{name}", "datacenter": "DC1", "power_state": state,
        "guest_os": "Ubuntu Linux (64-bit)", "memory_mb": 4096, "num_cpu": 2, "disks": [], "networks": []}
       for n, (name, state) in enumerate((("web-01", "poweredOn"), ("web-02", "poweredOff"), ("db-01", "poweredOn")))]


@pytest.fixture
def app_config(app_config, httpserver):
    return {**app_config, "VMA_API_URL": httpserver.url_for("/").rstrip("/"), "VCENTER_HOST": "vc.example",
            "VCENTER_USERNAME": "svc", "VCENTER_PASSWORD": "s3cret-pass"}


@pytest.fixture
def vma(httpserver):
    httpserver.expect_request("/api/v1/discover", method="POST").respond_with_json(
        {"vcenter": {"host": "vc.example", "datacenter": "DC1"}, "vms": VMS})
    return httpserver


def _names():
    return set(db.session.scalars(db.select(VMReplicationContext.vm_name)).all())


def test_discovering_lists_the_vms_and_never_shows_the_vcenter_password(client, vma):
    page = client.get("/discovery/?datacenter=DC1").get_data(as_text=True)
    assert "web-01" in page and "db-01" in page and "3 VMs in DC1" in page
    assert "s3cret-pass" not in page


def test_adding_ticked_vms_creates_contexts_in_the_group_and_starts_no_job(client, vma):
    group = make_group("new-vms")
    response = client.post("/discovery/add", data={"datacenter": "DC1", "vm_names": ["web-01", "db-01"],
                                                   "group_id": group.id}, follow_redirects=True)
    assert "2 VM(s) added to management; no replication was started." in response.get_data(as_text=True)
    assert _names() == {"web-01", "db-01"}
    assert db.session.scalar(db.select(db.func.count()).select_from(VMGroupMembership)) == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(ReplicationJob)) == 0


def test_bulk_preview_shows_what_would_be_added_without_writing(client, vma):
    page = client.post("/discovery/bulk-add", data={"datacenter": "DC1", "name_pattern": "web-*",
                                                    "power_state": "poweredOn", "action": "preview"}
                       ).get_data(as_text=True)
    assert "1 VM(s) would be added" in page and "web-01" in page
    assert _names() == set()


def test_bulk_add_adds_every_match(client, vma):
    client.post("/discovery/bulk-add", data={"datacenter": "DC1", "name_pattern": "web", "action": "add"})
    assert _names() == {"web-01", "web-02"}


def test_a_missing_datacenter_is_reported_next_to_the_field(client, vma):
    response = client.post("/discovery/bulk-add", data={"datacenter": "", "action": "preview"})
    assert response.status_code == 422
    assert 'id="bulk_datacenter-error">Datacenter' in response.get_data(as_text=True)


def test_an_unreachable_vma_is_explained_in_operator_words(client, httpserver):
    httpserver.expect_request("/api/v1/discover", method="POST").respond_with_data("boom at /opt/vma/bin", status=502)
    response = client.get("/discovery/?datacenter=DC1")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Discovery failed" in page and "/opt/vma" not in page


def test_an_unknown_datacenter_is_explained_next_to_the_field(client, httpserver):
    make_vm("db-01", vcenter_host="vc.example", datacenter="DC1")
    httpserver.expect_request("/api/v1/discover", method="POST").respond_with_data(
        "failed to find datacenter DC9: datacenter 'DC9' not found", status=500, content_type="text/plain")

    response = client.get("/discovery/?datacenter=DC9")

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="datacenter-error">vCenter has no datacenter named &#39;DC9&#39;.' in page
    assert "<li>Pick one of the known datacenters: DC1</li>" in page
    assert 'aria-describedby="datacenter-hint datacenter-error datacenter-steps"' in page
    assert "not found in vCenter" not in page and "Discovery failed" not in page


def _datalist(page):
    found = re.search(r'<datalist id="known-datacenters">(.*?)</datalist>', page, re.S)
    assert found, "no datalist of the known datacenters"
    return re.findall(r'<option value="([^"]*)">', found.group(1))


def test_both_datacenter_fields_offer_the_known_datacenters_and_still_take_free_text(client, vma):
    make_vm("a", vcenter_host="vc.example", datacenter="Paris-DC")
    make_vm("b", vcenter_host="vc.example", datacenter="DC1")
    make_vm("c", vcenter_host="other-vcenter.example", datacenter="Elsewhere")

    page = client.get("/discovery/").get_data(as_text=True)

    assert _datalist(page) == ["DC1", "Paris-DC"]
    assert page.count('list="known-datacenters"') == 2
    assert "Known datacenters: DC1, Paris-DC. Another name may be typed." in page
    assert client.get("/discovery/?datacenter=DC1").status_code == 200  # typed, not picked


def test_a_datacenter_that_answered_joins_the_list(client, vma):
    assert _datalist(client.get("/discovery/").get_data(as_text=True)) == []
    assert _datalist(client.get("/discovery/?datacenter=DC1").get_data(as_text=True)) == ["DC1"]


@pytest.fixture
def simulated_vma(app):
    """The built-in simulator as the VMA: it answers an unknown datacenter the way the real one does."""
    simulator = build_simulator(app, failure_rate=0.0, credentials=Credentials("", VCENTER_USERNAME, "pw"))
    simulator.start_servers()
    app.config.update(VMA_API_URL=simulator.vma_url, VCENTER_HOST=VCENTER_HOST, VCENTER_USERNAME=VCENTER_USERNAME,
                      VCENTER_PASSWORD="pw")
    yield simulator
    simulator.stop()


def test_an_unknown_datacenter_of_the_simulated_vma_is_not_a_vm_problem(client, simulated_vma):
    make_vm("pg-01", vcenter_host=VCENTER_HOST, datacenter=DATACENTERS[0])

    responses = {"discover": client.get("/discovery/?datacenter=Atlantis"),
                 "bulk": client.post("/discovery/bulk-add", data={"datacenter": "Atlantis", "action": "preview"})}

    for form, response in responses.items():
        page = response.get_data(as_text=True)
        field = "datacenter" if form == "discover" else "bulk_datacenter"
        assert response.status_code == 422, form
        assert f'id="{field}-error">vCenter has no datacenter named &#39;Atlantis&#39;.' in page, form
        assert f"<li>Pick one of the known datacenters: {DATACENTERS[0]}</li>" in page, form
        assert "The VM was not found" not in page, form
        assert _datalist(page) == [DATACENTERS[0]], form
    flashed = client.post("/discovery/add", data={"datacenter": "Atlantis", "vm_names": ["pg-02"]},
                          follow_redirects=True).get_data(as_text=True)
    assert "Nothing added: vCenter has no datacenter named &#39;Atlantis&#39;." in flashed


def test_an_unquoted_datacenter_not_found_is_not_a_vm_problem(client, httpserver):
    httpserver.expect_request("/api/v1/discover", method="POST").respond_with_json(
        {"error": "Datacenter not found"}, status=404)
    page = client.get("/discovery/?datacenter=DC9").get_data(as_text=True)
    assert 'id="datacenter-error">vCenter has no datacenter named &#39;DC9&#39;.' in page
    assert "VM was not found" not in page
