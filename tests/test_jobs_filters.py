"""Every filter of the Jobs page and of GET /api/v1/jobs, on SQLite and MariaDB: each combination
answers, shows exactly the jobs it selects, and bad values are refused naming their field."""
from datetime import timedelta

import pytest
from sqlalchemy import Enum

import jobs
from jobs.fingerprint import fingerprint_statement
from models import utcnow
from tests.factories import make_operation, make_replication_job, make_vm

pytestmark = pytest.mark.both_dbs

JOB_TYPES = ("",) + jobs.JOB_TYPES
STATUSES = ("",) + jobs.UNIFIED_STATUSES
WINDOWS = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7),
           "30d": timedelta(days=30), "all": None}
#: How long ago each job started: one inside each window (and one older than all of them).
AGES = (timedelta(minutes=10), timedelta(hours=5), timedelta(days=3), timedelta(days=20), timedelta(days=90))
REPLICATION_STATUS = {"pending": "pending", "running": "replicating", "completed": "completed",
                      "failed": "failed", "cancelled": "cancelled"}
OPERATION_KIND = {"test_failover": "test", "live_failover": "live", "rollback": "rollback"}


def _seed():
    """One job of every type, status and age, each on its own VM named after it."""
    expected = {}
    now = utcnow()
    for age_index, age in enumerate(AGES):
        started = now - age
        for status in jobs.UNIFIED_STATUSES:
            finished = started + timedelta(seconds=30) if status in ("completed", "failed", "cancelled") else None
            name = f"m-replication-{status}-{age_index}"
            job = make_replication_job(make_vm(name), status=REPLICATION_STATUS[status], started_at=started,
                                       completed_at=finished, progress_percent=50)
            expected[job.id] = ("replication", status, age)
            for job_type, kind in OPERATION_KIND.items():
                name = f"m-{job_type}-{status}-{age_index}"
                operation = make_operation(make_vm(name), kind=kind, status=status, started_at=started)
                expected[operation.id] = (job_type, status, age)
    return expected


def _selected(expected, job_type, status, window):
    limit = WINDOWS[window]
    return {job_id for job_id, (kind, state, age) in expected.items()
            if (not job_type or kind == job_type) and (not status or state == status)
            and (limit is None or age < limit)}


def test_every_type_status_and_window_answers_with_the_jobs_it_selects(client, api_client):
    expected = _seed()
    for job_type in JOB_TYPES:
        for status in STATUSES:
            for window in WINDOWS:
                query = f"job_type={job_type}&status={status}&window={window}"
                wanted = _selected(expected, job_type, status, window)
                page = client.get(f"/jobs/?{query}")
                assert page.status_code == 200, query
                listing = page.get_data(as_text=True).split('id="jobs-list"')[1]
                assert f"{len(wanted)} matching" in listing, query
                assert client.get(f"/jobs/poll?{query}").status_code in (200, 204, 286), query
                since = "" if WINDOWS[window] is None else \
                    f"&since={(utcnow() - WINDOWS[window]).isoformat().replace('+00:00', 'Z')}"
                answer = api_client.get(f"/api/v1/jobs?job_type={job_type}&status={status}{since}&per_page=100")
                assert answer.status_code == 200, query
                assert {item["job_id"] for item in answer.get_json()["jobs"]} == wanted, query


def test_the_fingerprint_reads_every_column_as_plain_text(app):
    """A UNION decodes each column with the type of its first SELECT: a status ENUM there would
    decode the "" the count rows carry (LookupError: '' is not among the defined enum values)."""
    for job_type in JOB_TYPES:
        statement = fingerprint_statement(jobs.build_filter(job_type=job_type or None), since=utcnow())
        assert not [column for column in statement.selected_columns if isinstance(column.type, Enum)], job_type
    make_operation(make_vm("fp"), kind="test", status="completed", started_at=utcnow())
    assert jobs.jobs_fingerprint(jobs.build_filter(job_type="test_failover"), since=utcnow() - timedelta(days=7))


@pytest.mark.parametrize("field,value", [("status", "bogus"), ("job_type", "teleport"), ("window", "3y")])
def test_a_bad_filter_value_is_refused_naming_its_field(client, api_client, field, value):
    page = client.get(f"/jobs/?{field}={value}")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert f'id="{field}-error">' in text
    label = {"status": "Status", "job_type": "Type", "window": "Started"}[field]
    assert f"{label} must be one of" in text
    if field != "window":  # the API takes since/until instead of a window
        answer = api_client.get(f"/api/v1/jobs?{field}={value}")
        assert answer.status_code == 400
        assert field in answer.get_json()["details"]["fields"]


def test_the_vm_filter_finds_part_of_a_name_in_any_case_and_takes_wildcards_literally(client, api_client):
    for name in ("PG-Prod-01", "web-pg-2", "mail_01", "mailx01", "db-100%"):
        make_replication_job(make_vm(name), status="completed", completed_at=utcnow())

    def names(vm):
        body = api_client.get(f"/api/v1/jobs?vm={vm}").get_json()
        return sorted(item["vm_name"] for item in body["jobs"])

    assert names("pg") == ["PG-Prod-01", "web-pg-2"]
    assert names("PROD") == ["PG-Prod-01"]
    assert names("l_0") == ["mail_01"]
    assert names("0%25") == ["db-100%"]
    assert names("nothing-like-it") == []
    listing = client.get("/jobs/?vm=Pg").get_data(as_text=True).split('id="jobs-list"')[1]
    assert "PG-Prod-01" in listing and "web-pg-2" in listing and "mail_01" not in listing


def test_a_starting_rollback_counts_its_steps_out_of_all_it_will_run(client):
    job = make_operation(make_vm("rb-1"), kind="rollback", status="running",
                         steps=[("failover-job-retrieval", "running", None)])
    progress = jobs.job_progress(job.id)
    total = len(jobs.items.KNOWN_STEPS["rollback"])
    assert total > 1 and (progress["steps_completed"], progress["steps_total"]) == (0, total)
    assert f"0 of {total} done" in client.get(f"/jobs/{job.id}").get_data(as_text=True)


def test_the_vm_page_counts_failovers_and_rollbacks_with_its_replications(client):
    from extensions import db
    vm = make_vm("counted", total_jobs_run=3, successful_jobs=2, failed_jobs=1)
    make_operation(vm, kind="test", status="completed", minutes=1)
    make_operation(vm, kind="rollback", status="failed", minutes=2)
    make_operation(vm, kind="live", status="completed", minutes=3)
    make_operation(make_vm("other"), kind="test", status="completed")
    db.session.commit()
    page = client.get("/vms/counted").get_data(as_text=True)
    assert "6 run · 4 succeeded · 2 failed" in page
    assert "3 replication(s) (2 succeeded, 1 failed) · 3 failover(s) and rollback(s) (2 succeeded, 1 failed)" in page
