"""Live pages in a real browser: a progress bar moves without reloading; one poll per interval; none when idle.

The scheduler engine does not run in these tests; the test plays the part of the appliance by
writing the replication job and its progress into `replication_jobs`, as the OMA does.
"""
import time

from playwright.sync_api import expect

from extensions import db
from models import ScheduleExecution
from tests.browser.conftest import shoot
from tests.factories import add_member, make_group, make_replication_job, make_schedule, make_vm
from tests.support.polling import eventually


POLL_INTERVAL_SECONDS = 1  # PAGE_POLL_INTERVAL_SECONDS in tests/browser/conftest.py


def _poll_requests(page, path):
    seen = []
    page.on("request", lambda request: seen.append(request.url) if path in request.url else None)
    return seen


def test_run_now_then_the_progress_bar_moves_without_a_reload(page):
    schedule = make_schedule("run-me")
    vm = make_vm("live-01")
    add_member(make_group("live", schedule), vm)
    page.goto(f"/schedules/{schedule.id}")
    page.get_by_role("button", name="Run now").click()
    expect(page.get_by_text("Schedule 'run-me' started")).to_be_visible()
    expect(page.locator("#schedule-executions")).to_contain_text("scheduled")
    execution = db.session.scalar(db.select(ScheduleExecution))
    execution.status = "running"
    db.session.commit()
    job = make_replication_job(vm, status="replicating", progress_percent=10, schedule_execution_id=execution.id)

    page.goto("/")
    bar = page.get_by_role("progressbar", name="Replication of live-01")
    expect(bar).to_have_attribute("aria-valuenow", "10")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    job.progress_percent = 65
    db.session.commit()
    expect(bar).to_have_attribute("aria-valuenow", "65")
    shoot(page, "overview")
    assert navigations == []


def test_one_poll_per_interval_whatever_the_number_of_panels_and_none_once_nothing_runs(page):
    jobs = [make_replication_job(make_vm(f"vm-{n}"), status="replicating", progress_percent=5) for n in range(6)]
    polls = _poll_requests(page, "/overview/poll")
    opened = time.monotonic()
    page.goto("/")
    expect(page.get_by_role("progressbar")).to_have_count(6)
    # Waiting through the page lets Playwright deliver the request events.
    eventually(lambda: len(polls) >= 3, "the page polls while jobs run", 60, 0.1,
               pause=lambda seconds: page.wait_for_timeout(seconds * 1000))
    # 1 s interval: the first poll a second after the page opened, then one a second, for four
    # panels and six progress bars. A slow machine polls less often, never more.
    assert len(polls) <= (time.monotonic() - opened) / POLL_INTERVAL_SECONDS + 1
    for job in jobs:
        job.status = "completed"
        job.progress_percent = 100
    db.session.commit()
    expect(page.get_by_text("Nothing is running.")).to_be_visible()
    expect(page.locator("[data-poller]")).to_have_attribute("data-poll-stopped", "")  # the 286 was handled
    settled = len(polls)
    page.wait_for_timeout(3000)
    assert len(polls) == settled


def test_every_page_renders_for_the_screenshots(page):
    vm = make_vm("shot-01", last_operation_summary={
        "job_id": "jt-1", "operation_type": "test_failover", "status": "failed",
        "timestamp": "2025-10-01T10:00:00+00:00", "failed_step": "Preparing Drivers for Compatibility",
        "error_message": "Driver preparation failed", "actionable_steps": ["Retry the test failover"]})
    add_member(make_group("shots", make_schedule("shots")), vm)
    job = make_replication_job(vm, status="replicating", progress_percent=30)
    for path, name in (("/jobs/", "jobs"), (f"/jobs/{job.id}", "job-detail"), ("/vms/", "vms"),
                       ("/vms/shot-01", "vm-detail"), ("/discovery/", "discovery"), ("/groups/", "groups"),
                       ("/assignment/", "assignment-board")):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        shoot(page, name)
