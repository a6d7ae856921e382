"""What a schedule would do, before it is saved: a description and the next run times."""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from cron import CronError, parse_cron
from cron.describe import describe
from models import utcnow

DEFAULT_PREVIEW_COUNT = 5
MAX_PREVIEW_COUNT = 50


def schedule_preview(cron_expression: str | None, timezone: str | None = "UTC",
                     count: int = DEFAULT_PREVIEW_COUNT, after: datetime | None = None,
                     min_interval_seconds: int | None = None) -> dict:
    """`{"valid", "description", "next_runs", "error", "field"}` for an expression and zone.

    Never raises for a bad expression or zone: the preview is shown live while an operator
    types, so an invalid schedule is an answer (`valid` false, `error` naming the field), not
    a failure. `next_runs` are ISO-8601 strings carrying the schedule zone's UTC offset.
    """
    count = max(1, min(int(count), MAX_PREVIEW_COUNT))
    if min_interval_seconds is None:
        min_interval_seconds = current_app.config["MIN_SCHEDULE_INTERVAL_SECONDS"]
    try:
        expression = parse_cron(cron_expression or "", timezone or "UTC",
                                min_interval_seconds=min_interval_seconds)
    except CronError as exc:
        field = "timezone" if exc.field == "timezone" else "cron_expression"
        return {"valid": False, "description": "", "next_runs": [], "error": str(exc), "field": field}
    runs = expression.next_runs(after or utcnow(), count)
    return {
        "valid": True,
        "description": describe(expression),
        "next_runs": [run.isoformat() for run in runs],
        "error": None,
        "field": None,
    }
