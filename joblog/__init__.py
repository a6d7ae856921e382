"""JobLog: job and step tracking with structured logging into the appliance's JobLog tables.

    tracker = get_tracker()
    with tracker.job("failover", "test-failover", context_id=ctx_id) as job_id:
        with tracker.step(job_id, "vm-validation"):
            logging.getLogger(__name__).info("validated", extra={"vm_name": name})

Any `logging` call made inside a job or step (in this thread, in nested calls, or in threads
started with `start_thread`) is written to `log_events` with the job's and step's ids.

JobLog only writes; `jobs/` reads jobs back (any-id lookup, progress, logs).
"""
from __future__ import annotations

import logging

from extensions import db
from joblog.context import current_job_id, current_step_id, start_thread
from joblog.handler import DBLogHandler, install_router
from joblog.serialize import to_jsonable
from joblog.tracker import InvalidJobField, JobNotFound, StepFailure, Tracker

__all__ = ["Tracker", "StepFailure", "get_tracker", "init_joblog", "DBLogHandler", "current_job_id",
           "current_step_id", "start_thread", "JobNotFound", "InvalidJobField", "to_jsonable"]


def init_joblog(app) -> Tracker:
    """Bind a tracker to the app's database as `app.extensions["joblog"]` and route log records to it.

    Queued log events are written when the process exits (`logging.shutdown` flushes and closes
    every handler) or when `app.extensions["joblog"].close()` is called.
    """
    with app.app_context():
        engine = db.engine
    handler = DBLogHandler(engine, queue_size=int(app.config.get("JOBLOG_QUEUE_SIZE", 10000)),
                           overflow=app.config.get("JOBLOG_OVERFLOW", "drop_oldest"),
                           batch_size=int(app.config.get("JOBLOG_BATCH_SIZE", 500)),
                           flush_interval=float(app.config.get("JOBLOG_FLUSH_INTERVAL", 0.2)))
    tracker = Tracker(engine, handler)
    install_router(handler)
    # Alembic's env.py runs logging.config.fileConfig, which disables every logger that already
    # exists (ours included) when migrations run inside this process, as the test session does.
    logging.getLogger("joblog").disabled = False
    app.extensions["joblog"] = tracker
    return tracker


def get_tracker() -> Tracker:
    """The tracker of the current Flask app."""
    from flask import current_app
    try:
        return current_app.extensions["joblog"]
    except KeyError:
        raise RuntimeError("JobLog is not initialised: create_app() calls init_joblog(app)") from None
