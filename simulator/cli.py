"""`flask demo ...`: seed or reset the demo data, run a simulated failover or rollback."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import delete, func, select, update

from extensions import db
from models import (JobStep, JobTracking, LogEvent, ReplicationJob, ReplicationSchedule, ScheduleExecution,
                    VMGroupMembership, VMMachineGroup, VMReplicationContext)
from simulator.failover import FailoverRefused, run_operation
from simulator.inventory import VCENTER_HOST
from simulator.seed import seed_demo_data


@click.group("demo", help="Demo data and simulated operations of the built-in appliance simulator.")
def demo_cli() -> None:
    pass


@demo_cli.command("seed", help="Seed the demo inventory, schedules, groups and history into an empty database.")
@with_appcontext
def seed_command() -> None:
    result = seed_demo_data()
    click.echo(f"Demo data: {result.summary}")


def _foreign_vms() -> int:
    return db.session.scalar(select(func.count()).select_from(VMReplicationContext)
                             .where(VMReplicationContext.vcenter_host != VCENTER_HOST))


@demo_cli.command("reset", help="Delete all VMs, schedules, groups and jobs, then seed the demo data again.")
@click.option("--yes", is_flag=True, help="Confirm that every VM, schedule, group and job is to be deleted.")
@with_appcontext
def reset_command(yes: bool) -> None:
    if not yes:
        raise click.UsageError("this deletes every VM, schedule, group and job: add --yes to confirm")
    foreign = _foreign_vms()
    if foreign:
        raise click.ClickException(f"refusing to reset: {foreign} VM(s) belong to a real vCenter, "
                                   f"not to the demo vCenter {VCENTER_HOST}")
    db.session.execute(update(VMReplicationContext).values(current_job_id=None, last_successful_job_id=None))
    for model in (LogEvent, JobStep):
        db.session.execute(delete(model))
    db.session.execute(update(JobTracking).values(parent_job_id=None))
    for model in (JobTracking, ReplicationJob, ScheduleExecution, VMGroupMembership, VMMachineGroup):
        db.session.execute(delete(model))
    db.session.execute(update(ReplicationSchedule).values(chain_parent_schedule_id=None))
    for model in (ReplicationSchedule, VMReplicationContext):
        db.session.execute(delete(model))
    db.session.commit()
    click.echo(f"Demo data: {seed_demo_data().summary}")


def _context_id(vm_name: str) -> str:
    context = db.session.scalars(select(VMReplicationContext).where(VMReplicationContext.vm_name == vm_name)).first()
    if context is None:
        raise click.BadParameter(f"no managed VM is named {vm_name!r}", param_hint="VM_NAME")
    return context.context_id


def _report(outcome) -> None:
    summary = outcome.summary
    click.echo(f"{outcome.operation_type} {outcome.status}: {outcome.external_job_id} (JobLog job {outcome.job_id})")
    if outcome.status == "failed":
        click.echo(f"  failed at: {summary.get('failed_step')}")
        click.echo(f"  {summary.get('error_message')}")
        for action in summary.get("actionable_steps") or ():
            click.echo(f"  - {action}")


def _run(vm_name: str, operation_type: str, fail_at: str | None, pause: float) -> None:
    try:
        outcome = run_operation(_context_id(vm_name), operation_type, fail_at=fail_at, step_pause=pause,
                                owner="demo-cli")
    except FailoverRefused as exc:
        raise click.ClickException(str(exc)) from None
    _report(outcome)


@demo_cli.command("failover", help="Run a simulated test or live failover of one VM, recorded through JobLog.")
@click.argument("vm_name")
@click.option("--type", "kind", type=click.Choice(["test", "live"]), default="test", show_default=True)
@click.option("--fail-at", default=None, help="Internal name of the step that should fail (e.g. vm-creation).")
@click.option("--pause", type=click.FloatRange(min=0), default=3.0, show_default=True,
              help="Seconds each step takes, so the timeline shows it running.")
@with_appcontext
def failover_command(vm_name: str, kind: str, fail_at: str | None, pause: float) -> None:
    _run(vm_name, f"{kind}_failover", fail_at, pause)


@demo_cli.command("rollback", help="Roll back the test failover of one VM, recorded through JobLog.")
@click.argument("vm_name")
@click.option("--fail-at", default=None, help="Internal name of the step that should fail.")
@click.option("--pause", type=click.FloatRange(min=0), default=3.0, show_default=True)
@with_appcontext
def rollback_command(vm_name: str, fail_at: str | None, pause: float) -> None:
    _run(vm_name, "rollback", fail_at, pause)
