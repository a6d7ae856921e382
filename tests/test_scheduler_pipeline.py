"""The execution pipeline (SPEC §5 steps 1–7) against a stand-in appliance over real HTTP."""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, func, insert, select, update
from werkzeug import Response

from appliance import OMAClient
from domain_errors import Conflict, NotFound
from extensions import db
from models import DashboardDispatchClaim, ReplicationJob, ScheduleExecution, VMReplicationContext, utcnow
from sanitizer import find_forbidden
from scheduler import trigger_now
from scheduler.ids import slot_execution_id
from scheduler.outcomes import VMOutcome
from scheduler.pipeline import Pipeline
from scheduler.slots import claim_slot, start_scheduled
from tests.factories import add_member, make_group, make_replication_job, make_schedule, make_vm

pytestmark = pytest.mark.both_dbs

SLOT = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


class StandInAppliance:
    """VMA discovery and OMA replication over HTTP; the OMA writes job rows like the real one."""

    def __init__(self, httpserver, database_url: str):
        self.server = httpserver
        self.engine = create_engine(database_url)
        self.replication_requests: list[dict] = []
        self.oma_answer: tuple[int, dict] | None = None
        #: When set, replication requests wait for `release` before answering (an OMA that hangs).
        self.hang = False
        self.release = threading.Event()
        #: When set, the job row is written with this status before the answer (a real OMA
        #: writes it in phase 1 and then fails, or answers after the caller left).
        self.setup_status: str | None = None
        self.hung_answered = threading.Event()
        httpserver.expect_request("/api/v1/discover", method="POST").respond_with_handler(self._discover)
        httpserver.expect_request("/api/v1/replications", method="POST").respond_with_handler(self._replicate)

    def _discover(self, request):
        """One VM by name (`filter`), or every VM of the datacenter known to the database."""
        body = request.get_json()
        names = [body["filter"]] if body.get("filter") else None
        if names is None:
            with self.engine.connect() as conn:
                names = conn.scalars(select(VMReplicationContext.vm_name)
                                     .where(VMReplicationContext.datacenter == body["datacenter"])).all()
        vms = [{"id": f"vm-{name}", "name": name, "path": f"/{body['datacenter']}/vm/{name}",
                "datacenter": body["datacenter"], "power_state": "poweredOn", "num_cpu": 2, "memory_mb": 4096,
                "guest_os": "linux", "os_type": "", "disks": [{"id": "disk-2000", "size_gb": 20}], "networks": []} for name in names]
        return Response(json.dumps({"vcenter": {"host": body["vcenter"]}, "vms": vms}), 200,
                        content_type="application/json")

    def _replicate(self, request):
        payload = request.get_json()
        self.replication_requests.append(payload)
        if self.setup_status is not None:  # phase 1 writes the row before anything can fail
            self._write_job(payload, self.setup_status)
        if self.hang:  # nobody listens any more when this answers: no job row, nothing left behind
            self.release.wait(60)
            self.hung_answered.set()
            return Response(json.dumps({"error": "too late"}), 504, content_type="application/json")
        if self.oma_answer is not None:
            status, body = self.oma_answer
            return Response(json.dumps(body), status, content_type="application/json")
        job_id = self._write_job(payload, "replicating")
        return Response(json.dumps({"job_id": job_id, "status": "replicating", "progress_percent": 0,
                                    "message": "Replication started"}), 201, content_type="application/json")

    def _write_job(self, payload: dict, status: str) -> str:
        now = utcnow()
        job_id = f"job-{now:%Y%m%d-%H%M%S}.{now.microsecond // 1000:03d}-{len(self.replication_requests):06x}"
        vm = payload["source_vm"]
        with self.engine.begin() as conn:
            context_id = conn.execute(select(VMReplicationContext.context_id)
                                      .where(VMReplicationContext.vm_name == vm["name"])).scalar_one()
            conn.execute(insert(ReplicationJob).values(
                id=job_id, vm_context_id=context_id, source_vm_id=vm["id"], source_vm_name=vm["name"],
                source_vm_path=vm["path"], v_center_host=payload["vcenter_host"], datacenter=payload["datacenter"],
                replication_type=payload.get("replication_type") or "initial", status=status, progress_percent=0,
                created_at=now, updated_at=now, started_at=now,
                schedule_execution_id=payload["schedule_execution_id"], vm_group_id=payload["vm_group_id"],
                scheduled_by=payload["scheduled_by"]))
            conn.execute(update(VMReplicationContext).where(VMReplicationContext.context_id == context_id)
                         .values(current_job_id=job_id, current_status="replicating"))
        return job_id

    def finish_jobs(self, status: str = "completed", progress: float = 100.0, error: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(ReplicationJob).where(ReplicationJob.status == "replicating")
                         .values(status=status, progress_percent=progress, error_message=error,
                                 completed_at=utcnow()))


