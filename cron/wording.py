"""Small English helpers shared by error messages and descriptions."""
from __future__ import annotations

from collections.abc import Sequence


def plural(count: int, unit: str) -> str:
    """``1 second``, ``30 seconds``."""
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def duration(seconds: int) -> str:
    """A whole number of seconds in the largest unit that divides it exactly."""
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds % size == 0:
            return plural(seconds // size, unit)
    return plural(seconds, "second")


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
