"""Tracker: job and step lifecycle, progress, parent/child jobs and metadata, as stored."""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from joblog import InvalidJobField, JobNotFound, StepFailure, get_tracker
from tests.support.joblog_rows import child_ids, stored_job, stored_job_count, stored_logs, stored_steps

pytestmark = pytest.mark.both_dbs

EXTERNAL_ID = "unified-live-failover-pgtest2-1758553933"


@pytest.fixture(autouse=True)
def tracker(app):
    tracker = get_tracker()
    yield tracker
    tracker.close()


def is_uuid(value: str) -> bool:
    return str(uuid.UUID(value)) == value


def job(tracker, job_id):
    return stored_job(tracker.engine, job_id)


def steps(tracker, job_id):
    return stored_steps(tracker.engine, job_id)


# -- jobs --------------------------------------------------------------------------------------

def test_start_job_records_a_running_job_with_every_field_given(tracker):
    job_id = tracker.start_job("failover", "test-failover", owner="operator", metadata={"vm_name": "pgtest2"},
                               context_id="ctx-pgtest2", external_job_id=EXTERNAL_ID, job_category="failover")
    stored = job(tracker, job_id)
    assert is_uuid(job_id)
    assert (stored.job_type, stored.operation, stored.status, stored.owner, stored.metadata, stored.context_id,
            stored.external_job_id, stored.job_category, stored.parent_job_id) == (
        "failover", "test-failover", "running", "operator", {"vm_name": "pgtest2"}, "ctx-pgtest2",
        EXTERNAL_ID, "failover", None)
    assert stored.started_at is not None and stored.completed_at is None


def test_a_job_can_start_pending(tracker):
    job_id = tracker.start_job("scheduler", "execute-schedule", status="pending")
    assert job(tracker, job_id).status == "pending"


def test_a_new_job_defaults_to_the_system_category(tracker):
    assert job(tracker, tracker.start_job("discovery", "discover")).job_category == "system"


def test_completing_a_job_sets_its_completion_time_and_full_progress(tracker):
    job_id = tracker.start_job("cleanup", "rollback")
    assert tracker.end_job(job_id, "completed") is True
    stored = job(tracker, job_id)
    assert (stored.status, stored.percent_complete, stored.error_message) == ("completed", 100, None)
    assert stored.completed_at is not None and stored.canceled_at is None


def test_failing_a_job_stores_the_exception_message(tracker):
    job_id = tracker.start_job("failover", "live-failover")
    tracker.end_job(job_id, "failed", RuntimeError("virt-v2v exited with status 1"))
    stored = job(tracker, job_id)
    assert (stored.status, stored.error_message) == ("failed", "virt-v2v exited with status 1")


def test_an_exception_without_a_message_is_stored_by_its_name(tracker):
    job_id = tracker.start_job("failover", "live-failover")
    tracker.end_job(job_id, "failed", TimeoutError())
    assert job(tracker, job_id).error_message == "TimeoutError"


def test_cancelling_a_job_sets_canceled_at(tracker):
    job_id = tracker.start_job("failover", "test-failover")
    tracker.end_job(job_id, "cancelled", "operator cancelled")
    stored = job(tracker, job_id)
    assert (stored.status, stored.error_message) == ("cancelled", "operator cancelled")
    assert stored.canceled_at is not None


def test_the_first_end_of_a_job_wins(tracker):
    job_id = tracker.start_job("failover", "test-failover")
    assert tracker.end_job(job_id, "cancelled") is True
    assert tracker.end_job(job_id, "completed") is False
    assert job(tracker, job_id).status == "cancelled"


def test_ending_an_unknown_job_raises_job_not_found(tracker):
    with pytest.raises(JobNotFound):
        tracker.end_job("no-such-job", "completed")


def test_a_job_cannot_end_with_a_status_that_is_not_final(tracker):
    job_id = tracker.start_job("failover", "test-failover")
    with pytest.raises(InvalidJobField, match="^status:"):
        tracker.end_job(job_id, "running")


