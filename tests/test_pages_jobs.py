"""Job timeline and job detail: filters, live panels, 24 h chart, steps and log tail, sanitized words."""
import re
from datetime import timedelta

from extensions import db
from models import JobStep, JobTracking, LogEvent, utcnow
from tests.factories import make_replication_job, make_vm
from tests.support.statements import count_statements


def _failover(vm, status="failed"):
    job = JobTracking(id="jt-1", job_type="failover", operation="test-failover", status=status,
                      context_id=vm.context_id, external_job_id="unified-test-failover-x", job_category="failover",
                      job_metadata={"failover_type": "test"}, percent_complete=40, started_at=utcnow())
    db.session.add(job)
    db.session.flush()
    db.session.add(JobStep(job_id="jt-1", name="virtio-driver-injection", seq=1, status="failed",
                           started_at=utcnow(), error_message="virt-v2v-in-place failed on /dev/vdc"))
    db.session.add(LogEvent(job_id="jt-1", level="ERROR", message="injection failed", ts=utcnow()))
    db.session.commit()
    return job


def test_the_timeline_draws_a_bar_per_job_in_a_lane_per_vm(client):
    make_replication_job(make_vm("lane-a"), status="replicating")
    make_replication_job(make_vm("lane-b"), status="completed", completed_at=utcnow())
    page = client.get("/jobs/").get_data(as_text=True)
    assert page.count('class="bar bar-') == 2
    assert "lane-a" in page and "lane-b" in page


def test_filters_narrow_the_list(client):
    make_replication_job(make_vm("keep"), status="failed", error_message="timeout")
    make_replication_job(make_vm("drop"), status="completed")
    page = client.get("/jobs/?status=failed").get_data(as_text=True)
    listing = page.split('id="jobs-list"')[1]
    assert "keep" in listing and "drop" not in listing


def test_a_bad_filter_is_reported_next_to_its_field(client):
    response = client.get("/jobs/?job_type=teleport")
    assert response.status_code == 422
    assert 'id="job_type-error">' in response.get_data(as_text=True)


def test_the_job_detail_shows_friendly_step_names_and_sanitized_errors(client):
    _failover(make_vm("pg-1"))
    page = client.get("/jobs/jt-1").get_data(as_text=True)
    assert "Preparing Drivers for Compatibility" in page
    assert "What you can do" in page and "injection failed" in page
    assert "virt-v2v" not in page and "/dev/vdc" not in page and "virtio" not in page.lower()


def test_a_running_jobs_detail_polls_and_a_finished_one_does_not(client):
    job = make_replication_job(make_vm(), status="replicating", progress_percent=20)
    assert "data-poller" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert client.get(f"/jobs/{job.id}/poll").status_code in (200, 204)
    job.status = "completed"
    db.session.commit()
    # The job's end reaches an open page once (286 with the last changes), then it stops for good.
    finished = client.get(f"/jobs/{job.id}/poll")
    assert finished.status_code == 286 and 'id="job-progress"' in finished.get_data(as_text=True)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "data-poller" not in page and "Finished · updated <time>" in page


def test_an_unknown_job_is_a_404_page(client):
    assert client.get("/jobs/no-such-job").status_code == 404


def test_the_jobs_page_runs_the_same_number_of_statements_for_2_or_40_jobs(client):
    for _ in range(2):
        make_replication_job(make_vm(), status="replicating", started_at=utcnow() - timedelta(hours=1))
    with count_statements(db.engine) as few:
        client.get("/jobs/")
    for _ in range(38):
        make_replication_job(make_vm(), status="replicating", started_at=utcnow() - timedelta(hours=2))
    with count_statements(db.engine) as many:
        client.get("/jobs/")
    assert many.count == few.count


def test_the_list_pages_through_the_last_24_hours_newest_first_with_the_total(client):
    now = utcnow()
    for n in range(30):
        make_replication_job(make_vm(f"paged-{n:02d}"), status="completed", started_at=now - timedelta(minutes=n + 1),
                             completed_at=now - timedelta(minutes=n))
    make_replication_job(make_vm("too-old"), status="completed", started_at=now - timedelta(hours=30),
                         completed_at=now - timedelta(hours=29))
    first = client.get("/jobs/").get_data(as_text=True)
    second = client.get("/jobs/?page=2").get_data(as_text=True)
    listed = re.compile(r'id="jobs-list".*', re.S)
    assert "paged-00" in listed.search(first).group() and "paged-25" not in listed.search(first).group()
    assert "paged-25" in listed.search(second).group() and "paged-29" in listed.search(second).group()
    assert "too-old" not in first + second


def test_durations_never_wrap_and_running_jobs_say_when_a_filter_hides_them(client):
    from blueprints.pages.context import format_duration
    assert format_duration(229) == "3\u00a0min\u00a049\u00a0s" and format_duration(3900) == "1\u00a0h\u00a05\u00a0min"
    make_replication_job(make_vm("runs-01"), status="replicating")
    assert "Nothing is running." not in client.get("/jobs/").get_data(as_text=True)
    page = client.get("/jobs/?vm=no-such-vm").get_data(as_text=True)
    assert "No running job matches the Type and VM filters." in page and "Nothing is running." not in page


def test_a_finished_job_without_lines_does_not_promise_them(client):
    running = make_replication_job(make_vm("vm-a"), status="replicating", progress_percent=20)
    finished = make_replication_job(make_vm("vm-b"), status="failed", error_message="boom",
                                    completed_at=utcnow())
    assert "No log lines for this job yet." in client.get(f"/jobs/{running.id}").get_data(as_text=True)
    page = client.get(f"/jobs/{finished.id}").get_data(as_text=True)
    assert "No log lines for this job." in page and "yet." not in page


def test_a_setup_step_that_does_not_move_says_since_when_and_what_happens_next(client, app):
    app.config["SCHEDULER_SETUP_STUCK_MINUTES"] = 45
    since = utcnow() - timedelta(minutes=12, seconds=10)
    job = make_replication_job(make_vm(), status="attaching", progress_percent=0, started_at=since,
                               updated_at=since)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    note = re.search(r"<p [^>]*data-setup-stall>(.*?)</p>", page, re.S)
    assert note, page
    words = " ".join(note.group(1).split())
    assert re.fullmatch(r"No progress since \d\d:\d\d \S+ \(12 min\) in step Attaching\. If it does not move for "
                        r"45 min, the dashboard marks it failed and the schedule's retry policy applies\.", words), words
    # The refresh shows it too; a step that moved recently, or a copy, has no such note.
    assert "data-setup-stall" in client.get(f"/jobs/{job.id}/poll").get_data(as_text=True)
    job.updated_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    assert "data-setup-stall" not in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    job.status, job.updated_at = "replicating", since
    db.session.commit()
    assert "data-setup-stall" not in client.get(f"/jobs/{job.id}").get_data(as_text=True)
