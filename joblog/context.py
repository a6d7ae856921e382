"""Which job and step the running code belongs to, carried by `contextvars`.

A `contextvars` variable follows the code through nested calls and `await`s without being passed
around, which is what lets any `logging` call inside a step land in `log_events` with the right
job and step. Threads do not inherit it by themselves; `start_thread` copies it across.
"""
from __future__ import annotations

import contextvars
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

if TYPE_CHECKING:  # pragma: no cover  (joblog.tracker imports this module)
    from joblog.tracker import Tracker


@dataclass(frozen=True)
class JobContext:
    """The job (and step) of the running code, and the tracker whose database they live in."""

    job_id: str
    step_id: Optional[int]
    external_job_id: Optional[str]
    tracker: "Tracker"


_current: contextvars.ContextVar[Optional[JobContext]] = contextvars.ContextVar("joblog_context", default=None)


def current_context() -> Optional[JobContext]:
    return _current.get()


def current_job_id() -> Optional[str]:
    """The JobLog id of the job the running code belongs to, or None outside any job."""
    ctx = _current.get()
    return ctx.job_id if ctx else None


def current_step_id() -> Optional[int]:
    """The id of the step the running code belongs to, or None outside any step."""
    ctx = _current.get()
    return ctx.step_id if ctx else None


@contextmanager
def activated(ctx: JobContext) -> Iterator[JobContext]:
    """Make `ctx` current for the block, restoring whatever was current before."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def with_step(ctx: JobContext, step_id: int) -> JobContext:
    return replace(ctx, step_id=step_id)


def start_thread(target: Callable[..., Any], *args: Any, name: str | None = None, daemon: bool = True,
                 **kwargs: Any) -> threading.Thread:
    """Start a thread that runs `target` in a copy of the caller's context.

    Logs written by that thread carry the job and step that were current when it was started,
    even after the starting step has ended. For executors, pass `contextvars.copy_context().run`.
    """
    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(target, *args), kwargs=kwargs, name=name, daemon=daemon)
    thread.start()
    return thread
