"""From text to ``CronExpression``: field count, descriptors, ``@every`` and the frequency floor."""
from __future__ import annotations

import re
from fractions import Fraction

from .errors import CronError
from .expression import HORIZON_DAYS, CronExpression, EveryExpression, FieldExpression
from .fields import SPECS, Field, parse_field
from .wording import MONTHS, duration, join
from .zones import load_zone

DEFAULT_MIN_INTERVAL_SECONDS = 60

DESCRIPTORS = {
    "@yearly": "0 0 0 1 1 *",
    "@annually": "0 0 0 1 1 *",
    "@monthly": "0 0 0 1 * *",
    "@weekly": "0 0 0 * * 0",
    "@daily": "0 0 0 * * *",
    "@midnight": "0 0 0 * * *",
    "@hourly": "0 0 * * * *",
}

_FIELD_NAMES = "second minute hour day-of-month month day-of-week"
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}
#: Longest length of each month in any year (February 29 exists in leap years).
_MONTH_LENGTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def parse_cron(
    text: str,
    timezone: str | None = "UTC",
    min_interval_seconds: int = DEFAULT_MIN_INTERVAL_SECONDS,
) -> CronExpression:
    """Parse and validate a schedule; raise ``CronError`` naming the faulty field.

    Checks, in order: the expression, the time zone (None or blank means UTC), then the
    frequency floor (``min_interval_seconds``; 0 disables it).
    """
    if not isinstance(text, str) or not text.strip():
        raise CronError("cron_expression", "Expression is empty")
    normalized = " ".join(text.split())
    if normalized.lower().startswith("@every ") or normalized.lower() == "@every":
        period = _parse_every(normalized)
        expression: CronExpression = EveryExpression(normalized, load_zone(timezone), period)
    else:
        parts = _field_texts(normalized)
        fields = tuple(parse_field(part, spec) for part, spec in zip(parts, SPECS))
        _check_day_exists(fields)
        expression = FieldExpression(normalized, load_zone(timezone), parts, fields)
    _check_frequency(expression, min_interval_seconds)
    return expression


def _field_texts(text: str) -> tuple[str, ...]:
    """The six field texts of an expression or descriptor (five fields mean second 0)."""
    if text.startswith("@"):
        if text.lower() not in DESCRIPTORS:
            known = join([*DESCRIPTORS, "@every <duration>"], "or")
            raise CronError("cron_expression", f"Unknown descriptor '{text}'; expected {known}")
        text = DESCRIPTORS[text.lower()]
    parts = text.split(" ")
    if len(parts) not in (5, 6):
        raise CronError(
            "cron_expression",
            f"Expression has {len(parts)} fields; expected 5 or 6 ({_FIELD_NAMES})",
        )
    return tuple(parts) if len(parts) == 6 else ("0", *parts)


def _check_day_exists(fields: tuple[Field, ...]) -> None:
    """Reject day-of-month values no selected month has (``30 2``): they would never fire."""
    _, _, _, days_of_month, months, days_of_week = fields
    if days_of_month.is_star or not days_of_week.is_star:
        return
    first_day = days_of_month.values[0]
    if all(first_day > _MONTH_LENGTH[month - 1] for month in months.values):
        names = join([MONTHS[month - 1] for month in months.values], "or")
        raise CronError(
            "day_of_month",
            f"day {first_day} never occurs in {names}, so the schedule would never run",
        )


def _parse_every(text: str) -> int:
    """The Go duration after ``@every`` (``90s``, ``1h30m``, ``1.5h``) in whole seconds."""
    argument = text[len("@every"):].strip()
    if not argument:
        raise CronError(
            "cron_expression", "@every needs a duration, e.g. '@every 5m' or '@every 1h30m'"
        )
    parts = _DURATION_PART.findall(argument)
    if "".join(number + unit for number, unit in parts) != argument:
        raise CronError(
            "cron_expression",
            f"'{text}' has an invalid duration; "
            "use hours, minutes and seconds such as 90s, 5m or 1h30m",
        )
    for _, unit in parts:
        if unit not in _UNIT_SECONDS:
            raise CronError(
                "cron_expression",
                f"'{text}' uses '{unit}', finer than the 1-second granularity; use s, m or h",
            )
    seconds = sum(Fraction(number) * _UNIT_SECONDS[unit] for number, unit in parts)
    if seconds.denominator != 1 or seconds == 0:
        raise CronError("cron_expression", f"'{text}' must be a positive whole number of seconds")
    if seconds > HORIZON_DAYS * 86400:
        raise CronError("cron_expression", f"'{text}' is longer than {HORIZON_DAYS // 366} years, so it would "
                        "never run; use a cron expression such as '0 0 0 1 1 *' for rare runs")
    return int(seconds)


def _check_frequency(expression: CronExpression, floor: int) -> None:
    gaps = expression.fire_gaps()
    shortest = min(gaps)
    if shortest < floor:
        often = "every" if len(gaps) == 1 else "as often as every"
        raise CronError(
            "frequency",
            f"fires {often} {duration(shortest)}; the minimum interval is {floor} seconds",
        )
