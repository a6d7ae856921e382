"""Simulated failovers and rollbacks: JobLog jobs with steps and logs, and a sanitized summary."""
from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import select

from extensions import db
from joblog import get_tracker
from models import JobStep, JobTracking, LogEvent, VMReplicationContext
from jobs.progress import job_logs
from sanitizer import find_forbidden, step_display_name
from sanitizer.loglines import log_line_words
from simulator.failover import STEP_STARTED, STEPS, FailoverRefused, run_operation, step_done_line
from simulator.failover import OPERATIONS as OPERATION_TYPES
from tests.factories import make_replication_job, make_vm

pytestmark = pytest.mark.both_dbs

SUMMARY_KEYS = {"job_id", "external_job_id", "operation_type", "status", "progress", "timestamp", "steps_completed",
                "steps_total", "duration_seconds"}
FAILURE_KEYS = {"failed_step", "failed_step_internal", "error_message", "error_category", "error_severity",
                "actionable_steps"}


def ready_vm(name: str = "win-app-01", os_type: str = "windows") -> VMReplicationContext:
    vm = make_vm(name, os_type=os_type, current_status="ready_for_failover")
    job = make_replication_job(vm, status="completed")
    vm.last_successful_job_id = job.id
    db.session.commit()
    return vm


def steps_of(job_id: str) -> list[JobStep]:
    return list(db.session.scalars(select(JobStep).where(JobStep.job_id == job_id).order_by(JobStep.seq)))


def context(context_id: str) -> VMReplicationContext:
    db.session.expire_all()
    return db.session.get(VMReplicationContext, context_id)


def operator_facing(summary: dict) -> dict:
    """Everything of the summary an operator reads (the internal step name is for administrators)."""
    return {key: value for key, value in summary.items() if key != "failed_step_internal"}


def test_a_test_failover_runs_every_step_and_leaves_the_vm_failed_over(app):
    vm = ready_vm()

    outcome = run_operation(vm.context_id, "test_failover")

    assert outcome.status == "completed"
    job = db.session.get(JobTracking, outcome.job_id)
    assert (job.job_type, job.job_category, job.context_id, job.status) == ("failover", "failover", vm.context_id,
                                                                           "completed")
    assert job.external_job_id.startswith("unified-test-failover-win-app-01-")
    assert [s.name for s in steps_of(job.id)] == list(STEPS["test_failover"])
    assert {s.status for s in steps_of(job.id)} == {"completed"}
    assert context(vm.context_id).current_status == "failed_over_test"


def test_every_step_writes_its_logs_with_the_job_and_step_ids(app):
    vm = ready_vm()
    outcome = run_operation(vm.context_id, "live_failover")
    get_tracker().log_handler.flush()

    events = list(db.session.scalars(select(LogEvent).where(LogEvent.job_id == outcome.job_id)))
    step_ids = {s.id for s in steps_of(outcome.job_id)}
    assert events
    assert {e.step_id for e in events} == step_ids
    assert {e.external_job_id for e in events} == {outcome.external_job_id}


def test_a_linux_vm_skips_driver_injection_with_the_reason(app):
    vm = ready_vm("pg-test-01", os_type="linux")
    outcome = run_operation(vm.context_id, "test_failover")
    skipped = [s for s in steps_of(outcome.job_id) if s.status == "skipped"]
    assert [s.name for s in skipped] == ["virtio-driver-injection"]
    assert skipped[0].error_message
    assert outcome.summary["steps_completed"] == outcome.summary["steps_total"]


def test_a_failing_step_keeps_the_raw_error_in_joblog_and_a_sanitized_summary_on_the_vm(app):
    vm = ready_vm()

    outcome = run_operation(vm.context_id, "test_failover", fail_at="virtio-driver-injection", rng=random.Random(1))

    assert (outcome.status, outcome.failed_step) == ("failed", "virtio-driver-injection")
    failed = [s for s in steps_of(outcome.job_id) if s.status == "failed"]
    assert [s.name for s in failed] == ["virtio-driver-injection"]
    assert find_forbidden(failed[0].error_message)  # the raw text stays for administrators
    summary = context(vm.context_id).last_operation_summary
    assert set(summary) == SUMMARY_KEYS | FAILURE_KEYS
    assert summary["failed_step"] == "Preparing Drivers for Compatibility"
    assert summary["failed_step_internal"] == "virtio-driver-injection"
    assert summary["error_message"] and summary["actionable_steps"]
    assert summary["error_category"] in ("compatibility", "configuration", "storage")
    assert (summary["steps_completed"], summary["steps_total"]) == (2, len(STEPS["test_failover"]))
    assert find_forbidden(repr(operator_facing(summary))) == []
    assert context(vm.context_id).current_status == "ready_for_failover"


