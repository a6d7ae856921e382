"""Each VM's next scheduled run, written from its effective schedule by the leader."""
from contextlib import nullcontext
from datetime import datetime, timezone

from sqlalchemy import select

from extensions import db
from models import VMReplicationContext
from scheduler.next_runs import write_next_runs
from tests.factories import add_member, make_group, make_schedule, make_vm

TOMORROW = datetime(2026, 6, 2, 2, 0, tzinfo=timezone.utc)
NEXT_WEEK = datetime(2026, 6, 8, 4, 0, tzinfo=timezone.utc)


def next_runs() -> dict[str, datetime | None]:
    db.session.expire_all()
    return dict(db.session.execute(select(VMReplicationContext.vm_name, VMReplicationContext.next_scheduled_at)).all())


def test_a_vm_runs_next_when_its_groups_schedule_or_its_override_fires(app):
    nightly, weekly = make_schedule("nightly"), make_schedule("weekly")
    group = make_group(schedule=nightly)
    add_member(group, make_vm("follows-group"))
    add_member(group, make_vm("overridden"), schedule_override_id=weekly.id)
    make_vm("ungrouped", next_scheduled_at=TOMORROW)
    write_next_runs({nightly.id: TOMORROW, weekly.id: NEXT_WEEK})
    assert next_runs() == {"follows-group": TOMORROW, "overridden": NEXT_WEEK, "ungrouped": None}


def test_only_vms_whose_next_run_changed_are_written(app):
    nightly = make_schedule("nightly")
    group = make_group(schedule=nightly)
    add_member(group, make_vm("a"))
    add_member(group, make_vm("b"))
    assert write_next_runs({nightly.id: TOMORROW}) == (2, 0)
    assert write_next_runs({nightly.id: TOMORROW}) == (0, 0)


def test_vms_being_dispatched_are_left_for_a_later_pass(app):
    nightly = make_schedule("nightly")
    group = make_group(schedule=nightly)
    busy = make_vm("busy")
    add_member(group, busy)
    add_member(group, make_vm("idle"))
    assert write_next_runs({nightly.id: TOMORROW}, lambda: nullcontext({busy.context_id})) == (1, 1)
    assert next_runs() == {"busy": None, "idle": TOMORROW}
