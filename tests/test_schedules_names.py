"""Schedule reads for links and selects, and whether a schedule has an execution in progress."""
from datetime import datetime, timezone

import pytest

import schedules
from extensions import db
from models import ScheduleExecution
from tests.factories import make_schedule

pytestmark = pytest.mark.both_dbs


def test_a_schedule_s_name_is_found_by_its_id(app):
    schedule = make_schedule("nightly")
    assert schedules.schedule_name(schedule.id) == (schedule.id, "nightly")


@pytest.mark.parametrize("schedule_id", [None, "", "no-such-schedule"])
def test_no_name_without_a_schedule(app, schedule_id):
    make_schedule("nightly")
    assert schedules.schedule_name(schedule_id) is None


def test_every_schedule_is_named_in_name_order(app):
    beta = make_schedule("beta")
    alpha = make_schedule("alpha")
    assert schedules.schedule_names() == [(alpha.id, "alpha"), (beta.id, "beta")]
    assert [schedule.name for schedule in schedules.schedules_by_name()] == ["alpha", "beta"]


def _execution(schedule, status, index=0):
    db.session.add(ScheduleExecution(id=f"exec-{status}-{index}", schedule_id=schedule.id,
                                     scheduled_at=datetime.now(timezone.utc), status=status))
    db.session.commit()


@pytest.mark.parametrize("status", ["scheduled", "running"])
def test_a_scheduled_or_running_execution_is_in_progress(app, status):
    schedule = make_schedule()
    _execution(schedule, "completed")
    _execution(schedule, status)
    assert schedules.schedule_has_running_execution(schedule.id) is True


def test_finished_executions_and_other_schedules_runs_are_not_in_progress(app):
    schedule, other = make_schedule(), make_schedule()
    for index, status in enumerate(("completed", "failed", "skipped")):
        _execution(schedule, status, index)
    _execution(other, "running")
    assert schedules.schedule_has_running_execution(schedule.id) is False
