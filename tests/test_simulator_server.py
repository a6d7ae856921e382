"""The simulated appliance over real HTTP, pinned to the real OMA's and VMA's behaviour
(sendense 8b7d59b; file:line in the simulator's modules)."""
from __future__ import annotations

import json
import re
import threading
from datetime import timedelta

import pytest
import requests

from appliance import VMAClient
from extensions import db
from models import ReplicationJob, VMReplicationContext, utcnow
from simulator import build_simulator
from simulator.inventory import DATACENTERS, VCENTER_HOST, VCENTER_USERNAME, demo_vm
from simulator.server import Credentials

pytestmark = pytest.mark.both_dbs

LOGIN_TOKEN = "oma-login-token"
PASSWORD = "vcenter-test-password"
JOB_ID = re.compile(r"^job-\d{8}-\d{6}\.\d{3}-[0-9a-f]{6}$")


@pytest.fixture
def simulator(app):
    sim = build_simulator(app, failure_rate=0.0, setup_failure_rate=0.0, provision_seconds=0,
                          discovery_seconds=0,
                          credentials=Credentials("", VCENTER_USERNAME, PASSWORD, LOGIN_TOKEN))
    sim.start_servers()
    yield sim
    sim.stop()


def login(simulator, token=LOGIN_TOKEN):
    return requests.post(f"{simulator.oma_url}/api/v1/auth/login",
                         json={"appliance_id": "dashboard", "token": token, "version": "1"}, timeout=10)


@pytest.fixture
def session(simulator):
    return login(simulator).json()["session_token"]


def discover(simulator, **overrides):
    body = {"vcenter": VCENTER_HOST, "username": VCENTER_USERNAME, "password": PASSWORD,
            "datacenter": DATACENTERS[0], **overrides}
    return requests.post(f"{simulator.vma_url}/api/v1/discover", json=body, timeout=10)


def replication_body(vm_name: str = "web-01", **overrides) -> dict:
    vm = demo_vm(vm_name)
    return {"source_vm": {**vm, "cpus": vm["num_cpu"], "os_type": vm["guest_os"]}, "ossea_config_id": 1,
            "target_network": "default", "vcenter_host": VCENTER_HOST, "datacenter": vm["datacenter"], **overrides}


