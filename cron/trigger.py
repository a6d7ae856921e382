"""An APScheduler trigger that fires exactly the slots ``CronExpression`` defines.

APScheduler's own ``CronTrigger`` skips local times that do not exist and fires repeated ones
twice, which is not the product's DST rule; and it knows nothing of ``@every`` anchored at the
epoch or of the frequency floor.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger

from .parser import DEFAULT_MIN_INTERVAL_SECONDS, parse_cron

_STATE_VERSION = 1
_MICROSECOND = timedelta(microseconds=1)


class ScheduleTrigger(BaseTrigger):
    """Trigger for one replication schedule (expression + IANA zone).

    Raises ``CronError`` on construction if the schedule is invalid.
    """

    __slots__ = ("cron_expression", "timezone", "min_interval_seconds", "expression")

    def __init__(
        self,
        cron_expression: str,
        timezone: str,
        min_interval_seconds: int = DEFAULT_MIN_INTERVAL_SECONDS,
    ):
        self.cron_expression = cron_expression
        self.min_interval_seconds = min_interval_seconds
        self.expression = parse_cron(cron_expression, timezone, min_interval_seconds)
        self.timezone = self.expression.timezone

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The slot after ``previous_fire_time``, or on the first call the first slot at or after
        ``now`` (as ``CronTrigger`` does), in UTC.

        Unlike ``CronTrigger``, a clock that went backwards never brings back a slot already
        fired. Everything is done and returned in UTC: arithmetic on, and comparison between,
        aware datetimes sharing a DST zone is wall-clock based and ignores which occurrence of a
        repeated hour is meant, so a zone-local fire time could be compared wrongly with a
        scheduler clock in the same zone.
        """
        if previous_fire_time is not None:
            fire = self.expression.next_after(previous_fire_time)
        else:
            fire = self.expression.next_after(now.astimezone(UTC) - _MICROSECOND)
        return None if fire is None else fire.astimezone(UTC)

    def __getstate__(self) -> dict:
        return {
            "version": _STATE_VERSION,
            "cron_expression": self.cron_expression,
            "timezone": self.timezone,
            "min_interval_seconds": self.min_interval_seconds,
        }

    def __setstate__(self, state: dict) -> None:
        if state.get("version") != _STATE_VERSION:
            version = state.get("version")
            raise ValueError(f"cannot restore {type(self).__name__} state version {version!r}")
        self.__init__(state["cron_expression"], state["timezone"], state["min_interval_seconds"])

    def __str__(self) -> str:
        return f"schedule[{self.cron_expression}, {self.timezone}]"

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} (cron_expression={self.cron_expression!r}, "
            f"timezone={self.timezone!r}, min_interval_seconds={self.min_interval_seconds})>"
        )
