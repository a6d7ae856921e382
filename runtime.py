"""Background services started with the app: JobLog writer, simulator (DEMO), scheduler.

They start when the app serves requests (gunicorn, `flask run`, `make run`), not for other
CLI commands such as `flask db upgrade`, and not in tests unless a test asks for them.
"""
from __future__ import annotations

import logging
import sys

import click
from flask import Flask

log = logging.getLogger(__name__)


def _cli_subcommand(argv: list[str]) -> str | None:
    """The `flask` subcommand in argv, skipping the group's own options and their values."""
    takes_value = {"--app", "-A", "--env-file", "-e"}
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in takes_value:
            skip = True
            continue
        if arg.startswith("-"):
            continue
        return arg
    return None


def serving_process() -> bool:
    """False inside a Flask CLI command other than `run` (e.g. `flask db upgrade`)."""
    if click.get_current_context(silent=True) is None:
        return True
    return _cli_subcommand(sys.argv[1:]) in (None, "run")


def start_background_services(app: Flask) -> None:
    start = app.config.get("BACKGROUND_SERVICES")
    if start is None:
        start = serving_process() and not app.testing
    app.extensions["background_services"] = bool(start)
    if not start:
        return
    if app.config.get("DEMO"):
        from simulator import start_simulator
        start_simulator(app)
    if app.config.get("SCHEDULER_ENABLED"):
        from scheduler import start_scheduler
        start_scheduler(app)
