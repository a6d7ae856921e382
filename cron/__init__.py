"""Cron schedules for replication: parsing, validation, next fire times, descriptions.

Pure Python (no Flask, no database); the scheduler engine, the API and the pages build on it.
``timing.next_fire`` caches next fires for pages that list many schedules; ``builder`` turns the
schedule form's frequency choices into an expression and back.

Expressions
    Six fields ``second minute hour day-of-month month day-of-week`` as in robfig/cron with
    seconds; five fields mean second 0. ``*``, lists, ranges, steps (``*/15``, ``10-50/5``,
    ``5/15`` = ``5-59/15``), month and weekday names (case-insensitive, in ranges too), ``?`` as
    ``*`` in the two day fields, day-of-week 0 and 7 both Sunday. When both day fields are
    restricted a day matches if either does; a bare ``*`` or ``?`` in one of them leaves only the
    other. Descriptors ``@yearly @annually @monthly @weekly @daily @midnight @hourly`` and
    ``@every <duration>`` (h, m, s; whole seconds). ``@every`` fires at multiples of the duration
    since 1970-01-01T00:00:00Z, so every process computes the same instants.

Frequency floor
    A schedule whose shortest gap between consecutive fires (computed exactly from the fields)
    is below ``min_interval_seconds`` (default 60) is rejected; 0 disables the floor.

Time zones and DST
    A schedule runs in its IANA zone (default UTC). Two kinds of expression behave differently
    when clocks change:

    Debian cron's rule decides which: an expression whose second, minute or hour field begins
    with ``*`` (``*/15 1 * * *``, ``0 0 * * * *``, ``@hourly``), and ``@every``, is interval-style;
    every other expression (``0 30 2 * * *``, ``0 0 0-23/11 * * *``, ``0 0 0,11,22 * * *``) is
    fixed-time.

    * Fixed-time expressions give each local slot exactly one run. A slot whose local time does not exist (spring forward)
      runs once at the first instant after the gap, several such slots in one gap collapsing
      into that one run; a slot whose local time occurs twice (fall back) runs once, at its
      first occurrence.
    * Interval-style expressions follow real elapsed time: the fields are matched against the local clock at
      each real instant. In a repeated hour they fire in both occurrences; nothing is moved into
      a gap. ``0 */15 * * * *`` keeps firing every 15 real minutes through both changes;
      ``0 */15 1 * * *`` in London fires in both copies of 01:xx on the fall-back day and not at
      all on the spring-forward day (01:xx does not exist then).

Errors
    ``CronError`` carries ``field`` (the form input at fault) and a message naming it.
"""
from .describe import describe
from .errors import CronError
from .expression import CronExpression
from .parser import DEFAULT_MIN_INTERVAL_SECONDS, parse_cron
from .preview import next_runs, preview_expression
from .trigger import ScheduleTrigger

__all__ = [
    "CronError",
    "CronExpression",
    "DEFAULT_MIN_INTERVAL_SECONDS",
    "ScheduleTrigger",
    "describe",
    "next_runs",
    "parse_cron",
    "preview_expression",
]
