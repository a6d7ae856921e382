"""The simulated appliance over real HTTP: VMA discovery and job status, OMA replications."""
from __future__ import annotations

import re
import uuid

import pytest
import requests

from extensions import db
from models import ReplicationJob, ScheduleExecution, VMReplicationContext, utcnow
from simulator import build_simulator
from simulator.inventory import DATACENTERS, VCENTER_HOST, VCENTER_USERNAME, demo_vm
from simulator.server import Credentials
from tests.factories import make_group, make_replication_job, make_schedule, make_vm

pytestmark = pytest.mark.both_dbs

TOKEN = "oma-test-token"
PASSWORD = "vcenter-test-password"
JOB_ID = re.compile(r"^job-\d{8}-\d{6}\.\d{3}-[0-9a-f]{6}$")


@pytest.fixture
def simulator(app):
    sim = build_simulator(app, failure_rate=0.0,
                          credentials=Credentials(TOKEN, VCENTER_USERNAME, PASSWORD))
    sim.server.start()
    yield sim
    sim.stop()


def discover(simulator, **overrides):
    body = {"vcenter": VCENTER_HOST, "username": VCENTER_USERNAME, "password": PASSWORD,
            "datacenter": DATACENTERS[0], **overrides}
    return requests.post(f"{simulator.url}/api/v1/discover", json=body, timeout=10)


def replication_body(vm_name: str = "web-01", **overrides) -> dict:
    vm = demo_vm(vm_name)
    return {"source_vm": {**vm, "cpus": vm["num_cpu"]}, "ossea_config_id": 1, "replication_type": "auto",
            "target_network": "default", "vcenter_host": VCENTER_HOST, "datacenter": vm["datacenter"],
            "start_replication": True, **overrides}


