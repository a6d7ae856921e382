"""Template filters of the pages: schedule wording, ISO times, execution outcomes."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from flask import Flask

from cron import CronError
from cron.describe import describe
from scheduler.outcomes import outcomes_of
from schedules import execution_to_dict

def schedule_words(schedule) -> str:
    """"Every day at 02:30 (Europe/London)"; the bare expression if it cannot be described."""
    return _words(schedule.cron_expression, schedule.zone)


@lru_cache(maxsize=4096)
def _words(expression: str, zone: str) -> str:
    """Schedules share few distinct expressions; describing each once keeps long lists cheap."""
    try:
        return describe(expression, zone)
    except CronError:
        return expression


def from_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


def execution_view(execution, job_errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The execution's sanitized fields with per-VM outcomes as a flat list for the table; a
    failed VM stored without a message shows its job's error (`job_errors`, job id → message:
    schedules.failed_job_errors for the whole page)."""
    data = execution_to_dict(execution)
    outcomes = outcomes_of(data.get("execution_details"))
    data["outcomes"] = [outcome.or_job_error(job_errors) for outcome in outcomes] if job_errors else outcomes
    return data


def register_filters(app: Flask) -> None:
    app.jinja_env.filters["schedule_words"] = schedule_words
    app.jinja_env.filters["fromiso"] = from_iso
    app.jinja_env.filters["execution_view"] = execution_view