def replicate(simulator, body, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{simulator.oma_url}/api/v1/replications", json=body, headers=headers, timeout=30)


def context_of(name):
    db.session.expire_all()
    return db.session.scalars(db.select(VMReplicationContext).where(VMReplicationContext.vm_name == name)).one()


# --- routes -------------------------------------------------------------------------------------

def test_each_host_answers_gorillas_404_for_what_it_does_not_serve(simulator):
    for url in (f"{simulator.vma_url}/api/v1/replications", f"{simulator.oma_url}/api/v1/discover",
                f"{simulator.vma_url}/api/v1/jobs/job-1/status", f"{simulator.vma_url}/api/v1/discover/"):
        response = requests.post(url, json={}, timeout=10) if "replications" in url or url.endswith("discover") \
            else requests.get(url, timeout=10)
        assert response.status_code == 404, url
        assert response.text == "404 page not found\n"
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_a_wrong_method_is_an_empty_405(simulator):
    response = requests.get(f"{simulator.vma_url}/api/v1/discover", timeout=10)
    assert (response.status_code, response.content) == (405, b"")
    assert "Content-Type" not in response.headers
    assert requests.get(f"{simulator.oma_url}/api/v1/replications", timeout=10).status_code == 405


def test_health_routes(simulator):
    assert requests.get(f"{simulator.vma_url}/api/v1/health", timeout=10).json()["status"] == "healthy"
    assert requests.get(f"{simulator.oma_url}/health", timeout=10).json()["service"] == "OMA API"


# --- discovery ------------------------------------------------------------------------------------

def test_discovery_fields_are_the_real_vmas(simulator):
    vms = discover(simulator).json()["vms"]
    by_name = {vm["name"]: vm for vm in vms}
    assert by_name["pgtest1"]["guest_os"] == "linux" and by_name["sql-01"]["guest_os"] == "windows"
    for vm in vms:
        assert vm["os_type"] == "" and vm["cpus"] == 0 and vm["num_cpu"] > 0
        assert vm["display_name"] == vm["annotation"] == vm["folder_path"] == vm["vmware_tools_version"] == ""
        assert vm["disks"][0]["id"] == "disk-2000"
        assert all(n["type"] == "" for n in vm["networks"])


def test_the_filter_is_a_case_insensitive_comma_separated_or(simulator):
    names = {vm["name"] for vm in discover(simulator, filter="PGTEST1, sql-0").json()["vms"]}
    assert names == {"pgtest1", "sql-01", "sql-02"}


@pytest.mark.parametrize("overrides, text", [
    ({"password": "wrong"}, "ServerFaultCode: Cannot complete login due to an incorrect user name or password."),
    ({"vcenter": "vc.nowhere"}, 'Post "https://vc.nowhere/sdk": dial tcp: lookup vc.nowhere: no such host'),
    ({"datacenter": "Atlantis"}, "failed to find datacenter Atlantis: datacenter 'Atlantis' not found"),
    ({"datacenter": ""}, "default datacenter resolves to multiple instances, please specify"),
])
def test_every_vcenter_problem_is_a_text_plain_500(simulator, overrides, text):
    response = discover(simulator, **overrides)
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.text.startswith("Discovery failed: failed to discover VMs from vCenter: ")
    assert response.text.endswith(text + "\n")


def test_a_bad_discovery_body_is_a_text_plain_400(simulator):
    response = requests.post(f"{simulator.vma_url}/api/v1/discover", data="{nope", timeout=10)
    assert response.status_code == 400 and response.text.startswith("Invalid request: ")


# --- auth ---------------------------------------------------------------------------------------

def test_login_gives_a_session_and_refuses_a_wrong_token(simulator):
    assert login(simulator, "wrong").status_code == 401
    assert login(simulator, "wrong").json() == {"success": False, "error_message": "Invalid credentials"}
    body = login(simulator).json()
    assert body["success"] is True and body["session_token"] and re.search(r"(Z|[+-]\d\d:\d\d)$", body["expires_at"])


@pytest.mark.parametrize("token, error", [(None, "Missing authorization header"),
                                          ("made-up", "Invalid or expired token")])
def test_replications_need_a_session(simulator, token, error):
    response = replicate(simulator, replication_body(), token)
    assert response.status_code == 401
    assert {k: response.json()[k] for k in ("error", "details")} == {"error": error, "details": ""}


def test_a_restart_forgets_sessions(simulator, session):
    simulator.restart_oma()
    assert replicate(simulator, replication_body(), session).json()["error"] == "Invalid or expired token"


# --- replications ---------------------------------------------------------------------------------

def test_a_replication_answers_201_after_the_setup(app, simulator, session):
    response = replicate(simulator, replication_body("pgtest1"), session)
    assert response.status_code == 201
    body = response.json()
    assert JOB_ID.match(body["job_id"]) and body["status"] == "replicating" and "vm_context_id" not in body
    assert body["source_vm"]["name"] == "pgtest1" and len(body["created_volumes"]) == 2
    assert re.search(r"(Z|[+-]\d\d:\d\d)$", body["started_at"])
    job = db.session.get(ReplicationJob, body["job_id"])
    assert (job.status, job.setup_progress_percent, job.replication_type) == ("replicating", 85.0, "initial")
    context = context_of("pgtest1")
    assert context.current_job_id == job.id and context.os_type == "linux"


def test_the_setup_takes_the_configured_time(app, simulator, session):
    simulator.appliance.oma_app.settings = type(simulator.appliance.oma_app.settings)(seed="demo", provision_seconds=1.5,
                                                                                      failure_rate=0.0)
    seen = []

    def watch():
        while not seen or seen[-1] != "replicating":
            with app.app_context():
                seen.extend(db.session.scalars(db.select(ReplicationJob.status)).all()[-1:])
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert replicate(simulator, replication_body("web-02"), session).status_code == 201
    watcher.join(5)
    assert {"initializing", "provisioning", "attaching"} <= set(seen)


def test_409_is_decided_by_current_job_id_whatever_the_jobs_status(app, simulator, session):
    first = replicate(simulator, replication_body("web-01"), session).json()["job_id"]
    db.session.execute(db.update(ReplicationJob).where(ReplicationJob.id == first).values(status="completed"))
    db.session.commit()
    response = replicate(simulator, replication_body("web-01"), session)
    assert response.status_code == 409
    vm = demo_vm("web-01")
    assert response.json()["error"] == "VM has active replication job"
    assert response.json()["details"] == f"VM 'web-01' ({vm['id']}) already has active job: {first}"


def test_the_context_is_found_by_vmware_vm_id_not_by_name(app, simulator, session):
    renamed = {**replication_body("web-03")["source_vm"], "name": "old-name-of-web-03"}
    assert replicate(simulator, replication_body("web-03", source_vm=renamed), session).status_code == 201
    assert replicate(simulator, replication_body("web-03"), session).status_code == 409


def test_two_requests_at_once_give_one_job_and_one_409(app, simulator, session):
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(
        replicate(simulator, replication_body("app-01"), session).status_code)) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(answers) == [201, 409]
    assert db.session.scalar(db.select(db.func.count()).select_from(ReplicationJob)
                             .where(ReplicationJob.source_vm_name == "app-01")) == 1


