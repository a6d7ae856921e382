"""A replication's log: what the dashboard did and saw for the job, shown on its detail page in
plain words and without secrets. The pipeline runs against the stand-in appliance over HTTP."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from extensions import db
from models import LogEvent, ReplicationJob
from sanitizer import find_forbidden
from scheduler.phantoms import detect_phantoms
from tests import test_scheduler_pipeline as stand_in
from tests.test_scheduler_pipeline import advance, fire, schedule_with_vms

# The stand-in appliance and the pipeline of the pipeline tests, over real HTTP.
app_config = stand_in.app_config
appliance = stand_in.appliance
pipeline = stand_in.pipeline

pytestmark = pytest.mark.both_dbs


def _log_box(client, job_id: str) -> str:
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    return page.split('id="job-log"')[1]


def _flush(app) -> None:
    assert app.extensions["joblog"].log_handler.flush(10)


def _lines(job_id: str) -> list[str]:
    return list(db.session.scalars(select(LogEvent.message).where(LogEvent.external_job_id == job_id)
                                   .order_by(LogEvent.id)))


def _set_job(job_id: str, **values) -> None:
    db.session.execute(update(ReplicationJob).where(ReplicationJob.id == job_id).values(**values))
    db.session.commit()


def test_the_detail_page_shows_the_dispatch_the_answer_the_progress_and_the_end(app, appliance, pipeline, client):
    schedule, _, _ = schedule_with_vms(1)
    execution = fire(schedule, pipeline)
    job_id = execution.execution_details["vms"][0]["job_id"]
    _set_job(job_id, progress_percent=30.0)
    advance(pipeline, execution.id)
    _set_job(job_id, status="finalizing", progress_percent=90.0)
    advance(pipeline, execution.id)
    advance(pipeline, execution.id)  # nothing changed: no line
    _set_job(job_id, status="completed", progress_percent=100.0)
    advance(pipeline, execution.id)
    _flush(app)
    assert _lines(job_id) == [
        "Asked the appliance to replicate web-0 (1 disk(s), 0 network(s), 2 CPU(s), 4096 MB memory; the copy the "
        f"appliance chooses (full or incremental)), by the schedule, run {execution.id}",
        "The appliance accepted the request and started this job (status: Replicating)",
        "Progress: 30 %",
        "Status: Replicating → Finalizing (90 %)",
        "Replication completed (100 %)",
    ]
    box = _log_box(client, job_id)
    assert "No log lines" not in box
    assert "Asked the appliance to replicate web-0" in box and "Replication completed (100 %)" in box
    for secret in ("oma-secret-token", "vcenter-secret", "Bearer"):
        assert secret not in box
    assert not find_forbidden(box.split("<ol", 1)[1].rsplit("</ol>", 1)[0].replace("<", " <"))


def test_a_failure_is_logged_in_plain_words_with_the_retry_that_follows(app, appliance, pipeline, client):
    schedule, _, _ = schedule_with_vms(1, retry_attempts=2, retry_delay_minutes=5)
    execution = fire(schedule, pipeline)
    job_id = execution.execution_details["vms"][0]["job_id"]
    appliance.finish_jobs(status="failed", progress=40.0,
                          error="VMA unreachable: dial tcp 10.245.246.147:9081: connect: connection refused")
    advance(pipeline, execution.id)
    _flush(app)
    lines = _lines(job_id)
    assert lines[-3].startswith("Replication failed: ") and lines[-2].startswith("What you can do: ")
    assert lines[-1].startswith("The scheduler will try this VM again at ") and lines[-1].endswith("(retry 1 of 2)")
    box = _log_box(client, job_id)
    assert "Replication failed: " in box and "retry 1 of 2" in box
    assert "dial tcp" not in box and "10.245.246.147" not in box


def test_a_phantom_check_that_marks_the_job_failed_is_in_its_log(app, appliance, pipeline, client):
    from datetime import timedelta

    from models import utcnow
    schedule, _, _ = schedule_with_vms(1)
    execution = fire(schedule, pipeline)
    job_id = execution.execution_details["vms"][0]["job_id"]
    _set_job(job_id, status="initializing", updated_at=utcnow() - timedelta(hours=1))
    assert detect_phantoms(None, utcnow()) == [(job_id, "setup_stuck")]
    _flush(app)
    assert "Phantom check: its setup did not move for too long" in _log_box(client, job_id)


def test_a_stored_step_failure_is_shown_with_the_step_name_and_sanitized_words(app, client):
    from tests.factories import make_replication_job, make_vm
    job = make_replication_job(make_vm("raw-1"), status="failed")
    db.session.add(LogEvent(external_job_id=job.id, level="ERROR",
                            message="Step vm-startup-and-validation failed: VMA unreachable: dial tcp 10.0.0.5:443: "
                                    "connect: connection refused"))
    db.session.commit()
    box = _log_box(client, job.id)
    assert "Starting and Validating VM failed: " in box
    assert "vm-startup-and-validation" not in box and "dial tcp" not in box
