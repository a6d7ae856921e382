"""A realistic database for tests that open every page: the demo inventory, a run in progress.

`build_world(app, users)` serves the built-in simulator (the demo's OMA and VMA) on two local
ports, aims the app at it, seeds the demo data `make run` shows (VMs in two datacenters,
schedules, groups, a night's history, failovers and rollbacks with logs), then, as the scheduler
would, fires one execution of the every-two-minutes schedule against the simulated appliance
(replications running, VMs queued behind the group's limit) and lets the appliance's progress
poller move those jobs once. A few operator and admin actions through the pages leave audit
rows, an API token, a disabled schedule and a run requested by hand.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from extensions import db
from models import (DashboardApiToken, DashboardBlackout, DashboardUser, JobTracking, ReplicationJob, ReplicationSchedule,
                    ScheduleExecution, VMGroupMembership, VMMachineGroup, VMReplicationContext, VMwareCredential,
                    utcnow)
from simulator import build_simulator
from simulator.inventory import DATACENTERS
from simulator.seed import EVERY_TWO_MINUTES, NIGHTLY, WEEKEND_FULL, seed_demo_data
from tests.conftest import PASSWORDS
from tests.support.clients import DashboardClient


@dataclass
class World:
    """What `build_world` made, as the values an operator's URLs carry."""

    simulator: object
    pipeline: object
    #: Set to let the failover left running finish (it waits in its third step until then).
    release: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    path_values: dict[str, list[str]] = field(default_factory=dict)
    #: Values to type into a page's text fields, by field name (a filter that finds something).
    text_values: dict[str, list[str]] = field(default_factory=dict)

    def stop(self) -> None:
        self.release.set()
        for thread in self.threads:
            thread.join(30)
        self.pipeline.shutdown()
        self.simulator.stop()


def client_for(app, role: str) -> DashboardClient:
    client = app.test_client()
    response = client.login(role, PASSWORDS[role])
    assert response.status_code == 302, f"login as {role} failed"
    return client


def build_world(app, users) -> World:
    from scheduler.pipeline import Pipeline
    from scheduler.slots import claim_slot

    simulator = build_simulator(app, failure_rate=0.12)
    simulator.start_servers()
    app.config.update(OMA_API_URL=simulator.oma_url, VMA_API_URL=simulator.vma_url)
    pipeline = Pipeline(app, "crawl-host:1:world")
    world = World(simulator=simulator, pipeline=pipeline)
    try:
        seeded = seed_demo_data()
        assert seeded.created, seeded.reason
        schedules = {s.name: s for s in db.session.scalars(select(ReplicationSchedule))}

        # The scheduler's part: one slot of the demo schedule, dispatched to the simulated OMA.
        now = utcnow()
        claim = claim_slot(schedules[EVERY_TWO_MINUTES], now.replace(second=0, microsecond=0) - timedelta(minutes=1))
        assert claim.status == "running", claim
        pipeline.advance(claim.execution_id)
        db.session.expire_all()
        simulator.driver.tick(utcnow() + timedelta(seconds=30))  # the OMA's poller: progress on the copies
        db.session.expire_all()

        _failover_in_progress(app, world, "file-01")

        operator, admin = client_for(app, "operator"), client_for(app, "admin")
        _ok(operator.post(f"/schedules/{schedules[NIGHTLY].id}/run"))  # stays "scheduled": no scheduler runs
        _ok(operator.post(f"/schedules/{schedules[WEEKEND_FULL].id}/enabled", data={"enabled": "0"}))
        ungrouped = db.session.scalars(
            select(VMReplicationContext.context_id).where(VMReplicationContext.context_id.not_in(
                select(VMGroupMembership.vm_context_id))).order_by(VMReplicationContext.vm_name)).all()
        group_ids = db.session.scalars(select(VMMachineGroup.id).order_by(VMMachineGroup.name)).all()
        _ok(operator.post("/assignment/move", data={"vm_context_id": ungrouped[0], "group_id": group_ids[0]}))
        _ok(admin.post("/admin/tokens", data={"user": "operator", "label": "nightly report"}))
        _ok(admin.post("/admin/tokens", data={"user": "viewer", "label": "wall screen"}))
        first_token = db.session.scalars(select(DashboardApiToken.id).order_by(DashboardApiToken.id)).first()
        _ok(admin.post(f"/admin/tokens/{first_token}/revoke"))
        _ok(admin.post("/admin/users", data={"username": "night-shift", "role": "operator",
                                             "password": "night-shift-pass-1"}))
        _ok(operator.post("/protection/blackouts", data={"reason": "vCenter upgrade", "start": "2030-01-01T00:00",
                                                          "end": "2030-01-02T06:00", "group_ids": group_ids[0]}))
        db.session.expire_all()
        _second_vcenter(app)
        world.path_values = _path_values()
        a_vm = world.path_values["vm_name"][0]
        world.text_values = {"vm": ["web", a_vm], "q": ["web", a_vm], "filter": ["web"],
                             "datacenter": [*DATACENTERS, "Atlantis"]}
        return world
    except BaseException:
        world.stop()
        raise


