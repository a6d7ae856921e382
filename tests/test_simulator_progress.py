"""Simulated replications advance with a clock the tests drive: no sleeping."""
from __future__ import annotations

from datetime import timedelta

import pytest

from extensions import db
from models import ReplicationJob, VMReplicationContext, utcnow
from sanitizer import find_forbidden
from simulator.inventory import VCENTER_HOST, demo_vm
from simulator.plan import plan_job, state_at
from simulator.progress import ProgressDriver, TickResult
from simulator.raw_errors import REPLICATION_ERRORS
from simulator.replications import decode_request
from simulator.setup import MigrationWorkflow, SetupSettings
from tests.factories import make_replication_job, make_vm
from tests.support.polling import eventually

pytestmark = pytest.mark.both_dbs

SEED = "test"


class Started(dict):
    __getattr__ = dict.__getitem__


def start_job(vm_name: str = "web-01", now=None) -> Started:
    """The simulated OMA's workflow, run directly (no HTTP, no setup time)."""
    vm = demo_vm(vm_name)
    request = decode_request({"source_vm": vm, "ossea_config_id": 1, "vcenter_host": VCENTER_HOST,
                              "datacenter": vm["datacenter"]})
    workflow = MigrationWorkflow(request, SetupSettings(seed=SEED, provision_seconds=0, failure_rate=0),
                                 **({"clock": lambda: now} if now else {}))
    return Started(workflow.run())


def driver(app, failure_rate: float) -> ProgressDriver:
    return ProgressDriver(app, seed=SEED, failure_rate=failure_rate)


def reload(job_id: str) -> ReplicationJob:
    db.session.expire_all()
    return db.session.get(ReplicationJob, job_id)


def test_a_plan_is_the_same_for_the_same_job_in_every_process():
    assert plan_job("job-1", "initial", seed=SEED, failure_rate=0.5) == plan_job("job-1", "initial", seed=SEED,
                                                                                 failure_rate=0.5)


def test_a_demo_replication_takes_one_to_three_minutes():
    durations = [plan_job(f"job-{n}", "incremental", seed=SEED, failure_rate=0).duration_seconds for n in range(200)]
    assert min(durations) >= 60 and max(durations) <= 180


def test_about_one_job_in_eight_fails_at_the_default_rate():
    fails = sum(plan_job(f"job-{n}", "initial", seed=SEED, failure_rate=0.12).fails for n in range(2000))
    assert 0.09 < fails / 2000 < 0.15


def test_progress_never_goes_backwards_and_ends_at_100():
    plan = plan_job("job-x", "initial", seed=SEED, failure_rate=0)
    states = [state_at(plan, second, 10 ** 10, seed=SEED, vm_name="web-01")
              for second in range(0, int(plan.duration_seconds) + 2)]
    progress = [s.percent for s in states]
    assert progress == sorted(progress)
    assert states[-1].status == "Succeeded" and progress[-1] == 100.0
    # The VMA's copy starts with the snapshot (the OMA's setup phases come before it, see
    # test_the_setup_walks_the_real_phases); the phase words are the ones the OMA's poller stores.
    phases = [s.phase for s in states]
    assert phases[0] == "Snapshot Creation"
    assert phases.index("Snapshot Creation") < phases.index("Copying Data") < phases.index("Cleanup") \
        < phases.index("Completed")
    assert [s.stage for s in states if s.phase == "Copying Data"][0] == "Transfer"
    assert [s.bytes_transferred for s in states] == sorted(s.bytes_transferred for s in states)


def test_the_setup_walks_the_real_phases_before_the_copy(app):
    """Before the VMA's copy (which starts at "Snapshot Creation") the OMA's synchronous setup
    writes its own statuses, "initializing" first (migration.go:140-224 [OMA 8b7d59b])."""
    seen = []

    def sleep(_seconds):  # the workflow waits before each status: record the one written last
        seen.append((db.session.execute(db.select(ReplicationJob.status, ReplicationJob.setup_progress_percent)
                                        .where(ReplicationJob.status.is_not(None))).one()))

    vm = demo_vm("web-03")
    request = decode_request({"source_vm": vm, "ossea_config_id": 1, "vcenter_host": VCENTER_HOST,
                              "datacenter": vm["datacenter"]})
    result = MigrationWorkflow(request, SetupSettings(seed=SEED, provision_seconds=1, failure_rate=0),
                               sleep=sleep).run()

    assert [status for status, _percent in seen] == [
        "initializing", "analyzing", "provisioning", "attaching", "configuring", "ready_for_sync"]
    assert [percent for _status, percent in seen] == [10.0, 20.0, 60.0, 70.0, 80.0, 85.0]
    row = reload(result["job_id"])
    assert (result["status"], row.status, row.progress_percent) == ("replicating", "replicating", 0.0)
    assert row.vma_current_phase is None  # the poller writes the VMA's phase words from its first poll on


def test_a_failing_plan_ends_with_a_raw_technical_error():
    plan = plan_job("job-y", "initial", seed=SEED, failure_rate=1.0)
    state = state_at(plan, plan.duration_seconds, 10 ** 10, seed=SEED, vm_name="web-01")
    assert (state.status, state.phase, state.finished) == ("Failed", "Error", True)
    assert state.percent < 100
    assert state.error in {text.format(vm="web-01", disk="disk-2000") for _, text in REPLICATION_ERRORS}
    assert find_forbidden(state.error)  # raw on purpose: the dashboard must sanitize it