@pytest.fixture
def app_config(app_config, httpserver):
    return {**app_config, "OMA_API_URL": httpserver.url_for(""), "VMA_API_URL": httpserver.url_for(""),
            "OMA_API_TOKEN": "oma-secret-token", "VCENTER_HOST": "vcenter.example.local",
            "VCENTER_USERNAME": "svc", "VCENTER_PASSWORD": "vcenter-secret", "API_CONNECT_TIMEOUT": 10,
            "API_READ_TIMEOUT": 30, "OMA_REPLICATION_TIMEOUT": 30,
            # A request the OMA did not answer waits this long for a job row before it fails.
            "SCHEDULER_DISPATCH_GRACE_SECONDS": UNANSWERED_GRACE}
# generous timeouts: the test server answers one request at a time, on a loaded CI box too


@pytest.fixture
def appliance(app, httpserver, database_url):
    stand_in = StandInAppliance(httpserver, database_url)
    yield stand_in
    stand_in.release.set()
    if stand_in.hang and stand_in.replication_requests:  # let a hung answer finish before the next test
        assert stand_in.hung_answered.wait(60)
    stand_in.engine.dispose()


@pytest.fixture
def pipeline(app):
    runner = Pipeline(app, "test-host:1:abcd")
    yield runner
    runner.shutdown()


UNANSWERED_GRACE = 0.05


def advance(pipeline, execution_id: str) -> None:
    """One pass of an execution; once more after the grace period when the OMA left a request
    unanswered (the engine's reconcile loop does the same every couple of seconds)."""
    pipeline.advance(execution_id)
    db.session.expire_all()
    execution = db.session.get(ScheduleExecution, execution_id)
    entries = (execution.execution_details or {}).get("vms") or ()
    if any(entry.get("unanswered_at") for entry in entries):
        time.sleep(UNANSWERED_GRACE * 2)
        pipeline.advance(execution_id)


def fire(schedule, pipeline, slot=SLOT) -> ScheduleExecution:
    """Claim a slot and run its execution's first pass, as the engine does."""
    claim = claim_slot(schedule, slot)
    if claim.status == "running":
        advance(pipeline, claim.execution_id)
    db.session.expire_all()
    return db.session.get(ScheduleExecution, claim.execution_id)


def outcomes(execution) -> list[tuple[str, str]]:
    return [(entry["vm_name"], entry["outcome"]) for entry in execution.execution_details["vms"]]


def schedule_with_vms(count=3, **schedule_fields):
    schedule = make_schedule(max_concurrent_jobs=schedule_fields.pop("max_concurrent_jobs", 10), **schedule_fields)
    group = make_group(schedule=schedule, max_concurrent_vms=10)
    vms = [make_vm(f"web-{index}") for index in range(count)]
    for index, vm in enumerate(vms):
        add_member(group, vm, priority=index)
    return schedule, group, vms


def test_a_slot_dispatches_every_vm_with_the_scheduler_metadata(appliance, pipeline):
    schedule, group, vms = schedule_with_vms(2)
    execution = fire(schedule, pipeline)
    assert outcomes(execution) == [("web-0", "running"), ("web-1", "running")]
    assert (execution.vms_eligible, execution.jobs_created, execution.jobs_skipped) == (2, 2, 0)
    request = next(r for r in appliance.replication_requests if r["source_vm"]["name"] == "web-0")
    assert request["schedule_execution_id"] == execution.id
    assert request["vm_group_id"] == group.id
    assert request["scheduled_by"] == "scheduler-service"
    assert request["source_vm"]["cpus"] == 2
    assert all(entry["job_id"].startswith("job-") for entry in execution.execution_details["vms"])


def test_the_vms_of_a_wave_in_one_datacenter_get_their_specs_from_one_discovery(appliance, pipeline, httpserver):
    schedule, _, _ = schedule_with_vms(3)
    execution = fire(schedule, pipeline)
    assert [vm for _, vm in outcomes(execution)] == ["running"] * 3
    discoveries = [request.get_json() for request, _ in httpserver.log if request.path == "/api/v1/discover"]
    assert len(discoveries) == 1 and "filter" not in discoveries[0]
    assert sorted(r["source_vm"]["id"] for r in appliance.replication_requests) == ["vm-web-0", "vm-web-1", "vm-web-2"]


