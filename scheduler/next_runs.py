"""`vm_replication_contexts.next_scheduled_at`: each VM's next scheduled replication.

Written by one maintenance thread of the leader, off the firing path: a fire only notes that
next runs changed. One pass reads every VM's current value and effective schedule (one query)
and updates only the VMs whose value differs, grouped by value, in key order. The OMA writes the
same rows when it starts a replication; keeping our writes few, short and ordered keeps them
from waiting on (or deadlocking with) it.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select, update

from extensions import db
from models import VMGroupMembership, VMMachineGroup, VMReplicationContext

CHUNK = 500


def write_next_runs(next_by_schedule: dict[str, datetime | None], leave: set[str] = frozenset()) -> tuple[int, int]:
    """Set each VM's next run from its effective schedule (membership override, else its
    group's); VMs of no fired schedule get none. VMs in `leave` (being dispatched: the OMA is
    writing their rows) are left for a later pass. Returns (VMs changed, VMs left)."""
    vm, m, g = VMReplicationContext, VMGroupMembership, VMMachineGroup
    rows = db.session.execute(
        select(vm.context_id, vm.next_scheduled_at, func.coalesce(m.schedule_override_id, g.schedule_id))
        .outerjoin(m, m.vm_context_id == vm.context_id)
        .outerjoin(g, g.id == m.group_id)).all()
    changes: dict[datetime | None, list[str]] = defaultdict(list)
    left = 0
    for context_id, current, schedule_id in rows:
        wanted = next_by_schedule.get(schedule_id) if schedule_id else None
        if current != wanted:
            if context_id in leave:
                left += 1
            else:
                changes[wanted].append(context_id)
    changed = 0
    for at, context_ids in changes.items():
        context_ids.sort()
        for start in range(0, len(context_ids), CHUNK):
            chunk = context_ids[start:start + CHUNK]
            db.session.execute(update(vm).where(vm.context_id.in_(chunk)).values(next_scheduled_at=at)
                               .execution_options(synchronize_session=False))
            db.session.commit()
            changed += len(chunk)
    db.session.commit()
    return changed, left
