"""`/api/v1/jobs`, `/jobs/{any_id}`, logs, failover progress and VM contexts as JSON."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

import jobs
from extensions import db
from models import JobStep, JobTracking, LogEvent
from sanitizer import find_forbidden
from tests.factories import make_replication_job, make_vm

T0 = datetime(2025, 10, 3, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def pgtest1(app):
    """A VM with a replication and a failed test failover (with steps and logs)."""
    vm = make_vm("pgtest1")
    replication = make_replication_job(vm, status="completed", started_at=T0, progress_percent=100,
                                       completed_at=T0 + timedelta(minutes=30))
    failover = JobTracking(id=str(uuid.uuid4()), job_type="failover", operation="test-failover", status="failed",
                           external_job_id="unified-test-failover-pgtest1-1759510017", context_id=vm.context_id,
                           job_category="failover", started_at=T0 + timedelta(hours=1), percent_complete=60,
                           completed_at=T0 + timedelta(hours=1, seconds=25))
    db.session.add(failover)
    db.session.flush()
    db.session.add_all([
        JobStep(job_id=failover.id, name="validation", seq=1, status="completed", started_at=T0),
        JobStep(job_id=failover.id, name="virtio-driver-injection", seq=2, status="failed", started_at=T0,
                error_message="virt-v2v-in-place: error: libguestfs: /dev/vdb: exit code 1 at /opt/scripts/x.sh"),
        LogEvent(job_id=failover.id, level="ERROR", ts=T0, message="libguestfs failed on /dev/vdb"),
    ])
    db.session.commit()
    jobs.write_operation_summary(vm.context_id, failover.id)
    return {"vm": vm, "replication": replication, "failover": failover}


def test_the_job_list_is_newest_first_with_cursor_paging(api_client, pgtest1):
    first = api_client.get("/api/v1/jobs?per_page=1").get_json()
    second = api_client.get(f"/api/v1/jobs?per_page=1&cursor={first['next_cursor']}").get_json()

    assert first["jobs"][0]["job_id"] == pgtest1["failover"].id
    assert second["jobs"][0]["job_id"] == pgtest1["replication"].id
    assert second["next_cursor"] is None


def test_the_job_list_filters_and_reports_totals_in_page_mode(api_client, pgtest1):
    body = api_client.get("/api/v1/jobs?job_type=replication&vm=pgtest1&page=1&per_page=10").get_json()

    assert [item["job_id"] for item in body["jobs"]] == [pgtest1["replication"].id]
    assert (body["total"], body["pages"]) == (1, 1)


@pytest.mark.parametrize("query, field", [
    ("job_type=backup", "job_type"), ("status=weird", "status"), ("since=yesterday", "since"),
    ("per_page=0", "per_page"), ("page=0", "page"), ("cursor=%%%", "cursor"),
])
def test_bad_job_list_parameters_are_400s_naming_the_parameter(api_client, query, field):
    response = api_client.get(f"/api/v1/jobs?{query}")

    assert response.status_code == 400
    assert field in response.get_json()["details"]["fields"]


def test_any_id_resolves_each_kind_of_id(api_client, pgtest1):
    failover, vm = pgtest1["failover"], pgtest1["vm"]

    for any_id, matched_by in [(failover.id, "joblog_id"), (failover.external_job_id, "external_job_id"),
                               (pgtest1["replication"].id, "replication_job_id"), (vm.context_id, "context_id")]:
        body = api_client.get(f"/api/v1/jobs/{any_id}").get_json()
        assert body["matched_by"] == matched_by


def test_an_unknown_job_is_a_404(api_client, app):
    response = api_client.get("/api/v1/jobs/unknown-job")

    assert (response.status_code, response.get_json()["code"]) == (404, "not_found")


def test_failover_progress_lists_friendly_steps(api_client, pgtest1):
    body = api_client.get(f"/api/v1/failover/{pgtest1['failover'].external_job_id}/progress").get_json()

    assert [step["name"] for step in body["steps"]] == ["Pre-flight Validation", "Preparing Drivers for Compatibility"]
    assert (body["status"], body["progress"], body["is_active"]) == ("failed", 60.0, False)


def test_the_log_tail_follows_after_id(api_client, pgtest1):
    body = api_client.get(f"/api/v1/jobs/{pgtest1['failover'].id}/logs?after_id=0").get_json()
    later = api_client.get(f"/api/v1/jobs/{pgtest1['failover'].id}/logs?after_id={body['last_id']}").get_json()

    assert len(body["logs"]) == 1 and later["logs"] == []
    assert api_client.get(f"/api/v1/jobs/{pgtest1['failover'].id}/logs?after_id=-1").status_code == 400


def test_the_vm_context_has_history_and_a_sanitized_last_operation(api_client, pgtest1):
    body = api_client.get("/api/v1/vm-contexts/pgtest1").get_json()

    assert body["context"]["vm_name"] == "pgtest1"
    assert [item["data_source"] for item in body["job_history"]] == ["job_tracking", "replication_jobs"]
    assert body["current_job"] is None
    last = body["last_operation"]
    assert (last["operation_type"], last["status"], last["failed_step"]) == (
        "test_failover", "failed", "Preparing Drivers for Compatibility")
    assert (last["steps_completed"], last["steps_total"]) == (1, 2)


def test_recent_jobs_of_a_context_are_the_seed_s_shape(api_client, pgtest1):
    body = api_client.get(f"/api/v1/vm-contexts/{pgtest1['vm'].context_id}/recent-jobs").get_json()

    assert (body["context_id"], body["count"]) == (pgtest1["vm"].context_id, 2)
    assert body["jobs"][0]["external_job_id"] == "unified-test-failover-pgtest1-1759510017"


def test_nothing_an_operator_reads_about_jobs_mentions_tools_paths_or_scripts(api_client, pgtest1):
    failover = pgtest1["failover"]
    texts = [api_client.get(url).get_data(as_text=True) for url in (
        "/api/v1/jobs", f"/api/v1/jobs/{failover.id}", f"/api/v1/jobs/{failover.id}/logs",
        f"/api/v1/failover/{failover.id}/progress", "/api/v1/vm-contexts/pgtest1",
        f"/api/v1/vm-contexts/{pgtest1['vm'].context_id}/recent-jobs")]

    assert [find_forbidden(text) for text in texts] == [[]] * len(texts)


def test_an_unknown_vm_is_a_404(api_client, app):
    assert api_client.get("/api/v1/vm-contexts/ghost").status_code == 404