def test_the_job_block_completes_the_job_on_normal_exit(tracker):
    with tracker.job("cleanup", "rollback") as job_id:
        assert job(tracker, job_id).status == "running"
    assert job(tracker, job_id).status == "completed"


def test_the_job_block_records_the_exception_and_re_raises_it(tracker):
    with pytest.raises(ConnectionError, match="OMA unreachable"):
        with tracker.job("failover", "live-failover") as job_id:
            raise ConnectionError("OMA unreachable")
    stored = job(tracker, job_id)
    assert (stored.status, stored.error_message) == ("failed", "OMA unreachable")


def test_a_job_cancelled_inside_its_block_stays_cancelled(tracker):
    with tracker.job("failover", "test-failover") as job_id:
        tracker.end_job(job_id, "cancelled")
    assert job(tracker, job_id).status == "cancelled"


@pytest.mark.parametrize("kwargs, field", [
    ({"job_type": "replication"}, "job_type"),
    ({"job_category": "everything"}, "job_category"),
    ({"status": "completed"}, "status"),
    ({"operation": "  "}, "operation"),
    ({"operation": "x" * 101}, "operation"),
    ({"owner": "o" * 101}, "owner"),
    ({"external_job_id": "e" * 65}, "external_job_id"),
    ({"context_id": "c" * 65}, "context_id"),
    ({"parent_job_id": 42}, "parent_job_id"),
])
def test_a_job_with_an_invalid_field_is_refused_naming_the_field(tracker, kwargs, field):
    arguments = {"job_type": "failover", "operation": "test-failover", **kwargs}
    with pytest.raises(InvalidJobField) as raised:
        tracker.start_job(arguments.pop("job_type"), arguments.pop("operation"), **arguments)
    assert raised.value.field == field
    assert stored_job_count(tracker.engine) == 0


# -- steps -------------------------------------------------------------------------------------

def test_steps_are_numbered_in_order_within_each_job(tracker):
    first, second = tracker.start_job("failover", "a"), tracker.start_job("failover", "b")
    for name in ("validate", "snapshot", "convert"):
        with tracker.step(first, name):
            pass
    with tracker.step(second, "validate"):
        pass
    assert [(s.seq, s.name) for s in steps(tracker, first)] == [
        (1, "validate"), (2, "snapshot"), (3, "convert")]
    assert [s.seq for s in steps(tracker, second)] == [1]


def test_the_step_block_runs_the_step_and_completes_it(tracker):
    job_id = tracker.start_job("failover", "test-failover")
    with tracker.step(job_id, "vm-validation", metadata={"vm_id": "vm-12345"}) as step_id:
        [running] = steps(tracker, job_id)
        assert (running.id, running.status, running.completed_at) == (step_id, "running", None)
    [step] = steps(tracker, job_id)
    assert (step.status, step.metadata, step.error_message) == ("completed", {"vm_id": "vm-12345"}, None)
    assert step.completed_at >= step.started_at


def test_the_step_block_records_the_failure_and_re_raises_it(tracker):
    job_id = tracker.start_job("failover", "test-failover")
    with pytest.raises(OSError, match="no space left"):
        with tracker.step(job_id, "multi-volume-snapshot-creation"):
            raise OSError("no space left on device")
    [step] = steps(tracker, job_id)
    assert (step.status, step.error_message) == ("failed", "no space left on device")
    assert job(tracker, job_id).status == "running"  # the caller decides what a failed step means


def test_a_failed_step_writes_an_error_log_event_for_that_step(tracker):
    job_id = tracker.start_job("failover", "test-failover")
    with pytest.raises(OSError):
        with tracker.step(job_id, "multi-volume-snapshot-creation") as step_id:
            raise OSError("no space left on device")
    tracker.log_handler.flush()
    [entry] = stored_logs(tracker.engine, job_id)
    assert (entry.level, entry.step_id) == ("ERROR", step_id)
    assert "no space left on device" in entry.message and "OSError" in entry.attrs["exception"]