def _failover_in_progress(app, world: World, vm_name: str) -> None:
    """A test failover of `vm_name` that stays in its third step (with a log so far) until
    `world.release` is set: what the job pages show while one runs."""
    from simulator.failover import run_operation
    context_id = db.session.scalar(select(VMReplicationContext.context_id)
                                   .where(VMReplicationContext.vm_name == vm_name))
    step_log = logging.getLogger("simulator.failover")
    steps_taken = []
    third_step = threading.Event()

    def pause(_seconds: float) -> None:
        steps_taken.append(1)
        for line in range(12):  # a real step says what it does as it goes: a log longer than its box
            step_log.info("Step %d of the test failover of %s: %d of 12 done", len(steps_taken), vm_name, line + 1)
        if len(steps_taken) == 3:
            third_step.set()
            world.release.wait(120)

    def run() -> None:
        with app.app_context():
            run_operation(context_id, "test_failover", step_pause=1, sleep=pause, owner="demo-seed")

    thread = threading.Thread(target=run, name="world-failover", daemon=True)
    thread.start()
    world.threads.append(thread)
    assert third_step.wait(30), "the test failover did not reach its third step"


def _ok(response) -> None:
    assert response.status_code < 400, (response.status_code, response.request.path,
                                        response.get_data(as_text=True)[:500])


def _second_vcenter(app) -> None:
    """The environment's vCenter as the first credential, and a second one (the same simulated
    vCenter with another default datacenter), so that pages offer a choice of vCenter."""
    from vcenters import list_credentials
    from vcenters.manage import create_credential
    list_credentials()
    if db.session.scalar(select(VMwareCredential.id).where(VMwareCredential.credential_name == "DR vCenter")) is None:
        create_credential({"credential_name": "DR vCenter", "vcenter_host": app.config["VCENTER_HOST"],
                           "username": app.config["VCENTER_USERNAME"], "password": app.config["VCENTER_PASSWORD"],
                           "datacenter": DATACENTERS[1]}, created_by="admin")


def _path_values() -> dict[str, list[str]]:
    """Path parameters of the URL map, filled from the rows: one of each kind worth seeing."""
    jobs = db.session.scalars(select(ReplicationJob).order_by(ReplicationJob.started_at.desc())).all()
    by_status: dict[str, str] = {}
    for job in jobs:
        by_status.setdefault(job.status, job.id)
    operations: dict[tuple, str] = {}
    for operation in db.session.scalars(select(JobTracking).where(JobTracking.parent_job_id.is_(None))
                                        .order_by(JobTracking.started_at.desc())):
        operations.setdefault((operation.operation, operation.status), operation.id)
    job_ids = list(by_status.values()) + list(operations.values())
    vms = db.session.scalars(select(VMReplicationContext).order_by(VMReplicationContext.vm_name)).all()
    vm_by_status: dict[str, VMReplicationContext] = {}
    for vm in vms:
        vm_by_status.setdefault(vm.current_status or "", vm)
    picked_vms = list(vm_by_status.values())
    return {
        "job_id": job_ids, "any_id": job_ids,
        "schedule_id": db.session.scalars(select(ReplicationSchedule.id)).all(),
        "group_id": db.session.scalars(select(VMMachineGroup.id)).all(),
        "vm_name": [vm.vm_name for vm in picked_vms],
        "context_id": [vm.context_id for vm in picked_vms],
        "user_id": [str(i) for i in db.session.scalars(select(DashboardUser.id))],
        "token_id": [str(i) for i in db.session.scalars(select(DashboardApiToken.id))],
        "execution_id": db.session.scalars(select(ScheduleExecution.id)).all(),
        "credential_id": [str(i) for i in db.session.scalars(select(VMwareCredential.id))],
        "blackout_id": db.session.scalars(select(DashboardBlackout.id)).all(),
    }