def test_the_oma_receives_the_bearer_token_and_the_vma_the_vcenter_credentials(appliance, pipeline, httpserver):
    schedule, _, _ = schedule_with_vms(1)
    fire(schedule, pipeline)
    discover, replicate = [request for request, _ in httpserver.log]
    assert discover.get_json()["password"] == "vcenter-secret"
    assert replicate.headers["Authorization"] == "Bearer oma-secret-token"


def test_a_slot_is_claimed_once_and_its_second_claim_is_lost(appliance, pipeline):
    schedule, _, _ = schedule_with_vms(1)
    first = claim_slot(schedule, SLOT)
    second = claim_slot(schedule, SLOT)
    assert (first.status, second.status) == ("running", "lost")
    assert first.execution_id == slot_execution_id(schedule.id, SLOT)
    assert db.session.scalar(select(func.count()).select_from(ScheduleExecution)) == 1


def test_vms_run_in_group_priority_then_membership_priority_order(appliance, pipeline):
    schedule = make_schedule(max_concurrent_jobs=10)
    late_group = make_group("late", schedule=schedule, priority=5)
    early_group = make_group("early", schedule=schedule, priority=1)
    add_member(late_group, make_vm("c-late"), priority=0)
    add_member(early_group, make_vm("b-second"), priority=2)
    add_member(early_group, make_vm("a-first"), priority=1)
    execution = fire(schedule, pipeline)
    assert [name for name, _ in outcomes(execution)] == ["a-first", "b-second", "c-late"]


def test_a_membership_overriding_to_another_schedule_follows_that_schedule(appliance, pipeline):
    schedule, group, _ = schedule_with_vms(1)
    other = make_schedule("other", max_concurrent_jobs=10)
    add_member(group, make_vm("moved"), schedule_override_id=other.id)
    assert [name for name, _ in outcomes(fire(schedule, pipeline))] == ["web-0"]
    assert [name for name, _ in outcomes(fire(other, pipeline))] == ["moved"]


@pytest.mark.parametrize("setup, reason", [
    (lambda vm, membership: setattr(vm, "scheduler_enabled", False), "vm_disabled"),
    (lambda vm, membership: setattr(membership, "enabled", False), "vm_disabled"),
    (lambda vm, membership: setattr(vm, "current_status", "failed_over_test"), "vm_in_failover"),
    (lambda vm, membership: setattr(vm, "current_status", "failed_over_live"), "vm_in_failover"),
    (lambda vm, membership: setattr(vm, "current_status", "cleanup_required"), "vm_in_failover"),
    (lambda vm, membership: make_replication_job(vm, status="replicating"), "active_job"),
])
def test_a_conflicting_vm_is_skipped_with_its_reason_and_the_others_run(appliance, pipeline, setup, reason):
    schedule = make_schedule(max_concurrent_jobs=10)
    group = make_group(schedule=schedule)
    blocked = make_vm("blocked")
    membership = add_member(group, blocked, priority=0)
    add_member(group, make_vm("free"), priority=1)
    setup(blocked, membership)
    db.session.commit()
    execution = fire(schedule, pipeline)
    blocked_entry, free_entry = execution.execution_details["vms"]
    assert (blocked_entry["outcome"], blocked_entry["reason"]) == ("skipped", reason)
    assert blocked_entry["message"]
    assert free_entry["outcome"] == "running"
    assert (execution.jobs_skipped, execution.vms_eligible) == (1, 1)
    assert [r["source_vm"]["name"] for r in appliance.replication_requests] == ["free"]


def test_the_first_matching_conflict_wins(appliance, pipeline):
    schedule, group, vms = schedule_with_vms(1)
    vms[0].scheduler_enabled = False
    vms[0].current_status = "failed_over_live"
    db.session.commit()
    assert fire(schedule, pipeline).execution_details["vms"][0]["reason"] == "vm_disabled"


def test_queued_vms_of_a_disabled_schedule_are_skipped_as_schedule_disabled(appliance, pipeline):
    schedule, _, _ = schedule_with_vms(2, max_concurrent_jobs=1)
    execution = fire(schedule, pipeline)
    schedule.enabled = False
    db.session.commit()
    appliance.finish_jobs()
    advance(pipeline, execution.id)
    db.session.expire_all()
    assert execution.execution_details["vms"][1]["reason"] == "schedule_disabled"
    assert execution.status == "completed"


