"""A clean stop of `flask run` (the `make run` way) hands the lease back at once and writes the
JobLog events still queued.

The dashboard runs as a real `flask --app app run --no-reload` process on a MariaDB database,
with the built-in simulator (`DEMO=1`) whose demo failovers write JobLog events. The JobLog
writer is told to hold partial batches for an hour, so the events of a running failover are
still queued when the process is stopped: only the shutdown can write them.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from extensions import db
from models import JobStep, JobTracking, LogEvent, utcnow
from scheduler import lease
from simulator.activity import OWNER as DEMO_ACTIVITY
from tests.support.polling import eventually
from tests.support.ports import free_port

pytestmark = pytest.mark.mariadb_only

REPO = Path(__file__).resolve().parents[1]



@pytest.fixture
def flask_run(database_url, tmp_path):
    """Start `flask --app app run --no-reload` on the test database; yields (process, log path)."""
    log_path = tmp_path / "flask-run.log"
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "instance"),
           "SECRET_KEY": "flask-run-test", "ADMIN_PASSWORD": "flask-run-admin-pass", "DEMO": "1",
           "SCHEDULER_ENABLED": "1", "SCHEDULER_TICK_SECONDS": "0.5", "SIMULATOR_FAILOVER_INTERVAL_SECONDS": "1",
           "JOBLOG_FLUSH_INTERVAL": "3600", "JOBLOG_BATCH_SIZE": "100000", "PYTHONUNBUFFERED": "1"}
    env.pop("WERKZEUG_RUN_MAIN", None)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "run", "--no-reload", "--host", "127.0.0.1",
             "--port", str(free_port())],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    yield process, log_path
    if process.poll() is None:
        process.kill()
        process.wait(10)


def leads(pid: int) -> bool:
    current = lease.read_lease()
    return current is not None and current.holder is not None and int(current.holder.split(":")[1]) == pid


def demo_failover_with_a_finished_step(since) -> str | None:
    """A demo failover started by this process, one of whose steps has ended (its log calls are made)."""
    return db.session.scalar(
        select(JobTracking.id).join(JobStep, JobStep.job_id == JobTracking.id)
        .where(JobTracking.owner == DEMO_ACTIVITY, JobTracking.started_at >= since,
               JobStep.status.in_(("completed", "failed"))).limit(1))


def log_events_of(job_id: str) -> int:
    return db.session.scalar(select(func.count()).select_from(LogEvent).where(LogEvent.job_id == job_id))


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_flask_run_releases_the_lease_and_writes_the_queued_joblog_events(app, flask_run, stop_signal):
    started = utcnow()
    process, log_path = flask_run

    def log_tail() -> str:
        return "\n" + log_path.read_text(errors="replace")[-3000:]

    # Generous deadlines: importing the app and seeding the demo fleet is slow on a loaded machine.
    eventually(lambda: process.poll() is None and leads(process.pid), "flask run leads", 90, 0.2,
               before_check=db.session.remove, details=log_tail)
    job_id = eventually(lambda: demo_failover_with_a_finished_step(started), "a demo failover ran a step", 90, 0.2,
                        before_check=db.session.remove, details=log_tail)
    db.session.remove()
    assert log_events_of(job_id) == 0, "the step's log events are still queued"

    process.send_signal(stop_signal)
    process.wait(60)
    db.session.remove()
    assert lease.read_lease().holder is None, "a clean stop hands the lease back at once" + log_tail()
    assert log_events_of(job_id) > 0, "the queued JobLog events were written before the process exited" + log_tail()
    assert "Traceback" not in log_path.read_text(errors="replace"), log_tail()
