"""The running engine: APScheduler fires slots through our trigger, changes made elsewhere are
picked up, the watchdog restarts a stalled engine, and a standby takes over from the leader.

Each test starts real `SchedulerService`s (supervisor thread, lease, APScheduler) against one
SQLite database, with short ticks and a short lease so that takeovers happen in seconds.
"""
from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import insert, select, update

from cron import ScheduleTrigger
from extensions import db
from models import DashboardSchedulerLease, ReplicationSchedule, ScheduleExecution, VMReplicationContext
from scheduler import lease, metrics
from scheduler.engine import SchedulerService
from schedules.schedules import create_schedule, set_schedule_enabled, update_schedule
from tests.factories import add_member, make_group, make_schedule, make_vm
from tests.support import polling

EVERY_SECOND = "* * * * * *"
ONCE_A_YEAR = "0 0 0 1 1 *"
FINAL = {"completed", "failed", "skipped", "cancelled"}


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SCHEDULER_TICK_SECONDS": 0.2, "SCHEDULER_WATCHDOG_SECONDS": 2,
            "SCHEDULER_LEASE_SECONDS": 3, "SCHEDULER_RECONCILE_SECONDS": 0.5, "MIN_SCHEDULE_INTERVAL_SECONDS": 1}


@pytest.fixture
def other_app(app, app_config):
    """A second app instance on the same database: what another process or replica sees."""
    from app import create_app
    other = create_app(app_config)
    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.fixture
def start_service(app):
    """Start a scheduler service (another "process") on an app; all are stopped afterwards."""
    started: list[SchedulerService] = []

    def start(application=None) -> SchedulerService:
        service = SchedulerService(application or app)
        service.start()
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


# Each check reads in a new transaction, so it sees what the services committed since the last one.
eventually = partial(polling.eventually, before_check=db.session.remove)


def executions_of(schedule_id: str) -> list[ScheduleExecution]:
    return db.session.scalars(select(ScheduleExecution).where(ScheduleExecution.schedule_id == schedule_id)
                              .order_by(ScheduleExecution.scheduled_at)).all()


def loaded_job(service: SchedulerService, schedule_id: str):
    """The schedule's APScheduler job; None also while the engine is being (re)started, which a
    watchdog restart on a loaded machine may do at any moment."""
    engine = service.engine
    return engine.get_job(f"schedule:{schedule_id}") if engine is not None else None


def leading(service: SchedulerService):
    return service.role == "leader" and service.engine is not None


def test_the_leader_fires_every_slot_of_a_schedule_through_its_trigger(app, start_service):
    # Not skip-if-running: on a loaded machine an execution may still be "running" when the next
    # second's slot comes, which would (rightly) record that slot as skipped.
    schedule_id = make_schedule(cron_expression=EVERY_SECOND, skip_if_running=False).id
    service = start_service()
    rows = eventually(lambda: len(executions_of(schedule_id)) >= 3 and executions_of(schedule_id),
                      "three slots fired")
    assert isinstance(service.engine.get_job(f"schedule:{schedule_id}").trigger, ScheduleTrigger)
    slots = [row.scheduled_at for row in rows]
    assert all(later - earlier == (slots[1] - slots[0]) for earlier, later in zip(slots, slots[1:]))
    assert (slots[1] - slots[0]).total_seconds() == 1
    assert {row.triggered_by for row in rows} == {"scheduler"}
    first_three = eventually(
        lambda: all(r.status in FINAL for r in executions_of(schedule_id)[:3]) and executions_of(schedule_id)[:3],
        "the first three executions finished")
    assert [r.status for r in first_three] == ["completed"] * 3


def test_the_next_run_of_each_vm_is_set_when_its_schedule_is_loaded(app, start_service):
    schedule = make_schedule(cron_expression=ONCE_A_YEAR)
    context_id = make_vm("web-01").context_id
    add_member(make_group(schedule=schedule), db.session.get(VMReplicationContext, context_id))
    start_service()
    next_run = eventually(lambda: db.session.get(VMReplicationContext, context_id).next_scheduled_at,
                          "next_scheduled_at set")
    assert (next_run.month, next_run.day, next_run.hour, next_run.minute) == (1, 1, 0, 0)


def test_a_schedule_created_edited_and_disabled_in_another_process_takes_effect_within_seconds(
        app, other_app, start_service):
    service = start_service()
    eventually(lambda: leading(service), "the service leads")
    with other_app.app_context():
        schedule_id = create_schedule({"name": "from elsewhere", "cron_expression": EVERY_SECOND,
                                       "timezone": "UTC", "max_concurrent_jobs": 5}).id
    eventually(lambda: executions_of(schedule_id), "the new schedule fired")

    with other_app.app_context():
        update_schedule(schedule_id, {"cron_expression": ONCE_A_YEAR})
    eventually(lambda: (job := loaded_job(service, schedule_id)) and job.trigger.cron_expression == ONCE_A_YEAR,
               "the engine fires the edited expression")

    with other_app.app_context():
        set_schedule_enabled(schedule_id, False)
    eventually(lambda: leading(service) and service.fingerprint is not None  # schedules loaded
               and loaded_job(service, schedule_id) is None, "the disabled schedule unloaded")
    assert schedule_id not in service.loaded