def test_vms_over_the_schedule_limit_wait_and_run_in_order_as_jobs_finish(appliance, pipeline):
    schedule, _, _ = schedule_with_vms(3, max_concurrent_jobs=1)
    execution = fire(schedule, pipeline)
    assert outcomes(execution) == [("web-0", "running"), ("web-1", "queued"), ("web-2", "queued")]
    assert execution.execution_details["vms"][1]["reason"] == "schedule_concurrency"
    advance(pipeline, execution.id)  # nothing finished: still waiting
    db.session.expire_all()
    assert len(appliance.replication_requests) == 1
    appliance.finish_jobs()
    advance(pipeline, execution.id)
    db.session.expire_all()
    assert outcomes(execution) == [("web-0", "completed"), ("web-1", "running"), ("web-2", "queued")]
    appliance.finish_jobs()
    advance(pipeline, execution.id)
    appliance.finish_jobs()
    advance(pipeline, execution.id)
    db.session.expire_all()
    assert execution.status == "completed"
    assert (execution.jobs_created, execution.jobs_completed, execution.jobs_failed) == (3, 3, 0)
    assert execution.completed_at is not None and execution.execution_duration_seconds is not None


def test_vms_over_the_group_limit_wait_for_their_group(appliance, pipeline):
    schedule = make_schedule(max_concurrent_jobs=10)
    group = make_group(schedule=schedule, max_concurrent_vms=1)
    add_member(group, make_vm("g-0"), priority=0)
    add_member(group, make_vm("g-1"), priority=1)
    execution = fire(schedule, pipeline)
    assert outcomes(execution) == [("g-0", "running"), ("g-1", "queued")]
    assert execution.execution_details["vms"][1]["reason"] == "group_concurrency"


def test_a_vm_claimed_by_another_process_is_not_dispatched_again(appliance, pipeline):
    schedule, _, vms = schedule_with_vms(2)
    claim = claim_slot(schedule, SLOT)
    db.session.execute(insert(DashboardDispatchClaim).values(
        execution_id=claim.execution_id, vm_context_id=vms[0].context_id, holder="other:2:ffff", claimed_at=utcnow()))
    db.session.commit()
    advance(pipeline, claim.execution_id)
    assert [r["source_vm"]["name"] for r in appliance.replication_requests] == ["web-1"]


OMA_FAILURES = {
    "invalid request (400)": ((400, {"error": "Invalid request", "details": "source_vm.disks must list a disk"}),
                              "client", False),
    "internal error (500)": ((500, {"error": "internal", "details": "panic: nil pointer /opt/oma/bin/oma-api"}),
                             "server", True),
}


@pytest.mark.parametrize("answer, category, retried", OMA_FAILURES.values(), ids=OMA_FAILURES.keys())
def test_an_oma_error_answer_is_recorded_sanitized_and_retried_when_the_policy_says(
        appliance, pipeline, answer, category, retried):
    appliance.oma_answer = answer
    schedule, _, _ = schedule_with_vms(1, retry_attempts=2, retry_delay_minutes=10)
    execution = fire(schedule, pipeline)
    assert_failed_and_retried(execution, category, retried, delay_minutes=10)


def test_an_oma_that_does_not_answer_in_time_is_a_timeout_and_is_retried(app, appliance):
    appliance.hang = True  # answers only once the dashboard has given up
    impatient = Pipeline(app, "test-host:1:abcd")
    impatient.oma = OMAClient.from_config({**app.config, "API_READ_TIMEOUT": 0.5,  # the VMA keeps its patience
                                           "OMA_REPLICATION_TIMEOUT": 0.5})
    schedule, _, _ = schedule_with_vms(1, retry_attempts=1, retry_delay_minutes=5)
    try:
        assert_failed_and_retried(fire(schedule, impatient), "timeout", True, delay_minutes=5)
    finally:
        impatient.shutdown()


def test_a_refused_connection_is_a_connectivity_failure_and_is_retried(app, appliance, pipeline):
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    app.config["OMA_API_URL"] = f"http://127.0.0.1:{closed_port}"
    refused = Pipeline(app, "test-host:1:abcd")
    schedule, _, _ = schedule_with_vms(1, retry_attempts=3, retry_delay_minutes=1)
    try:
        assert_failed_and_retried(fire(schedule, refused), "connectivity", True, delay_minutes=1)
    finally:
        refused.shutdown()


