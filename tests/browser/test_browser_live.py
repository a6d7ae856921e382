"""Live pages in a real browser: a progress bar moves without reloading; one poll per interval, slower when
idle, none while hidden or once the subject is finished; the page says how fresh it is.

The scheduler engine does not run in these tests; the test plays the part of the appliance by
writing the replication job and its progress into `replication_jobs`, as the OMA does.
"""
import re
import time

from playwright.sync_api import expect

from extensions import db
from models import ScheduleExecution
from tests.browser.conftest import shoot
from tests.factories import add_member, make_group, make_replication_job, make_schedule, make_vm
from tests.support.polling import eventually


POLL_INTERVAL_SECONDS = 1  # PAGE_POLL_INTERVAL_SECONDS in tests/browser/conftest.py
IDLE_POLL_INTERVAL_SECONDS = 3  # PAGE_IDLE_POLL_INTERVAL_SECONDS there


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
    expect(page.get_by_text("The run of 'run-me' is requested")).to_be_visible()  # no scheduler in these tests
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


def test_one_poll_per_interval_whatever_the_number_of_panels_and_slow_polls_once_nothing_runs(page):
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
    poller = page.locator("[data-poller]")
    expect(poller).to_have_attribute("data-poll-active", "0")
    settled, since = len(polls), time.monotonic()
    page.wait_for_timeout(7000)
    # Idle: one poll every IDLE_POLL_INTERVAL_SECONDS, not one a second, and never none.
    assert 1 <= len(polls) - settled <= (time.monotonic() - since) / IDLE_POLL_INTERVAL_SECONDS + 1
    expect(poller).not_to_have_attribute("data-poll-stopped", "")


def test_an_idle_page_goes_live_when_a_run_starts_and_says_how_fresh_it_is(page):
    page.goto("/")
    expect(page.get_by_text("Nothing is running.")).to_be_visible()
    poller = page.locator("[data-poller]")
    expect(poller).to_have_attribute("data-poll-active", "0")
    first = poller.inner_text()
    assert re.fullmatch(r"Updated \d\d:\d\d:\d\d UTC", first.strip())
    job = make_replication_job(make_vm("night-01"), status="replicating", progress_percent=7)
    bar = page.get_by_role("progressbar", name="Replication of night-01")
    expect(bar).to_have_attribute("aria-valuenow", "7")  # within one idle interval, without a reload
    expect(poller).to_have_attribute("data-poll-active", "1")
    expect(poller).not_to_have_text(first)
    job.progress_percent = 55
    db.session.commit()
    expect(bar).to_have_attribute("aria-valuenow", "55")
    shoot(page, "overview-live")


def test_a_hidden_tab_does_not_poll_and_polls_at_once_when_shown_again(page):
    make_replication_job(make_vm("hid-01"), status="replicating", progress_percent=1)
    polls = _poll_requests(page, "/overview/poll")
    page.goto("/")
    eventually(lambda: len(polls) >= 1, "the page polls", 30, 0.1,
               pause=lambda seconds: page.wait_for_timeout(seconds * 1000))
    page.evaluate("""() => { Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
                             document.dispatchEvent(new Event("visibilitychange")); }""")
    page.wait_for_timeout(1500)  # an answer in flight may still land
    hidden_from = len(polls)
    page.wait_for_timeout(4000)
    assert len(polls) == hidden_from
    page.evaluate("""() => { Object.defineProperty(document, "hidden", {configurable: true, get: () => false});
                             document.dispatchEvent(new Event("visibilitychange")); }""")
    eventually(lambda: len(polls) > hidden_from, "a poll as soon as the tab is shown", 5, 0.1,
               pause=lambda seconds: page.wait_for_timeout(seconds * 1000))


def test_a_job_detail_stops_polling_once_the_job_is_finished_for_good(page):
    job = make_replication_job(make_vm("end-01"), status="replicating", progress_percent=90)
    polls = _poll_requests(page, f"/jobs/{job.id}/poll")
    page.goto(f"/jobs/{job.id}")
    poller = page.locator("[data-poller]")
    expect(poller).to_have_attribute("data-poll-active", "1")
    job.status = "completed"
    job.progress_percent = 100
    db.session.commit()
    expect(poller).to_have_attribute("data-poll-stopped", "")
    expect(poller).to_contain_text("Finished · updated")
    settled = len(polls)
    page.wait_for_timeout(3000)
    assert len(polls) == settled


def test_a_failed_poll_says_the_page_is_stale(page, live_server):
    page.goto("/")
    poller = page.locator("[data-poller]")
    page.route("**/overview/poll*", lambda route: route.fulfill(status=503, body="down"))
    expect(poller).to_contain_text("Not updated since", timeout=15_000)
    expect(poller).to_have_class(re.compile(r"\bstale\b"))
    page.unroute("**/overview/poll*")
    expect(poller).to_contain_text("Updated ", timeout=15_000)
    expect(poller).not_to_have_class(re.compile(r"\bstale\b"))


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