def test_a_deliberate_step_failure_is_recorded_and_logged_without_a_traceback(tracker):
    job_id = tracker.start_job("failover", "test-failover")
    with pytest.raises(StepFailure):
        with tracker.step(job_id, "virtio-driver-injection") as step_id:
            raise StepFailure("virt-v2v-in-place: error: libguestfs error")
    tracker.log_handler.flush()
    [entry] = stored_logs(tracker.engine, job_id)
    [step] = steps(tracker, job_id)
    assert (step.status, step.error_message) == ("failed", "virt-v2v-in-place: error: libguestfs error")
    assert (entry.level, entry.step_id) == ("ERROR", step_id)
    assert "libguestfs error" in entry.message and "exception" not in (entry.attrs or {})


def test_a_step_that_fails_inside_a_job_block_fails_the_job_too(tracker):
    with pytest.raises(RuntimeError):
        with tracker.job("failover", "live-failover") as job_id:
            with tracker.step(job_id, "virtio-driver-injection"):
                raise RuntimeError("injection failed")
    assert job(tracker, job_id).status == "failed"
    assert [s.status for s in steps(tracker, job_id)] == ["failed"]


def test_an_interrupt_inside_a_step_is_recorded_and_still_raised(tracker):
    job_id = tracker.start_job("failover", "test-failover")
    with pytest.raises(KeyboardInterrupt):
        with tracker.step(job_id, "copy"):
            raise KeyboardInterrupt
    assert [(s.status, s.error_message) for s in steps(tracker, job_id)] == [
        ("failed", "KeyboardInterrupt")]


def test_run_step_returns_what_the_function_returns(tracker):
    job_id = tracker.start_job("failover", "test-failover")
    assert tracker.run_step(job_id, "sum", lambda a, b=0: a + b, 2, b=3) == 5
    assert [s.status for s in steps(tracker, job_id)] == ["completed"]


def test_run_step_records_a_failure_and_re_raises_it(tracker):
    job_id = tracker.start_job("failover", "test-failover")

    def explode():
        raise LookupError("volume missing")

    with pytest.raises(LookupError):
        tracker.run_step(job_id, "volume-attach", explode)
    assert [(s.status, s.error_message) for s in steps(tracker, job_id)] == [
        ("failed", "volume missing")]


def test_a_skipped_step_is_recorded_with_its_reason(tracker):
    job_id = tracker.start_job("failover", "test-failover")
    step_id = tracker.skip_step(job_id, "power-off-source", "VM already powered off")
    [step] = steps(tracker, job_id)
    assert (step.id, step.status, step.error_message) == (step_id, "skipped", "VM already powered off")
    assert step.completed_at is not None


def test_a_step_can_be_started_and_ended_by_hand(tracker):
    job_id = tracker.start_job("failover", "test-failover")
    step_id = tracker.start_step(job_id, "vm-validation")
    assert tracker.end_step(step_id, "failed", "VM is locked") is True
    assert tracker.end_step(step_id, "completed") is False
    assert [(s.status, s.error_message) for s in steps(tracker, job_id)] == [("failed", "VM is locked")]


def test_a_step_of_an_unknown_job_raises_job_not_found(tracker):
    with pytest.raises(JobNotFound):
        with tracker.step("no-such-job", "validate"):
            pass


def test_a_step_needs_a_name_of_at_most_200_characters(tracker):
    job_id = tracker.start_job("failover", "test-failover")
    for name in ("", "n" * 201):
        with pytest.raises(InvalidJobField, match="^name:"):
            tracker.skip_step(job_id, name, "reason")


def test_steps_started_from_many_threads_get_distinct_numbers(tracker):
    job_id = tracker.start_job("bulk-operations", "bulk-add")
    start = threading.Barrier(8)
    errors = []

    def add_step(n):
        start.wait()
        try:
            tracker.skip_step(job_id, f"vm-{n}", "test")
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=add_step, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(s.seq for s in steps(tracker, job_id)) == list(range(1, 9))


# -- progress ----------------------------------------------------------------------------------

@pytest.mark.parametrize("percent, stored", [(42, 42), (66.6, 67), (-5, 0), (250, 100)])
def test_progress_is_stored_clamped_to_0_to_100(tracker, percent, stored):
    job_id = tracker.start_job("failover", "test-failover")
    assert tracker.mark_progress(job_id, percent) is True
    assert job(tracker, job_id).percent_complete == stored


