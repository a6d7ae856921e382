"""Next fires computed once and reused until they pass; parses cached; refused expressions still raise."""
from datetime import datetime, timedelta, timezone

import pytest

from cron import CronError, parse_cron
from cron.timing import next_fire, parsed_cron


def test_the_next_fire_is_the_same_as_a_fresh_parse_gives(app):
    now = datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)
    fresh = parse_cron("0 0 1 * * *", "Europe/London", min_interval_seconds=60).next_after(now)
    assert next_fire("0 0 1 * * *", "Europe/London", 60, now) == fresh


def test_a_cached_next_fire_is_recomputed_once_it_has_passed(app):
    now = datetime(2026, 5, 1, 10, 0, 30, tzinfo=timezone.utc)
    first = next_fire("0 */5 * * * *", "UTC", 60, now)
    assert next_fire("0 */5 * * * *", "UTC", 60, now + timedelta(seconds=10)) == first
    later = next_fire("0 */5 * * * *", "UTC", 60, first)
    assert later == first + timedelta(minutes=5)


def test_an_earlier_moment_than_the_cached_one_is_answered_afresh(app):
    now = datetime(2026, 5, 1, 10, 7, tzinfo=timezone.utc)
    next_fire("0 */5 * * * *", "UTC", 60, now)
    earlier = now - timedelta(minutes=6)
    assert next_fire("0 */5 * * * *", "UTC", 60, earlier) == datetime(2026, 5, 1, 10, 5, tzinfo=timezone.utc)


def test_the_parse_is_shared_between_callers(app):
    assert parsed_cron("0 0 2 * * *", "UTC", 60) is parsed_cron("0 0 2 * * *", "UTC", 60)


def test_a_refused_expression_raises_every_time(app):
    for _ in range(2):
        with pytest.raises(CronError):
            next_fire("not cron", "UTC", 60, datetime(2026, 1, 1, tzinfo=timezone.utc))
