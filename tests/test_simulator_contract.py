"""The simulator answers the contract fixtures' requests as the real OMA and VMA do.

Every fixture of tests/fixtures/appliance_contract (recorded from the real Go structs and
handlers, sendense @ 8b7d59b) is replayed against the simulator's own listeners over HTTP after
putting the simulated appliance into the fixture's situation; its answer must match the
fixture's by status, content type and body (JSON shape, or the text). The same fixtures pin the
product's clients (test_appliance_contract.py), so neither side can drift from the real contract.
"""
from __future__ import annotations

import json

import pytest
import requests
from sqlalchemy import insert

from extensions import db
from models import ScheduleExecution, utcnow
from simulator import build_simulator
from simulator.inventory import DATACENTERS, VCENTER_HOST, demo_vm
from tests.factories import make_group, make_replication_job, make_schedule, make_vm
from tests.support.contract import load_fixture, load_fixtures, response_differences

FIXTURE_VM = "420570c1-7c3a-4a1e-9d1f-2c3b4d5e6f70"
FIXTURE_SESSION = "sess_longlived_dev_token_2025_2035_permanent"
FIXTURE_LOGIN_TOKEN = "vma_test_token_abc123def456789012345678"
FIXTURE_JOB = "job-20251004-140321.123-a1b2c3"
FIXTURE_EXPORT = "migration-vol-b6f1c2d3-0000-4e5f-9a8b-7c6d5e4f3a21"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "OMA_API_URL": "", "VMA_API_URL": "", "OMA_API_TOKEN": "", "OMA_LOGIN_TOKEN": "",
            "VCENTER_HOST": "", "VCENTER_USERNAME": "", "VCENTER_PASSWORD": "", "SIMULATOR_DISCOVERY_SECONDS": 0}


@pytest.fixture
def sim(app):
    simulator = build_simulator(app, failure_rate=0, setup_failure_rate=0, provision_seconds=0).start_servers()
    yield simulator
    simulator.stop()


class World:
    """The fixture's world translated into the simulator's: its vCenter, logins, VM and jobs."""

    def __init__(self, app, sim):
        self.app, self.sim = app, sim
        self.spec = demo_vm("pgtest1")
        config = app.config
        self.session = requests.post(f"{sim.oma_url}/api/v1/auth/login", timeout=10, json={
            "appliance_id": "contract-test", "token": config["OMA_LOGIN_TOKEN"], "version": "1"}).json()["session_token"]
        self.words = {FIXTURE_SESSION: self.session, FIXTURE_LOGIN_TOKEN: config["OMA_LOGIN_TOKEN"],
                      "vcenter.example.local": VCENTER_HOST, "svc-migrate@vsphere.local": config["VCENTER_USERNAME"],
                      '"vc-secret"': json.dumps(config["VCENTER_PASSWORD"]), "/DatabanxDC/vm/pgtest1": self.spec["path"],
                      "DatabanxDC": DATACENTERS[0], FIXTURE_VM: self.spec["id"]}

    def translate(self, text: str) -> str:
        for theirs, ours in self.words.items():
            text = text.replace(theirs, ours)
        return text

    def managed_vm(self):
        return make_vm("pgtest1", vmware_vm_id=self.spec["id"], vm_path=self.spec["path"],
                       datacenter=self.spec["datacenter"], vcenter_host=VCENTER_HOST)

    def send(self, fixture):
        request = fixture.request
        base = self.sim.oma_url if fixture.appliance == "oma" else self.sim.vma_url
        headers = {key: self.translate(value) for key, value in (request.get("headers") or {}).items()}
        if "json" in request:
            headers["Content-Type"] = "application/json"
            data = self.translate(json.dumps(request["json"]))
        else:
            data = request.get("body_text")
        return requests.request(fixture.method, base + self.translate(fixture.path), data=data, headers=headers,
                                timeout=20)


def started_job(world) -> str:
    """A replication the simulated OMA started for the fixture's VM: the VMA knows it."""
    answer = world.send(load_fixture("oma_replication_201"))
    assert answer.status_code == 201, answer.text
    return answer.json()["job_id"]


def prepare(name: str, world) -> None:
    """Put the simulated appliance into the situation the fixture records."""
    if name == "oma_replication_201":
        schedule = make_schedule()
        make_group(id="grp-4c1e7b2a", schedule=schedule)
        db.session.execute(insert(ScheduleExecution).values(
            id="7d3f2a10-1b2c-4d5e-8f90-a1b2c3d4e5f6", schedule_id=schedule.id, scheduled_at=utcnow(),
            status="running", triggered_by="scheduler", created_at=utcnow()))
        db.session.commit()
    elif name == "oma_replication_409_active_job":
        vm = world.managed_vm()
        vm.current_job_id = make_replication_job(vm, status="failed").id  # any job: the rule is the pointer
        db.session.commit()
    elif name == "oma_replication_401_invalid_token":
        world.sim.restart_oma()  # the fixture's session is one from before the OMA restarted
    elif name in ("vma_progress_200", "vma_status_200"):
        prepare("oma_replication_201", world)
        job_id = started_job(world)
        world.words[FIXTURE_JOB] = job_id
        world.words[FIXTURE_EXPORT] = job_id


@pytest.mark.parametrize("name", [fixture.name for fixture in load_fixtures()])
def test_the_simulator_answers_each_fixture_request_as_the_real_appliance(app, sim, name):
    world = World(app, sim)
    prepare(name, world)
    fixture = load_fixture(name)
    answer = world.send(fixture)
    differences = response_differences(answer.status_code, answer.headers.get("Content-Type"),
                                       answer.text, fixture, extra_keys=False)
    assert differences == [], f"{name}: {differences}"


def test_the_simulator_sends_no_key_the_real_replication_answer_lacks(app, sim):
    world = World(app, sim)
    prepare("oma_replication_201", world)
    fixture = load_fixture("oma_replication_201")
    answer = world.send(fixture)
    assert response_differences(answer.status_code, answer.headers.get("Content-Type"), answer.text, fixture) == []
    assert "vm_context_id" not in answer.json()  # the real MigrationStartResult has none