@pytest.mark.parametrize("percent", ["50", None, float("nan"), True])
def test_progress_must_be_a_number(tracker, percent):
    job_id = tracker.start_job("failover", "test-failover")
    with pytest.raises(InvalidJobField, match="^percent:"):
        tracker.mark_progress(job_id, percent)


def test_progress_of_a_finished_job_is_left_alone(tracker):
    job_id = tracker.start_job("failover", "test-failover")
    tracker.end_job(job_id, "failed", "stopped")
    assert tracker.mark_progress(job_id, 10) is False
    assert job(tracker, job_id).percent_complete is None


def test_progress_of_an_unknown_job_raises_job_not_found(tracker):
    with pytest.raises(JobNotFound):
        tracker.mark_progress("no-such-job", 10)


# -- parent and child jobs -----------------------------------------------------------------------

def test_a_job_started_inside_another_job_is_its_child(tracker):
    with tracker.job("scheduler", "execute-schedule") as parent_id:
        first = tracker.start_job("failover", "test-failover")
        with tracker.job("cleanup", "rollback") as second:
            grandchild = tracker.start_job("cleanup", "detach-volumes")
    assert job(tracker, first).parent_job_id == parent_id
    assert child_ids(tracker.engine, parent_id) == {first, second}
    assert child_ids(tracker.engine, second) == {grandchild}


def test_an_explicit_parent_wins_over_the_current_job(tracker):
    other = tracker.start_job("scheduler", "execute-schedule")
    with tracker.job("bulk-operations", "bulk-add"):
        child = tracker.start_job("discovery", "discover", parent_job_id=other)
    assert job(tracker, child).parent_job_id == other


def test_a_job_outside_any_job_has_no_parent(tracker):
    with tracker.job("scheduler", "execute-schedule"):
        pass
    assert job(tracker, tracker.start_job("discovery", "discover")).parent_job_id is None


def test_an_unknown_parent_raises_job_not_found(tracker):
    with pytest.raises(JobNotFound):
        tracker.start_job("discovery", "discover", parent_job_id="no-such-job")


# -- metadata ----------------------------------------------------------------------------------

@dataclass
class DiskSpec:
    label: str
    size_gb: Decimal


def test_metadata_is_stored_as_json_whatever_python_types_it_holds(tracker):
    when = datetime(2025, 9, 22, 14, 12, 13, tzinfo=timezone.utc)
    ident = uuid.UUID("e8f15a6d-c5f4-4d69-af72-194b96a0c7fb")
    metadata = {"vm_config": {"cpu_count": 4, "memory_gb": Decimal("16"), "ratio": Decimal("0.25")},
                "when": when, "job_uuid": ident, "vlans": {200, 100}, "interfaces": ("eth0", "eth1"),
                "disk": DiskSpec("Hard disk 1", Decimal("100.5")), "timeout": timedelta(minutes=2),
                "bad_number": float("inf"), "nothing": None}
    job_id = tracker.start_job("failover", "test-failover", metadata=metadata)
    assert job(tracker, job_id).metadata == {
        "vm_config": {"cpu_count": 4, "memory_gb": 16, "ratio": 0.25}, "when": "2025-09-22T14:12:13+00:00",
        "job_uuid": "e8f15a6d-c5f4-4d69-af72-194b96a0c7fb", "vlans": [100, 200], "interfaces": ["eth0", "eth1"],
        "disk": {"label": "Hard disk 1", "size_gb": 100.5}, "timeout": 120.0, "bad_number": "inf", "nothing": None}


def test_step_metadata_is_stored_as_json_too(tracker):
    job_id = tracker.start_job("failover", "test-failover")
    with tracker.step(job_id, "snapshot", metadata={"volumes": {"vol-b", "vol-a"}, "at": datetime(2025, 1, 1)}):
        pass
    [step] = steps(tracker, job_id)
    assert step.metadata == {"volumes": ["vol-a", "vol-b"], "at": "2025-01-01T00:00:00"}