def assert_failed_and_retried(execution, category, retried, delay_minutes):
    entry = execution.execution_details["vms"][0]
    assert (entry["outcome"], entry["reason"], entry["retryable"]) == ("failed", category, retried)
    assert entry["message"] and entry["actionable_steps"]
    shown = json.dumps(execution.execution_details) + (execution.error_message or "")
    assert find_forbidden(shown) == []
    assert "secret" not in shown and "127.0.0.1" not in shown
    assert execution.error_details[entry["vm_context_id"]]  # the technical detail, for admins
    assert (execution.status, execution.jobs_failed) == ("failed", 1)
    retries = db.session.scalars(select(ScheduleExecution).where(ScheduleExecution.triggered_by == "retry")).all()
    if not retried:
        assert retries == []
        return
    (retry,) = retries
    assert retry.status == "scheduled"
    assert retry.execution_details["vm_context_ids"] == [entry["vm_context_id"]]
    assert retry.scheduled_at - execution.completed_at == timedelta(minutes=delay_minutes)


def test_each_retry_waits_twice_as_long_and_they_stop_after_retry_attempts(appliance, pipeline):
    appliance.oma_answer = (500, {"error": "internal"})
    schedule, _, _ = schedule_with_vms(1, retry_attempts=2, retry_delay_minutes=10)
    first = fire(schedule, pipeline)
    delays = []
    previous = first
    for _ in range(3):
        retry = db.session.scalars(select(ScheduleExecution).where(
            ScheduleExecution.triggered_by == "retry", ScheduleExecution.status == "scheduled")).first()
        if retry is None:
            break
        delays.append(retry.scheduled_at - previous.completed_at)
        db.session.execute(update(ScheduleExecution).where(ScheduleExecution.id == retry.id)
                           .values(scheduled_at=utcnow()))
        db.session.commit()
        assert start_scheduled(retry.id, utcnow(), 300) == "running"
        advance(pipeline, retry.id)
        db.session.expire_all()
        previous = db.session.get(ScheduleExecution, retry.id)
        assert previous.status == "failed"
    assert delays == [timedelta(minutes=10), timedelta(minutes=20)]
    assert previous.execution_details["retry"]["attempt"] == 2


def start_retry_of(execution, pipeline) -> ScheduleExecution:
    """Bring the retry of `execution` to its time and run its first pass, as the engine does."""
    retry = db.session.scalars(select(ScheduleExecution).where(
        ScheduleExecution.triggered_by == "retry", ScheduleExecution.status == "scheduled")).all()
    (retry,) = [row for row in retry if row.execution_details["retry"]["previous_execution_id"] == execution.id]
    db.session.execute(update(ScheduleExecution).where(ScheduleExecution.id == retry.id).values(scheduled_at=utcnow()))
    db.session.commit()
    assert start_scheduled(retry.id, utcnow(), 300) == "running"
    advance(pipeline, retry.id)
    db.session.expire_all()
    return db.session.get(ScheduleExecution, retry.id)


def test_a_retry_of_a_vm_a_later_run_already_dispatched_is_superseded(appliance, pipeline):
    appliance.oma_answer = (500, {"error": "internal"})  # an appliance that fails every request
    schedule, _, vms = schedule_with_vms(2, retry_attempts=3, retry_delay_minutes=1, timezone="America/New_York",
                                         cron_expression="0 */5 * * * *")
    first = fire(schedule, pipeline)
    later = fire(schedule, pipeline, SLOT + timedelta(minutes=5))  # 21:05 in New York
    assert first.status == later.status == "failed"
    sent = len(appliance.replication_requests)

    retry = start_retry_of(first, pipeline)

    assert len(appliance.replication_requests) == sent, "the retry sent nothing: the later run has the VMs"
    entries = retry.execution_details["vms"]
    assert [(e["vm_name"], e["outcome"], e["reason"]) for e in entries] == [
        ("web-0", "skipped", "superseded"), ("web-1", "skipped", "superseded")]
    assert {e["message"] for e in entries} == {"Superseded by the run of 21:05"}
    shown = VMOutcome.from_entry(entries[0])
    assert (shown.status, shown.reason, shown.error) == ("skipped", "superseded", "Superseded by the run of 21:05")
    assert (retry.status, retry.jobs_skipped, retry.jobs_failed) == ("completed", 2, 0)
    retries_left = db.session.scalars(select(ScheduleExecution).where(
        ScheduleExecution.triggered_by == "retry", ScheduleExecution.status == "scheduled")).all()
    assert [row.execution_details["retry"]["previous_execution_id"] for row in retries_left] == [later.id], \
        "only the later run's retries go on"


