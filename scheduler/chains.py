"""Chain schedules: a child runs after its parent's execution; a chain must never loop."""
from __future__ import annotations

from sqlalchemy import select

from domain_errors import ChainCycle
from extensions import db
from models import ReplicationSchedule


def validate_chain(schedule_id: str | None, parent_id: str | None) -> None:
    """Raise `ChainCycle` if `parent_id` (or one of its ancestors) is `schedule_id` itself.

    One query reads every schedule's parent; the walk stops at a root or at a loop that does not
    involve `schedule_id` (reported too: such data would make the engine fire forever).
    """
    if parent_id is None:
        return
    rows = db.session.execute(select(ReplicationSchedule.id, ReplicationSchedule.name,
                                     ReplicationSchedule.chain_parent_schedule_id)).all()
    parents = {row.id: row.chain_parent_schedule_id for row in rows}
    names = {row.id: row.name for row in rows}
    path = [schedule_id] if schedule_id is not None else []
    cursor: str | None = parent_id
    while cursor is not None:
        if cursor in path:
            cycle = path[path.index(cursor):] + [cursor]
            raise ChainCycle([names.get(item, item) for item in cycle])
        path.append(cursor)
        cursor = parents.get(cursor)
