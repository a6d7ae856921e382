"""Parsing of the six cron fields into sets of values.

The grammar is robfig/cron's: a field is a comma-separated list of terms, a term is ``*``,
``?`` (day fields only), a value, or a range ``a-b``, optionally followed by ``/step``.
``a/step`` means ``a-<max>/step``. Month and day-of-week values may be written as names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import CronError

_NUMBER = re.compile(r"[0-9]+")

MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


@dataclass(frozen=True)
class FieldSpec:
    """What one position of the expression accepts."""

    key: str
    low: int
    high: int
    #: Upper end of ``*`` and of ``a/step``; differs from ``high`` only for day-of-week, where 7
    #: is accepted as a spelling of Sunday but ``*/2`` or ``1/2`` must not reach it.
    step_high: int
    names: dict[str, int] = field(default_factory=dict)
    allows_question_mark: bool = False

    def describe_values(self) -> str:
        """How the accepted values are explained in an error message."""
        numbers = f"number ({self.low}-{self.high})"
        if not self.names:
            return numbers
        first, last = min(self.names, key=self.names.get), max(self.names, key=self.names.get)
        kind = "month" if self.key == "month" else "day"
        return f"{kind} name ({first}-{last}) or {numbers}"


SECOND = FieldSpec("second", 0, 59, 59)
MINUTE = FieldSpec("minute", 0, 59, 59)
HOUR = FieldSpec("hour", 0, 23, 23)
DAY_OF_MONTH = FieldSpec("day_of_month", 1, 31, 31, allows_question_mark=True)
MONTH = FieldSpec("month", 1, 12, 12, {name: i + 1 for i, name in enumerate(MONTH_NAMES)})
DAY_OF_WEEK = FieldSpec(
    "day_of_week", 0, 7, 6, {name: i for i, name in enumerate(DAY_NAMES)}, allows_question_mark=True
)
SPECS = (SECOND, MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK)


@dataclass(frozen=True)
class Field:
    """The parsed form of one field."""

    #: Matching values, sorted and distinct (day-of-week 7 already folded into 0).
    values: tuple[int, ...]
    #: robfig's "star bit": the field contains a bare ``*`` or ``?``. Only the day fields use it,
    #: to choose between AND and OR (see ``DayRule``).
    is_star: bool
    #: ``n`` when the field is a single term stepping over its whole range (``*``, ``*/n``,
    #: ``0-23/n``, ``0/n``); None otherwise. An hour field with a full step is what makes an
    #: expression interval-style.
    full_range_step: int | None


def parse_field(text: str, spec: FieldSpec) -> Field:
    """Parse one field, raising ``CronError`` naming the field on any mistake."""
    terms = text.split(",")
    if "" in terms:
        raise CronError(spec.key, f"empty item in list '{text}'")
    parsed = [_parse_term(term, spec) for term in terms]
    values = set().union(*(term_values for term_values, _, _ in parsed))
    is_star = any(term_is_star for _, term_is_star, _ in parsed)
    full_range_step = parsed[0][2] if len(parsed) == 1 else None
    return Field(tuple(sorted(values)), is_star, full_range_step)


def _parse_term(term: str, spec: FieldSpec) -> tuple[set[int], bool, int | None]:
    range_text, _, step_text = term.partition("/")
    step = _parse_step(step_text, term, spec) if "/" in term else 1
    if range_text in ("*", "?"):
        if range_text == "?" and not spec.allows_question_mark:
            raise CronError(spec.key, "'?' is only allowed in day-of-month and day-of-week")
        start, end = spec.low, spec.step_high
    elif "-" in range_text:
        start, end = _parse_range(range_text, spec)
    else:
        start = _parse_value(range_text, spec)
        end = spec.step_high if "/" in term else start
        if spec is DAY_OF_WEEK and "/" in term and start == 7:
            start = 0  # 7/2 steps from Sunday, written as 7, as 0/2 does
    if start > end:
        raise CronError(spec.key, f"range {range_text} is reversed (start is after end)")
    values = {value % 7 if spec is DAY_OF_WEEK else value for value in range(start, end + 1, step)}
    is_star = range_text in ("*", "?") and step == 1
    full_range_step = step if (start, end) == (spec.low, spec.step_high) else None
    return values, is_star, full_range_step


def _parse_range(text: str, spec: FieldSpec) -> tuple[int, int]:
    first, _, last = text.partition("-")
    if not first or not last:
        raise CronError(spec.key, f"'{text}' is not a valid range")
    start, end = _parse_value(first, spec), _parse_value(last, spec)
    if spec is DAY_OF_WEEK and last.upper() == "SUN" and start > 0:
        end = 7  # FRI-SUN reads naturally; Sunday closes the week here.
    return start, end


def _parse_value(text: str, spec: FieldSpec) -> int:
    if _NUMBER.fullmatch(text):
        value = int(text)
        if not spec.low <= value <= spec.high:
            raise CronError(spec.key, f"{value} is out of range ({spec.low}-{spec.high})")
        return value
    if text.upper() in spec.names:
        return spec.names[text.upper()]
    raise CronError(spec.key, f"'{text}' is not a {spec.describe_values()}")


def _parse_step(text: str, term: str, spec: FieldSpec) -> int:
    if not _NUMBER.fullmatch(text):
        raise CronError(spec.key, f"step '{text}' in '{term}' is not a number")
    step = int(text)
    if step == 0:
        raise CronError(spec.key, f"step 0 in '{term}' must be at least 1")
    return step