def test_the_watchdog_replaces_an_engine_whose_heartbeat_stalled(app, start_service):
    schedule_id = make_schedule(cron_expression=EVERY_SECOND).id
    service = start_service()
    stalled = eventually(lambda: leading(service) and service.engine, "the service leads")
    restarts = metrics.ENGINE_RESTARTS._value.get()
    stalled.pause()  # the APScheduler loop stops running jobs, the heartbeat included
    eventually(lambda: service.engine is not None and service.engine is not stalled,
               "the watchdog started a new engine")
    assert metrics.ENGINE_RESTARTS._value.get() == restarts + 1
    assert not stalled.running
    fired_before = len(executions_of(schedule_id))
    eventually(lambda: len(executions_of(schedule_id)) > fired_before + 1, "the new engine fires again")
    slots = [row.scheduled_at for row in executions_of(schedule_id)]
    assert all((later - earlier).total_seconds() == 1 for earlier, later in zip(slots, slots[1:])), \
        "the slots of the stall were caught up, none left without a row"


def test_a_standby_takes_over_at_once_when_the_leader_releases_the_lease(app, other_app, start_service):
    leader = start_service()
    eventually(lambda: leading(leader), "the first service leads")
    standby = start_service(other_app)
    eventually(lambda: standby.role == "standby", "the second service stands by")
    assert standby.engine is None
    leader.stop()
    eventually(lambda: leading(standby), "the standby took over")
    assert lease.read_lease().holder == standby.holder


def test_a_standby_takes_over_when_the_leaders_lease_expires(app, other_app, start_service):
    leader = start_service()
    eventually(lambda: leading(leader), "the first service leads")
    standby = start_service(other_app)
    eventually(lambda: standby.role == "standby", "the second service stands by")
    leader.stop(release=False)  # as if the process died: the lease row still names it
    assert lease.read_lease().holder == leader.holder
    eventually(lambda: leading(standby), "the standby took over after the lease expired")
    assert lease.read_lease().holder == standby.holder


def test_a_leader_that_finds_the_lease_taken_stops_its_engine(app, start_service):
    service = start_service()
    eventually(lambda: leading(service), "the service leads")
    db.session.execute(update(DashboardSchedulerLease).values(holder="other-host:9:ffff",
                                                              expires_at=lease.database_now().replace(year=2100)))
    db.session.commit()
    eventually(lambda: service.role == "standby" and service.engine is None, "the engine stopped")


STARTS_AN_ENGINE = """
import json, sys
from app import create_app
from extensions import db
from scheduler.engine import SchedulerService
app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    db.create_all()
    service = SchedulerService(app)
    before = set(sys.modules)
    service._start_engine()
    service._stop_engine("test")
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_starting_an_engine_imports_no_module_that_a_fork_could_catch_half_imported(tmp_path):
    """gunicorn --preload forks workers while the master's supervisor thread may be starting an
    engine; a module being imported at that instant stays half-initialised in the worker, whose
    every engine start then fails ('partially initialized module apscheduler.triggers.interval')
    while it keeps renewing the lease: no slot fires anywhere. Seen in a loaded run of the gunicorn
    test. Starting an engine must therefore import nothing new."""
    import json
    import subprocess
    import sys
    from pathlib import Path
    config = {"TESTING": True, "SECRET_KEY": "engine-imports", "SQLALCHEMY_DATABASE_URI": "sqlite://",
              "BACKGROUND_SERVICES": False, "SCHEDULER_ENABLED": False, "INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", STARTS_AN_ENGINE, json.dumps(config)], capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_stored_rows_the_engine_refuses_are_never_fired_and_the_others_keep_firing(app, start_service):
    """Rows another tool wrote (MariaDB keeps an ENUM value it does not list as ''): each is
    reported with its reason, none is fired, none stops the engine or its watchdog restarts."""
    bad = {"far-future": "@every 99999999999h", "garbage": "not a schedule", "empty": "",
           "below the floor": "*/1 * * * * * *"}
    for name, expression in bad.items():
        db.session.execute(insert(ReplicationSchedule.__table__).values(
            id=f"bad-{name}", name=name, cron_expression=expression, timezone="UTC", schedule_type="cron",
            enabled=True))
    db.session.execute(insert(ReplicationSchedule.__table__).values(
        id="bad-zone", name="bad zone", cron_expression=EVERY_SECOND, timezone="Mars/Olympus_Mons",
        schedule_type="cron", enabled=True))
    db.session.commit()
    good_id = make_schedule(cron_expression=EVERY_SECOND, skip_if_running=False).id
    service = start_service()

    eventually(lambda: len(executions_of(good_id)) >= 3, "the good schedule fired three slots")
    assert set(service.invalid) == {f"bad-{name}" for name in bad} | {"bad-zone"}
    assert all(service.invalid.values())
    refused = db.session.scalars(select(ScheduleExecution.schedule_id)
                                 .where(ScheduleExecution.schedule_id.like("bad-%"))).all()
    assert refused == []
    stalled = service.engine
    stalled.pause()
    eventually(lambda: service.engine is not None and service.engine is not stalled, "the watchdog restarted")
    fired = len(executions_of(good_id))
    eventually(lambda: len(executions_of(good_id)) > fired, "the new engine fires the good schedule")
