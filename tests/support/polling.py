"""Waiting for a condition instead of sleeping for a guessed time."""
from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


class NotWithin(AssertionError):
    """The condition was still false at the deadline."""


def eventually(check: Callable[[], T], what: str, timeout: float = 60.0, interval: float = 0.1, *,
               before_check: Callable[[], object] | None = None, details: Callable[[], str] | None = None,
               pause: Callable[[float], object] = time.sleep) -> T:
    """Call `check` until it returns something truthy, and return that; raise NotWithin (naming
    `what`, followed by `details()`) once `timeout` seconds pass without it.

    `before_check` runs before each call (e.g. `db.session.remove`, so each check reads in a
    new transaction); `pause` waits between calls (a Playwright page must keep delivering its
    events while the test waits, which `time.sleep` would block).
    """
    __tracebackhide__ = True
    deadline = time.monotonic() + timeout
    while True:
        if before_check is not None:
            before_check()
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise NotWithin(f"not within {timeout:g} s: {what}{details() if details else ''}")
        pause(interval)
