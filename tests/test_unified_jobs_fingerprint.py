"""The job fingerprint: it changes with everything a job list shows, and only reads indexes."""
from datetime import timedelta

import pytest

import jobs
from extensions import db
from models import JobStep, JobTracking, utcnow
from tests.factories import make_replication_job, make_vm
from tests.support.statements import count_statements

pytestmark = pytest.mark.both_dbs


def _joblog_job(vm, status="running", **kw):
    job = JobTracking(id=f"jt-{vm.context_id}-{status}", job_type="failover", operation="test failover",
                      status=status, context_id=vm.context_id, **kw)
    db.session.add(job)
    db.session.commit()
    return job


def test_the_fingerprint_is_stable_while_nothing_changes(app):
    make_replication_job(make_vm(), status="replicating", progress_percent=10)
    assert jobs.jobs_fingerprint() == jobs.jobs_fingerprint()


def test_progress_of_a_running_replication_changes_the_fingerprint(app):
    job = make_replication_job(make_vm(), status="replicating", progress_percent=10)
    before = jobs.jobs_fingerprint()
    job.progress_percent = 11
    db.session.commit()
    assert jobs.jobs_fingerprint().version != before.version


def test_a_job_finishing_inside_the_window_changes_the_fingerprint_and_clears_active(app):
    job = make_replication_job(make_vm(), status="replicating")
    since = utcnow() - timedelta(hours=1)
    before = jobs.jobs_fingerprint(since=since)
    job.status, job.completed_at = "completed", utcnow()
    db.session.commit()
    after = jobs.jobs_fingerprint(since=since)
    assert before.active and not after.active
    assert after.version != before.version


def test_a_new_step_of_a_running_failover_changes_the_fingerprint(app):
    job = _joblog_job(make_vm())
    before = jobs.jobs_fingerprint()
    db.session.add(JobStep(job_id=job.id, seq=1, name="virtio-driver-injection", status="running"))
    db.session.commit()
    assert jobs.jobs_fingerprint().version != before.version


def test_jobs_of_other_vms_do_not_change_a_vms_fingerprint(app):
    mine, other = make_vm(), make_vm()
    make_replication_job(mine, status="replicating")
    flt = jobs.JobFilter(context_ids=(mine.context_id,))
    before = jobs.jobs_fingerprint(flt)
    make_replication_job(other, status="replicating")
    assert jobs.jobs_fingerprint(flt) == before


def test_the_fingerprint_is_one_statement(app):
    make_replication_job(make_vm(), status="replicating")
    _joblog_job(make_vm())
    with count_statements(db.engine) as counter:
        jobs.jobs_fingerprint(since=utcnow() - timedelta(hours=24))
    assert counter.count == 1