@pytest.mark.parametrize("operation, step", [(op, step) for op, steps in STEPS.items() for step in steps])
def test_no_failing_step_leaks_technical_words_into_the_summary(app, operation, step):
    vm = ready_vm()
    if operation == "rollback":
        vm.current_status = "failed_over_test"
        db.session.commit()

    outcome = run_operation(vm.context_id, operation, fail_at=step, rng=random.Random(3))

    assert (outcome.status, outcome.failed_step) == ("failed", step)
    assert find_forbidden(repr(operator_facing(context(vm.context_id).last_operation_summary))) == []


def test_a_completed_summary_has_no_error_fields(app):
    vm = ready_vm()
    outcome = run_operation(vm.context_id, "test_failover")
    summary = context(vm.context_id).last_operation_summary
    assert set(summary) == SUMMARY_KEYS
    assert (summary["status"], summary["progress"], summary["job_id"]) == ("completed", 100, outcome.job_id)
    assert summary["operation_type"] in OPERATION_TYPES


def test_a_rollback_brings_a_test_failover_back_to_ready(app):
    vm = ready_vm()
    run_operation(vm.context_id, "test_failover")

    outcome = run_operation(vm.context_id, "rollback")

    job = db.session.get(JobTracking, outcome.job_id)
    assert (job.job_type, job.status) == ("cleanup", "completed")
    assert job.external_job_id.startswith("unified-rollback-win-app-01-")
    assert [s.name for s in steps_of(job.id)] == list(STEPS["rollback"])
    assert context(vm.context_id).current_status == "ready_for_failover"
    assert context(vm.context_id).last_operation_summary["operation_type"] == "rollback"


def test_a_failed_rollback_leaves_the_vm_needing_cleanup(app):
    vm = ready_vm()
    run_operation(vm.context_id, "test_failover")
    run_operation(vm.context_id, "rollback", fail_at="test-vm-deletion")
    assert context(vm.context_id).current_status == "cleanup_required"


def test_a_live_failover_leaves_the_vm_failed_over_live(app):
    vm = ready_vm()
    run_operation(vm.context_id, "live_failover")
    assert context(vm.context_id).current_status == "failed_over_live"


def test_a_vm_still_replicating_fails_validation_and_keeps_its_status(app):
    vm = ready_vm()
    make_replication_job(vm, status="replicating")

    outcome = run_operation(vm.context_id, "test_failover")

    assert (outcome.status, outcome.failed_step) == ("failed", "validation")
    assert [s.name for s in steps_of(outcome.job_id)] == ["validation"]
    assert outcome.summary["error_category"] == "configuration"
    assert context(vm.context_id).current_status == "ready_for_failover"


def test_a_rollback_of_a_vm_that_is_not_failed_over_fails_validation(app):
    vm = ready_vm()
    outcome = run_operation(vm.context_id, "rollback")
    assert outcome.status == "failed"
    assert context(vm.context_id).current_status == "ready_for_failover"


@pytest.mark.parametrize("arguments, message", [
    (("no-such-context", "test_failover"), "does not exist"),
    ((None, "teleport"), "operation must be one of"),
    ((None, "test_failover", "final-sync"), "fail_at must be one of"),
])
def test_an_impossible_request_is_refused_before_anything_is_recorded(app, arguments, message):
    vm = ready_vm()
    context_id, operation, *fail_at = arguments
    with pytest.raises(FailoverRefused, match=message):
        run_operation(context_id or vm.context_id, operation, fail_at=fail_at[0] if fail_at else None)
    assert db.session.scalar(select(JobTracking.id)) is None


_DOUBLED = re.compile(r"\b(\w+)\b\W+\b\1\b", re.I)


def test_every_steps_lines_read_without_a_doubled_word(app):
    """The displayed lines of each step (its name replaced by its display name) never say
    "Starting Starting and Validating VM"; the closing line names no step ("replication
    complete" read as "Data Replication complete")."""
    for step in sorted({step for steps in STEPS.values() for step in steps}):
        shown = step_display_name(step)
        started = log_line_words(STEP_STARTED % (step, "web-03"))
        assert started == f"{shown}: started for web-03"
        done = log_line_words(step_done_line(step) % "web-03")
        for line in (started, done):
            assert not _DOUBLED.search(line), line
        assert done == step_done_line(step) % "web-03", f"{step}: a word of its closing line reads as a step name"


def test_a_failover_shows_its_steps_starting_in_plain_words(app):
    vm = ready_vm("web-03")
    outcome = run_operation(vm.context_id, "test_failover")
    get_tracker().log_handler.flush()
    messages = [line["message"] for line in job_logs(outcome.job_id, limit=500)["logs"]]
    assert "Starting and Validating VM: started for web-03" in messages
    assert not [m for m in messages if _DOUBLED.search(m)], messages
