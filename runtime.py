"""What kind of process this is: serving requests or running a CLI command, and whether it is
gunicorn's master loading the app for the workers it will fork.

The factory starts the background services (simulator, scheduler) only in a serving process:
gunicorn, `flask run`, `make run` — not for other CLI commands such as `flask db upgrade`, and
not in tests unless a test asks for them.
"""
from __future__ import annotations

import os
import sys

import click

#: Set by gunicorn.conf.py in gunicorn's master and removed in each worker right after the fork.
GUNICORN_MASTER_ENV = "DASHBOARD_GUNICORN_MASTER"


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


def gunicorn_master() -> bool:
    """True in gunicorn's master (it loads the app itself only with `--preload`, then forks the
    workers that serve it). Told by the hooks in gunicorn.conf.py, which gunicorn reads when
    started from the project folder."""
    return os.environ.get(GUNICORN_MASTER_ENV) == "1"
