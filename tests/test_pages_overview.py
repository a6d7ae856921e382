"""Overview page: running jobs with progress, next runs, recent failures, one poller."""
import re

import pytest

from blueprints.pages.fragments import minute_of
from extensions import db
from models import utcnow
from tests.factories import add_member, make_group, make_replication_job, make_schedule, make_vm
from tests.support.statements import count_statements


def test_the_overview_shows_a_running_job_with_an_accessible_progress_bar(client):
    vm = make_vm("web-01")
    make_replication_job(vm, status="replicating", progress_percent=42.5)
    page = client.get("/").get_data(as_text=True)
    assert "web-01" in page
    assert 'role="progressbar" aria-valuenow="42" aria-valuemin="0" aria-valuemax="100"' in page


def test_the_overview_polls_slowly_while_idle_and_fast_while_something_runs(client):
    idle = client.get("/").get_data(as_text=True)
    assert 'data-poller' in idle and 'data-poll-active="0"' in idle
    assert 'data-poll-interval="2" data-poll-idle-interval="20"' in idle
    assert re.search(r"Updated <time>\d\d:\d\d:\d\d UTC</time>", idle)
    make_replication_job(make_vm(), status="replicating")
    assert 'data-poll-active="1"' in client.get("/").get_data(as_text=True)


def test_a_failure_is_shown_in_operator_words_with_what_to_do(client):
    make_replication_job(make_vm("db-02"), status="failed",
                         error_message="virt-v2v: error: libguestfs failed on /dev/vdb")
    page = client.get("/").get_data(as_text=True)
    assert "db-02" in page and "What you can do" in page
    assert "virt-v2v" not in page and "/dev/vdb" not in page and "libguestfs" not in page


def test_the_same_failure_of_several_vms_is_one_problem_listing_each_vm(client):
    for name in ("db-11", "db-12", "db-13"):
        make_replication_job(make_vm(name), status="failed", error_message="connection refused by 10.0.0.5:443")
    make_replication_job(make_vm("web-11"), status="failed", error_message="virt-v2v: error: libguestfs failed")
    page = client.get("/").get_data(as_text=True)
    failures = page[page.index('id="overview-failures"'):]
    assert failures.count('class="failure"') == 2
    assert "3 jobs" in failures
    for name in ("db-11", "db-12", "db-13", "web-11"):
        assert f">{name}</a>" in failures
    assert failures.count("<summary>What you can do</summary>") == 2


def test_the_next_run_of_an_enabled_schedule_is_listed_with_its_zone_named(client):
    make_schedule("nightly", "0 30 2 * * *", timezone="Europe/London")
    page = client.get("/").get_data(as_text=True)
    assert "nightly" in page
    assert " UTC</time>" in page


def test_with_the_scheduler_stopped_the_next_runs_say_they_will_not_start(client):
    make_schedule("nightly", "0 * * * * *")
    panel = client.get("/").get_data(as_text=True).split("Next scheduled runs</h2>")[1].split("</section>")[0]
    assert "No scheduler is running: these runs will not start" in panel
    assert "(will not start: the scheduler is not running)" in panel and "(in " not in panel


def test_with_the_scheduler_firing_the_next_runs_say_when(client):
    from scheduler import lease
    assert lease.try_acquire("host-a:1:aaaa", 20, engine_heartbeat_at=lease.database_now())
    make_schedule("nightly", "0 * * * * *")
    panel = client.get("/").get_data(as_text=True).split("Next scheduled runs</h2>")[1].split("</section>")[0]
    assert "will not start" not in panel and "(in " in panel


def _versions(page: str) -> dict:
    return dict(re.findall(r'id="([\w-]+)" data-fragment-version="(\w+)"', page))


def _within_one_minute(attempt):
    """Run `attempt` (a first paint and its polls) until one run starts and ends in the same
    wall-clock minute, and return what it returned. Every overview panel's state includes the
    minute (relative times move with the clock), so a run that crosses a minute boundary
    legitimately sees every panel change; it is tried again rather than judged."""
    for _ in range(3):
        minute = minute_of(utcnow())
        result = attempt()
        if minute_of(utcnow()) == minute:
            return result
    pytest.fail("three attempts in a row crossed a minute boundary")