def test_a_tick_moves_a_running_job_along_its_plan(app):
    started = utcnow()
    job = start_job(now=started)
    progress = driver(app, 0.0)

    progress.tick(started + timedelta(seconds=45))
    midway = reload(job.job_id)
    assert midway.status == "replicating"
    assert 0 < midway.progress_percent < 100
    assert 0 < midway.bytes_transferred < midway.total_bytes
    assert midway.vma_current_phase == "Copying Data" and midway.current_operation
    assert midway.vma_throughput_mbps > 0 and midway.vma_eta_seconds > 0
    progress_at_45s = midway.progress_percent

    progress.tick(started + timedelta(seconds=80))
    assert reload(job.job_id).progress_percent > progress_at_45s


def test_one_tick_advances_every_running_job(app):
    started = utcnow()
    jobs = [start_job(name, now=started) for name in ("web-01", "web-02", "web-03")]

    result = driver(app, 0.0).tick(started + timedelta(seconds=45))

    assert result.advanced == 3
    assert all(reload(job.job_id).progress_percent > 0 for job in jobs)


def test_a_job_ended_by_someone_else_is_not_moved_again(app):
    started = utcnow()
    job = start_job("web-04", now=started)
    row = reload(job.job_id)
    row.status, row.error_message = "failed", "phantom: not found by the VMA"
    db.session.commit()

    result = driver(app, 0.0).tick(started + timedelta(minutes=4))

    assert result == TickResult()
    assert (reload(job.job_id).status, reload(job.job_id).progress_percent) == ("failed", 0.0)


def test_a_completed_job_makes_its_vm_ready_for_failover(app):
    started = utcnow()
    job = start_job("pgtest1", now=started)

    result = driver(app, 0.0).tick(started + timedelta(minutes=4))

    assert result.completed == 1
    done = reload(job.job_id)
    assert (done.status, done.progress_percent, done.bytes_transferred) == ("completed", 100.0, done.total_bytes)
    assert done.completed_at is not None
    context = db.session.get(VMReplicationContext, done.vm_context_id)
    assert context.current_status == "ready_for_failover"
    assert (context.successful_jobs, context.failed_jobs, context.last_successful_job_id) == (1, 0, job.job_id)


def test_a_failed_job_keeps_its_raw_error_and_counts_on_its_vm(app):
    started = utcnow()
    job = start_job("sql-01", now=started)

    result = driver(app, 1.0).tick(started + timedelta(minutes=4))

    assert result.failed == 1
    failed = reload(job.job_id)
    assert failed.status == "failed" and failed.progress_percent < 100
    assert failed.error_message and failed.vma_error_classification
    context = db.session.get(VMReplicationContext, failed.vm_context_id)
    assert (context.current_status, context.failed_jobs, context.successful_jobs) == ("failed", 1, 0)


def test_two_processes_finishing_the_same_job_count_it_once(app):
    started = utcnow()
    job = start_job("app-01", now=started)
    later = started + timedelta(minutes=4)

    first = driver(app, 0.0).tick(later)
    second = driver(app, 0.0).tick(later)

    assert (first.completed, second.completed) == (1, 0)
    assert db.session.get(VMReplicationContext, reload(job.job_id).vm_context_id).successful_jobs == 1


def test_a_job_the_simulator_did_not_start_is_left_alone(app):
    job = make_replication_job(make_vm(), status="replicating", progress_percent=0.0)

    driver(app, 0.0).tick(utcnow() + timedelta(hours=1))

    assert (reload(job.id).status, reload(job.id).progress_percent) == ("replicating", 0.0)


def test_the_next_replication_after_a_success_is_incremental(app):
    started = utcnow()
    first = start_job("web-02", now=started)
    driver(app, 0.0).tick(started + timedelta(minutes=4))
    second = start_job("web-02", now=started + timedelta(minutes=5))
    # The OMA's answer does not say the type: the job rows do (and the VMA's CBT sync type).
    first_row, second_row = reload(first.job_id), reload(second.job_id)
    assert (first_row.replication_type, second_row.replication_type) == ("initial", "incremental")
    assert (first_row.vma_sync_type, second_row.vma_sync_type) == ("full", "incremental")
    assert first.created_volumes and not second.created_volumes  # an incremental reuses the volumes
    assert second_row.total_bytes < first_row.total_bytes


@pytest.mark.parametrize("failure_rate", [0.0, 1.0])
def test_the_background_thread_ticks_on_its_own(app, failure_rate):
    started = utcnow() - timedelta(minutes=10)
    job = start_job("app-02", now=started)
    progress = ProgressDriver(app, seed=SEED, failure_rate=failure_rate, interval_seconds=0.05)
    progress.start()
    try:
        # A long timeout: a loaded CI machine may run the thread seldom.
        eventually(lambda: reload(job.job_id).status != "replicating", "the job finished", 60, 0.05)
    finally:
        progress.stop()
    assert reload(job.job_id).status == ("completed" if failure_rate == 0.0 else "failed")