def test_validation_is_only_as_strict_as_the_real_handler(app, simulator, session):
    body = replication_body("app-02", replication_type="whatever")
    del body["vcenter_host"], body["datacenter"]
    response = replicate(simulator, body, session)
    assert response.status_code == 201
    job = db.session.get(ReplicationJob, response.json()["job_id"])
    assert (job.replication_type, job.datacenter) == ("whatever", "DatabanxDC")
    missing = replicate(simulator, replication_body("app-03", source_vm={"name": "x"}), session)
    assert (missing.status_code, missing.json()["error"]) == (400, "Source VM information is required")
    assert replicate(simulator, replication_body("app-03", ossea_config_id=0), session).status_code == 400


def test_an_empty_replication_type_is_the_omas_own_auto_detection(app, simulator, session):
    first = replicate(simulator, replication_body("app-04"), session).json()["job_id"]
    assert db.session.get(ReplicationJob, first).replication_type == "initial"
    db.session.execute(db.update(ReplicationJob).where(ReplicationJob.id == first).values(status="completed"))
    db.session.execute(db.update(VMReplicationContext).where(VMReplicationContext.current_job_id == first)
                       .values(current_job_id=None))
    db.session.commit()
    second = replicate(simulator, replication_body("app-04"), session).json()["job_id"]
    db.session.expire_all()
    assert db.session.get(ReplicationJob, second).replication_type == "incremental"


def test_no_disks_writes_the_row_then_500_and_the_vm_stays_blocked(app, simulator, session):
    vm = {**replication_body("app-05")["source_vm"], "disks": []}
    response = replicate(simulator, replication_body("app-05", source_vm=vm), session)
    assert response.status_code == 500
    assert response.json()["error"] == "Failed to start migration workflow"
    assert response.json()["details"] == "source VM has no disks to migrate"
    context = context_of("app-05")
    assert db.session.get(ReplicationJob, context.current_job_id).status == "initializing"
    assert replicate(simulator, replication_body("app-05"), session).status_code == 409


def test_an_unknown_schedule_execution_is_a_500_without_a_row(app, simulator, session):
    response = replicate(simulator, replication_body("app-06", schedule_execution_id="no-such-execution"), session)
    assert response.status_code == 500
    assert response.json()["details"].startswith("failed to create replication job: failed to create replication job:")
    assert db.session.scalar(db.select(db.func.count()).select_from(ReplicationJob)) == 0


def test_setup_failures_stop_half_way_and_keep_the_vm_blocked(app, simulator, session):
    settings = simulator.appliance.oma_app.settings
    simulator.appliance.oma_app.settings = type(settings)(seed="demo", provision_seconds=0, failure_rate=1.0)
    names = ["web-04", "web-05", "web-06", "app-01", "app-02", "app-03", "sql-01", "sql-02"]
    left = set()
    for name in names:
        response = replicate(simulator, replication_body(name), session)
        assert response.status_code == 500 and response.json()["error"] == "Failed to start migration workflow"
        context = context_of(name)
        assert context.current_job_id
        left.add(db.session.get(ReplicationJob, context.current_job_id).status)
    assert left <= {"initializing", "analyzing", "provisioning", "attaching", "replication_failed"}
    assert len(left) >= 2


