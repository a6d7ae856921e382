"""Discovery page against a stand-in VMA (pytest-httpserver): preview, add without jobs, bulk add, failures."""
import pytest

from extensions import db
from models import ReplicationJob, VMGroupMembership, VMReplicationContext
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
    assert 'id="datacenter-error">No datacenter named &#39;DC9&#39; in vCenter; known: DC1.' in page
    assert "not found in vCenter" not in page and "Discovery failed" not in page