def test_the_poll_answers_204_when_nothing_changed_and_only_the_changed_fragment_otherwise(client):
    vm = make_vm("app-01")
    job = make_replication_job(vm, status="replicating", progress_percent=10)

    def attempt():
        job.progress_percent = 10
        db.session.commit()
        versions = _versions(client.get("/").get_data(as_text=True))
        query = {f"v.{key}": value for key, value in versions.items()}
        unchanged = client.get("/overview/poll", query_string=query)
        job.progress_percent = 60
        db.session.commit()
        return unchanged, client.get("/overview/poll", query_string=query)

    unchanged, response = _within_one_minute(attempt)
    assert unchanged.status_code == 204
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="overview-running"' in body and 'hx-swap-oob="true"' in body
    assert 'id="overview-next-runs"' not in body
    assert 'aria-valuenow="60"' in body


def test_the_poll_keeps_going_once_nothing_runs_and_says_the_page_is_idle(client):
    job = make_replication_job(make_vm(), status="replicating")
    versions = _versions(client.get("/").get_data(as_text=True))
    job.status = "completed"
    db.session.commit()
    response = client.get("/overview/poll", query_string={f"v.{k}": v for k, v in versions.items()})
    assert response.status_code == 200  # never 286: the 02:00 run must still show up on this page
    assert response.headers["X-Poll-Active"] == "0"
    assert re.fullmatch(r"\d\d:\d\d:\d\d UTC", response.headers["X-Poll-Updated"])
    assert 'id="overview-running"' in response.get_data(as_text=True)
    versions = _versions(client.get("/").get_data(as_text=True))
    quiet = client.get("/overview/poll", query_string={f"v.{k}": v for k, v in versions.items()})
    assert quiet.status_code == 204 and quiet.headers["X-Poll-Active"] == "0"
    make_replication_job(make_vm(), status="replicating")
    woken = client.get("/overview/poll", query_string={f"v.{k}": v for k, v in versions.items()})
    assert woken.status_code == 200 and woken.headers["X-Poll-Active"] == "1"


def test_the_overview_runs_the_same_number_of_statements_for_1_or_30_running_jobs(client):
    schedule = make_schedule()
    make_group(schedule=schedule)
    make_replication_job(make_vm(), status="replicating")
    make_replication_job(make_vm(), status="failed", error_message="timeout")
    with count_statements(db.engine) as few:
        client.get("/")
    for _ in range(29):
        group = make_group(schedule=make_schedule())
        vm = make_vm()
        add_member(group, vm)
        make_replication_job(vm, status="replicating")
        make_replication_job(vm, status="failed", error_message="timeout")
    with count_statements(db.engine) as many:
        client.get("/")
    assert many.count == few.count


def test_a_poll_with_nothing_changed_reads_the_fingerprint_and_renders_nothing(client):
    for _ in range(5):
        make_replication_job(make_vm(), status="replicating")

    def attempt():
        query = {f"v.{k}": v for k, v in _versions(client.get("/").get_data(as_text=True)).items()}
        with count_statements(db.engine) as counter:
            response = client.get("/overview/poll", query_string=query)
        return response, counter

    response, counter = _within_one_minute(attempt)
    assert response.status_code == 204
    assert counter.count <= 3  # the user, the scheduler lease, the job fingerprint


def _panel(html: str, panel_id: str) -> str:
    return re.search(rf'<section id="{panel_id}" .*?</section>', html, re.S).group(0)


def test_a_poll_answer_carries_each_panel_in_the_markup_of_the_first_paint_as_an_oob_swap(client):
    make_replication_job(make_vm("app-02"), status="replicating", progress_percent=30)

    def attempt():
        return client.get("/").get_data(as_text=True), client.get("/overview/poll")  # no versions: all changed

    page, response = _within_one_minute(attempt)
    body = response.get_data(as_text=True)
    for panel_id, label in (("overview-running", "Running jobs"), ("overview-health", "Scheduler health"),
                            ("overview-next-runs", "Next scheduled runs"), ("overview-failures", "Recent failures")):
        first = _panel(page, panel_id)
        assert f'class="panel" aria-label="{label}">' in first
        assert _panel(body, panel_id) == first.replace(f'aria-label="{label}">',
                                                       f'aria-label="{label}" hx-swap-oob="true">', 1)
