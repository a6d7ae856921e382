"""Next-run listings for the schedule form and the API; never raises for bad input."""
from __future__ import annotations

from datetime import datetime, timezone as utc_zone

from .describe import describe
from .errors import CronError
from .expression import CronExpression, EveryExpression, FieldExpression
from .parser import DEFAULT_MIN_INTERVAL_SECONDS, parse_cron
from .wording import duration
from .zones import is_repeated, offset_at, to_instant

MAX_PREVIEW_RUNS = 50
_DEFAULT_PREVIEW_RUNS = 5


def next_runs(
    text: str,
    timezone: str | None,
    count: int,
    after: datetime | None = None,
    min_interval_seconds: int = DEFAULT_MIN_INTERVAL_SECONDS,
) -> list[datetime]:
    """The next ``count`` fire times of ``text`` after ``after`` (default: now), as aware
    datetimes in the schedule's zone. Raises ``CronError`` for an invalid schedule."""
    expression = parse_cron(text, timezone, min_interval_seconds)
    return expression.next_runs(after or datetime.now(utc_zone.utc), count)


def preview_expression(
    cron_expression: str,
    timezone: str | None = "UTC",
    count: int = _DEFAULT_PREVIEW_RUNS,
    after: datetime | None = None,
    min_interval_seconds: int = DEFAULT_MIN_INTERVAL_SECONDS,
) -> dict:
    """Everything the schedule form shows while the operator types.

    ``count`` is clamped to 1..50 (a non-number means 5); a naive ``after`` is read as UTC.
    ``runs[i]["dst"]`` marks runs a DST change affects: ``shifted`` (a slot whose local time does
    not exist was moved here), ``ambiguous`` (the local time occurs twice that day),
    ``offset-change`` (the UTC offset differs from the previous run's).
    ``runs[i]["gap_seconds"]`` is the time since the previous run (None for the first), and
    ``runs[i]["uneven"]`` is True when that gap is not the schedule's regular step (``*/7``
    minutes: 4 minutes from :56 to :00), a DST change aside.
    """
    try:
        expression = parse_cron(cron_expression, timezone, min_interval_seconds)
    except CronError as error:
        return _invalid(error)
    start = _aware(after) if after is not None else datetime.now(utc_zone.utc)
    runs = expression.next_runs(start, _clamp(count))
    return {
        "valid": True,
        "description": describe(expression),
        "next_runs": [run.isoformat() for run in runs],
        "error": None,
        "error_field": None,
        "runs": _annotated(expression, start, runs),
    }


def _invalid(error: CronError) -> dict:
    return {
        "valid": False,
        "description": "",
        "next_runs": [],
        "error": str(error),
        "error_field": error.field,
        "runs": [],
    }


def _annotated(expression: CronExpression, start: datetime, runs: list[datetime]) -> list[dict]:
    previous_offset = offset_at(expression.zone, to_instant(start))
    regular = regular_gap(expression)
    annotated = []
    previous = None
    for run in runs:
        offset = offset_at(expression.zone, to_instant(run))
        dst = _dst_marker(expression, run, offset != previous_offset)
        gap = to_instant(run) - to_instant(previous) if previous is not None else None
        annotated.append({
            "at": run.isoformat(),
            "utc": run.astimezone(utc_zone.utc).isoformat(),
            "dst": dst,
            "gap_seconds": gap,
            "gap": duration(gap) if gap else None,
            "uneven": bool(regular and gap is not None and gap != regular and dst is None),
        })
        previous_offset, previous = offset, run
    return annotated


def regular_gap(expression: CronExpression) -> int | None:
    """The step of an interval-style schedule in seconds (``@every 7m``, ``0 */7 * * * *``,
    ``0 30 */5 * * *``, ``0 0 2 */2 * *``); None when the schedule has no single step."""
    if isinstance(expression, EveryExpression):
        return expression.period
    if not isinstance(expression, FieldExpression):
        return None
    second, minute, hour, days_of_month, months, days_of_week = expression.fields
    if len(second.values) != 1 or not days_of_week.is_star or len(months.values) != 12:
        return None
    every_day = days_of_month.full_range_step == 1
    if minute.full_range_step and hour.full_range_step == 1 and every_day:
        return minute.full_range_step * 60
    if len(minute.values) == 1 and hour.full_range_step and every_day:
        return hour.full_range_step * 3600
    if len(minute.values) == 1 and len(hour.values) == 1 and (days_of_month.full_range_step or 1) > 1:
        return days_of_month.full_range_step * 86400
    return None


def _dst_marker(expression: CronExpression, run: datetime, offset_changed: bool) -> str | None:
    if expression.moved_by_dst(run):
        return "shifted"
    instant = to_instant(run)
    if is_repeated(expression.zone, instant + offset_at(expression.zone, instant)):
        return "ambiguous"
    return "offset-change" if offset_changed else None


def _clamp(count) -> int:
    try:
        wanted = int(count)
    except (TypeError, ValueError):
        wanted = _DEFAULT_PREVIEW_RUNS
    return min(max(wanted, 1), MAX_PREVIEW_RUNS)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utc_zone.utc)
