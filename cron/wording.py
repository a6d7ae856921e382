"""Small English helpers shared by error messages and descriptions."""
from __future__ import annotations

from collections.abc import Callable, Sequence

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def plural(count: int, unit: str) -> str:
    """``1 second``, ``30 seconds``."""
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def duration(seconds: int) -> str:
    """A whole number of seconds in the largest unit that divides it exactly."""
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds % size == 0:
            return plural(seconds // size, unit)
    return plural(seconds, "second")


def every(seconds: int) -> str:
    """``every hour``, ``every 90 seconds``."""
    amount = duration(seconds)
    return f"every {amount[2:]}" if amount.startswith("1 ") else f"every {amount}"


def join(words: Sequence[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def runs(values: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive runs of sorted integers: ``[1, 2, 3, 5]`` -> ``[(1, 3), (5, 5)]``."""
    result: list[tuple[int, int]] = []
    for value in values:
        if result and value == result[-1][1] + 1:
            result[-1] = (result[-1][0], value)
        else:
            result.append((value, value))
    return result


def ranges(values: Sequence[int], name: Callable[[int], str]) -> str:
    """Sorted values as words, three or more consecutive ones as ``X through Y``."""
    words: list[str] = []
    for first, last in runs(values):
        if last - first >= 2:
            words.append(f"{name(first)} through {name(last)}")
        else:
            words.extend(name(value) for value in range(first, last + 1))
    return join(words)


def clock(seconds_after_midnight: int) -> str:
    """``02:30``, or ``02:30:15`` when the second is not zero."""
    hour, rest = divmod(seconds_after_midnight, 3600)
    minute, second = divmod(rest, 60)
    return f"{hour:02d}:{minute:02d}" + (f":{second:02d}" if second else "")


def ordinal(number: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``11th``, ``22nd``."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
