"""Job and step ids follow the code through nested calls and into threads, and land in log_events."""
from __future__ import annotations

import logging
import threading

import pytest

from joblog import current_job_id, current_step_id, get_tracker, start_thread
from tests.support.joblog_rows import stored_logs

pytestmark = pytest.mark.both_dbs

log = logging.getLogger("tests.joblog.context")


@pytest.fixture(autouse=True)
def tracker(app):
    # Migrations run in this process call logging.config.fileConfig, which disables loggers that
    # already exist, such as this module's.
    log.disabled = False
    tracker = get_tracker()
    yield tracker
    tracker.close()


def logged(tracker, job_id):
    tracker.log_handler.flush()
    return [(entry.message, entry.step_id) for entry in stored_logs(tracker.engine, job_id)]


def deep_call(depth: int):
    """Stands for service code several calls away from the step that runs it."""
    if depth:
        return deep_call(depth - 1)
    log.info("deep inside")
    return current_job_id(), current_step_id()


def test_outside_any_job_there_is_no_current_job_or_step():
    assert (current_job_id(), current_step_id()) == (None, None)


def test_the_job_block_makes_its_job_current_and_restores_the_outer_one(tracker):
    with tracker.job("scheduler", "execute-schedule") as outer:
        with tracker.job("failover", "test-failover") as inner:
            assert current_job_id() == inner
        assert current_job_id() == outer
    assert current_job_id() is None


def test_the_step_block_makes_its_job_and_step_current_in_nested_calls(tracker):
    job_id = tracker.start_job("failover", "test-failover")
    with tracker.step(job_id, "vm-validation") as step_id:
        assert deep_call(5) == (job_id, step_id)
    assert (current_job_id(), current_step_id()) == (None, None)


def test_the_context_is_restored_when_a_step_fails(tracker):
    with tracker.job("failover", "test-failover") as job_id:
        with pytest.raises(RuntimeError):
            with tracker.step(job_id, "snapshot"):
                raise RuntimeError("boom")
        assert (current_job_id(), current_step_id()) == (job_id, None)


def test_any_logger_used_inside_a_step_writes_with_the_job_and_step_ids(tracker):
    with tracker.job("failover", "test-failover") as job_id:
        log.info("before the step")
        with tracker.step(job_id, "vm-validation") as step_id:
            deep_call(3)
            logging.getLogger("some.library").warning("library warning")
    assert logged(tracker, job_id) == [("before the step", None), ("deep inside", step_id),
                                       ("library warning", step_id)]


def test_logs_outside_any_job_from_other_loggers_are_not_written(tracker):
    with tracker.job("failover", "test-failover") as job_id:
        pass
    log.info("not part of any job")
    tracker.log_handler.flush()
    assert tracker.log_handler.written == 0
    assert logged(tracker, job_id) == []


def test_logs_of_the_joblog_loggers_outside_any_job_are_written_without_a_job(tracker):
    logging.getLogger("joblog.maintenance").info("pruned old jobs")
    tracker.log_handler.flush()
    assert tracker.log_handler.written == 1


def test_a_thread_started_inside_a_step_logs_with_that_step(tracker):
    seen = []
    job_id = tracker.start_job("failover", "live-failover")
    with tracker.step(job_id, "multi-volume-snapshot-creation") as step_id:
        thread = start_thread(lambda label: (seen.append((current_job_id(), current_step_id())),
                                             log.info("worker %s", label)), "a", name="snapshot-worker")
        thread.join()
    assert thread.name == "snapshot-worker" and thread.daemon
    assert seen == [(job_id, step_id)]
    assert logged(tracker, job_id) == [("worker a", step_id)]


def test_a_thread_keeps_its_step_after_the_step_that_started_it_has_ended(tracker):
    go = threading.Event()
    job_id = tracker.start_job("failover", "live-failover")
    with tracker.step(job_id, "copy") as step_id:
        thread = start_thread(lambda: (go.wait(20), log.info("late")))
    go.set()
    thread.join()
    assert logged(tracker, job_id) == [("late", step_id)]


def test_a_plain_thread_does_not_inherit_the_job(tracker):
    seen = []
    with tracker.job("failover", "test-failover"):
        thread = threading.Thread(target=lambda: seen.append(current_job_id()))
        thread.start()
        thread.join()
    assert seen == [None]


def test_jobs_running_in_parallel_threads_keep_their_own_ids(tracker):
    results = {}
    start = threading.Barrier(4)

    def run(n):
        with tracker.job("failover", f"failover-{n}") as job_id:
            start.wait()
            with tracker.step(job_id, "work"):
                for i in range(20):
                    log.info("job %d event %d", n, i)
            results[n] = job_id

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n, job_id in results.items():
        assert [message for message, _ in logged(tracker, job_id)] == [f"job {n} event {i}" for i in range(20)]


def test_every_log_event_of_a_job_carries_its_external_job_id(tracker):
    from models import LogEvent
    from extensions import db
    with tracker.job("failover", "live-failover", external_job_id="unified-live-failover-pgtest2-1758553933"):
        log.info("started")
    tracker.log_handler.flush()
    assert db.session.query(LogEvent.external_job_id).all() == [("unified-live-failover-pgtest2-1758553933",)]


def test_two_apps_in_one_process_write_job_logs_to_their_own_databases(tracker, sqlite_template, tmp_path):
    from app import create_app
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other_app = create_app({"TESTING": True, "SECRET_KEY": "x", "BACKGROUND_SERVICES": False,
                            "SCHEDULER_ENABLED": False, "DEMO": False,
                            "SQLALCHEMY_DATABASE_URI": sqlite_template.fresh_url(other_dir)})
    other = other_app.extensions["joblog"]
    try:
        with tracker.job("failover", "here") as here:
            log.info("for this app")
        with other.job("failover", "there") as there:
            log.info("for the other app")
        assert logged(tracker, here) == [("for this app", None)]
        assert logged(other, there) == [("for the other app", None)]
        assert (tracker.log_handler.written, other.log_handler.written) == (1, 1)
    finally:
        other.close()
