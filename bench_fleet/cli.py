"""`flask bench seed`: fill the configured database with a generated fleet."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from bench_fleet import FleetNotEmpty, FleetSize, seed_fleet
from extensions import db

bench_cli = AppGroup("bench", help="Scale data for benchmarks and capacity checks.")


@bench_cli.command("seed")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="Fraction of the full fleet (5,000 VMs, 100,000 jobs, 1,000,000 log events).")
@click.option("--seed", "rng_seed", type=int, default=1, show_default=True, help="Random seed: same seed, same fleet.")
@click.option("--reset", is_flag=True, help="Empty the appliance tables first (users and tokens are kept).")
def seed_command(scale: float, rng_seed: int, reset: bool) -> None:
    """Fill the database with VMs, groups, schedules, executions, jobs and logs."""
    if not scale > 0:
        raise click.BadParameter("must be a positive number", param_hint="--scale")
    size = FleetSize.scaled(scale)
    click.echo(f"Seeding {size.vms:,} VMs, {size.groups:,} groups, {size.schedules:,} schedules, "
               f"{size.replication_jobs:,} replication jobs, {size.joblog_jobs:,} JobLog jobs, "
               f"{size.log_events:,} log events, {size.executions:,} executions into "
               f"{db.engine.url.render_as_string(hide_password=True)} ...")
    try:
        report = seed_fleet(db.engine, size, seed=rng_seed, reset=reset)
    except FleetNotEmpty as exc:
        raise click.ClickException(f"{exc}; use --reset to replace it with the fleet") from None
    current_app.logger.info("fleet seeded: %s", report.summary)
    click.echo(f"Seeded {report.summary}")
