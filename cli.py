"""Flask CLI command groups (`flask --app app <group> <command>`)."""
from flask import Flask

from bench_fleet.cli import bench_cli
from scheduler.cli import scheduler_cli
from security.cli import tokens_cli, users_cli
from simulator.cli import demo_cli


def register_cli(app: Flask) -> None:
    for group in (users_cli, tokens_cli, scheduler_cli, demo_cli, bench_cli):
        app.cli.add_command(group)
