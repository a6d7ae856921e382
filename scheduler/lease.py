"""Leader election through one row of `dashboard_scheduler_lease`.

The holder renews the row with a compare-and-set UPDATE (`WHERE holder = me OR expired`):
exactly one process matches, so exactly one process runs the engine. Times come from the
database server on MySQL/MariaDB so hosts with slightly different clocks agree on expiry.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import case, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import DashboardSchedulerLease

LEASE_NAME = "scheduler"


def database_now() -> datetime:
    """The current UTC time as the database sees it (the local clock on SQLite)."""
    if db.engine.dialect.name in ("mysql", "mariadb"):
        value = db.session.execute(text("SELECT UTC_TIMESTAMP(6)")).scalar_one()
        return value.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)


def ensure_lease_row() -> None:
    """Create the lease row once; a concurrent creator makes our insert fail harmlessly."""
    if db.session.get(DashboardSchedulerLease, LEASE_NAME) is not None:
        return
    try:
        db.session.execute(insert(DashboardSchedulerLease).values(name=LEASE_NAME, schedules_version=0))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def try_acquire(holder: str, lease_seconds: int, engine_heartbeat_at: datetime | None = None,
                info: dict | None = None) -> bool:
    """Take or renew the lease; True when `holder` holds it until now + `lease_seconds`."""
    ensure_lease_row()
    now = database_now()
    lease = DashboardSchedulerLease
    # MySQL applies SET assignments left to right: compute acquired_at before holder changes.
    statement = (
        update(lease)
        .where(lease.name == LEASE_NAME,
               or_(lease.holder == holder, lease.holder.is_(None), lease.expires_at.is_(None),
                   lease.expires_at < now))
        .ordered_values(
            (lease.acquired_at, case((lease.holder == holder, lease.acquired_at), else_=now)),
            (lease.holder, holder),
            (lease.heartbeat_at, now),
            (lease.expires_at, now + timedelta(seconds=lease_seconds)),
            (lease.engine_heartbeat_at, engine_heartbeat_at),
            (lease.info, info),
        )
        .execution_options(synchronize_session=False)
    )
    won = db.session.execute(statement).rowcount == 1
    db.session.commit()
    return won


def release(holder: str) -> None:
    """Give the lease up at shutdown so a standby takes over at once instead of after expiry."""
    lease = DashboardSchedulerLease
    db.session.execute(
        update(lease).where(lease.name == LEASE_NAME, lease.holder == holder)
        .values(holder=None, expires_at=None, engine_heartbeat_at=None)
        .execution_options(synchronize_session=False))
    db.session.commit()


def read_lease() -> DashboardSchedulerLease | None:
    """The lease row (one primary-key lookup)."""
    return db.session.execute(
        select(DashboardSchedulerLease).where(DashboardSchedulerLease.name == LEASE_NAME)
        .execution_options(populate_existing=True)).scalar_one_or_none()


def schedules_version() -> int:
    value = db.session.execute(select(DashboardSchedulerLease.schedules_version)
                               .where(DashboardSchedulerLease.name == LEASE_NAME)).scalar_one_or_none()
    return int(value or 0)


def bump_schedules_version() -> None:
    """Tell every process that schedules changed (the leader polls the version)."""
    ensure_lease_row()
    lease = DashboardSchedulerLease
    db.session.execute(
        update(lease).where(lease.name == LEASE_NAME)
        .values(schedules_version=db.func.coalesce(lease.schedules_version, 0) + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
