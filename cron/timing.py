"""When cron schedules fire next, computed once and reused until the answer can change.

A schedule's next fire after `now` stays the same for every `now` before that fire, so the
answer is kept per (expression, timezone, floor) until it is reached; the parse itself is pure
and cached by the same key. Pages that list hundreds of schedules then cost a dictionary
lookup per schedule instead of a parse and a calendar walk.
"""
from __future__ import annotations

import threading
from datetime import datetime
from functools import lru_cache

from cron import CronExpression, parse_cron

_CACHE_SIZE = 4096
_next_fires: dict[tuple[str, str, int], tuple[datetime, datetime | None]] = {}
_lock = threading.Lock()


@lru_cache(maxsize=_CACHE_SIZE)
def parsed_cron(expression: str, timezone: str, floor: int) -> CronExpression:
    """`cron.parse_cron`, cached: the same text, zone and floor always parse to the same schedule.

    Raises `CronError` (never cached) like `parse_cron`.
    """
    return parse_cron(expression, timezone, min_interval_seconds=floor)


def next_fire(expression: str, timezone: str, floor: int, now: datetime) -> datetime | None:
    """The first fire strictly after `now`; raises `CronError` for an expression we refuse."""
    key = (expression, timezone, floor)
    cached = _next_fires.get(key)
    if cached is not None:
        computed_at, fire = cached
        if fire is not None and computed_at <= now < fire:
            return fire
    fire = parsed_cron(expression, timezone, floor).next_after(now)
    with _lock:
        if len(_next_fires) >= _CACHE_SIZE:
            _next_fires.clear()
        _next_fires[key] = (now, fire)
    return fire
