"""Phantom job detection: the four rules, each marking the job failed with its reason."""
import json
import re
from datetime import timedelta

import pytest
from werkzeug import Response

from appliance import VMAClient
from extensions import db
from models import ReplicationJob, VMReplicationContext, utcnow
from scheduler.phantoms import REASONS, detect_phantoms
from tests.factories import make_replication_job, make_vm


@pytest.fixture
def vma(httpserver):
    """A VMA with the real routes and not-found bodies (vma/api/server.go:238-258, 378-389;
    progress_handler.go:181-200 [sendense 8b7d59b]) that knows the jobs listed in `known`."""
    known = {}

    def progress(request):
        job_id = request.path.rsplit("/", 1)[-1]
        if job_id in known:
            return Response(json.dumps(known[job_id]), 200, content_type="application/json")
        return Response("job not found\n", 404, content_type="text/plain; charset=utf-8")

    def status(request):
        job_id = request.path.rsplit("/", 1)[-1]
        if job_id in known:
            return Response(json.dumps({"job_id": job_id, "status": "running"}), 200, content_type="application/json")
        return Response(f"Job not found: {job_id}\n", 404, content_type="text/plain; charset=utf-8")
    httpserver.expect_request(re.compile(r"/api/v1/progress/[^/]+$")).respond_with_handler(progress)
    httpserver.expect_request(re.compile(r"/api/v1/status/[^/]+$")).respond_with_handler(status)
    client = VMAClient(httpserver.url_for(""), 0.5, 0.5)
    client.known = known
    return client


@pytest.fixture
def vma_without_the_routes(httpserver):
    """A VMA whose router does not serve the progress and status routes: gorilla's own 404."""
    httpserver.expect_request(re.compile(r"/api/v1/.*")).respond_with_data(
        "404 page not found\n", 404, content_type="text/plain; charset=utf-8")
    return VMAClient(httpserver.url_for(""), 0.5, 0.5)


def job(status="replicating", progress=10.0, updated_minutes_ago=0, started_minutes_ago=5, **kw):
    now = utcnow()
    return make_replication_job(make_vm(), status=status, progress_percent=progress,
                                updated_at=now - timedelta(minutes=updated_minutes_ago),
                                started_at=now - timedelta(minutes=started_minutes_ago), **kw)


def state(job_row):
    db.session.expire_all()
    row = db.session.get(ReplicationJob, job_row.id)
    return row.status, row.error_message


def test_a_quiet_job_the_vma_does_not_know_is_marked_failed(app, vma):
    phantom = job(updated_minutes_ago=15)
    assert detect_phantoms(vma, utcnow()) == [(phantom.id, "vma_not_found")]
    assert state(phantom) == ("failed", REASONS["vma_not_found"])


def test_a_job_without_updates_for_two_hours_and_no_vma_data_is_marked_failed(app):
    unreachable = VMAClient("http://127.0.0.1:9", 0.2, 0.2)
    stale = job(updated_minutes_ago=121, started_minutes_ago=200)
    assert detect_phantoms(unreachable, utcnow()) == [(stale.id, "stale")]
    assert state(stale)[0] == "failed"


def test_a_job_replicating_at_zero_percent_for_thirty_minutes_is_marked_failed(app, vma):
    stuck = job(progress=0, updated_minutes_ago=1, started_minutes_ago=31)
    assert detect_phantoms(vma, utcnow()) == [(stuck.id, "zero_progress")]


def test_a_job_completed_below_one_hundred_percent_is_marked_inconsistent(app, vma):
    odd = job(status="completed", progress=42, completed_at=utcnow())
    assert detect_phantoms(vma, utcnow()) == [(odd.id, "inconsistent")]
    assert state(odd) == ("failed", REASONS["inconsistent"])


def test_healthy_jobs_are_left_alone(app, vma):
    progressing = job(updated_minutes_ago=1)
    known_quiet = job(updated_minutes_ago=30)
    vma.known[known_quiet.id] = {"job_id": known_quiet.id, "status": "running", "phase": "Copying Data",
                                 "percentage": 30}
    finished = job(status="completed", progress=100, completed_at=utcnow())
    assert detect_phantoms(vma, utcnow()) == []
    assert [state(row)[0] for row in (progressing, known_quiet, finished)] == ["replicating", "replicating",
                                                                                "completed"]


def test_a_router_404_is_no_data_and_never_makes_a_phantom_of_a_job_still_copying(app, vma_without_the_routes):
    copying = job(updated_minutes_ago=45, started_minutes_ago=60)
    assert detect_phantoms(vma_without_the_routes, utcnow()) == []
    assert state(copying)[0] == "replicating"


def test_a_job_the_vma_reports_on_is_not_a_phantom_even_at_zero_percent_in_a_quiet_row(app, vma):
    # An OMA without its progress poller never moves the row (handlers.go:179 @2acc62b).
    quiet = job(progress=0, updated_minutes_ago=150, started_minutes_ago=150)
    vma.known[quiet.id] = {"job_id": quiet.id, "status": "running", "phase": "Copying Data", "percentage": 41}
    assert detect_phantoms(vma, utcnow()) == []
    assert state(quiet)[0] == "replicating"