def test_a_retry_of_a_vm_a_later_run_queued_is_superseded(appliance, pipeline):
    schedule, _, vms = schedule_with_vms(2, retry_attempts=1, retry_delay_minutes=1, max_concurrent_jobs=1)
    appliance.oma_answer = (500, {"error": "internal"})
    first = fire(schedule, pipeline)  # web-0 fails, web-1 waits for it, then fails too
    advance(pipeline, first.id)
    db.session.expire_all()
    assert outcomes(first) == [("web-0", "failed"), ("web-1", "failed")]
    appliance.oma_answer = None
    later = fire(schedule, pipeline, SLOT + timedelta(days=1))  # web-0 runs, web-1 waits for it
    assert outcomes(later) == [("web-0", "running"), ("web-1", "queued")]
    sent = len(appliance.replication_requests)

    retry = start_retry_of(first, pipeline)

    assert len(appliance.replication_requests) == sent
    assert [(e["vm_name"], e["outcome"], e["reason"], e["message"]) for e in retry.execution_details["vms"]] == [
        ("web-0", "skipped", "superseded", "Superseded by the run of 02:00"),
        ("web-1", "skipped", "superseded", "Superseded by the run of 02:00")]


def test_a_retry_still_runs_the_vms_a_later_run_skipped(appliance, pipeline):
    schedule, _, vms = schedule_with_vms(2, retry_attempts=1, retry_delay_minutes=1)
    appliance.oma_answer = (500, {"error": "internal"})
    first = fire(schedule, pipeline)
    appliance.oma_answer = None
    with appliance.engine.begin() as conn:  # web-1 is scheduled out of the later run
        conn.execute(update(VMReplicationContext).where(VMReplicationContext.context_id == vms[1].context_id)
                     .values(scheduler_enabled=False))
    later = fire(schedule, pipeline, SLOT + timedelta(minutes=5))
    assert outcomes(later) == [("web-0", "running"), ("web-1", "skipped")]
    with appliance.engine.begin() as conn:
        conn.execute(update(VMReplicationContext).where(VMReplicationContext.context_id == vms[1].context_id)
                     .values(scheduler_enabled=True))
    appliance.finish_jobs()

    retry = start_retry_of(first, pipeline)

    by_name = {e["vm_name"]: e for e in retry.execution_details["vms"]}
    assert (by_name["web-0"]["outcome"], by_name["web-0"]["reason"]) == ("skipped", "superseded")
    assert by_name["web-1"]["outcome"] == "running" and by_name["web-1"]["job_id"]
    assert appliance.replication_requests[-1]["source_vm"]["name"] == "web-1"


def test_a_retry_replicates_only_the_vms_that_failed(appliance, pipeline):
    schedule, _, vms = schedule_with_vms(2, retry_attempts=1, retry_delay_minutes=0)
    execution = fire(schedule, pipeline)
    with appliance.engine.begin() as conn:
        conn.execute(update(ReplicationJob).where(ReplicationJob.vm_context_id == vms[0].context_id)
                     .values(status="failed", error_message="nbd export /dev/vdb failed"))
        conn.execute(update(ReplicationJob).where(ReplicationJob.vm_context_id == vms[1].context_id)
                     .values(status="completed", progress_percent=100))
    advance(pipeline, execution.id)
    db.session.expire_all()
    assert execution.status == "failed"
    assert find_forbidden(json.dumps(execution.execution_details)) == []
    retry = db.session.scalars(select(ScheduleExecution).where(ScheduleExecution.triggered_by == "retry")).one()
    assert start_scheduled(retry.id, utcnow(), 300) == "running"
    advance(pipeline, retry.id)
    db.session.expire_all()
    assert [name for name, _ in outcomes(retry)] == ["web-0"]


def test_a_chain_child_is_scheduled_its_delay_after_the_parent_completes(appliance, pipeline):
    parent, _, _ = schedule_with_vms(1)
    child = make_schedule("child", cron_expression="", schedule_type="chain", chain_parent_schedule_id=parent.id,
                          chain_delay_minutes=15)
    execution = fire(parent, pipeline)
    assert db.session.scalars(select(ScheduleExecution).where(ScheduleExecution.triggered_by == "chain")).all() == []
    appliance.finish_jobs()
    advance(pipeline, execution.id)
    db.session.expire_all()
    chained = db.session.scalars(select(ScheduleExecution).where(ScheduleExecution.triggered_by == "chain")).one()
    assert chained.schedule_id == child.id and chained.status == "scheduled"
    assert chained.scheduled_at - execution.completed_at == timedelta(minutes=15)
    assert chained.execution_details["chain"]["parent_execution_id"] == execution.id


