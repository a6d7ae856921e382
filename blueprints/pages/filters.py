"""Template filters of the pages: schedule wording, ISO times, execution outcomes."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from flask import Flask

from cron import CronError
from cron.describe import describe
from schedules import execution_to_dict

_OUTCOME_LISTS = ("vms", "outcomes", "results", "vm_outcomes")


def schedule_words(schedule) -> str:
    """"Every day at 02:30 (Europe/London)"; the bare expression if it cannot be described."""
    return _words(schedule.cron_expression, schedule.timezone or "UTC")


@lru_cache(maxsize=4096)
def _words(expression: str, zone: str) -> str:
    """Schedules share few distinct expressions; describing each once keeps long lists cheap."""
    try:
        return describe(expression, zone)
    except CronError:
        return expression


def from_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _outcome(key: str | None, item: dict) -> dict:
    reason = item.get("skip_reason") or item.get("reason") or item.get("conflict")
    return {
        "vm": item.get("vm_name") or item.get("name") or item.get("vm_context_id") or key or "VM",
        "job_id": item.get("job_id"),
        "status": item.get("status") or item.get("outcome"),
        "reason": str(reason).replace("_", " ") if reason else None,
        "error": item.get("error") or item.get("error_message") or item.get("message"),
    }


def execution_view(execution) -> dict[str, Any]:
    """The execution's sanitized fields with per-VM outcomes as a flat list for the table."""
    data = execution_to_dict(execution)
    details = data.get("execution_details") or {}
    outcomes: list[dict] = []
    if isinstance(details, dict):
        listed = next((details[name] for name in _OUTCOME_LISTS if isinstance(details.get(name), list)), None)
        if listed is not None:
            outcomes = [_outcome(None, item) for item in listed if isinstance(item, dict)]
        else:
            outcomes = [_outcome(key, item) for key, item in details.items() if isinstance(item, dict)]
    data["outcomes"] = outcomes
    return data


def register_filters(app: Flask) -> None:
    app.jinja_env.filters["schedule_words"] = schedule_words
    app.jinja_env.filters["fromiso"] = from_iso
    app.jinja_env.filters["execution_view"] = execution_view
