"""Leader election through the lease row: one holder at a time, takeover after expiry."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from extensions import db
from models import DashboardSchedulerLease
from scheduler import lease, schedules_changed

pytestmark = pytest.mark.both_dbs


def expire_lease():
    db.session.execute(update(DashboardSchedulerLease).values(expires_at=lease.database_now() - timedelta(seconds=1)))
    db.session.commit()


def test_the_first_process_takes_the_lease_and_keeps_it_when_renewing(app):
    assert lease.try_acquire("host-a:1:aaaa", 20)
    first = lease.read_lease()
    acquired = first.acquired_at
    assert lease.try_acquire("host-a:1:aaaa", 20)
    renewed = lease.read_lease()
    assert renewed.holder == "host-a:1:aaaa"
    assert renewed.acquired_at == acquired
    assert renewed.expires_at > renewed.heartbeat_at


def test_a_second_process_cannot_take_a_live_lease(app):
    assert lease.try_acquire("host-a:1:aaaa", 20)
    assert not lease.try_acquire("host-b:2:bbbb", 20)
    assert lease.read_lease().holder == "host-a:1:aaaa"


def test_a_second_process_takes_over_an_expired_lease(app):
    assert lease.try_acquire("host-a:1:aaaa", 20)
    expire_lease()
    assert lease.try_acquire("host-b:2:bbbb", 20)
    assert not lease.try_acquire("host-a:1:aaaa", 20)
    assert lease.read_lease().holder == "host-b:2:bbbb"


def test_a_released_lease_is_taken_at_once(app):
    assert lease.try_acquire("host-a:1:aaaa", 20)
    lease.release("host-a:1:aaaa")
    assert lease.try_acquire("host-b:2:bbbb", 20)


def test_releasing_a_lease_held_by_someone_else_changes_nothing(app):
    assert lease.try_acquire("host-a:1:aaaa", 20)
    lease.release("host-b:2:bbbb")
    assert lease.read_lease().holder == "host-a:1:aaaa"


def test_the_engine_heartbeat_is_written_with_the_renewal(app):
    beat = lease.database_now()
    assert lease.try_acquire("host-a:1:aaaa", 20, engine_heartbeat_at=beat)
    assert abs((lease.read_lease().engine_heartbeat_at - beat).total_seconds()) < 1


def test_schedules_changed_bumps_the_version_every_process_polls(app):
    before = lease.schedules_version()
    schedules_changed()
    schedules_changed()
    assert lease.schedules_version() == before + 2
