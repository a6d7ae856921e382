"""Template filters of the pages: schedule wording, ISO times, execution outcomes."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from flask import Flask

from cron import CronError
from cron.describe import describe
from scheduler.outcomes import VMOutcome
from schedules import execution_to_dict

_OUTCOME_LISTS = ("vms", "outcomes", "results", "vm_outcomes")


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


def execution_view(execution) -> dict[str, Any]:
    """The execution's sanitized fields with per-VM outcomes as a flat list for the table."""
    data = execution_to_dict(execution)
    details = data.get("execution_details") or {}
    outcomes: list[VMOutcome] = []
    if isinstance(details, dict):
        listed = next((details[name] for name in _OUTCOME_LISTS if isinstance(details.get(name), list)), None)
        if listed is not None:
            outcomes = [VMOutcome.from_entry(item) for item in listed if isinstance(item, dict)]
        else:
            outcomes = [VMOutcome.from_entry(item, key) for key, item in details.items() if isinstance(item, dict)]
    data["outcomes"] = outcomes
    return data


def register_filters(app: Flask) -> None:
    app.jinja_env.filters["schedule_words"] = schedule_words
    app.jinja_env.filters["fromiso"] = from_iso
    app.jinja_env.filters["execution_view"] = execution_view