# --- VMA job routes and the poller ------------------------------------------------------------

def test_the_vma_knows_started_jobs_only(app, simulator, session):
    job_id = replicate(simulator, replication_body("k8s-node-01"), session).json()["job_id"]
    status = requests.get(f"{simulator.vma_url}/api/v1/status/{job_id}", timeout=10)
    assert status.status_code == 200 and status.json()["status"] == "running"
    assert set(status.json()) == {"job_id", "status", "progress_percent", "current_operation", "start_time",
                                  "last_update", "vm_path"}
    progress = requests.get(f"{simulator.vma_url}/api/v1/progress/{job_id}", timeout=10).json()
    assert progress["phase"] == "Snapshot" and progress["status"] == "Snapshotting" and progress["errors"] == []
    export = db.session.get(ReplicationJob, job_id).nbd_export_name
    assert requests.get(f"{simulator.vma_url}/api/v1/progress/{export}", timeout=10).status_code == 200
    unknown = requests.get(f"{simulator.vma_url}/api/v1/status/job-unknown", timeout=10)
    assert (unknown.status_code, unknown.text) == (404, "Job not found: job-unknown\n")
    unknown = requests.get(f"{simulator.vma_url}/api/v1/progress/job-unknown", timeout=10)
    assert (unknown.status_code, unknown.text) == (404, "job not found\n")


def test_the_product_client_reads_the_real_routes(app, simulator, session):
    job_id = replicate(simulator, replication_body("k8s-node-02"), session).json()["job_id"]
    vma = VMAClient(simulator.vma_url)
    assert vma.job_progress(job_id).state == "found"
    assert vma.job_progress("job-20200101-000000.000-000000").state == "not_found"


def test_the_poller_moves_a_job_through_the_real_phases_and_recounts_the_context(app, simulator, session):
    job_id = replicate(simulator, replication_body("kafka-01"), session).json()["job_id"]
    statuses, phases = [], []
    for seconds in range(0, 400, 5):
        simulator.driver.tick(utcnow() + timedelta(seconds=seconds))
        db.session.expire_all()
        job = db.session.get(ReplicationJob, job_id)
        statuses.append(job.status)
        phases.append(job.vma_current_phase)
    ordered = list(dict.fromkeys(statuses))
    assert ordered == ["snapshotting", "replicating", "finalizing", "completed"]
    assert list(dict.fromkeys(phases)) == ["Snapshot Creation", "Copying Data", "Cleanup", "Completed"]
    context = context_of("kafka-01")
    assert (context.current_job_id, context.last_successful_job_id, context.current_status) == \
        (None, job_id, "ready_for_failover")
    assert context.successful_jobs == 1 and context.total_jobs_run == 1


def test_a_failed_copy_stores_a_json_array_error(app, simulator, session):
    simulator.driver.failure_rate = simulator.appliance.vma_app.failure_rate = 1.0
    job_id = replicate(simulator, replication_body("kafka-02"), session).json()["job_id"]
    simulator.driver.tick(utcnow() + timedelta(hours=1))
    db.session.expire_all()
    job = db.session.get(ReplicationJob, job_id)
    assert job.status == "failed" and job.current_operation == "Failed"
    assert isinstance(json.loads(job.error_message), list)
    context = context_of("kafka-02")
    assert (context.current_job_id, context.current_status, context.failed_jobs) == (None, "failed", 1)


def test_the_poller_follows_at_most_ten_jobs_per_poll(app, simulator, session):
    names = ["web-01", "web-02", "web-03", "web-04", "app-01", "app-02", "app-03", "sql-01", "sql-02",
             "pg-prod-01", "k8s-node-01", "mail-01"]
    for name in names:
        assert replicate(simulator, replication_body(name), session).status_code == 201
    assert simulator.driver.tick(utcnow() + timedelta(seconds=20)).advanced == 10
