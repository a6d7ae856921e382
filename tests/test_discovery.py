"""Discovery: VMs read from a real HTTP VMA (pytest-httpserver), added without jobs, filtered, grouped."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

import discovery
from domain_errors import Conflict, Unavailable, ValidationError
from extensions import db
from models import DashboardAuditEvent, ReplicationJob, VMGroupMembership, VMReplicationContext
from tests.factories import add_member, make_group, make_replication_job, make_vm

VCENTER = "vcenter.lab.local"


def vma_vm(name, power_state="poweredOn", guest_os="Ubuntu Linux (64-bit)", **kw):
    return {"id": kw.pop("id", f"vm-{name}"), "name": name, "path": f"/DC1/vm/{name}", "datacenter": "DC1",
            "power_state": power_state, "guest_os": guest_os, "memory_mb": 4096, "num_cpu": 2,
            "os_type": "linux" if "Linux" in guest_os else "windows", "vmx_version": "vmx-19",
            "disks": [{"id": "disk-1", "size_gb": 40, "capacity_bytes": 40 << 30}], "networks": [], **kw}


INVENTORY = [vma_vm("web-01"), vma_vm("web-02", power_state="poweredOff"),
             vma_vm("sql-01", guest_os="Microsoft Windows Server 2019 (64-bit)"), vma_vm("app-01")]


@pytest.fixture
def app_config(app_config, httpserver):
    return {**app_config, "VMA_API_URL": httpserver.url_for("/").rstrip("/"), "VCENTER_HOST": VCENTER,
            "VCENTER_USERNAME": "svc-migrate", "VCENTER_PASSWORD": "s3cret-pass", "API_READ_TIMEOUT": 5}


@pytest.fixture
def vma(httpserver):
    """The VMA answers every discovery of DC1 with INVENTORY."""
    httpserver.expect_request("/api/v1/discover", method="POST").respond_with_json(
        {"vcenter": {"host": VCENTER, "datacenter": "DC1"}, "vms": INVENTORY})
    return httpserver


def test_discovery_sends_the_configured_credentials_and_marks_managed_vms(app, vma):
    managed = make_vm("web-01", vcenter_host=VCENTER, vmware_vm_id="vm-web-01")

    found = discovery.discover_vms("DC1", "web")

    request = json.loads(vma.log[0][0].get_data())
    assert request == {"vcenter": VCENTER, "username": "svc-migrate", "password": "s3cret-pass",
                       "datacenter": "DC1", "filter": "web"}
    by_name = {vm.name: vm for vm in found.vms}
    assert by_name["web-01"].context_id == managed.context_id
    assert [vm.name for vm in found.new] == ["web-02", "sql-01", "app-01"]
    assert "s3cret-pass" not in json.dumps(found.to_dict())


def test_adding_vms_creates_contexts_without_jobs(app, vma):
    result = discovery.add_vms({"datacenter": "DC1", "vm_names": ["web-01", "sql-01"]}, added_by="operator")

    contexts = db.session.scalars(select(VMReplicationContext).order_by(VMReplicationContext.vm_name)).all()
    assert [(c.vm_name, c.auto_added, c.current_status, c.vcenter_host) for c in contexts] == [
        ("sql-01", True, "discovered", VCENTER), ("web-01", True, "discovered", VCENTER)]
    assert (contexts[1].cpu_count, contexts[1].memory_mb, contexts[1].power_state) == (2, 4096, "poweredOn")
    assert db.session.scalar(select(func.count()).select_from(ReplicationJob)) == 0
    assert len(result.added) == 2
    assert db.session.scalar(select(func.count()).select_from(DashboardAuditEvent)
                             .where(DashboardAuditEvent.action == "vm.add")) == 2


def test_adding_a_managed_vm_again_reports_it_instead_of_duplicating(app, vma):
    make_vm("web-01", vcenter_host=VCENTER, vmware_vm_id="vm-web-01")

    result = discovery.add_vms({"datacenter": "DC1", "vm_names": ["web-01"]})

    assert ([vm["name"] for vm in result.already_managed], result.added) == (["web-01"], [])
    assert db.session.scalar(select(func.count()).select_from(VMReplicationContext)) == 1


def test_a_name_vcenter_does_not_know_refuses_the_whole_request(app, vma):
    with pytest.raises(ValidationError) as excinfo:
        discovery.add_vms({"datacenter": "DC1", "vm_names": ["web-01", "ghost"]})

    assert "ghost" in excinfo.value.errors["vm_names"]
    assert db.session.scalar(select(func.count()).select_from(VMReplicationContext)) == 0


def test_added_vms_can_be_assigned_to_a_group_in_the_same_change(app, vma):
    group = make_group("web")

    result = discovery.add_vms({"datacenter": "DC1", "vm_names": ["web-01", "web-02"], "group_id": group.id})

    members = db.session.scalars(select(VMGroupMembership).where(VMGroupMembership.group_id == group.id)).all()
    assert len(members) == 2 == len(result.assignment.added)


def test_an_unknown_group_is_refused_before_anything_is_added(app, vma):
    with pytest.raises(ValidationError) as excinfo:
        discovery.add_vms({"datacenter": "DC1", "vm_names": ["web-01"], "group_id": "nope"})

    assert "group_id" in excinfo.value.errors
    assert db.session.scalar(select(func.count()).select_from(VMReplicationContext)) == 0


def test_a_busy_vm_refuses_the_whole_add_and_assign(app, vma):
    old_group, new_group = make_group("old"), make_group("new")
    busy = make_vm("web-01", vcenter_host=VCENTER, vmware_vm_id="vm-web-01")
    add_member(old_group, busy)
    make_replication_job(busy, status="replicating")

    with pytest.raises(Conflict) as excinfo:
        discovery.add_vms({"datacenter": "DC1", "vm_names": ["web-01", "web-02"], "group_id": new_group.id})

    assert excinfo.value.code == "vm_busy"
    assert db.session.scalar(select(func.count()).select_from(VMReplicationContext)) == 1


@pytest.mark.parametrize("filters, expected", [
    ({"name_pattern": "web-*"}, ["web-01", "web-02"]),
    ({"name_pattern": "01"}, ["web-01", "sql-01", "app-01"]),
    ({"power_state": "poweredOff"}, ["web-02"]),
    ({"os": "windows"}, ["sql-01"]),
    ({"name_pattern": "*-01", "os": "linux"}, ["web-01", "app-01"]),
])
def test_bulk_add_picks_the_vms_matching_every_filter(app, vma, filters, expected):
    result = discovery.bulk_add({"datacenter": "DC1", **filters})

    assert [vm["name"] for vm in result.added] == expected


def test_a_bulk_add_dry_run_previews_without_writing(app, vma):
    result = discovery.bulk_add({"datacenter": "DC1", "name_pattern": "web-*", "dry_run": True})

    assert (len(result.added), result.dry_run) == (2, True)
    assert db.session.scalar(select(func.count()).select_from(VMReplicationContext)) == 0


@pytest.mark.parametrize("data, field", [
    ({}, "datacenter"),
    ({"datacenter": "DC1", "power_state": "asleep"}, "power_state"),
    ({"datacenter": "DC1", "dry_run": "perhaps"}, "dry_run"),
    ({"datacenter": "DC1", "colour": "red"}, "colour"),
])
def test_bad_bulk_add_filters_name_their_field(app, data, field):
    with pytest.raises(ValidationError) as excinfo:
        discovery.bulk_add(data)

    assert field in excinfo.value.errors


def test_a_vma_failure_is_reported_in_operator_words(app, httpserver):
    httpserver.expect_request("/api/v1/discover", method="POST").respond_with_json(
        {"error": "Datacenter not found", "details": "datacenter 'DC9' not found"}, status=404)

    with pytest.raises(Unavailable) as excinfo:
        discovery.discover_vms("DC9")

    assert excinfo.value.code == "discovery_failed"
    assert httpserver.url_for("/") not in excinfo.value.message
    assert "s3cret-pass" not in excinfo.value.message
