"""What the pipeline sends the OMA and how it reads the answers, per the real appliance's source
(DRDAVIDBANNER/sendense @ 8b7d59b): the request fields the OMA understands, its 409 rule, its
synchronous start that carries on when the caller leaves, and its half-finished setups."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from extensions import db
from models import ReplicationJob, ScheduleExecution, VMReplicationContext, utcnow
from scheduler.contexts import release_context
from scheduler.pipeline import Pipeline
from tests.factories import make_replication_job, make_vm
from tests.support.contract import load_fixture, request_problems
from tests.test_scheduler_pipeline import (SLOT, advance, app_config, appliance, fire, outcomes,  # noqa: F401
                                           pipeline, schedule_with_vms)

pytestmark = pytest.mark.both_dbs


def retries() -> list[ScheduleExecution]:
    return db.session.scalars(select(ScheduleExecution).where(ScheduleExecution.triggered_by == "retry")).all()


def test_the_os_category_discovery_reports_in_guest_os_reaches_the_oma_as_os_type(appliance, pipeline):
    # The real VMA fills guest_os and leaves os_type blank (vma/vmware/client.go:117); the OMA
    # stores os_type and its failover assumes Windows when it is blank (virtio_injection.go:216).
    schedule, _, _ = schedule_with_vms(1)
    fire(schedule, pipeline)
    (request,) = appliance.replication_requests
    assert request["source_vm"]["os_type"] == "linux"
    assert "guest_os" not in request["source_vm"]  # not a field of models.VMInfo


@pytest.mark.parametrize("schedule_type, sent", [("auto", None), ("full", "initial"), ("incremental", "incremental")])
def test_the_replication_type_is_one_the_oma_understands(appliance, pipeline, schedule_type, sent):
    # Only "" triggers the OMA's own detection and only "initial" its pre-flight (replication.go:359-415).
    schedule, _, _ = schedule_with_vms(1, replication_type=schedule_type)
    fire(schedule, pipeline)
    (request,) = appliance.replication_requests
    assert request.get("replication_type") == sent


def test_a_vm_discovery_found_without_disks_is_not_sent_to_the_oma(appliance, pipeline, httpserver):
    # The OMA would write the job row, hold the VM and fail (migration.go:323).
    schedule, _, vms = schedule_with_vms(1)
    httpserver.clear_all_handlers()
    httpserver.expect_request("/api/v1/discover", method="POST").respond_with_json(
        {"vcenter": {"host": "vc"}, "vms": [{"id": "vm-1", "name": vms[0].vm_name, "path": "/DC1/vm/x",
                                              "guest_os": "linux", "num_cpu": 2, "memory_mb": 1024, "disks": []}]})
    execution = fire(schedule, pipeline)
    entry = execution.execution_details["vms"][0]
    assert (entry["outcome"], entry["reason"], entry["retryable"]) == ("failed", "client", False)
    assert "disk" in entry["message"].lower()
    assert appliance.replication_requests == []


def test_a_409_from_the_oma_is_an_active_job_skip_not_a_failure(appliance, pipeline):
    appliance.oma_answer = (409, {"error": "VM has active replication job",
                                  "details": "VM 'web-0' (vm-web-0) already has active job: job-20260101-000000.000-aaaaaa",
                                  "timestamp": "2026-01-01T00:00:00Z"})
    schedule, _, _ = schedule_with_vms(1, retry_attempts=3, retry_delay_minutes=1)
    execution = fire(schedule, pipeline)
    entry = execution.execution_details["vms"][0]
    assert (entry["outcome"], entry["reason"]) == ("skipped", "active_job")
    assert (execution.status, execution.jobs_failed, execution.jobs_skipped) == ("completed", 0, 1)
    assert retries() == []


def test_an_answer_lost_after_the_oma_wrote_its_job_is_adopted_not_failed_nor_sent_twice(appliance, app):
    # A 500 after phase 1 (migration.go:141-225) or a timeout while the OMA carries on
    # (replication.go:378 runs on context.Background): the row names this execution.
    appliance.setup_status = "attaching"
    appliance.oma_answer = (500, {"error": "Failed to start migration workflow", "details": "x", "timestamp": "t"})
    patient = Pipeline(app, "test-host:1:abcd")
    patient.unanswered_grace = timedelta(minutes=5)
    schedule, _, vms = schedule_with_vms(1, retry_attempts=3, retry_delay_minutes=1)
    try:
        execution = fire(schedule, patient)
        assert outcomes(execution) == [("web-0", "running")]
        advance(patient, execution.id)
        db.session.expire_all()
        execution = db.session.get(ScheduleExecution, execution.id)
        assert execution.status == "running" and retries() == []
        assert len(appliance.replication_requests) == 1
        job = db.session.scalars(select(ReplicationJob)).one()
        assert execution.execution_details["vms"][0]["job_id"] == job.id
    finally:
        patient.shutdown()


def test_an_unanswered_request_with_no_job_row_waits_for_the_grace_period_then_fails_and_is_retried(appliance, app):
    appliance.oma_answer = (502, {"error": "bad gateway"})
    patient = Pipeline(app, "test-host:1:abcd")
    patient.unanswered_grace = timedelta(seconds=0.5)
    schedule, _, _ = schedule_with_vms(1, retry_attempts=1, retry_delay_minutes=1)
    try:
        claim_id = fire(schedule, patient).id
        execution = db.session.get(ScheduleExecution, claim_id)
        entry = execution.execution_details["vms"][0]
        assert entry["outcome"] == "dispatching" and entry["unanswered_at"]
        assert "waiting" in entry["message"]
        time.sleep(0.6)
        patient.advance(claim_id)
        db.session.expire_all()
        execution = db.session.get(ScheduleExecution, claim_id)
        entry = execution.execution_details["vms"][0]
        assert (entry["outcome"], entry["reason"], entry["retryable"]) == ("failed", "server", True)
        assert execution.status == "failed" and len(retries()) == 1
        assert len(appliance.replication_requests) == 1
    finally:
        patient.shutdown()


def test_replication_failed_settles_the_execution_releases_the_vm_and_a_later_slot_fires(appliance, pipeline):
    schedule, _, vms = schedule_with_vms(1, skip_if_running=True, retry_attempts=0)
    first = fire(schedule, pipeline)
    job = db.session.scalars(select(ReplicationJob)).one()
    assert db.session.get(VMReplicationContext, vms[0].context_id).current_job_id == job.id
    db.session.execute(update(ReplicationJob).values(status="replication_failed",
                                                     error_message="Failed to create volume: quota exceeded"))
    db.session.commit()
    advance(pipeline, first.id)
    db.session.expire_all()
    first = db.session.get(ScheduleExecution, first.id)
    assert (first.status, outcomes(first)) == ("failed", [("web-0", "failed")])
    context = db.session.get(VMReplicationContext, vms[0].context_id)
    assert (context.current_job_id, context.current_status) == (None, "failed")
    later = fire(schedule, pipeline, slot=SLOT + timedelta(days=1))
    assert outcomes(later) == [("web-0", "running")]


def test_a_run_still_waiting_after_the_execution_timeout_gives_its_schedule_back(appliance, pipeline):
    schedule, _, vms = schedule_with_vms(1, skip_if_running=True)
    first = fire(schedule, pipeline)
    db.session.execute(update(ScheduleExecution).where(ScheduleExecution.id == first.id)
                       .values(started_at=utcnow() - pipeline.execution_timeout - timedelta(minutes=1)))
    db.session.commit()
    advance(pipeline, first.id)
    db.session.expire_all()
    first = db.session.get(ScheduleExecution, first.id)
    entry = first.execution_details["vms"][0]
    assert (first.status, entry["outcome"], entry["reason"]) == ("failed", "failed", "execution_timeout")
    assert retries() == []


def test_a_context_is_recomputed_like_the_omas_completion_step(app):
    vm = make_vm()
    older = make_replication_job(vm, status="completed", created_at=utcnow() - timedelta(days=1))
    newest = make_replication_job(vm, status="failed", created_at=utcnow())
    vm.current_job_id = newest.id
    db.session.commit()
    assert release_context(vm.context_id) is True
    db.session.expire_all()
    context = db.session.get(VMReplicationContext, vm.context_id)
    assert (context.current_job_id, context.current_status, context.last_successful_job_id,
            context.total_jobs_run, context.successful_jobs, context.failed_jobs) == \
        (None, "failed", older.id, 2, 1, 1)
    assert release_context(vm.context_id) is False  # nothing left to change


def test_the_replication_request_decodes_into_the_real_struct_with_nothing_dropped(appliance, pipeline):
    # CreateMigrationRequest / models.VMInfo (oma/api/handlers/replication.go:41-66): no key the
    # OMA would drop, no JSON type it would refuse.
    schedule, _, _ = schedule_with_vms(1)
    fire(schedule, pipeline)
    (request,) = appliance.replication_requests
    assert request_problems(request, load_fixture("oma_replication_201")) == ([], [])


def test_a_login_that_fails_is_a_failure_at_once_not_a_request_waiting_for_its_job(app, appliance, httpserver):
    # The replication request was never sent: there is no job row to wait for.
    httpserver.expect_request("/api/v1/auth/login", method="POST").respond_with_json({"error": "down"}, status=503)
    app.config["OMA_LOGIN_TOKEN"] = "appliance-login-token"
    patient = Pipeline(app, "test-host:1:abcd")
    patient.unanswered_grace = timedelta(minutes=5)
    schedule, _, _ = schedule_with_vms(1, retry_attempts=1, retry_delay_minutes=1)
    try:
        execution = fire(schedule, patient)
        entry = execution.execution_details["vms"][0]
        assert (entry["outcome"], entry["reason"], entry["retryable"]) == ("failed", "server", True)
        assert "unanswered_at" not in entry and appliance.replication_requests == []
        assert execution.status == "failed" and len(retries()) == 1
    finally:
        patient.shutdown()
