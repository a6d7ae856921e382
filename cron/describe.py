"""Plain-English descriptions of schedules, always naming the time zone.

Common shapes (fixed times, simple intervals, weekdays, days of the month, months) are worded
here so that they read the same everywhere in the product; anything else falls back to
``cron-descriptor``.
"""
from __future__ import annotations

import re

from cron_descriptor import ExpressionDescriptor, Options

from .expression import CronExpression, EveryExpression, FieldExpression
from .fields import Field
from .parser import parse_cron
from .wording import MONTHS, WEEKDAYS, clock, duration, every, join, ordinal, ranges, runs
from .zones import load_zone

#: At most this many times of day are listed one by one ("at 08:00, 12:00 and 17:00").
_LISTED_TIMES = 6


def describe(expr_or_text: CronExpression | str, timezone: str | None = None) -> str:
    """Describe a schedule, e.g. ``Every day at 02:30 (Europe/London)``.

    Text is parsed in ``timezone`` (UTC when omitted) without the frequency floor, and raises
    ``CronError`` if invalid. For a parsed expression, ``timezone`` only overrides the zone named.
    """
    if isinstance(expr_or_text, CronExpression):
        expression = expr_or_text
    else:
        expression = parse_cron(expr_or_text, timezone, min_interval_seconds=0)
    zone = load_zone(timezone).key if timezone else expression.timezone
    return f"{_sentence(expression)} ({zone})"


def _sentence(expression: EveryExpression | FieldExpression) -> str:
    if isinstance(expression, EveryExpression):
        return _capitalize(every(expression.period) + _not_restarting(expression.period))
    return _describe_fields(expression) or _fallback(expression)


def _describe_fields(expression: FieldExpression) -> str | None:
    second, minute, hour, days_of_month, months, days_of_week = expression.fields
    which_days, in_months = _which_days(days_of_month, months, days_of_week)
    interval = _interval_phrase(second, minute, hour)
    if interval is not None:
        return _sentence_of(interval, which_days, in_months)
    if expression.times.count <= _LISTED_TIMES:
        at = "at " + join([clock(time) for time in expression.times.all()])
        if which_days:
            return _sentence_of(at, which_days, in_months)
        return _sentence_of("every day", at, in_months)
    return None


def _sentence_of(*parts: str) -> str:
    return _capitalize(" ".join(part for part in parts if part))


def _interval_phrase(second: Field, minute: Field, hour: Field) -> str | None:
    """``every 15 minutes``, ``every 2 hours at :30``, ``every hour from 09:00 to 17:00``."""
    if minute.full_range_step == 1 and hour.full_range_step == 1 and second.full_range_step:
        return every(second.full_range_step)
    if len(second.values) != 1:
        return None
    at_second = f", at second {second.values[0]}" if second.values[0] else ""
    if minute.full_range_step and hour.full_range_step == 1:
        step = minute.full_range_step
        if 60 % step:
            first, last = minute.values[0], minute.values[-1]
            return (f"every {step} minutes within each hour (:{first:02d} to :{last:02d}){at_second}, "
                    f"then {duration((60 - last + first) * 60)} from :{last:02d} to the next :{first:02d}")
        return every(step * 60) + at_second
    if len(minute.values) == 1 and hour.full_range_step:
        past = minute.values[0] * 60 + second.values[0]
        at = f" at :{clock(past)[3:]}" if past else ""
        step = hour.full_range_step
        if 24 % step:
            first = hour.values[0] * 3600 + past
            last = hour.values[-1] * 3600 + past
            return (f"every {step} hours within each day ({clock(first)} to {clock(last)}), "
                    f"then {duration(86400 - last + first)} from {clock(last)} to the next {clock(first)}")
        return every(step * 3600) + at
    contiguous = len(hour.values) > 1 and len(runs(hour.values)) == 1
    uneven_minutes = bool(minute.full_range_step and 60 % minute.full_range_step)
    if contiguous and not uneven_minutes and (minute.full_range_step or len(minute.values) == 1):
        step = minute.full_range_step * 60 if minute.full_range_step else 3600
        first = hour.values[0] * 3600 + minute.values[0] * 60 + second.values[0]
        last = hour.values[-1] * 3600 + minute.values[-1] * 60 + second.values[0]
        return f"{every(step)} from {clock(first)} to {clock(last)}"
    return None


def _which_days(days_of_month: Field, months: Field, days_of_week: Field) -> tuple[str, str]:
    """The day part (``on Monday through Friday``, ``on day 13 of the month or on Friday``) and
    the month part (``in July``) of a description; each empty when not restricted. A single date
    is worded as one (``on 1 January``)."""
    if days_of_week.is_star and len(days_of_month.values) == 1 and len(months.values) == 1:
        return f"on {days_of_month.values[0]} {MONTHS[months.values[0] - 1]}", ""
    choices = []
    if (days_of_month.full_range_step or 1) > 1:
        days = days_of_month.values
        listed = join([str(day) for day in days]) if len(days) <= _LISTED_TIMES \
            else f"{days[0]}, {days[1]}, … {days[-1]}"
        choices.append(f"on every {ordinal(days_of_month.full_range_step)} day of the month (days {listed}; "
                       "the count starts again on the 1st, so the gap into a new month can be shorter)")
    elif not days_of_month.is_star:
        word = "day" if len(days_of_month.values) == 1 else "days"
        choices.append(f"on {word} {ranges(days_of_month.values, str)} of the month")
    if not days_of_week.is_star:
        monday_first = sorted(day or 7 for day in days_of_week.values)
        choices.append("on " + ranges(monday_first, lambda day: WEEKDAYS[day % 7]))
    return " or ".join(choices), _in_months(months)


def _in_months(months: Field) -> str:
    """``in March through May``; empty when every month is selected."""
    if len(months.values) == 12:
        return ""
    return "in " + ranges(months.values, lambda month: MONTHS[month - 1])


def _fallback(expression: FieldExpression) -> str:
    options = Options()
    options.use_24hour_time_format = True
    try:
        text = ExpressionDescriptor(" ".join(expression.field_texts), options).get_description()
    except Exception:  # a third-party describer must never break a page; the expression is valid
        return f"On the schedule {expression.text}"
    # cron-descriptor writes "starting at 1 minutes past the hour".
    return _ONE_UNITS.sub(r"\1 \2", text)


_ONE_UNITS = re.compile(r"(?<![\d.])(1) (second|minute|hour|day|month|year)s\b")


def _not_restarting(period: int) -> str:
    """For an ``@every`` period that does not divide the hour (or the day): its runs do not
    start again on the hour (at midnight), they keep the same gap across it."""
    if period < 3600 and 3600 % period:
        return ", counted on without restarting at each hour"
    if period < 86400 and 86400 % period:
        return ", counted on without restarting at midnight"
    return ""


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]