def test_a_slot_is_recorded_as_skipped_while_the_previous_run_is_still_running(appliance, pipeline):
    schedule, _, _ = schedule_with_vms(1, skip_if_running=True)
    first = fire(schedule, pipeline)
    assert first.status == "running"
    second = fire(schedule, pipeline, SLOT + timedelta(hours=1))
    assert second.status == "skipped"
    assert "still running" in second.error_message
    assert second.execution_details["previous_execution_id"] == first.id
    assert len(appliance.replication_requests) == 1


def test_without_skip_if_running_a_slot_runs_but_busy_vms_are_skipped(appliance, pipeline):
    schedule, _, _ = schedule_with_vms(1, skip_if_running=False)
    fire(schedule, pipeline)
    second = fire(schedule, pipeline, SLOT + timedelta(hours=1))
    assert second.status == "completed"
    assert second.execution_details["vms"][0]["reason"] == "active_job"


def test_an_execution_without_vms_completes_at_once(appliance, pipeline):
    schedule = make_schedule()
    execution = fire(schedule, pipeline)
    assert (execution.status, execution.vms_eligible) == ("completed", 0)


def test_a_vm_left_dispatching_by_a_dead_process_is_reconciled_as_interrupted(appliance, pipeline):
    schedule, _, vms = schedule_with_vms(1)
    claim = claim_slot(schedule, SLOT)
    long_ago = utcnow() - timedelta(minutes=10)
    db.session.execute(insert(DashboardDispatchClaim).values(
        execution_id=claim.execution_id, vm_context_id=vms[0].context_id, holder="dead:1:0000", claimed_at=long_ago))
    db.session.execute(update(ScheduleExecution).where(ScheduleExecution.id == claim.execution_id).values(
        execution_details={"vms": [{"vm_context_id": vms[0].context_id, "vm_name": "web-0", "group_id": None,
                                    "group_name": "g", "outcome": "dispatching"}]}))
    db.session.commit()
    advance(pipeline, claim.execution_id)
    db.session.expire_all()
    execution = db.session.get(ScheduleExecution, claim.execution_id)
    assert execution.execution_details["vms"][0]["reason"] == "interrupted"
    assert execution.status == "failed"
    assert appliance.replication_requests == []


def test_a_job_written_by_the_oma_before_the_process_died_is_adopted(appliance, pipeline):
    schedule, group, vms = schedule_with_vms(1)
    claim = claim_slot(schedule, SLOT)
    db.session.execute(update(ScheduleExecution).where(ScheduleExecution.id == claim.execution_id).values(
        execution_details={"vms": [{"vm_context_id": vms[0].context_id, "vm_name": "web-0", "group_id": group.id,
                                    "group_name": group.name, "outcome": "dispatching"}]}))
    db.session.commit()
    job = make_replication_job(vms[0], status="replicating", schedule_execution_id=claim.execution_id,
                               progress_percent=40)
    advance(pipeline, claim.execution_id)
    db.session.expire_all()
    entry = db.session.get(ScheduleExecution, claim.execution_id).execution_details["vms"][0]
    assert (entry["outcome"], entry["job_id"], entry["progress"]) == ("running", job.id, 40.0)


def test_run_now_requests_a_run_that_the_scheduler_starts(appliance, pipeline):
    schedule, _, _ = schedule_with_vms(1)
    execution = trigger_now(schedule.id, requested_by="operator")
    assert (execution.status, execution.triggered_by) == ("scheduled", "manual")
    assert start_scheduled(execution.id, utcnow(), 300) == "running"
    assert start_scheduled(execution.id, utcnow(), 300) == "lost"
    advance(pipeline, execution.id)
    assert appliance.replication_requests[0]["scheduled_by"] == "manual:operator"


def test_run_now_refuses_an_unknown_or_disabled_schedule(app):
    with pytest.raises(NotFound):
        trigger_now("no-such-schedule")
    disabled = make_schedule(enabled=False)
    with pytest.raises(Conflict, match="enable it") as refused:
        trigger_now(disabled.id)
    assert refused.value.code == "schedule_disabled"
    with pytest.raises(Conflict, match="covers no VM") as refused:
        trigger_now(make_schedule().id)
    assert refused.value.code == "schedule_has_no_vms"
    assert db.session.scalar(select(func.count()).select_from(ScheduleExecution)) == 0


