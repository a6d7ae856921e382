"""The scheduler against the simulator that is the real appliance's twin (simulator/, each
behaviour citing DRDAVIDBANNER/sendense @ 8b7d59b): the core loop of issue "The real
appliance", end to end over real HTTP, with the OMA's synchronous setup, its 409 rule by
`current_job_id`, its half-finished setups and the VMA's real routes."""
from __future__ import annotations

import dataclasses
import logging
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from extensions import db
from models import ReplicationJob, ScheduleExecution, SETUP_REPLICATION_STATUSES, VMReplicationContext, utcnow
from sanitizer import find_forbidden
from scheduler.phantoms import detect_phantoms
from scheduler.pipeline import Pipeline
from scheduler.slots import claim_slot
from simulator import build_simulator
from simulator.inventory import VCENTER_HOST, demo_vm
from tests.factories import add_member, make_group, make_replication_job, make_schedule, make_vm

SLOT = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def app_config(app_config):
    # Empty URLs and credentials: the simulator fills them with its own addresses and demo logins,
    # and the OMA client logs in with OMA_LOGIN_TOKEN as against a real OMA with -auth=true.
    return {**app_config, "OMA_API_URL": "", "VMA_API_URL": "", "OMA_API_TOKEN": "", "OMA_LOGIN_TOKEN": "",
            "VCENTER_HOST": "", "VCENTER_USERNAME": "", "VCENTER_PASSWORD": "", "SIMULATOR_DISCOVERY_SECONDS": 0}


def twin(app, **numbers):
    numbers = {"setup_failure_rate": 0, "provision_seconds": 0, **numbers}
    sim = build_simulator(app, failure_rate=0, **numbers).start_servers()
    app.config["OMA_API_URL"], app.config["VMA_API_URL"] = sim.oma_url, sim.vma_url
    return sim


@pytest.fixture
def pipelines(app):
    made = []

    def make(**config):
        app.config.update(config)
        runner = Pipeline(app, "twin-test:1:abcd")
        made.append(runner)
        return runner
    yield make
    for runner in made:
        runner.shutdown()


def managed(name: str, **schedule_fields):
    """A schedule with one group holding the demo inventory's VM `name`, as discovery adds it."""
    spec = demo_vm(name)
    vm = make_vm(name, vmware_vm_id=spec["id"], vm_path=spec["path"], datacenter=spec["datacenter"],
                 vcenter_host=VCENTER_HOST, current_status="ready_for_failover")
    schedule = make_schedule(max_concurrent_jobs=10, **schedule_fields)
    add_member(make_group(schedule=schedule, max_concurrent_vms=10), vm)
    return schedule, vm, spec


def fire(schedule, pipeline, slot=SLOT) -> ScheduleExecution:
    claim = claim_slot(schedule, slot)
    assert claim.status == "running"
    pipeline.advance(claim.execution_id)
    return reread(claim.execution_id)


def reread(execution_id: str) -> ScheduleExecution:
    db.session.expire_all()
    return db.session.get(ScheduleExecution, execution_id)


def entry(execution) -> dict:
    (only,) = execution.execution_details["vms"]
    return only


def jobs_of(vm) -> list[ReplicationJob]:
    db.session.expire_all()
    return db.session.scalars(select(ReplicationJob).where(ReplicationJob.vm_context_id == vm.context_id)).all()


def test_the_os_category_reaches_the_oma_and_stays_on_the_vm(app, pipelines):
    # The OMA overwrites the context's os_type with the request's (migration.go:465-489).
    sim = twin(app)
    try:
        schedule, vm, spec = managed("pgtest1")
        assert spec["os_type"] == "" and spec["guest_os"] == "linux"
        execution = fire(schedule, pipelines())
        assert entry(execution)["outcome"] == "running"
        assert db.session.get(VMReplicationContext, vm.context_id).os_type == "linux"
    finally:
        sim.stop()


def test_a_45_second_synchronous_start_is_neither_failed_nor_sent_twice(app, pipelines):
    # The real POST answers after volumes are created and attached (migration.go:124-251).
    sim = twin(app, provision_seconds=45)
    try:
        schedule, vm, _ = managed("pgtest1", retry_attempts=3, retry_delay_minutes=1)
        started = time.monotonic()
        execution = fire(schedule, pipelines())
        assert time.monotonic() - started >= 40
        assert (entry(execution)["outcome"], execution.status) == ("running", "running")
        assert [job.status for job in jobs_of(vm)] == ["replicating"]
    finally:
        sim.stop()


