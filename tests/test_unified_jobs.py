"""Unified jobs: one newest-first list over both tables, filters, paging, smart lookup, summaries."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

import jobs
from domain_errors import NotFound, ValidationError
from extensions import db
from joblog import get_tracker
from models import LogEvent, VMReplicationContext
from sanitizer import find_forbidden
from tests.factories import T0, make_operation, make_replication_job, make_vm
from tests.support.statements import count_statements

pytestmark = pytest.mark.both_dbs

def replication(vm, minutes=0, status="completed", **kw):
    return make_replication_job(vm, status=status, started_at=T0 + timedelta(minutes=minutes), **kw)


def test_replications_and_operations_are_merged_newest_first(app):
    vm = make_vm("pgtest1")
    old = replication(vm, minutes=0)
    failover = make_operation(vm, "test", minutes=10)
    new = replication(vm, minutes=20)

    page = jobs.list_jobs()

    assert [item["job_id"] for item in page.items] == [new.id, failover.id, old.id]
    assert [item["data_source"] for item in page.items] == ["replication_jobs", "job_tracking", "replication_jobs"]


def test_items_carry_the_seed_s_fields(app):
    vm = make_vm("pgtest1")
    make_operation(vm, "test", status="completed", steps=[("validation", "completed", None)])

    (item,) = jobs.list_jobs().items

    assert set(item) >= {"job_id", "external_job_id", "job_type", "status", "progress", "started_at",
                         "completed_at", "display_name", "current_step", "error_message", "error_category",
                         "actionable_steps", "data_source", "duration_seconds"}
    assert (item["job_type"], item["display_name"], item["duration_seconds"]) == ("test_failover", "Test Failover",
                                                                                  25)


def test_job_types_are_told_apart(app):
    vm = make_vm()
    replication(vm, minutes=0)
    make_operation(vm, "test", minutes=1)
    make_operation(vm, "live", minutes=2)
    make_operation(vm, "rollback", minutes=3)

    assert [item["job_type"] for item in jobs.list_jobs().items] == ["rollback", "live_failover", "test_failover",
                                                                     "replication"]


def test_a_failed_operation_shows_the_sanitized_error_of_its_failed_step(app):
    vm = make_vm("pgtest1")
    make_operation(vm, "test", status="failed", steps=[
        ("validation", "completed", None),
        ("virtio-driver-injection", "failed", "virt-v2v: exit code 1 while writing /dev/vdb")])

    (item,) = jobs.list_jobs().items

    assert item["current_step"] == "Preparing Drivers for Compatibility"
    assert item["error_category"] == "compatibility"
    assert item["actionable_steps"]
    assert find_forbidden(item["error_message"]) == []


def test_a_failed_replication_shows_a_sanitized_error(app):
    vm = make_vm()
    replication(vm, status="failed", error_message="nbdkit: connection refused to 10.0.0.5:10809 (/dev/nbd0)")

    (item,) = jobs.list_jobs().items

    assert (item["status"], item["error_category"]) == ("failed", "connectivity")
    assert "/dev/" not in item["error_message"] and "10.0.0.5" not in item["error_message"]


def test_replication_statuses_are_unified(app):
    vm = make_vm()
    replication(vm, status="replicating", minutes=1)
    replication(vm, status="pending", minutes=0)

    assert [item["status"] for item in jobs.list_jobs().items] == ["running", "pending"]


def test_jobs_can_be_filtered_by_type_status_vm_and_time(app):
    web, db_vm = make_vm("web"), make_vm("db")
    replication(web, minutes=0, status="failed", error_message="boom")
    replication(db_vm, minutes=5)
    wanted = make_operation(web, "live", minutes=10, status="failed", error="boom")
    make_operation(web, "rollback", minutes=15)
    make_operation(web, "live", minutes=60 * 24, status="failed")

    flt = jobs.build_filter(job_type="live_failover,replication", status="failed", vm="web",
                            since=T0 + timedelta(minutes=1), until=T0 + timedelta(hours=1))

    assert [item["job_id"] for item in jobs.list_jobs(flt).items] == [wanted.id]


@pytest.mark.parametrize("kwargs, field", [
    ({"job_type": "backup"}, "job_type"),
    ({"status": "exploded"}, "status"),
    ({"since": T0, "until": T0 - timedelta(hours=1)}, "since"),
])
def test_bad_filters_name_their_field(app, kwargs, field):
    with pytest.raises(ValidationError) as excinfo:
        jobs.build_filter(**kwargs)

    assert field in excinfo.value.errors


def test_cursor_pages_walk_the_whole_list_without_gaps_or_repeats(app):
    vm = make_vm()
    expected = []
    for minute in range(7):
        expected.append(replication(vm, minutes=minute).id)
        expected.append(make_operation(vm, "test", minutes=minute).id)  # same start time as the replication
    seen, cursor = [], None
    while True:
        page = jobs.list_jobs(per_page=3, cursor=cursor)
        seen += [item["job_id"] for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break

    assert sorted(seen) == sorted(expected)
    assert len(seen) == len(set(seen)) == 14


def test_page_paging_reports_the_total(app):
    vm = make_vm()
    for minute in range(5):
        replication(vm, minutes=minute)

    page = jobs.list_jobs(per_page=2, page=3)

    assert (len(page.items), page.total, page.pages) == (1, 5, 3)


def test_a_foreign_cursor_is_refused_by_name(app):
    with pytest.raises(ValidationError) as excinfo:
        jobs.list_jobs(cursor="not-a-cursor")

    assert "cursor" in excinfo.value.errors


def test_a_page_of_the_list_uses_a_fixed_number_of_statements(app):
    vms = [make_vm() for _ in range(6)]
    for index, vm in enumerate(vms):
        replication(vm, minutes=index)
        make_operation(vm, "test", minutes=index, steps=[("validation", "completed", None)])

    with count_statements(db.engine) as small:
        jobs.list_jobs(per_page=2)
    with count_statements(db.engine) as large:
        jobs.list_jobs(per_page=12)

    # The jobs are older than every look-back window: each window is tried, then the whole list.
    assert small.count == large.count <= 6


def test_the_newest_page_of_a_busy_day_is_read_in_one_statement_before_loading_its_rows(app):
    now = datetime.now(timezone.utc)
    vms = [make_vm() for _ in range(4)]
    for index, vm in enumerate(vms):
        make_replication_job(vm, status="completed", started_at=now - timedelta(minutes=index + 1),
                             completed_at=now - timedelta(minutes=index))
        make_operation(vm, "test", started_at=now - timedelta(minutes=index + 2), steps=[("validation", "completed", None)])

    with count_statements(db.engine) as counted:
        page = jobs.list_jobs(per_page=3)

    assert len(page.items) == 3 and page.next_cursor is not None
    assert counted.count == 3  # the page's rows (within the last day), replications, JobLog jobs with their steps


def test_jobs_of_every_age_are_listed_newest_first_and_walked_by_cursor_across_look_back_windows(app):
    now = datetime.now(timezone.utc)
    vm = make_vm()
    ages = [timedelta(hours=1), timedelta(days=3), timedelta(days=40), timedelta(days=400), timedelta(hours=5)]
    made = {}
    for age in ages:
        made[age] = make_replication_job(vm, status="completed", started_at=now - age,
                                         completed_at=now - age + timedelta(minutes=5)).id
    made[timedelta(days=20)] = make_operation(vm, "test", started_at=now - timedelta(days=20)).id
    expected = [made[age] for age in sorted(made)]

    assert [item["job_id"] for item in jobs.list_jobs(per_page=10).items] == expected
    seen, cursor = [], None
    while True:
        page = jobs.list_jobs(per_page=2, cursor=cursor)
        seen += [item["job_id"] for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected
    assert [item["job_id"] for item in jobs.list_jobs(per_page=2, page=2).items] == expected[2:4]


def test_the_lookup_prefers_a_joblog_id_then_an_external_id_then_a_context_id(app):
    vm = make_vm("pgtest2")
    older = make_operation(vm, "live", minutes=0, external_job_id="unified-live-failover-pgtest2-1758553933")
    newest = replication(vm, minutes=30)

    assert jobs.find_job_by_any_id(older.id)["matched_by"] == "joblog_id"
    by_external = jobs.find_job_by_any_id("unified-live-failover-pgtest2-1758553933")
    assert (by_external["job_id"], by_external["matched_by"]) == (older.id, "external_job_id")
    assert jobs.find_job_by_any_id(newest.id)["matched_by"] == "replication_job_id"
    by_context = jobs.find_job_by_any_id(vm.context_id)
    assert (by_context["job_id"], by_context["matched_by"]) == (newest.id, "context_id")


def test_a_context_id_finds_the_last_created_replication_of_a_busy_vm_or_a_later_operation(app):
    vm = make_vm("busy")
    for minute in range(0, 60, 5):  # ids carry their creation time, as the OMA writes them
        at = T0 + timedelta(minutes=minute)
        replication(vm, minutes=minute, id=f"job-{at:%Y%m%d-%H%M%S}.000-{minute:06x}")
    last = f"job-{T0 + timedelta(minutes=55):%Y%m%d-%H%M%S}.000-{55:06x}"
    older_operation = make_operation(vm, "test", minutes=30)

    assert jobs.find_job_by_any_id(vm.context_id)["job_id"] == last

    later_operation = make_operation(vm, "live", minutes=70)
    found = jobs.find_job_by_any_id(vm.context_id)
    assert (found["job_id"], found["matched_by"]) == (later_operation.id, "context_id")
    assert older_operation.id != later_operation.id


def test_the_lookup_of_an_unknown_id_is_not_found(app):
    with pytest.raises(NotFound):
        jobs.find_job_by_any_id("nothing-like-this")


def test_the_lookup_is_one_statement_for_any_kind_of_id(app):
    vm = make_vm()
    job = make_operation(vm, "test")
    context_id, external_id = vm.context_id, job.external_job_id  # loaded now, not inside the counted blocks

    with count_statements(db.engine) as by_job:
        jobs.resolve_any_id(external_id)
    with count_statements(db.engine) as by_context:
        jobs.resolve_any_id(context_id)

    assert (by_job.count, by_context.count) == (1, 1)


def test_progress_lists_the_steps_with_operator_names(app):
    vm = make_vm()
    job = make_operation(vm, "test", status="running", percent_complete=40, steps=[
        ("validation", "completed", None), ("multi-volume-snapshot-creation", "running", None)])

    progress = jobs.job_progress(job.external_job_id)

    assert [step["name"] for step in progress["steps"]] == ["Pre-flight Validation", "Creating Backup Snapshots"]
    assert (progress["current_step"], progress["progress"], progress["is_active"]) == (
        "Creating Backup Snapshots", 40.0, True)
    # The total is the steps a test failover runs, not the steps recorded so far.
    assert (progress["steps_completed"], progress["steps_total"]) == (1, len(jobs.items.KNOWN_STEPS["test_failover"]))


def test_the_log_tail_returns_lines_after_the_given_id_scrubbed(app):
    vm = make_vm()
    job = make_operation(vm, "test", status="running")
    for index in range(3):
        db.session.add(LogEvent(job_id=job.id, level="INFO", message=f"line {index} via /usr/bin/virt-v2v",
                                ts=T0))
    db.session.commit()

    first = jobs.job_logs(job.id, after_id=0, limit=2)
    rest = jobs.job_logs(job.id, after_id=first["last_id"])

    assert [line["message"].split()[1] for line in first["logs"] + rest["logs"]] == ["0", "1", "2"]
    assert all(find_forbidden(line["message"]) == [] for line in first["logs"])
    assert first["has_more"] is True and rest["has_more"] is False


def test_the_log_tail_mode_returns_the_newest_lines_oldest_first(app):
    vm = make_vm()
    job = make_operation(vm, "test", status="running")
    for index in range(5):
        db.session.add(LogEvent(job_id=job.id, level="INFO", message=f"line {index} on /dev/vdb", ts=T0))
    db.session.commit()

    tail = jobs.job_logs(job.id, limit=2, tail=True)

    assert [line["message"].split()[1] for line in tail["logs"]] == ["3", "4"]
    assert all(find_forbidden(line["message"]) == [] for line in tail["logs"])


def test_the_operation_summary_is_written_with_the_reference_keys(app):
    vm = make_vm("pgtest1")
    job = make_operation(vm, "test", status="failed", percent_complete=60, steps=[
        ("validation", "completed", None), ("vm-creation", "completed", None),
        ("virtio-driver-injection", "failed", "virt-v2v failed with exit code 1")])

    summary = jobs.write_operation_summary(vm.context_id, job.id)

    stored = db.session.get(VMReplicationContext, vm.context_id).last_operation_summary
    assert stored == summary
    assert set(summary) == set(jobs.summary.SUMMARY_KEYS)
    assert (summary["operation_type"], summary["status"], summary["failed_step"]) == (
        "test_failover", "failed", "Preparing Drivers for Compatibility")
    assert (summary["steps_completed"], summary["steps_total"], summary["progress"]) == (2, 3, 60.0)
    assert summary["error_category"] == "compatibility"


def test_the_summary_counts_the_planned_steps_when_given(app):
    vm = make_vm()
    job = make_operation(vm, "live", status="failed", steps=[("validation", "failed", "VM is not ready")])

    summary = jobs.write_operation_summary(vm.context_id, job.id, steps_total=8)

    assert (summary["steps_completed"], summary["steps_total"], summary["error_category"]) == (0, 8, "configuration")


def test_a_successful_operation_summary_has_no_error_fields(app):
    vm = make_vm()
    job = make_operation(vm, "rollback", status="completed", steps=[("test-vm-deletion", "completed", None)])

    summary = jobs.write_operation_summary(vm.context_id, job.id)

    assert (summary["operation_type"], summary["status"]) == ("rollback", "completed")
    assert "error_message" not in summary


# -- jobs written by JobLog, read back here -----------------------------------------------------

@pytest.fixture
def tracker(app):
    tracker = get_tracker()
    yield tracker
    tracker.close()


def test_a_job_the_tracker_wrote_is_found_by_its_id_its_external_id_and_its_vm(tracker):
    vm = make_vm("pgtest2")
    context_id = vm.context_id
    job_id = tracker.start_job("failover", "live-failover", context_id=context_id, job_category="failover",
                               external_job_id="unified-live-failover-pgtest2-1758553933")

    found = {any_id: jobs.find_job_by_any_id(any_id)
             for any_id in (job_id, "unified-live-failover-pgtest2-1758553933", context_id)}

    assert [(item["job_id"], item["matched_by"]) for item in found.values()] == [
        (job_id, "joblog_id"), (job_id, "external_job_id"), (job_id, "context_id")]
    assert found[job_id]["job_type"] == "live_failover"


def test_the_progress_of_a_job_the_tracker_wrote_counts_its_steps_and_names_the_latest(tracker):
    vm = make_vm()
    job_id = tracker.start_job("failover", "live-failover", context_id=vm.context_id)
    tracker.run_step(job_id, "vm-validation", lambda: None)
    tracker.skip_step(job_id, "power-off-source", "already off")
    with pytest.raises(ValueError):
        tracker.run_step(job_id, "multi-volume-snapshot-creation", lambda: int("x"))
    tracker.start_step(job_id, "virtio-driver-injection")
    tracker.mark_progress(job_id, 70)

    progress = jobs.job_progress(job_id)

    assert [(step["seq"], step["status"]) for step in progress["steps"]] == [
        (1, "completed"), (2, "skipped"), (3, "failed"), (4, "running")]
    # completed or skipped, of the steps a live failover runs
    assert (progress["steps_completed"], progress["steps_total"]) == (2, len(jobs.items.KNOWN_STEPS["live_failover"]))
    assert (progress["status"], progress["progress"], progress["is_active"]) == ("running", 70.0, True)
    assert progress["current_step"] == "Preparing Drivers for Compatibility"
    assert progress["steps"][2]["error_message"] and "int(" not in progress["steps"][2]["error_message"]


def test_the_log_of_a_job_the_tracker_wrote_is_tailed_then_followed_after_an_id(tracker):
    import logging
    logger = logging.getLogger("joblog.tests.unified")
    with tracker.job("failover", "test-failover") as job_id:
        with tracker.step(job_id, "virtio-driver-injection"):
            for n in range(5):
                logger.info("event %d", n)
    assert tracker.log_handler.flush()

    newest = jobs.job_logs(job_id, limit=3, tail=True)
    first_two = jobs.job_logs(job_id, after_id=0, limit=2)
    rest = jobs.job_logs(job_id, after_id=first_two["last_id"])

    assert [line["message"] for line in newest["logs"]] == ["event 2", "event 3", "event 4"]
    assert [line["message"] for line in first_two["logs"]] == ["event 0", "event 1"]
    assert [line["message"] for line in rest["logs"]] == ["event 2", "event 3", "event 4"]
    assert {line["step"] for line in newest["logs"]} == {"Preparing Drivers for Compatibility"}


@pytest.mark.parametrize("unknown", ["ctx-b", str(uuid.UUID(int=7)), "", "   ", None, 42, "x" * 256])
def test_an_id_nobody_knows_resolves_to_nothing(app, unknown):
    vm = make_vm("a")
    make_operation(vm, "test", external_job_id="ext-a")

    assert jobs.resolve_any_id(unknown) is None
    for reader in (jobs.find_job_by_any_id, jobs.job_progress, jobs.job_logs):
        with pytest.raises(NotFound):
            reader(unknown)


def test_the_lookup_never_reads_log_messages_or_attributes(app):
    vm = make_vm()
    job = make_operation(vm, "test")
    db.session.add(LogEvent(job_id=job.id, external_job_id="seen-only-in-a-log", level="INFO", message="x", ts=T0))
    db.session.commit()

    with count_statements(db.engine) as counted:
        assert jobs.resolve_any_id("seen-only-in-a-log") is None

    assert counted.count == 1
    assert not any("log_events" in statement for statement in counted.statements)


@pytest.mark.mariadb_only
def test_every_table_the_lookup_reads_is_read_through_an_index_on_mariadb(app):
    from sqlalchemy import event as sa_event
    for n in range(30):
        vm = make_vm(f"vm{n}")
        make_operation(vm, "test", minutes=n, external_job_id=f"ext-{n}")
        replication(vm, minutes=n)
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert jobs.resolve_any_id("nothing-matches") is None
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    [(statement, parameters)] = statements
    with db.engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN " + statement, parameters).mappings().all()
    tables = [row for row in plan if row["table"] and not row["table"].startswith("<")]  # not derived rows
    assert {row["table"] for row in tables} >= {"job_tracking", "replication_jobs"}
    assert all(row["type"] != "ALL" for row in tables), plan