def test_a_requested_run_not_started_within_the_grace_period_is_recorded_as_missed(app):
    schedule, _, _ = schedule_with_vms(1)
    execution = trigger_now(schedule.id)
    later = utcnow() + timedelta(seconds=301)
    assert start_scheduled(execution.id, later, 300) == "skipped"
    db.session.expire_all()
    assert execution.error_message.startswith("missed: scheduler was not running")


@pytest.mark.parametrize("details", [
    ["not", "a", "mapping"], {"vms": "not a list"}, {"vms": [["a"], None, {"vm_context_id": ["x"]}]},
    {"retry": "x", "vms": [{"vm_context_id": {"a": 1}, "outcome": "running"}]},
], ids=["a list", "vms not a list", "entries not mappings", "unhashable ids"])
def test_a_retry_is_not_broken_by_a_later_run_whose_details_another_tool_wrote(appliance, pipeline, details):
    schedule, _, vms = schedule_with_vms(1, retry_attempts=1, retry_delay_minutes=1)
    appliance.oma_answer = (500, {"error": "internal"})
    first = fire(schedule, pipeline)
    appliance.oma_answer = None
    db.session.add(ScheduleExecution(id="written-by-hand", schedule_id=schedule.id, status="completed",
                                     scheduled_at=SLOT + timedelta(minutes=5), execution_details=details))
    db.session.commit()
    sent = len(appliance.replication_requests)

    retry = start_retry_of(first, pipeline)

    assert len(appliance.replication_requests) == sent + 1, "the retry sent its VM"
    assert outcomes(retry) == [("web-0", "running")]


def test_a_failed_job_is_recorded_with_the_replication_failure_never_failed_failed(appliance, pipeline):
    schedule, group, vms = schedule_with_vms(1)
    claim = claim_slot(schedule, SLOT)
    db.session.execute(update(ScheduleExecution).where(ScheduleExecution.id == claim.execution_id).values(
        execution_details={"vms": [{"vm_context_id": vms[0].context_id, "vm_name": "web-0", "group_id": group.id,
                                    "group_name": group.name, "outcome": "dispatching"}]}))
    db.session.commit()
    # As the OMA writes a failed job: its current operation is the word "Failed", not a step.
    make_replication_job(vms[0], status="failed", current_operation="Failed", schedule_execution_id=claim.execution_id,
                         error_message="VMA unreachable: dial tcp 10.0.0.9:443: connection refused")
    advance(pipeline, claim.execution_id)
    db.session.expire_all()
    entry = db.session.get(ScheduleExecution, claim.execution_id).execution_details["vms"][0]
    assert entry["outcome"] == "failed"
    assert entry["message"] == "The replication service could not be reached"
    assert "Failed failed" not in entry["message"] and "dial tcp" not in entry["message"]
    assert VMOutcome.from_entry(entry).text == "Failed: The replication service could not be reached"


def test_each_vm_is_discovered_with_its_own_vcenters_login(appliance, pipeline, httpserver):
    from vcenters.manage import create_credential
    dr = create_credential({"credential_name": "DR", "vcenter_host": "vcenter-dr.example.local", "username": "svc-dr",
                            "password": "dr-secret", "datacenter": "DC1"})
    schedule, group, vms = schedule_with_vms(2)
    dr_vm = make_vm("dr-1", vcenter_host="vcenter-dr.example.local", credential_id=dr.id)
    lost = make_vm("lost-1", vcenter_host="vcenter-gone.example.local")
    add_member(group, dr_vm, priority=5)
    add_member(group, lost, priority=6)
    execution = fire(schedule, pipeline)
    by_name = dict(outcomes(execution))
    assert [by_name[name] for name in ("web-0", "web-1", "dr-1")] == ["running"] * 3, execution.execution_details
    logins = {(body["vcenter"], body["username"], body["password"])
              for body in (request.get_json() for request, _ in httpserver.log if request.path == "/api/v1/discover")}
    assert logins == {("vcenter.example.local", "svc", "vcenter-secret"), ("vcenter-dr.example.local", "svc-dr",
                                                                           "dr-secret")}
    request = next(r for r in appliance.replication_requests if r["source_vm"]["name"] == "dr-1")
    assert request["vcenter_host"] == "vcenter-dr.example.local"
    # a VM of a vCenter the dashboard has no login for fails with the reason, in plain words
    entry = next(e for e in execution.execution_details["vms"] if e["vm_name"] == "lost-1")
    assert entry["outcome"] == "failed" and "No vCenter login is saved" in str(entry), entry
    assert not any(r["source_vm"]["name"] == "lost-1" for r in appliance.replication_requests)
    assert "dr-secret" not in json.dumps(execution.execution_details)