def replicate(simulator, body: dict, token: str | None = TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{simulator.url}/api/v1/replications", json=body, headers=headers, timeout=10)


def fresh(model, key):
    db.session.expire_all()
    return db.session.get(model, key)


def test_discovery_lists_the_vms_of_one_datacenter_with_disks_and_networks(simulator):
    response = discover(simulator)
    assert response.status_code == 200
    body = response.json()
    assert body["vcenter"] == {"host": VCENTER_HOST, "datacenter": DATACENTERS[0]}
    assert len(body["vms"]) >= 20
    assert {vm["datacenter"] for vm in body["vms"]} == {DATACENTERS[0]}
    vm = body["vms"][0]
    for key in ("id", "name", "path", "power_state", "guest_os", "memory_mb", "num_cpu", "os_type", "vmx_version"):
        assert vm[key] not in (None, "")
    for key in ("id", "label", "path", "vmdk_path", "size_gb", "capacity_bytes", "datastore", "provisioning_type",
                "unit_number"):
        assert key in vm["disks"][0]
    for key in ("label", "network_name", "adapter_type", "mac_address", "connected", "type"):
        assert key in vm["networks"][0]


def test_discovery_filter_matches_part_of_the_vm_name(simulator):
    names = [vm["name"] for vm in discover(simulator, filter="WEB-0").json()["vms"]]
    assert names and all("web-0" in name for name in names)


def test_discovery_answers_the_same_ids_every_time(simulator):
    first = discover(simulator, filter="pgtest1").json()["vms"]
    second = discover(simulator, filter="pgtest1").json()["vms"]
    assert first == second


@pytest.mark.parametrize("missing", ["vcenter", "username", "password", "datacenter"])
def test_discovery_without_a_required_field_is_a_400_naming_it(simulator, missing):
    response = discover(simulator, **{missing: ""})
    assert response.status_code == 400
    assert response.json()["field"] == missing
    assert set(response.json()) >= {"error", "details", "timestamp"}


def test_discovery_with_a_wrong_vcenter_password_is_refused(simulator):
    response = discover(simulator, password="wrong")
    assert response.status_code == 401
    assert PASSWORD not in response.text


def test_discovery_of_an_unknown_datacenter_is_a_404(simulator):
    assert discover(simulator, datacenter="Nowhere").status_code == 404


def test_discovery_also_serves_the_vms_the_dashboard_manages(simulator):
    vm = make_vm("sql-bench-0001", vcenter_host="vcenter.bench.local", datacenter="DC-B",
                 vm_path="/DC-B/vm/sql-bench-0001")
    response = discover(simulator, vcenter="vcenter.bench.local", datacenter="DC-B", filter="SQL-BENCH")
    assert response.status_code == 200
    [served] = response.json()["vms"]
    assert (served["id"], served["name"], served["path"]) == (vm.vmware_vm_id, vm.vm_name, vm.vm_path)
    assert served["os_type"] == "windows" and served["disks"] and served["networks"]


def test_discovery_of_an_unknown_vcenter_fails_like_an_unreachable_host(simulator):
    response = discover(simulator, vcenter="vcenter.nowhere.local")
    assert response.status_code == 502
    assert set(response.json()) >= {"error", "details", "timestamp"}


def test_a_replication_creates_a_running_job_with_the_scheduler_metadata(simulator):
    schedule = make_schedule()
    group = make_group(schedule=schedule)
    execution = ScheduleExecution(id=str(uuid.uuid4()), schedule_id=schedule.id, scheduled_at=utcnow(), status="running")
    db.session.add(execution)
    db.session.commit()

    response = replicate(simulator, replication_body(
        schedule_execution_id=execution.id, vm_group_id=group.id, scheduled_by="scheduler"))

    assert response.status_code == 201
    body = response.json()
    assert JOB_ID.match(body["job_id"])
    assert body["status"] == "replicating" and body["progress_percent"] == 0
    assert body["started_at"] and body["message"]
    job = fresh(ReplicationJob, body["job_id"])
    assert (job.schedule_execution_id, job.vm_group_id, job.scheduled_by) == (execution.id, group.id, "scheduler")
    assert job.source_vm_name == "web-01" and job.ossea_config_id == 1 and job.total_bytes > 0


def test_a_replication_of_a_new_vm_creates_its_context_and_marks_it_replicating(simulator):
    job_id = replicate(simulator, replication_body("sql-01")).json()["job_id"]
    job = fresh(ReplicationJob, job_id)
    context = db.session.get(VMReplicationContext, job.vm_context_id)
    assert context.vm_name == "sql-01" and context.vcenter_host == VCENTER_HOST
    assert context.current_status == "replicating" and context.current_job_id == job_id
    assert context.total_jobs_run == 1 and context.cpu_count == 8
    assert job.replication_type == "initial"


def test_a_replication_finds_the_existing_context_by_vm_name_and_vcenter(simulator):
    vm = make_vm("web-02", vcenter_host=VCENTER_HOST, datacenter=DATACENTERS[0])
    job_id = replicate(simulator, replication_body("web-02")).json()["job_id"]
    assert fresh(ReplicationJob, job_id).vm_context_id == vm.context_id


def test_a_vm_with_an_active_job_gets_a_409_and_no_second_job(simulator):
    first = replicate(simulator, replication_body("web-03"))
    second = replicate(simulator, replication_body("web-03"))
    assert first.status_code == 201
    assert second.status_code == 409
    assert set(second.json()) >= {"error", "details", "timestamp"}
    assert second.json()["job_id"] == first.json()["job_id"]
    db.session.expire_all()
    assert db.session.query(ReplicationJob).filter_by(source_vm_name="web-03").count() == 1


def test_a_vm_whose_job_was_written_by_the_appliance_itself_is_busy_too(simulator):
    vm = make_vm("web-04", vcenter_host=VCENTER_HOST, datacenter=DATACENTERS[0])
    make_replication_job(vm, status="provisioning")
    assert replicate(simulator, replication_body("web-04")).status_code == 409


@pytest.mark.parametrize("field_name, body_change", [
    ("source_vm", lambda b: b.pop("source_vm")),
    ("source_vm.name", lambda b: b["source_vm"].pop("name")),
    ("source_vm.id", lambda b: b["source_vm"].update(id="  ")),
    ("source_vm.path", lambda b: b["source_vm"].update(path=42)),
    ("source_vm.disks", lambda b: b["source_vm"].update(disks=[])),
    ("vcenter_host", lambda b: b.pop("vcenter_host")),
    ("datacenter", lambda b: b.pop("datacenter")),
    ("ossea_config_id", lambda b: b.pop("ossea_config_id")),
    ("ossea_config_id", lambda b: b.update(ossea_config_id="one")),
    ("replication_type", lambda b: b.update(replication_type="sometimes")),
    ("schedule_execution_id", lambda b: b.update(schedule_execution_id="no-such-execution")),
    ("vm_group_id", lambda b: b.update(vm_group_id="no-such-group")),
    ("start_replication", lambda b: b.update(start_replication=False)),
])
def test_an_invalid_replication_request_is_a_400_naming_the_field(simulator, field_name, body_change):
    body = replication_body("app-01")
    body_change(body)
    response = replicate(simulator, body)
    assert response.status_code == 400
    assert response.json()["field"] == field_name
    assert field_name in response.json()["details"]
    db.session.expire_all()
    assert db.session.query(ReplicationJob).count() == 0


def test_a_replication_body_that_is_not_json_is_a_400(simulator):
    response = requests.post(f"{simulator.url}/api/v1/replications", data="{not json",
                             headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
                             timeout=10)
    assert response.status_code == 400
    assert "JSON" in response.json()["details"]


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_replications_need_the_configured_bearer_token(simulator, token):
    response = replicate(simulator, replication_body(), token=token)
    assert response.status_code == 401
    assert TOKEN not in response.text


def test_replications_are_open_when_no_token_is_configured(app):
    sim = build_simulator(app, credentials=Credentials("", VCENTER_USERNAME, PASSWORD))
    sim.server.start()
    try:
        assert replicate(sim, replication_body(), token=None).status_code == 201
    finally:
        sim.stop()


def test_the_vma_reports_the_status_of_a_simulated_job(simulator):
    job_id = replicate(simulator, replication_body("app-02")).json()["job_id"]
    response = requests.get(f"{simulator.url}/api/v1/jobs/{job_id}/status", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["job_id"] == job_id and body["status"] == "replicating"
    assert body["phase"] == "Initializing" and body["sync_type"] == "initial"


def test_the_vma_does_not_know_a_job_it_never_ran(simulator):
    vm = make_vm("app-03", vcenter_host=VCENTER_HOST, datacenter=DATACENTERS[0])
    ghost = make_replication_job(vm, status="replicating")
    for job_id in (ghost.id, "job-20250101-000000.000-abcdef"):
        response = requests.get(f"{simulator.url}/api/v1/jobs/{job_id}/status", timeout=10)
        assert response.status_code == 404
        assert set(response.json()) >= {"error", "details", "timestamp"}


def test_an_unknown_path_is_a_404_with_an_error_body(simulator):
    response = requests.get(f"{simulator.url}/api/v1/nothing", timeout=10)
    assert response.status_code == 404
    assert response.json()["error"]


def test_the_appliance_clients_drive_the_simulator(app, simulator):
    from appliance import OMAClient, VMAClient
    vma = VMAClient(simulator.url, vcenter=VCENTER_HOST, username=VCENTER_USERNAME, password=PASSWORD)
    oma = OMAClient(simulator.url, token=TOKEN)

    vm = vma.discover_vm("pgtest1", DATACENTERS[0])
    created = oma.create_replication(replication_body("pgtest1", source_vm={**vm, "cpus": vm["num_cpu"]}))

    assert vma.job_status(created["job_id"])["status"] == "replicating"
    assert vma.job_status("job-20250101-000000.000-abcdef") is None
