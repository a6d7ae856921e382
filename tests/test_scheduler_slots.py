"""Slots that cannot run normally: missed while no scheduler ran, inside and outside the grace."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from cron import parse_cron
from extensions import db
from models import ScheduleExecution
from scheduler.ids import slot_execution_id
from scheduler.slots import MAX_MISSED_ROWS, catch_up, claim_slot, due_slots
from tests.factories import make_schedule

HOURLY = parse_cron("0 0 * * * *", "UTC")
NOON = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def rows(schedule):
    return db.session.scalars(select(ScheduleExecution).where(ScheduleExecution.schedule_id == schedule.id)
                              .order_by(ScheduleExecution.scheduled_at)).all()


def test_the_slots_due_are_those_after_the_cursor_up_to_now():
    due = due_slots(HOURLY, NOON - timedelta(hours=3), NOON)
    assert due.recent == [NOON - timedelta(hours=2), NOON - timedelta(hours=1), NOON]
    assert due.total == 3


def test_a_slot_missed_within_the_grace_period_runs_once(app):
    schedule = make_schedule(cron_expression="0 0 * * * *")
    latest, claim = catch_up(schedule, HOURLY, NOON - timedelta(minutes=30), NOON + timedelta(minutes=4), 300)
    assert latest == NOON
    assert claim.status == "running"
    assert [(row.scheduled_at, row.status) for row in rows(schedule)] == [(NOON, "running")]


def test_a_slot_missed_beyond_the_grace_period_is_recorded_as_skipped_with_the_reason(app):
    schedule = make_schedule(cron_expression="0 0 * * * *")
    latest, claim = catch_up(schedule, HOURLY, NOON - timedelta(minutes=30), NOON + timedelta(minutes=6), 300)
    assert claim is None
    (row,) = rows(schedule)
    assert (row.scheduled_at, row.status) == (NOON, "skipped")
    assert row.error_message == "missed: scheduler was not running"


def test_older_missed_slots_are_recorded_and_only_the_latest_runs(app):
    schedule = make_schedule(cron_expression="0 0 * * * *")
    catch_up(schedule, HOURLY, NOON - timedelta(hours=2, minutes=30), NOON + timedelta(minutes=1), 300)
    assert [row.status for row in rows(schedule)] == ["skipped", "skipped", "running"]
    assert all(row.error_message.startswith("missed") for row in rows(schedule)[:2])


def test_a_long_outage_writes_a_bounded_number_of_rows_and_summarises_the_rest(app):
    schedule = make_schedule(cron_expression="0 0 * * * *")
    catch_up(schedule, HOURLY, NOON - timedelta(days=10), NOON + timedelta(hours=1, minutes=30), 300)
    recorded = rows(schedule)
    assert len(recorded) == MAX_MISSED_ROWS + 1
    assert recorded[0].execution_details["missed_slots_not_recorded"] == 10 * 24 + 1 - len(recorded)
    assert recorded[-1].scheduled_at == NOON + timedelta(hours=1)


def test_catching_up_twice_writes_each_slot_once(app):
    schedule = make_schedule(cron_expression="0 0 * * * *")
    catch_up(schedule, HOURLY, NOON - timedelta(hours=3), NOON + timedelta(minutes=1), 300)
    latest, claim = catch_up(schedule, HOURLY, NOON - timedelta(hours=3), NOON + timedelta(minutes=1), 300)
    assert claim.status == "lost"
    assert len(rows(schedule)) == 3
    assert {row.id for row in rows(schedule)} == {slot_execution_id(schedule.id, NOON - timedelta(hours=h))
                                                  for h in range(3)}


def test_slots_claimed_together_lose_only_those_already_claimed_elsewhere(app):
    from scheduler.slots import claim_slots
    first, second, third = (make_schedule(cron_expression="0 0 * * * *") for _ in range(3))
    claim_slot(second, NOON)  # another process was first for this one
    results = claim_slots([(first, NOON), (second, NOON), (third, NOON)])
    assert [result.status for result in results] == ["running", "lost", "running"]
    assert db.session.scalar(select(func.count()).select_from(ScheduleExecution)) == 3


def test_slots_claimed_together_still_honour_skip_if_running(app):
    from scheduler.slots import claim_slots
    careful = make_schedule(cron_expression="0 0 * * * *", skip_if_running=True)
    carefree = make_schedule(cron_expression="0 0 * * * *", skip_if_running=False)
    claim_slots([(careful, NOON), (carefree, NOON)])
    results = claim_slots([(careful, NOON + timedelta(hours=1)), (carefree, NOON + timedelta(hours=1))])
    assert [result.status for result in results] == ["skipped", "running"]