def test_a_start_whose_answer_is_lost_is_followed_through_the_job_row_not_failed_or_resent(app, pipelines):
    # The client gives up first; the OMA carries on (replication.go:378 context.Background).
    sim = twin(app, provision_seconds=4)
    try:
        schedule, vm, _ = managed("pgtest1", retry_attempts=3, retry_delay_minutes=1)
        pipeline = pipelines(OMA_REPLICATION_TIMEOUT=1, SCHEDULER_DISPATCH_GRACE_SECONDS=60)
        execution = fire(schedule, pipeline)
        assert entry(execution)["outcome"] == "dispatching" and entry(execution)["unanswered_at"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and entry(reread(execution.id))["outcome"] != "running":
            time.sleep(0.5)
            pipeline.advance(execution.id)
        execution = reread(execution.id)
        (job,) = jobs_of(vm)
        assert entry(execution)["outcome"] == "running" and entry(execution)["job_id"] == job.id
        assert db.session.scalars(select(ScheduleExecution).where(ScheduleExecution.triggered_by == "retry")).all() \
            == []
    finally:
        sim.stop()


def test_a_setup_failed_half_way_settles_its_execution_frees_the_vm_and_a_later_slot_fires(app, pipelines):
    # A failing phase leaves the row at its step or replication_failed, current_job_id set (migration.go:141-225).
    sim = twin(app, setup_failure_rate=1)
    try:
        schedule, vm, _ = managed("pgtest1", skip_if_running=True, retry_attempts=0)
        pipeline = pipelines(SCHEDULER_DISPATCH_GRACE_SECONDS=60)
        execution = fire(schedule, pipeline)
        (job,) = jobs_of(vm)
        assert job.status in (*SETUP_REPLICATION_STATUSES, "replication_failed")
        assert db.session.get(VMReplicationContext, vm.context_id).current_job_id == job.id
        if job.status != "replication_failed":  # stuck at its step: a phantom once it has not moved for 30 minutes
            db.session.execute(update(ReplicationJob).where(ReplicationJob.id == job.id)
                               .values(updated_at=utcnow() - timedelta(minutes=31)))
            db.session.commit()
            assert detect_phantoms(pipeline.vma, utcnow()) == [(job.id, "setup_stuck")]
        pipeline.advance(execution.id)
        execution = reread(execution.id)
        assert (execution.status, entry(execution)["outcome"]) == ("failed", "failed")
        assert db.session.get(VMReplicationContext, vm.context_id).current_job_id is None

        sim.appliance.oma_app.settings = dataclasses.replace(sim.appliance.oma_app.settings, failure_rate=0)
        later = fire(schedule, pipeline, slot=SLOT + timedelta(days=1))
        assert entry(later)["outcome"] == "running"
    finally:
        sim.stop()


def test_a_job_the_vma_is_still_copying_is_never_called_a_phantom(app, pipelines):
    sim = twin(app)
    try:
        schedule, vm, _ = managed("pgtest1")
        pipeline = pipelines()
        fire(schedule, pipeline)
        (job,) = jobs_of(vm)
        # The row stops moving (an OMA without its poller, or one following ten other jobs).
        quiet_since = utcnow() - timedelta(hours=3)
        db.session.execute(update(ReplicationJob).where(ReplicationJob.id == job.id)
                           .values(updated_at=quiet_since, started_at=quiet_since, progress_percent=0))
        db.session.commit()
        assert pipeline.vma.job_progress(job.id).state == "found"
        assert detect_phantoms(pipeline.vma, utcnow()) == []
        assert jobs_of(vm)[0].status == "replicating"
    finally:
        sim.stop()


def test_a_409_is_an_active_job_skip_and_a_vm_held_by_an_ended_job_is_not_blocked_for_good(app, pipelines):
    # The OMA refuses while current_job_id is set, whatever that job's status (replication.go:310-315),
    # and only its completion step clears it: a job another tool ended leaves the VM held.
    sim = twin(app)
    try:
        schedule, vm, _ = managed("pgtest1", retry_attempts=3, retry_delay_minutes=1)
        ended = make_replication_job(vm, status="failed", completed_at=utcnow())
        vm.current_job_id = ended.id
        db.session.commit()
        pipeline = pipelines()
        held = fire(schedule, pipeline)
        assert (entry(held)["outcome"], entry(held)["reason"]) == ("skipped", "active_job")
        assert held.status == "completed" and held.jobs_failed == 0
        assert db.session.scalars(select(ScheduleExecution).where(ScheduleExecution.triggered_by == "retry")).all() \
            == []

        detect_phantoms(pipeline.vma, utcnow())  # the periodic scan releases VMs held by ended jobs
        assert db.session.get(VMReplicationContext, vm.context_id).current_job_id is None
        freed = fire(schedule, pipeline, slot=SLOT + timedelta(days=1))
        assert entry(freed)["outcome"] == "running"
    finally:
        sim.stop()


def test_a_setup_failure_warns_the_console_in_plain_words_and_keeps_the_answer_at_debug(app, pipelines, caplog):
    sim = twin(app, setup_failure_rate=1)
    try:
        schedule, vm, _ = managed("pgtest1", retry_attempts=0)
        pipeline = pipelines(SCHEDULER_DISPATCH_GRACE_SECONDS=60)
        caplog.set_level(logging.DEBUG, logger="scheduler")
        fire(schedule, pipeline)
    finally:
        sim.stop()
    ours = [r for r in caplog.records if r.name.startswith("scheduler")]
    warnings = [r.getMessage() for r in ours if r.levelno >= logging.WARNING]
    assert any("pgtest1" in w for w in warnings), warnings
    for warning in warnings:
        assert "http" not in warning and "/api/" not in warning and find_forbidden(warning) == [], warning
    raw = [r.getMessage() for r in ours if r.levelno == logging.DEBUG and "appliance's answer" in r.getMessage()]
    assert raw and all(find_forbidden(line) for line in raw), raw
