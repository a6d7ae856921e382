"""What a schedule would do, before it is saved: a description and the next run times."""
from __future__ import annotations

from datetime import datetime

import cron
from cron.preview import MAX_PREVIEW_RUNS
from scheduler.next_runs import frequency_floor

MAX_PREVIEW_COUNT = MAX_PREVIEW_RUNS


def schedule_preview(cron_expression: str | None, timezone: str | None = "UTC", count: int = 5,
                     after: datetime | None = None) -> dict:
    """`cron.preview_expression` with the configured frequency floor, plus the form field at fault.

    Never raises for a bad expression or zone: the preview is shown live while an operator
    types, so an invalid schedule is an answer (`valid` false, `error` naming the field), not
    a failure. `field` is the input to highlight (`cron_expression` or `timezone`);
    `error_field` is the precise cron field (`minute`, `day_of_week`, `frequency`, ...).
    """
    preview = cron.preview_expression(cron_expression or "", timezone or "UTC", count, after,
                                    min_interval_seconds=frequency_floor())
    field = preview.get("error_field")
    preview["field"] = None if field is None else ("timezone" if field == "timezone" else "cron_expression")
    return preview
