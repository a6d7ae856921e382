"""Schedules pages: list, builder form with live preview, validation next to fields, actions."""
import html
import re

import pytest

from extensions import db
from models import ReplicationSchedule, ScheduleExecution, utcnow
from scheduler import lease
from sanitizer import sanitize_error
from tests.factories import add_member, make_group, make_replication_job, make_schedule, make_vm
from tests.support.statements import count_statements


def _schedule(name):
    return db.session.scalar(db.select(ReplicationSchedule).where(ReplicationSchedule.name == name))


FORM = {"name": "nightly", "schedule_type": "cron", "frequency": "weekly", "time": "02:30",
        "weekdays": ["MON", "WED"], "timezone": "Europe/London", "replication_type": "auto",
        "max_concurrent_jobs": "2", "retry_attempts": "3", "retry_delay_minutes": "30", "enabled": "true",
        "skip_if_running": "true", "interval_value": "15", "interval_unit": "minutes", "month_day": "1"}


def test_the_builder_turns_weekly_choices_into_a_cron_expression(client):
    response = client.post("/schedules/new", data=FORM)
    assert response.status_code == 302
    schedule = _schedule("nightly")
    assert schedule.cron_expression == "0 30 2 * * MON,WED"
    assert schedule.timezone == "Europe/London"


def test_every_n_minutes_becomes_a_step_expression(client):
    client.post("/schedules/new", data={**FORM, "frequency": "interval", "interval_value": "15"})
    assert _schedule("nightly").cron_expression == "0 */15 * * * *"


def test_every_7_minutes_is_a_real_interval_and_the_preview_says_so(client):
    client.post("/schedules/new", data={**FORM, "frequency": "interval", "interval_value": "7"})
    assert _schedule("nightly").cron_expression == "@every 7m"
    page = client.get("/schedules/preview", query_string={
        **FORM, "frequency": "interval", "interval_value": "7", "interval_unit": "minutes"}).get_data(as_text=True)
    assert "Every 7 minutes, counted on without restarting at each hour" in page
    assert page.count("7 minutes after the previous run") == 4 and "uneven gap" not in page


def test_a_custom_step_that_restarts_each_hour_shows_its_uneven_gap_in_the_preview(client):
    page = client.get("/schedules/preview", query_string={
        **FORM, "frequency": "custom", "cron_expression": "0 */7 * * * *"}).get_data(as_text=True)
    assert "then 4 minutes from :56 to the next :00" in page


