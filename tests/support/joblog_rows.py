"""What JobLog stored, read straight from its tables.

The writer's tests check the stored columns themselves (owner, metadata, raw error text, step
ids, log attributes), which the reader in `jobs/` deliberately does not show operators.
"""
from __future__ import annotations

from sqlalchemy import func, select

from models import JobStep, JobTracking, LogEvent

_jobs, _steps, _logs = JobTracking.__table__, JobStep.__table__, LogEvent.__table__


def stored_job(engine, job_id):
    """The `job_tracking` row of `job_id` (columns as attributes), or None."""
    with engine.connect() as conn:
        return conn.execute(select(_jobs).where(_jobs.c.id == job_id)).first()


def stored_job_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(_jobs)).scalar_one()


def child_ids(engine, parent_id) -> set[str]:
    """The ids of the jobs whose parent is `parent_id`."""
    with engine.connect() as conn:
        return set(conn.execute(select(_jobs.c.id).where(_jobs.c.parent_job_id == parent_id)).scalars())


def stored_steps(engine, job_id) -> list:
    """The job's `job_steps` rows in `seq` order."""
    with engine.connect() as conn:
        return conn.execute(select(_steps).where(_steps.c.job_id == job_id).order_by(_steps.c.seq)).all()


def stored_logs(engine, job_id) -> list:
    """The job's `log_events` rows in id order."""
    with engine.connect() as conn:
        return conn.execute(select(_logs).where(_logs.c.job_id == job_id).order_by(_logs.c.id)).all()