def test_with_progress_from_the_vma_its_answer_is_written_to_the_quiet_row(app, vma):
    quiet = job(progress=0, updated_minutes_ago=40, started_minutes_ago=60)
    vma.known[quiet.id] = {"job_id": quiet.id, "status": "running", "phase": "Copying Data", "percentage": 41.5,
                           "bytes_transferred": 1024, "total_bytes": 4096, "sync_type": "incremental",
                           "throughput": {"current_mbps": 12.5}, "timing": {"eta_seconds": 90}}
    assert detect_phantoms(vma, utcnow(), progress_from_vma=True) == []
    db.session.expire_all()
    row = db.session.get(ReplicationJob, quiet.id)
    assert (row.status, row.progress_percent, row.bytes_transferred, row.vma_current_phase, row.vma_eta_seconds) \
        == ("replicating", 41.5, 1024, "Copying Data", 90)
    assert utcnow() - row.updated_at < timedelta(minutes=1)


def test_a_setup_that_stopped_at_one_step_is_marked_failed_and_its_vm_released(app, vma):
    vm = make_vm()
    now = utcnow()
    stuck = make_replication_job(vm, status="attaching", progress_percent=0, updated_at=now - timedelta(minutes=31),
                                 started_at=now - timedelta(minutes=40))
    vm.current_job_id, vm.current_status = stuck.id, "replicating"
    db.session.commit()
    assert detect_phantoms(vma, now) == [(stuck.id, "setup_stuck")]
    assert state(stuck)[0] == "failed"
    context = db.session.get(VMReplicationContext, vm.context_id)
    assert (context.current_job_id, context.current_status) == (None, "failed")


def test_a_setup_step_still_moving_is_left_alone(app, vma):
    moving = job(status="configuring", progress=0, updated_minutes_ago=3, started_minutes_ago=40)
    assert detect_phantoms(vma, utcnow()) == []
    assert state(moving)[0] == "configuring"


def test_a_vm_whose_current_job_already_ended_is_released_for_its_next_replication(app, vma):
    # The OMA leaves current_job_id set when a setup fails half-way (migration.go:141-225).
    vm = make_vm()
    failed = make_replication_job(vm, status="replication_failed", completed_at=utcnow())
    vm.current_job_id, vm.current_status = failed.id, "replicating"
    db.session.commit()
    detect_phantoms(vma, utcnow())
    db.session.expire_all()
    context = db.session.get(VMReplicationContext, vm.context_id)
    assert (context.current_job_id, context.current_status, context.failed_jobs) == (None, "failed", 1)


def test_a_vm_still_copying_keeps_its_current_job(app, vma):
    vm = make_vm()
    running = make_replication_job(vm, status="replicating", updated_at=utcnow())
    vm.current_job_id = running.id
    db.session.commit()
    detect_phantoms(vma, utcnow())
    db.session.expire_all()
    assert db.session.get(VMReplicationContext, vm.context_id).current_job_id == running.id


def test_a_status_the_appliance_is_not_known_to_write_is_treated_as_active(app, vma):
    odd = job(status="verifying", updated_minutes_ago=15)
    assert detect_phantoms(vma, utcnow()) == [(odd.id, "vma_not_found")]


@pytest.mark.parametrize("answer, status", [
    ({"status": "Streaming", "phase": "Transfer", "percentage": 50}, "replicating"),
    ({"status": "Succeeded", "phase": "PersistChangeIDs", "percentage": 100}, "completed"),
    ({"status": "Failed", "phase": "Transfer", "percentage": 12, "errors": ["nbd: broken pipe"]}, "failed"),
    ({"status": "running", "phase": "Copying Data", "percentage": 20}, "replicating"),  # the OMA poller's words
])
def test_progress_read_from_the_vma_understands_the_vmas_own_words(app, answer, status):
    # The VMA reports stages and Succeeded/Failed (vma/progress/model.go:100-123), not the words
    # the OMA poller maps (vma_progress_client.go:191-207).
    from scheduler.vma_progress import record
    row = job(progress=0, updated_minutes_ago=40)
    vm_id = row.vm_context_id
    assert record(row.id, {"job_id": row.id, **answer}, utcnow()) == status
    db.session.expire_all()
    stored = db.session.get(ReplicationJob, row.id)
    assert stored.status == status
    if status == "completed":
        assert stored.progress_percent == 100 and stored.completed_at is not None
    if status == "failed":
        assert stored.error_message == '["nbd: broken pipe"]'
        assert db.session.get(VMReplicationContext, vm_id).current_status == "failed"


def test_a_job_the_vma_follows_by_its_volumes_export_name_is_found_there(app, vma):
    # The OMA poller asks by migration-vol-<volume> first (vma_progress_poller.go:438-466), from
    # its vm_disks and ossea_volumes tables (repository.go:1578-1596) where the database has them.
    from sqlalchemy import text
    for statement in ("CREATE TABLE ossea_volumes (id INTEGER PRIMARY KEY, volume_id VARCHAR(64))",
                      "CREATE TABLE vm_disks (id INTEGER PRIMARY KEY, job_id VARCHAR(191), ossea_volume_id INTEGER)"):
        db.session.execute(text(statement))
    quiet = job(progress=0, updated_minutes_ago=150, started_minutes_ago=150)
    db.session.execute(text("INSERT INTO ossea_volumes (id, volume_id) VALUES (7, 'b6f1c2d3-vol')"))
    db.session.execute(text("INSERT INTO vm_disks (job_id, ossea_volume_id) VALUES (:job, 7)"), {"job": quiet.id})
    db.session.commit()
    vma.known["migration-vol-b6f1c2d3-vol"] = {"status": "Streaming", "phase": "Transfer", "percentage": 12}
    assert detect_phantoms(vma, utcnow()) == []
    assert state(quiet)[0] == "replicating"
