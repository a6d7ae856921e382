"""preview_expression (shown through schedules.schedule_preview) and describe()."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cron import CronError, describe, parse_cron, preview_expression

UTC = timezone.utc
JUNE = datetime(2026, 6, 1, tzinfo=UTC)


def test_a_valid_preview_lists_runs_with_the_schedule_zone_offset():
    preview = preview_expression("0 0 3 * * *", "Europe/London", count=2, after=datetime(2026, 3, 28, tzinfo=UTC))
    assert preview == {
        "valid": True,
        "description": "Every day at 03:00 (Europe/London)",
        "next_runs": ["2026-03-28T03:00:00+00:00", "2026-03-29T03:00:00+01:00"],
        "error": None,
        "error_field": None,
        "runs": [
            {"at": "2026-03-28T03:00:00+00:00", "utc": "2026-03-28T03:00:00+00:00", "dst": None,
             "gap_seconds": None, "gap": None, "uneven": False},
            {"at": "2026-03-29T03:00:00+01:00", "utc": "2026-03-29T02:00:00+00:00", "dst": "offset-change",
             "gap_seconds": 82800, "gap": "23 hours", "uneven": False},
        ],
    }


@pytest.mark.parametrize(
    ("expression", "zone", "floor", "field", "error"),
    [
        ("0 0 25 * * *", "UTC", 60, "hour", "hour: 25 is out of range (0-23)"),
        ("0 0 0 *", "UTC", 60, "cron_expression",
         "Expression has 4 fields; expected 5 or 6 (second minute hour day-of-month month day-of-week)"),
        ("0 0 0 * * *", "Mars/Base", 60, "timezone", "timezone: 'Mars/Base' is not a known IANA timezone"),
        ("* * * * * *", "UTC", 60, "frequency", "frequency: fires every 1 second; the minimum interval is 60 seconds"),
        ("0 */5 * * * *", "UTC", 3600, "frequency",
         "frequency: fires every 5 minutes; the minimum interval is 3600 seconds"),
        ("", "UTC", 60, "cron_expression", "Expression is empty"),
        (None, "UTC", 60, "cron_expression", "Expression is empty"),
    ],
)
def test_an_invalid_preview_reports_the_error_and_its_field_without_raising(expression, zone, floor, field, error):
    preview = preview_expression(expression, zone, after=JUNE, min_interval_seconds=floor)
    assert preview == {
        "valid": False, "description": "", "next_runs": [], "error": error, "error_field": field, "runs": [],
    }


@pytest.mark.parametrize(("count", "listed"), [(0, 1), (-3, 1), (1, 1), (7, 7), (50, 50), (500, 50), ("12", 12), ("x", 5), (None, 5)])
def test_the_number_of_previewed_runs_is_clamped_between_one_and_fifty(count, listed):
    assert len(preview_expression("0 0 * * * *", "UTC", count=count, after=JUNE)["next_runs"]) == listed


def test_a_preview_defaults_to_five_runs_from_now():
    preview = preview_expression("0 * * * * *")
    runs = [datetime.fromisoformat(run) for run in preview["next_runs"]]
    assert len(runs) == 5 and runs[0] > datetime.now(UTC).replace(second=0, microsecond=0)


def test_a_naive_after_is_read_as_utc():
    preview = preview_expression("0 0 * * * *", "UTC", count=1, after=datetime(2026, 6, 1, 10, 30))
    assert preview["next_runs"] == ["2026-06-01T11:00:00+00:00"]


@pytest.mark.parametrize(
    ("expression", "zone", "after", "markers"),
    [
        # 01:30 does not exist on 29 March: the run moved to 02:00 BST is "shifted".
        ("0 30 1 * * *", "Europe/London", datetime(2026, 3, 27, 12, tzinfo=UTC),
         [("2026-03-28T01:30:00+00:00", None), ("2026-03-29T02:00:00+01:00", "shifted"),
          ("2026-03-30T01:30:00+01:00", None)]),
        # Fixed time in the repeated hour: runs once, marked ambiguous; the next day's offset differs.
        ("0 30 1 * * *", "America/New_York", datetime(2026, 10, 31, 12, tzinfo=UTC),
         [("2026-11-01T01:30:00-04:00", "ambiguous"), ("2026-11-02T01:30:00-05:00", "offset-change")]),
        # Interval-style through spring forward: the first run on the new offset is marked.
        ("0 */15 * * * *", "America/New_York", datetime(2026, 3, 8, 6, 40, tzinfo=UTC),
         [("2026-03-08T01:45:00-05:00", None), ("2026-03-08T03:00:00-04:00", "offset-change"),
          ("2026-03-08T03:15:00-04:00", None)]),
        # Interval-style through fall back: both occurrences of the repeated hour are ambiguous.
        ("0 */30 * * * *", "Australia/Lord_Howe", datetime(2026, 4, 4, 14, 20, tzinfo=UTC),
         [("2026-04-05T01:30:00+11:00", "ambiguous"), ("2026-04-05T01:30:00+10:30", "ambiguous"),
          ("2026-04-05T02:00:00+10:30", None)]),
    ],
)
def test_runs_affected_by_a_dst_change_are_marked(expression, zone, after, markers):
    preview = preview_expression(expression, zone, count=len(markers), after=after)
    assert [(run["at"], run["dst"]) for run in preview["runs"]] == markers


def test_the_first_run_is_marked_when_the_offset_changed_since_the_preview_start():
    preview = preview_expression("0 0 12 * * *", "Europe/London", count=1, after=datetime(2026, 3, 28, 13, tzinfo=UTC))
    assert preview["runs"][0] == {"at": "2026-03-29T12:00:00+01:00", "utc": "2026-03-29T11:00:00+00:00",
                                  "dst": "offset-change", "gap_seconds": None, "gap": None, "uneven": False}


@pytest.mark.parametrize(
    ("expression", "zone", "description"),
    [
        ("0 30 2 * * *", "Europe/London", "Every day at 02:30 (Europe/London)"),
        ("30 2 * * *", "Europe/London", "Every day at 02:30 (Europe/London)"),
        ("15 30 2 * * *", "UTC", "Every day at 02:30:15 (UTC)"),
        ("0 */15 * * * *", "UTC", "Every 15 minutes (UTC)"),
        ("0 0 14 * * MON,FRI", "America/New_York", "At 14:00 on Monday and Friday (America/New_York)"),
        ("0 0 */2 * * *", "UTC", "Every 2 hours (UTC)"),
        ("0 30 */2 * * *", "UTC", "Every 2 hours at :30 (UTC)"),
        ("0 5 * * * *", "UTC", "Every hour at :05 (UTC)"),
        ("0 * * * * *", "UTC", "Every minute (UTC)"),
        ("*/30 * * * * *", "UTC", "Every 30 seconds (UTC)"),
        ("0 0 9-17 * * MON-FRI", "UTC", "Every hour from 09:00 to 17:00 on Monday through Friday (UTC)"),
        ("0 */15 9-17 * * 1-5", "UTC", "Every 15 minutes from 09:00 to 17:45 on Monday through Friday (UTC)"),
        ("0 0,30 8,17 * * *", "UTC", "Every day at 08:00, 08:30, 17:00 and 17:30 (UTC)"),
        ("0 0 0 13 * FRI", "UTC", "At 00:00 on day 13 of the month or on Friday (UTC)"),
        ("0 0 6 1,15 * *", "UTC", "At 06:00 on days 1 and 15 of the month (UTC)"),
        ("0 0 12 */2 * *", "UTC", "At 12:00 on every 2nd day of the month (days 1, 3, … 31; the count starts "
                                  "again on the 1st, so the gap into a new month can be shorter) (UTC)"),
        ("0 */7 * * * *", "UTC", "Every 7 minutes within each hour (:00 to :56), then 4 minutes from :56 to the "
                                 "next :00 (UTC)"),
        ("0 0 */5 * * *", "UTC", "Every 5 hours within each day (00:00 to 20:00), then 4 hours from 20:00 to the "
                                 "next 00:00 (UTC)"),
        ("0 */7 9-17 * * *", "UTC", "Every 7 minutes, between 09:00 and 17:59 (UTC)"),
        ("@every 7m", "UTC", "Every 7 minutes, counted on without restarting at each hour (UTC)"),
        ("@every 5h", "Europe/London", "Every 5 hours, counted on without restarting at midnight (Europe/London)"),
        ("0 1/5 * * * *", "UTC", "Every 5 minutes, starting at 1 minute past the hour (UTC)"),
        ("0 0 0 * * 5-7", "UTC", "At 00:00 on Friday through Sunday (UTC)"),
        ("0 0 0 * 3-5 *", "UTC", "Every day at 00:00 in March through May (UTC)"),
        ("0 0 0 29 2 *", "UTC", "At 00:00 on 29 February (UTC)"),
        ("@daily", "UTC", "Every day at 00:00 (UTC)"),
        ("@hourly", "UTC", "Every hour (UTC)"),
        ("@weekly", "UTC", "At 00:00 on Sunday (UTC)"),
        ("@monthly", "UTC", "At 00:00 on day 1 of the month (UTC)"),
        ("@yearly", "UTC", "At 00:00 on 1 January (UTC)"),
        ("@every 90s", "UTC", "Every 90 seconds (UTC)"),
        ("@every 1h30m", "Asia/Tokyo", "Every 90 minutes (Asia/Tokyo)"),
        ("0 5,10,20,40 * * * *", "UTC", "At 5, 10, 20, and 40 minutes past the hour (UTC)"),
    ],
)
def test_describe_words_common_schedules_and_names_the_zone(expression, zone, description):
    assert describe(expression, zone) == description


def test_describe_accepts_a_parsed_expression_and_uses_its_zone():
    assert describe(parse_cron("0 0 7 * * *", "Asia/Tokyo")) == "Every day at 07:00 (Asia/Tokyo)"


def test_describe_text_defaults_to_utc_and_ignores_the_frequency_floor():
    assert describe("* * * * * *") == "Every second (UTC)"


def test_describe_rejects_an_invalid_expression():
    with pytest.raises(CronError):
        describe("0 0 25 * * *")


@pytest.mark.parametrize("expression, after, gaps, uneven", [
    ("0 */7 * * * *", "2026-03-01T22:40:00+00:00", [420, 420, 240, 420], [False, False, True, False]),
    ("@every 7m", "2026-03-01T22:40:00+00:00", [420, 420, 420, 420], [False] * 4),
    ("0 0 */5 * * *", "2026-03-01T10:00:00+00:00", [18000, 14400, 18000, 18000], [False, True, False, False]),
    ("0 0 2 */2 * *", "2026-12-28T00:00:00+00:00", [172800, 86400, 172800, 172800], [False, True, False, False]),
])
def test_the_preview_shows_each_gap_and_marks_the_uneven_one(expression, after, gaps, uneven):
    preview = preview_expression(expression, "UTC", 5, datetime.fromisoformat(after), min_interval_seconds=60)
    runs = preview["runs"]
    assert runs[0]["gap_seconds"] is None and runs[0]["uneven"] is False
    assert [run["gap_seconds"] for run in runs[1:]] == gaps
    assert [run["uneven"] for run in runs[1:]] == uneven
