"""Job and step lifecycle on the appliance's `job_tracking` / `job_steps` tables (writes only).

Every write runs in its own short transaction on the tracker's engine and commits at once, so a
job's record survives whatever the caller's own session does (a failed step is recorded even when
the caller rolls back). On SQLite this means: commit your own pending writes before calling the
tracker, or the tracker waits for your lock.
"""
from __future__ import annotations

import logging
import uuid
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Callable, Iterator, Optional

from sqlalchemy import func, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from joblog.context import JobContext, activated, current_context
from joblog.handler import DBLogHandler
from joblog.serialize import to_jsonable
from models.appliance import JOBLOG_ACTIVE_STATUSES, JOBLOG_CATEGORIES, JOBLOG_JOB_TYPES, JobStep, JobTracking
from models.types import utcnow

END_STATUSES = ("completed", "failed", "cancelled")
STEP_END_STATUSES = ("completed", "failed", "skipped")
_SEQ_ATTEMPTS = 20

_jobs = JobTracking.__table__
_steps = JobStep.__table__
_log = logging.getLogger("joblog")


class JobNotFound(LookupError):
    """No `job_tracking` row has this id."""

    def __init__(self, job_id: str):
        super().__init__(f"job not found: {job_id}")
        self.job_id = job_id


class StepFailure(Exception):
    """A failure raised on purpose to fail a step with a known cause (a tool's error text, a
    refused precondition): recorded and re-raised like any exception, but logged without a
    traceback, which would only show where it was raised."""


