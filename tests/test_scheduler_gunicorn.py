"""`gunicorn -w 3 wsgi:app`, with and without `--preload`: one worker leads, slots fire once.

With `--preload` the master imports the app before forking: it must stay out of the election
(it never starts the service) and the fork hooks give each worker its own service.
An orderly shutdown hands the lease back, and a worker sent SIGTERM still stops as gunicorn stops it.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from extensions import db
from models import ScheduleExecution
from scheduler import lease
from tests.factories import make_schedule
from tests.support.polling import eventually
from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[1]



@pytest.fixture
def gunicorn(database_url, tmp_path):
    """Start gunicorn with three workers on the test database; yields (process, log path)."""
    started = []

    def start(*options: str, env: dict | None = None):
        log_path = tmp_path / "gunicorn.log"
        env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "instance"),
               "SECRET_KEY": "gunicorn-test", "MIN_SCHEDULE_INTERVAL_SECONDS": "1", "SCHEDULER_TICK_SECONDS": "0.5",
               "SCHEDULER_ENABLED": "1", "DEMO": "0", "ADMIN_PASSWORD": "gunicorn-admin-pass", **(env or {})}
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", "3", "-b", f"127.0.0.1:{free_port()}", *options, "wsgi:app"],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        return process, log_path

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def slot_rows(schedule_id: str) -> list[ScheduleExecution]:
    return db.session.scalars(select(ScheduleExecution).where(ScheduleExecution.schedule_id == schedule_id)
                              .order_by(ScheduleExecution.scheduled_at)).all()


@pytest.mark.parametrize("options", [(), ("--preload",)], ids=["workers import the app", "preload"])
def test_exactly_one_gunicorn_worker_leads_and_each_slot_fires_once(app, gunicorn, options):
    # Not skip-if-running: on a loaded machine an execution may still be "running" when the next
    # second's slot comes, which would (rightly) record that slot as skipped.
    schedule_id = make_schedule(cron_expression="* * * * * *", skip_if_running=False).id
    master, log_path = gunicorn(*options)

    def log_tail() -> str:
        return "\n" + log_path.read_text(errors="replace")[-3000:]

    # Generous deadlines: three workers importing the app on a loaded 2-core CI machine take a while.
    # Each check starts a new transaction: what follows reads what the workers committed since.
    eventually(lambda: sum(row.status == "completed" for row in slot_rows(schedule_id)) >= 3,
               "three slots run", 90, 0.2, before_check=db.session.remove, details=log_tail)

    def workers_and_services():
        log = log_path.read_text(errors="replace")
        return ({int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", log)},
                {int(pid) for pid in re.findall(r"Scheduler service started as [^:\s]+:(\d+):", log)})

    # The leader may run slots before a slower worker has finished importing the app and logged
    # its service: wait for every booted worker to have started one (or for the deadline).
    eventually(lambda: (lambda w, s: len(w) >= 3 and w <= s)(*workers_and_services()),
               "every worker started a scheduler service", 90, 0.2, before_check=db.session.remove,
               details=log_tail)
    log = log_path.read_text(errors="replace")
    workers, services = workers_and_services()
    assert len(workers) == 3 and workers <= services, "every worker runs a scheduler service"
    assert master.pid not in services, "the master never runs a scheduler service"
    assert ("left to the gunicorn workers" in log) == ("--preload" in options)
    holder_pid = int(lease.read_lease().holder.split(":")[1])
    assert holder_pid in workers and holder_pid != master.pid
    assert len(set(re.findall(r"Scheduler lease held by ([^;]+); starting the engine", log))) == 1

    rows = slot_rows(schedule_id)
    slots = [row.scheduled_at for row in rows]
    assert len(set(slots)) == len(slots)
    assert all((later - earlier).total_seconds() == 1 for earlier, later in zip(slots, slots[1:]))
    first_run = next(index for index, row in enumerate(rows) if row.status != "skipped")
    assert {row.status for row in rows[first_run:]} <= {"running", "completed"}, \
        ("once the leader runs, no slot is skipped (those before were missed while it started): "
         f"{[(row.scheduled_at.isoformat(), row.status, row.error_message) for row in rows]}")

    master.send_signal(signal.SIGTERM)
    master.wait(60)  # gunicorn's own graceful timeout is 30 s; a worker finishing a fire may use it
    db.session.remove()
    assert lease.read_lease().holder is None, "an orderly shutdown hands the lease back"


def lease_holder_pid() -> int | None:
    current = lease.read_lease()
    return int(current.holder.split(":")[1]) if current is not None and current.holder else None


def test_a_worker_stopped_with_sigterm_exits_and_hands_the_lease_over_and_sigint_to_the_master_frees_it(
        app, gunicorn):
    # A lease that would outlive the test: the replacement can only lead if it was handed back.
    master, log_path = gunicorn("-w", "1", env={"SCHEDULER_LEASE_SECONDS": "600"})

    def log_tail() -> str:
        return "\n" + log_path.read_text(errors="replace")[-3000:]

    first = eventually(lease_holder_pid, "the worker leads", 90, 0.2, before_check=db.session.remove,
                       details=log_tail)
    assert first != master.pid
    os.kill(first, signal.SIGTERM)
    eventually(lambda: f"Worker exiting (pid: {first})" in log_path.read_text(errors="replace"),
               "the worker stopped as gunicorn stops it", 60, 0.2, details=log_tail)
    eventually(lambda: (pid := lease_holder_pid()) is not None and pid != first,
               "the worker gunicorn started in its place leads", 90, 0.2, before_check=db.session.remove,
               details=log_tail)

    master.send_signal(signal.SIGINT)
    master.wait(60)
    db.session.remove()
    assert lease.read_lease().holder is None, "stopping gunicorn with Ctrl-C hands the lease back" + log_tail()
