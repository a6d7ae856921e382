"""The frequency builder: an operator's choices <-> a cron expression.

Operators pick "every N minutes/hours/days", "daily at", "weekly on", "monthly on day" or type a
custom expression; this module turns those choices into the six-field expression the schedules
package validates. Editing goes the other way: an expression the builder can express is shown
in the builder, anything else as custom.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable

FREQUENCIES = ("interval", "daily", "weekly", "monthly", "custom")
# The largest honest N per unit. Minutes and hours run N apart all along (`@every` when N does
# not divide the hour or the day). Days count the days of the month and start again on the 1st:
# past 15, "every N days" would run only on day 1 and day N+1 of each month, which is Monthly.
INTERVAL_UNITS = {"minutes": 59, "hours": 23, "days": 15}
WEEKDAYS = (("MON", "Mon"), ("TUE", "Tue"), ("WED", "Wed"), ("THU", "Thu"), ("FRI", "Fri"),
            ("SAT", "Sat"), ("SUN", "Sun"))
_WEEKDAY_CODES = tuple(code for code, _ in WEEKDAYS)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_NUMBER = r"(\d{1,2})"


@dataclass(frozen=True)
class Frequency:
    """What the builder shows; `errors` names the builder input at fault."""

    frequency: str = "daily"
    interval_value: str = "15"
    interval_unit: str = "minutes"
    time: str = "02:00"
    weekdays: tuple[str, ...] = ()  # none ticked until the operator picks: weekly without a day is an error
    month_day: str = "1"
    custom: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def cron_expression(self) -> str:
        """The six-field expression for these choices ('' when a builder input is invalid)."""
        if self.errors:
            return ""
        if self.frequency == "custom":
            return self.custom.strip()
        if self.frequency == "interval":
            value = int(self.interval_value)
            # A step that divides the hour (the day) repeats evenly in cron fields; any other N
            # is a real interval, `@every`, whose runs are counted from the epoch, not restarted
            # each hour (each day) as `*/N` would be (:56 then :00 for every 7 minutes).
            if self.interval_unit == "minutes":
                if 60 % value:
                    return f"@every {value}m"
                return f"0 */{value} * * * *" if value > 1 else "0 * * * * *"
            if self.interval_unit == "hours":
                if 24 % value:
                    return f"@every {value}h"
                return f"0 0 */{value} * * *" if value > 1 else "0 0 * * * *"
            hour, minute = self._clock()
            return f"0 {minute} {hour} */{value} * *" if value > 1 else f"0 {minute} {hour} * * *"
        hour, minute = self._clock()
        if self.frequency == "daily":
            return f"0 {minute} {hour} * * *"
        if self.frequency == "weekly":
            return f"0 {minute} {hour} * * {','.join(self.weekdays)}"
        return f"0 {minute} {hour} {int(self.month_day)} * *"

    def _clock(self) -> tuple[int, int]:
        hour, minute = self.time.split(":")
        return int(hour), int(minute)


def build_frequency(frequency: str | None = None, *, interval_value: str | None = None,
                    interval_unit: str | None = None, time: str | None = None,
                    weekdays: Iterable[str] = (), month_day: str | None = None,
                    custom: str | None = None) -> Frequency:
    """The builder's choices as entered, each input checked (`errors` names those at fault).

    Missing inputs are empty; an unknown frequency is read as a custom expression, and the
    weekdays keep the week's order whatever order they came in.
    """
    chosen = frequency or "daily"
    days = set(weekdays)
    result = Frequency(
        frequency=chosen if chosen in FREQUENCIES else "custom",
        interval_value=(interval_value or "").strip(),
        interval_unit=interval_unit or "minutes",
        time=(time or "").strip(),
        weekdays=tuple(code for code in _WEEKDAY_CODES if code in days),
        month_day=(month_day or "").strip(),
        custom=(custom or "").strip(),
    )
    return replace(result, errors=_check(result))


def _check(choice: Frequency) -> dict[str, str]:
    errors: dict[str, str] = {}
    if choice.frequency == "interval":
        limit = INTERVAL_UNITS.get(choice.interval_unit)
        if limit is None:
            errors["interval_unit"] = "Choose minutes, hours or days."
        elif not choice.interval_value.isdigit() or not 1 <= int(choice.interval_value) <= limit:
            errors["interval_value"] = _interval_error(choice.interval_unit, limit, choice.interval_value)
    if choice.frequency in ("daily", "weekly", "monthly") or (
            choice.frequency == "interval" and choice.interval_unit == "days"):
        if not _TIME.match(choice.time):
            errors["time"] = "Enter a time as HH:MM, for example 02:30."
    if choice.frequency == "weekly" and not choice.weekdays:
        errors["weekdays"] = "Choose at least one day of the week."
    if choice.frequency == "monthly" and (not choice.month_day.isdigit() or not 1 <= int(choice.month_day) <= 31):
        errors["month_day"] = "Enter a day of the month from 1 to 31."
    if choice.frequency == "custom" and not choice.custom:
        errors["cron_expression"] = "Enter a cron expression, for example 0 30 2 * * *."
    return errors


def _interval_error(unit: str, limit: int, value: str) -> str:
    """The field error of "Every N <unit>", naming the field and what to use instead."""
    message = f"Every N {unit}: enter a whole number from 1 to {limit}."
    if value.isdigit() and int(value) > limit:
        if unit == "days":
            message += (" A larger number would run only on day 1 and day N+1 of each month;"
                        " to run once a month, choose Monthly instead.")
        elif unit == "minutes":
            message += " For 60 minutes or more, choose hours instead."
        else:
            message += " For 24 hours or more, choose days, Daily or Weekly instead."
    return message


def _within(value: str, unit: str) -> bool:
    return 1 <= int(value) <= INTERVAL_UNITS[unit]


def frequency_from_cron(expression: str | None) -> Frequency:
    """The builder choices that produce `expression`, or custom when the builder cannot."""
    text = (expression or "").strip()
    every = re.fullmatch(r"@every\s+(\d{1,2})([mh])", text)
    if every:
        value, unit = int(every.group(1)), {"m": "minutes", "h": "hours"}[every.group(2)]
        # An even N is built as cron fields; 0 (a stored row the builder never writes) is custom.
        if 1 <= value <= INTERVAL_UNITS[unit] and (60 if unit == "minutes" else 24) % value:
            return Frequency(frequency="interval", interval_value=str(value), interval_unit=unit, custom=text)
    fields = text.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6 or fields[0] != "0":
        return Frequency(frequency="custom", custom=text)
    _, minute, hour, dom, month, dow = fields
    if month != "*":
        return Frequency(frequency="custom", custom=text)
    every = re.fullmatch(r"\*/" + _NUMBER, minute)
    if every and not _within(every.group(1), "minutes"):
        return Frequency(frequency="custom", custom=text)
    if (every or minute == "*") and hour == "*" and dom == "*" and dow in ("*", "?"):
        return Frequency(frequency="interval", interval_value=every.group(1) if every else "1",
                         interval_unit="minutes", custom=text)
    if not minute.isdigit():
        return Frequency(frequency="custom", custom=text)
    every = re.fullmatch(r"\*/" + _NUMBER, hour)
    if every and not _within(every.group(1), "hours"):
        return Frequency(frequency="custom", custom=text)
    if minute == "0" and (every or hour == "*") and dom == "*" and dow in ("*", "?"):
        return Frequency(frequency="interval", interval_value=every.group(1) if every else "1",
                         interval_unit="hours", custom=text)
    if not hour.isdigit() or int(hour) > 23 or int(minute) > 59:
        return Frequency(frequency="custom", custom=text)
    clock = f"{int(hour):02d}:{int(minute):02d}"
    every = re.fullmatch(r"\*/" + _NUMBER, dom)
    if every and dow in ("*", "?") and _within(every.group(1), "days"):
        return Frequency(frequency="interval", interval_value=every.group(1), interval_unit="days",
                         time=clock, custom=text)
    if dom in ("*", "?") and dow in ("*", "?"):
        return Frequency(frequency="daily", time=clock, custom=text)
    if dom in ("*", "?") and all(day in _WEEKDAY_CODES for day in dow.upper().split(",")):
        chosen = dow.upper().split(",")
        return Frequency(frequency="weekly", time=clock, custom=text,
                         weekdays=tuple(code for code in _WEEKDAY_CODES if code in chosen))
    if dom.isdigit() and dow in ("*", "?"):
        return Frequency(frequency="monthly", time=clock, month_day=dom, custom=text)
    return Frequency(frequency="custom", custom=text)
