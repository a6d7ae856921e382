"""Schedules by name, for links and selects that need no counts or next runs."""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models import ReplicationSchedule


def schedule_name(schedule_id: str | None) -> tuple[str, str] | None:
    """(id, name) of a schedule, for links such as a chain parent; None if there is none."""
    if not schedule_id:
        return None
    name = db.session.scalar(select(ReplicationSchedule.name).where(ReplicationSchedule.id == schedule_id))
    return (schedule_id, name) if name else None


def schedule_names() -> list[tuple[str, str]]:
    """(id, name) of every schedule by name, for chain-parent selects (one statement)."""
    return [tuple(row) for row in db.session.execute(
        select(ReplicationSchedule.id, ReplicationSchedule.name).order_by(ReplicationSchedule.name)).all()]


def schedules_by_name() -> list[ReplicationSchedule]:
    """Every schedule by name, without counts or next runs, for the group form's select (one statement)."""
    return list(db.session.scalars(select(ReplicationSchedule).order_by(ReplicationSchedule.name)).all())


def zones_in_use() -> list[str]:
    """The distinct timezones schedules are written in, for the timezone selects (one statement).
    A row written without one fires in UTC; unusable names are left for the caller to drop."""
    return sorted(zone for zone in db.session.scalars(select(ReplicationSchedule.zone).distinct()).all()
                  if isinstance(zone, str) and zone)