class InvalidJobField(ValueError):
    """A value the JobLog tables cannot take; `field` names the argument."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _check_choice(field: str, value: Any, choices: tuple) -> None:
    if value not in choices:
        raise InvalidJobField(field, f"must be one of {', '.join(choices)}, got {value!r}")


def _check_text(field: str, value: Any, max_length: int, required: bool = False) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidJobField(field, "must be a non-empty string" if required else "must be a string")
    if len(value) > max_length:
        raise InvalidJobField(field, f"must be at most {max_length} characters, got {len(value)}")


def error_text(error: Any) -> Optional[str]:
    """What `error_message` stores for an exception or a message (the raw text; display sanitizes)."""
    if error is None:
        return None
    if isinstance(error, BaseException):
        return str(error) or type(error).__name__
    return str(error)


class Tracker:
    """Starts and ends jobs and steps and records progress. Reading jobs back (by any id, with
    their steps and logs) is `jobs/`'s part: one reader for the API, the pages and the tools."""

    def __init__(self, engine: Engine, log_handler: Optional[DBLogHandler] = None):
        self.engine = engine
        self.log_handler = log_handler

    def close(self) -> None:
        """Write the queued log events and stop the log writer."""
        if self.log_handler is not None:
            self.log_handler.close()

    # -- jobs ----------------------------------------------------------------------------------

    def start_job(self, job_type: str, operation: str, *, owner: Optional[str] = None, metadata: Any = None,
                  parent_job_id: Optional[str] = None, context_id: Optional[str] = None,
                  external_job_id: Optional[str] = None, job_category: str = "system",
                  status: str = "running") -> str:
        """Record a new job and return its id (a UUID). Inside another job of this tracker, the new job
        is that job's child unless `parent_job_id` says otherwise."""
        _check_choice("job_type", job_type, JOBLOG_JOB_TYPES)
        _check_text("operation", operation, 100, required=True)
        _check_text("owner", owner, 100)
        _check_text("parent_job_id", parent_job_id, 64)
        _check_text("context_id", context_id, 64)
        _check_text("external_job_id", external_job_id, 64)
        _check_choice("job_category", job_category, JOBLOG_CATEGORIES)
        _check_choice("status", status, JOBLOG_ACTIVE_STATUSES)
        if parent_job_id is None:
            ctx = current_context()
            if ctx is not None and ctx.tracker is self:
                parent_job_id = ctx.job_id
        job_id = str(uuid.uuid4())
        now = utcnow()
        values = {"id": job_id, "parent_job_id": parent_job_id, "job_type": job_type, "operation": operation,
                  "status": status, "external_job_id": external_job_id, "metadata": to_jsonable(metadata),
                  "started_at": now, "created_at": now, "updated_at": now, "owner": owner,
                  "context_id": context_id, "job_category": job_category}
        try:
            with self.engine.begin() as conn:
                conn.execute(_jobs.insert().values(**values))
        except sa_exc.IntegrityError:
            if parent_job_id is not None and not self._job_exists(parent_job_id):
                raise JobNotFound(parent_job_id) from None
            raise
        return job_id

    def _job_exists(self, job_id: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(_jobs.c.id).where(_jobs.c.id == job_id)).first() is not None

    def end_job(self, job_id: str, status: str, error: Any = None) -> bool:
        """Finish a pending or running job; False when it had already finished (the first end wins)."""
        _check_choice("status", status, END_STATUSES)
        now = utcnow()
        values: dict[str, Any] = {"status": status, "completed_at": now, "updated_at": now,
                                  "error_message": error_text(error)}
        if status == "completed":
            values["percent_complete"] = 100
        elif status == "cancelled":
            values["canceled_at"] = now
        return self._update_active(job_id, values)

    def mark_progress(self, job_id: str, percent: float) -> bool:
        """Set `percent_complete` (clamped to 0..100) of a pending or running job."""
        if isinstance(percent, bool) or not isinstance(percent, (int, float)) or percent != percent:
            raise InvalidJobField("percent", f"must be a number, got {percent!r}")
        value = int(round(min(100.0, max(0.0, float(percent)))))
        return self._update_active(job_id, {"percent_complete": value, "updated_at": utcnow()})

    def _update_active(self, job_id: str, values: dict) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(update(_jobs).where(_jobs.c.id == job_id, _jobs.c.status.in_(JOBLOG_ACTIVE_STATUSES))
                                  .values(**values))
            if result.rowcount:
                return True
            if conn.execute(select(_jobs.c.id).where(_jobs.c.id == job_id)).first() is None:
                raise JobNotFound(job_id)
            return False

    @contextmanager
    def job(self, job_type: str, operation: str, **kwargs: Any) -> Iterator[str]:
        """Run the block as a job: completed on normal exit; failed with the exception recorded, then
        re-raised. Logs written inside the block carry the job's id."""
        job_id = self.start_job(job_type, operation, **kwargs)
        ctx = JobContext(job_id=job_id, step_id=None, external_job_id=kwargs.get("external_job_id"), tracker=self)
        with activated(ctx):
            try:
                yield job_id
            except BaseException as exc:
                self._record_failure("job", job_id, self.end_job, job_id, "failed", exc)
                raise
            self.end_job(job_id, "completed")

    # -- steps ---------------------------------------------------------------------------------

    def start_step(self, job_id: str, name: str, metadata: Any = None) -> int:
        """Record a running step (the next `seq` of the job) and return its id."""
        step_id, _ = self._insert_step(job_id, name, "running", metadata, None)
        return step_id

    def end_step(self, step_id: int, status: str, error: Any = None) -> bool:
        """Finish a running step; False when it had already finished."""
        _check_choice("status", status, STEP_END_STATUSES)
        with self.engine.begin() as conn:
            result = conn.execute(update(_steps).where(_steps.c.id == step_id, _steps.c.status == "running")
                                  .values(status=status, completed_at=utcnow(), error_message=error_text(error)))
            return bool(result.rowcount)

    @contextmanager
    def step(self, job_id: str, name: str, metadata: Any = None) -> Iterator[int]:
        """Run the block as the job's next step: completed on normal exit; failed with the exception
        recorded, then re-raised. Logs written inside the block carry the job's and the step's ids."""
        step_id, external_job_id = self._insert_step(job_id, name, "running", metadata, None)
        ctx = current_context()
        if ctx is None or ctx.tracker is not self or ctx.job_id != job_id:
            ctx = JobContext(job_id=job_id, step_id=None, external_job_id=external_job_id, tracker=self)
        with activated(replace(ctx, step_id=step_id)):
            try:
                yield step_id
            except BaseException as exc:
                if isinstance(exc, Exception):
                    _log.error("Step %s failed: %s", name, error_text(exc),
                               exc_info=None if isinstance(exc, StepFailure) else exc)
                self._record_failure("step", step_id, self.end_step, step_id, "failed", exc)
                raise
            self.end_step(step_id, "completed")

    def run_step(self, job_id: str, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call `fn(*args, **kwargs)` as a step and return its result (failures as in `step`)."""
        with self.step(job_id, name):
            return fn(*args, **kwargs)

    def skip_step(self, job_id: str, name: str, reason: str) -> int:
        """Record a step that was not run; the reason is kept in its `error_message`."""
        step_id, _ = self._insert_step(job_id, name, "skipped", None, reason)
        return step_id

    def _insert_step(self, job_id: str, name: str, status: str, metadata: Any,
                     reason: Optional[str]) -> tuple[int, Optional[str]]:
        _check_text("name", name, 200, required=True)
        metadata = to_jsonable(metadata)
        next_seq = select(func.coalesce(func.max(_steps.c.seq), 0)).where(_steps.c.job_id == job_id).scalar_subquery()
        for _ in range(_SEQ_ATTEMPTS):
            now = utcnow()
            try:
                with self.engine.begin() as conn:
                    row = conn.execute(select(_jobs.c.external_job_id, next_seq).where(_jobs.c.id == job_id)).first()
                    if row is None:
                        raise JobNotFound(job_id)
                    result = conn.execute(_steps.insert().values(
                        job_id=job_id, name=name, seq=row[1] + 1, status=status, started_at=now,
                        completed_at=now if status != "running" else None, error_message=reason,
                        metadata=metadata))
                    return result.inserted_primary_key[0], row[0]
            except sa_exc.IntegrityError:
                continue  # another thread took this seq first (uk_job_steps_job_seq): take the next one
        raise RuntimeError(f"could not allocate a step number for job {job_id}")

    @staticmethod
    def _record_failure(kind: str, ident: Any, record: Callable[..., Any], *args: Any) -> None:
        """Record a failure without letting a database error replace the exception being raised."""
        try:
            record(*args)
        except Exception as exc:
            _log.warning("could not record the failure of %s %s: %s", kind, ident, type(exc).__name__)