def test_a_missing_name_is_reported_next_to_the_name_field_and_the_form_keeps_the_input(client):
    response = client.post("/schedules/new", data={**FORM, "name": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="name-error">Name must not be empty', page)
    assert 'value="02:30"' in page and "checked> Mon" in page.replace("\n", "")
    assert _schedule("") is None


def test_a_bad_custom_cron_names_the_faulty_field(client):
    response = client.post("/schedules/new", data={**FORM, "frequency": "custom", "cron_expression": "0 61 * * * *"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="cron_expression-error">Minute: 61 is out of range' in page
    assert 'value="0 61 * * * *"' in page


def test_a_builder_input_out_of_range_is_reported_next_to_it(client):
    response = client.post("/schedules/new", data={**FORM, "frequency": "interval", "interval_value": "0"})
    assert 'id="interval_value-error">Every N minutes: enter a whole number from 1 to 59' in response.get_data(as_text=True)


def test_the_preview_describes_the_schedule_and_lists_next_runs_in_its_zone(client):
    page = client.get("/schedules/preview", query_string={**FORM, "frequency": "daily"}).get_data(as_text=True)
    assert "Every day at 02:30 (Europe/London)" in page
    assert page.count("<li>") == 5
    assert "GMT" in page or "BST" in page


def test_the_preview_follows_the_configured_frequency_floor(app, client):
    every_30_seconds = {**FORM, "frequency": "custom", "cron_expression": "*/30 * * * * *"}
    refused = client.get("/schedules/preview", query_string=every_30_seconds).get_data(as_text=True)
    assert 'data-error-field="cron_expression"' in refused and "<li>" not in refused
    assert 'data-error="Frequency: fires every 30 seconds' in refused and refused.count("fires every 30") == 1
    app.config["MIN_SCHEDULE_INTERVAL_SECONDS"] = 10
    allowed = client.get("/schedules/preview", query_string=every_30_seconds).get_data(as_text=True)
    assert "data-error-field" not in allowed and allowed.count("<li>") == 5


def test_without_javascript_update_preview_marks_the_field_at_fault_and_shows_the_error_once(client):
    page = client.post("/schedules/new", data={**FORM, "frequency": "custom", "cron_expression": "0 0 25 * * *",
                                               "action": "preview"}).get_data(as_text=True)
    assert '<p class="field-error" id="cron_expression-error">Hour: 25 is out of range (0-23)</p>' in page
    assert 'aria-invalid="true"' in page.split('id="cron_expression"')[1].split(">")[0]
    assert page.lower().count("hour: 25") == 2  # the field's error, and the preview's data attribute read by JS
    assert _schedule("nightly") is None


def test_the_preview_marks_runs_moved_by_a_dst_change(client):
    page = client.get("/schedules/preview", query_string={
        **FORM, "frequency": "custom", "cron_expression": "0 30 1 * * *", "timezone": "Europe/London"}).get_data(
        as_text=True)
    assert "Every day at 01:30" in page


def test_the_preview_explains_an_invalid_expression_instead_of_failing(client):
    response = client.get("/schedules/preview", query_string={**FORM, "frequency": "custom",
                                                              "cron_expression": "* * * * * *"})
    assert response.status_code == 200
    assert "minimum interval is 60 seconds" in response.get_data(as_text=True)


def test_editing_shows_the_builder_filled_from_the_expression(client):
    schedule = make_schedule("daily", "0 15 3 * * *")
    page = client.get(f"/schedules/{schedule.id}/edit").get_data(as_text=True)
    assert 'id="freq-daily" name="frequency" value="daily" checked' in page
    assert 'value="03:15"' in page


def test_editing_saves_the_new_timing(client):
    schedule = make_schedule("daily", "0 15 3 * * *")
    client.post(f"/schedules/{schedule.id}/edit", data={**FORM, "name": "daily", "frequency": "monthly",
                                                        "month_day": "5", "time": "04:00"})
    db.session.expire_all()
    assert db.session.get(ReplicationSchedule, schedule.id).cron_expression == "0 0 4 5 * *"


def test_deleting_a_schedule_in_use_is_refused_with_the_group_names(client):
    schedule = make_schedule("busy")
    make_group("web-tier", schedule)
    response = client.post(f"/schedules/{schedule.id}/delete", data={"confirm": "yes"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Not deleted" in page and "web-tier" in page
    assert _schedule("busy") is not None


def test_disabling_a_schedule_from_the_list(client):
    schedule = make_schedule("toggle")
    client.post(f"/schedules/{schedule.id}/enabled", data={"enabled": "false", "next": "/schedules/"})
    db.session.expire_all()
    assert db.session.get(ReplicationSchedule, schedule.id).enabled is False


def test_a_list_action_returns_to_the_page_it_was_posted_from(client):
    schedule = make_schedule("back-home")
    response = client.post(f"/schedules/{schedule.id}/enabled", data={"enabled": "false", "next": "/schedules/?page=2"})
    assert response.headers["Location"] == "/schedules/?page=2"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "schedules/"])
def test_a_list_action_never_returns_to_another_site(client, target):
    schedule = make_schedule("stay-home")
    response = client.post(f"/schedules/{schedule.id}/enabled", data={"enabled": "false", "next": target})
    assert response.headers["Location"] == "/schedules/"


def test_a_viewer_sees_the_list_without_action_buttons(viewer_client):
    make_schedule("read-only")
    page = viewer_client.get("/schedules/").get_data(as_text=True)
    assert "read-only" in page and "Run now" not in page


def test_the_detail_shows_groups_vms_and_per_vm_outcomes(client):
    schedule = make_schedule("covered")
    group = make_group("db-tier", schedule)
    add_member(group, make_vm("db-01"))
    db.session.add(ScheduleExecution(
        id="exec-1", schedule_id=schedule.id, scheduled_at=utcnow(), status="completed", vms_eligible=2,
        jobs_created=1, jobs_skipped=1, triggered_by="manual",
        execution_details={"vms": [{"vm_name": "db-01", "job_id": "job-1"},
                                   {"vm_name": "db-02", "skip_reason": "vm_in_failover"}]}))
    db.session.commit()
    page = client.get(f"/schedules/{schedule.id}").get_data(as_text=True)
    assert "db-tier" in page and "db-01" in page
    assert "Skipped: The VM is failed over" in page and "job-1" in page
    assert "vm in failover" not in page and "vm_in_failover" not in page
    assert 'data-poller' in page and 'data-poll-active="0"' in page  # idle, but it still goes live


def test_each_vm_outcome_reads_as_what_happened_to_it(client):
    schedule = make_schedule("outcomes")
    db.session.add(ScheduleExecution(
        id="exec-3", schedule_id=schedule.id, scheduled_at=utcnow(), status="running", triggered_by="scheduler",
        execution_details={"vms": [
            {"vm_name": "a-1", "outcome": "failed", "reason": "server", "message": "The replication service failed"},
            {"vm_name": "a-2", "outcome": "dispatching", "reason": "timeout", "unanswered_at": "2026-01-01T00:00:00",
             "message": "The appliance did not confirm the start; waiting for its job"},
            {"vm_name": "a-3", "outcome": "skipped", "reason": "active_job",
             "message": "The appliance says this VM already has a replication job"},
            {"vm_name": "a-4", "outcome": "queued", "reason": "group_concurrency", "message": "Waiting: group g"}]}))
    db.session.commit()
    page = client.get(f"/schedules/{schedule.id}").get_data(as_text=True)
    assert "Failed: The replication service failed" in page and "server" not in page.split("Per-VM")[1]
    assert "Starting: The appliance did not confirm the start" in page and "timeout" not in page
    assert "Skipped: The appliance says this VM already has a replication job" in page
    assert "active job" not in page and "active_job" not in page
    assert "Waiting: group g" in page and "Waiting: Waiting" not in page


def test_a_vm_waiting_for_a_concurrency_slot_reads_as_waiting_never_as_skipped(client):
    schedule = make_schedule("waits")
    db.session.add(ScheduleExecution(
        id="exec-4", schedule_id=schedule.id, scheduled_at=utcnow(), status="running", triggered_by="scheduler",
        execution_details={"vms": [
            {"vm_name": "w-1", "outcome": "queued", "reason": "group_concurrency",
             "message": "Waiting: group g runs at most 1 VM(s) at a time"},
            {"vm_name": "w-2", "skip_reason": "schedule_concurrency"},  # an older writer: no state, no message
            {"vm_name": "w-3", "outcome": "failed", "reason": "unknown", "job_id": "job-9"}]}))
    db.session.commit()
    page = client.get(f"/schedules/{schedule.id}").get_data(as_text=True)
    outcomes = page.split("Per-VM outcomes")[1]
    assert "skipped" not in outcomes.lower()
    assert "Waiting: group g runs at most 1 VM(s) at a time" in outcomes
    assert "Waiting for a free slot: the schedule&#39;s limit" in outcomes
    assert "schedule concurrency" not in outcomes and "group concurrency" not in outcomes
    assert re.search(r"<strong>w-3</strong>:\s*<span class=\"status-failed\">Failed</span> — job", outcomes)


def test_the_detail_polls_while_an_execution_runs(client):
    schedule = make_schedule("running")
    db.session.add(ScheduleExecution(id="exec-2", schedule_id=schedule.id, scheduled_at=utcnow(), status="running"))
    db.session.commit()
    assert "data-poller" in client.get(f"/schedules/{schedule.id}").get_data(as_text=True)


def test_the_list_runs_the_same_number_of_statements_for_2_or_20_schedules(client):
    for _ in range(2):
        make_group(schedule=make_schedule())
    with count_statements(db.engine) as few:
        client.get("/schedules/")
    for _ in range(18):
        make_group(schedule=make_schedule())
    with count_statements(db.engine) as many:
        assert client.get("/schedules/").status_code == 200
    assert many.count == few.count


def test_the_list_refreshes_itself_and_polls_fast_while_a_run_is_under_way(client):
    schedule = make_schedule("listed")
    page = client.get("/schedules/?page=1").get_data(as_text=True)
    assert 'hx-get="/schedules/poll?page=1"' in page and 'data-poll-active="0"' in page
    version = re.search(r'id="schedules-list" data-fragment-version="(\w+)"', page).group(1)
    assert client.get("/schedules/poll", query_string={"v.schedules-list": version}).status_code == 204
    schedule.enabled = False
    db.session.add(ScheduleExecution(id="exec-l", schedule_id=schedule.id, scheduled_at=utcnow(), status="running"))
    db.session.commit()
    answer = client.get("/schedules/poll", query_string={"v.schedules-list": version, "page": "1"})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.headers["X-Poll-Active"] == "1"
    assert 'id="schedules-list"' in body and 'hx-swap-oob="true"' in body and "disabled" in body
    # The list's forms send the operator back to the list, not to the poll endpoint.
    assert 'name="next" value="/schedules/"' in body and "/schedules/poll" not in body


def test_running_a_disabled_schedule_now_is_refused_with_the_reason(client):
    schedule = make_schedule("paused", enabled=False)
    page = client.post(f"/schedules/{schedule.id}/run", follow_redirects=True).get_data(as_text=True)
    assert "Not started" in page and "is disabled" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(ScheduleExecution)) == 0


def _run_now_buttons(page):
    return re.findall(r'<form method="post" action="/schedules/[^"]+/run"[^>]*>.*?</form>', page, re.S)


def test_run_now_is_shown_disabled_on_a_disabled_schedule_with_the_reason(client):
    paused = make_schedule("paused", enabled=False)
    active = make_schedule("active")
    db.session.commit()
    listing = client.get("/schedules/").get_data(as_text=True)
    by_action = {re.search(r'action="/schedules/([^/]+)/run"', form).group(1): form
                 for form in _run_now_buttons(listing)}
    assert re.search(r"<button[^>]*\sdisabled[\s>]", by_action[paused.id]) and "enable it first" in by_action[paused.id]
    assert not re.search(r"<button[^>]*\sdisabled[\s>]", by_action[active.id])
    assert "enable it first" not in by_action[active.id]
    for schedule, refused in ((paused, True), (active, False)):
        [form] = _run_now_buttons(client.get(f"/schedules/{schedule.id}").get_data(as_text=True))
        assert bool(re.search(r"<button[^>]*\sdisabled[\s>]", form)) is refused
        assert ("enable it first" in form) is refused


def test_running_a_schedule_that_covers_no_vm_is_refused_and_records_nothing(client):
    schedule = make_schedule("empty")
    page = client.post(f"/schedules/{schedule.id}/run", follow_redirects=True).get_data(as_text=True)
    assert "Not started" in page and "covers no VM" in page and "started; its progress" not in page
    assert db.session.scalar(db.select(db.func.count()).select_from(ScheduleExecution)) == 0


def test_run_now_says_the_run_was_skipped_while_the_previous_one_runs(client):
    schedule = make_schedule("busy", skip_if_running=True)
    add_member(make_group(schedule=schedule), make_vm())
    db.session.add(ScheduleExecution(id="still-running", schedule_id=schedule.id, status="running",
                                     scheduled_at=utcnow(), started_at=utcnow(), triggered_by="scheduler"))
    db.session.commit()
    page = client.post(f"/schedules/{schedule.id}/run", follow_redirects=True).get_data(as_text=True)
    assert "did not run: its previous run is still running" in page and "started; its progress" not in page


def test_run_now_without_a_scheduler_says_the_run_has_not_started(client):
    schedule = make_schedule("waits-for-scheduler")
    add_member(make_group(schedule=schedule), make_vm())
    page = client.post(f"/schedules/{schedule.id}/run", follow_redirects=True).get_data(as_text=True)
    assert "has not started: no scheduler is running" in page and "started; its progress" not in page


def test_run_now_with_a_live_scheduler_says_it_started(client):
    schedule = make_schedule("live")
    add_member(make_group(schedule=schedule), make_vm())
    assert lease.try_acquire("host-a:1:aaaa", 20, engine_heartbeat_at=lease.database_now())
    page = client.post(f"/schedules/{schedule.id}/run", follow_redirects=True).get_data(as_text=True)
    assert "Schedule &#39;live&#39; started; its progress shows below." in page


def test_the_schedule_list_is_paged(client):
    for n in range(52):
        make_schedule(f"s-{n:02d}")
    first = client.get("/schedules/").get_data(as_text=True)
    second = client.get("/schedules/?page=2").get_data(as_text=True)
    assert "s-49" in first and "s-50" not in first and "Page 1 of 2" in first
    assert "s-51" in second and "s-00" not in second


def test_the_form_translates_its_checkboxes_and_numbers_for_the_domain(client):
    form = {key: value for key, value in FORM.items() if key != "skip_if_running"}  # unticked
    assert client.post("/schedules/new", data={**form, "max_concurrent_jobs": " 4 "}).status_code == 302
    schedule = _schedule("nightly")
    assert (schedule.enabled, schedule.skip_if_running, schedule.max_concurrent_jobs) == (True, False, 4)
    response = client.post("/schedules/new", data={**FORM, "name": "other", "retry_attempts": "3.5"})
    assert response.status_code == 422
    assert "Retry attempts must be a whole number" in response.get_data(as_text=True)
    client.post(f"/schedules/{schedule.id}/enabled", data={"enabled": "false", "next": "/schedules/"})
    client.post(f"/schedules/{schedule.id}/enabled", data={"enabled": "yes", "next": "/schedules/"})
    db.session.expire_all()
    assert _schedule("nightly").enabled is False  # only the form's own true/false values switch it


def test_the_new_form_ticks_no_weekday_and_weekly_without_a_day_is_a_field_error(client):
    page = client.get("/schedules/new").get_data(as_text=True)
    assert not re.search(r'name="weekdays" value="\w+" checked', page)
    form = {key: value for key, value in FORM.items() if key != "weekdays"}  # what a no-JS post of the new form sends
    response = client.post("/schedules/new", data=form)
    assert response.status_code == 422
    assert 'id="weekdays-error">Choose at least one day of the week.' in response.get_data(as_text=True)
    assert _schedule("nightly") is None


def test_skip_if_running_says_the_whole_run_is_skipped(client):
    page = client.get("/schedules/new").get_data(as_text=True)
    assert "Skip a run while the previous run of this schedule is still running" in page
    assert "The whole run is skipped and recorded as skipped" in page
    assert "Skip a VM whose previous replication" not in page


def _old_failed_execution(schedule, n: int, raw: str) -> None:
    entries = []
    for i in range(n):
        vm = make_vm(f"old-{schedule.name}-{i}")
        job = make_replication_job(vm, status="failed", error_message=raw, completed_at=utcnow())
        entries.append({"vm_name": vm.vm_name, "status": "failed", "job_id": job.id})  # an older writer: no message
    db.session.add(ScheduleExecution(id=f"exec-old-{schedule.name}", schedule_id=schedule.id, scheduled_at=utcnow(),
                                     status="failed", triggered_by="scheduler", execution_details={"vms": entries}))
    db.session.commit()


def test_a_failed_vm_stored_without_a_message_shows_its_jobs_error_in_one_query(client):
    raw = "failed to attach volume 5dbff3d8: Volume Daemon operation op-attach-7f3b2c1d timed out after 300s"
    words = sanitize_error("replication", raw).message
    few, many = make_schedule("few-failed"), make_schedule("many-failed")
    _old_failed_execution(few, 1, raw)
    _old_failed_execution(many, 6, raw)
    with count_statements(db.engine) as one:
        page = client.get(f"/schedules/{few.id}").get_data(as_text=True)
    outcomes = page.split("Per-VM outcomes")[1]
    assert f"Failed: {html.escape(words, quote=True)}" in outcomes, outcomes
    assert "op-attach" not in page and "Volume Daemon" not in page
    with count_statements(db.engine) as six:
        page = client.get(f"/schedules/{many.id}").get_data(as_text=True)
    assert page.split("Per-VM outcomes")[1].count(f"Failed: {html.escape(words, quote=True)}") == 6
    assert six.count == one.count


def test_every_31_days_is_refused_on_the_form_naming_the_field_and_monthly(client):
    response = client.post("/schedules/new", data={**FORM, "name": "monthly-ish", "frequency": "interval",
                                                   "interval_value": "31", "interval_unit": "days"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and _schedule("monthly-ish") is None
    assert 'id="interval_value-error">Every N days: enter a whole number from 1 to 15.' in page
    assert "choose Monthly instead" in page
