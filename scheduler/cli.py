"""`flask scheduler status`: what /readyz reports, for a terminal."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from scheduler.health import scheduler_status

scheduler_cli = AppGroup("scheduler", help="Inspect the embedded replication scheduler.")


@scheduler_cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status_command(as_json: bool) -> None:
    """Leader, heartbeat age, last fire, next fires and pending executions."""
    status = scheduler_status()
    if as_json:
        click.echo(json.dumps(status, indent=2))
    else:
        click.echo(f"state:            {status['state']}")
        click.echo(f"leader:           {status['leader'] or '(none)'}")
        click.echo(f"leader since:     {status['leader_since'] or '-'}")
        age = status["heartbeat_age_seconds"]
        click.echo(f"heartbeat age:    {'-' if age is None else f'{age} s'}")
        click.echo(f"last fire:        {status['last_fire_at'] or '-'}")
        click.echo(f"running / queued: {status['executions']['running']} / {status['executions']['scheduled']}")
        for item in status["next_fires"]:
            click.echo(f"next:             {item['at']}  {item['schedule']}")
        for name, problem in status["invalid_schedules"].items():
            click.echo(f"not fired:        {name}: {problem}")
        other = status["other_scheduler"]
        if other:
            click.echo(f"OTHER SCHEDULER:  {other['runs_last_24h']} run(s) in 24 h not written by this dashboard "
                       f"(latest {other['latest_at']}, {other['latest_schedule']}, triggered_by "
                       f"{other['triggered_by'] or '-'}): turn the appliance's own scheduler off")
    if status["state"] != "running" or status["other_scheduler"]:
        raise SystemExit(1)
