"""The protection policy through the real scheduler: windows and blackouts decide slots, a
closing window defers or skips queued VMs, RPO states follow jobs, overruns and pauses are
recorded. The appliance is the pipeline tests' stand-in over real HTTP."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from extensions import db
from models import (DashboardAuditEvent, DashboardBlackout, DashboardPolicyEvent, DashboardSchedulePolicy,
                    ReplicationSchedule, ScheduleExecution, utcnow)
from protection.assess import assess, refresh
from protection.manage import apply_schedule_policy, set_rpo
from protection.overruns import check_overruns
from scheduler.slots import claim_slot, start_scheduled
from tests.factories import add_member, make_group, make_replication_job, make_schedule, make_vm
from tests.test_scheduler_pipeline import (SLOT, advance, app_config, appliance, fire, outcomes,  # noqa: F401
                                           pipeline, schedule_with_vms)

pytestmark = pytest.mark.both_dbs


def set_policy(schedule, **values):
    apply_schedule_policy(schedule.id, values)
    db.session.commit()


def run_once(schedule, pipeline, appliance, slot, status="completed"):
    """A slot runs, the appliance finishes its jobs with `status`, the execution settles."""
    execution = fire(schedule, pipeline, slot=slot)
    assert execution.status == "running", execution.error_message
    appliance.finish_jobs(status, progress=100 if status == "completed" else 10,
                          error=None if status == "completed" else "disk copy failed")
    advance(pipeline, execution.id)
    db.session.expire_all()
    return db.session.get(ScheduleExecution, execution.id)


def hhmm(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%H:%M")


def just_closed_window(now: datetime) -> list[dict]:
    """A daily UTC window that opened two hours ago and closed half an hour ago."""
    return [{"days": ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"],
             "start": hhmm(now - timedelta(hours=2)), "end": hhmm(now - timedelta(minutes=30))}]


def test_a_slot_outside_every_window_is_recorded_as_not_started_with_the_window(appliance, pipeline):
    schedule, _, _ = schedule_with_vms(2, timezone="Europe/London")
    set_policy(schedule, windows=[{"days": ["MON", "TUE", "WED", "THU", "FRI"], "start": "20:00", "end": "06:00"}])
    sunday = datetime(2026, 3, 8, 2, 0, tzinfo=timezone.utc)   # Sunday 02:00: Saturday opens no window
    execution = fire(schedule, pipeline, slot=sunday)
    assert execution.status == "skipped"
    assert execution.error_message == "outside window Mon–Fri 20:00–06:00, not started"
    assert execution.execution_details["skip_reason"] == "outside_window"
    assert appliance.replication_requests == []
    # Tuesday 02:00 is inside Monday night's window: it starts.
    assert claim_slot(schedule, datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc)).status == "running"


def test_window_slots_follow_local_time_across_a_dst_change(appliance, pipeline):
    schedule, _, _ = schedule_with_vms(1, timezone="Europe/London")
    set_policy(schedule, windows=[{"days": ["MON"], "start": "20:00", "end": "23:00"}])
    # Monday 30 March 2026 is BST: 19:30 UTC is 20:30 local (inside), 18:30 UTC is 19:30 (outside).
    assert claim_slot(schedule, datetime(2026, 3, 30, 18, 30, tzinfo=timezone.utc)).status == "skipped"
    assert claim_slot(schedule, datetime(2026, 3, 30, 19, 30, tzinfo=timezone.utc)).status == "running"
    # Monday 23 March was GMT: 19:30 UTC was 19:30 local, outside.
    assert claim_slot(schedule, datetime(2026, 3, 23, 19, 30, tzinfo=timezone.utc)).status == "skipped"


def test_vms_still_queued_when_the_window_closes_are_deferred_to_its_next_opening(appliance, pipeline):
    now = utcnow()
    schedule, _, vms = schedule_with_vms(2, timezone="UTC")
    child = make_schedule("after-nightly", schedule_type="chain", cron_expression="", chain_parent_schedule_id=schedule.id)
    set_policy(schedule, windows=just_closed_window(now), window_close_policy="defer")
    slot = now - timedelta(hours=1)  # inside the window: the slot started
    execution = fire(schedule, pipeline, slot=slot)
    assert execution.status == "completed"  # nothing was dispatched: every VM moved on
    assert appliance.replication_requests == []
    entries = execution.execution_details["vms"]
    assert {entry["reason"] for entry in entries} == {"deferred"}
    opening = now - timedelta(hours=2) + timedelta(days=1)
    assert all(entry["message"] == f"Deferred to {opening:%a} {hhmm(opening)} by the window" for entry in entries)
    deferred = db.session.scalars(select(ScheduleExecution).where(ScheduleExecution.triggered_by == "deferred")).one()
    assert deferred.status == "scheduled"
    assert abs((deferred.scheduled_at - opening).total_seconds()) < 60
    assert sorted(deferred.execution_details["vm_context_ids"]) == sorted(vm.context_id for vm in vms)
    # Once the window is open the deferred run replicates those VMs (and only those).
    set_policy(schedule, windows=None)
    assert start_scheduled(deferred.id, deferred.scheduled_at, 300) == "running"
    advance(pipeline, deferred.id)
    assert sorted(request["source_vm"]["name"] for request in appliance.replication_requests) == ["web-0", "web-1"]
    # The slot's run fired its chain child; the deferred run finishing the slot's work does not again.
    appliance.finish_jobs("completed")
    advance(pipeline, deferred.id)
    db.session.expire_all()
    assert db.session.get(ScheduleExecution, deferred.id).status == "completed"
    chained = db.session.scalars(select(ScheduleExecution).where(ScheduleExecution.triggered_by == "chain")).all()
    assert [run.schedule_id for run in chained] == [child.id]
    events = db.session.scalars(select(DashboardPolicyEvent.kind)).all()
    assert "vms_deferred" in events


def test_vms_still_queued_when_the_window_closes_are_skipped_with_the_skip_policy(appliance, pipeline):
    now = utcnow()
    schedule, _, _ = schedule_with_vms(2, timezone="UTC")
    set_policy(schedule, windows=just_closed_window(now), window_close_policy="skip")
    execution = fire(schedule, pipeline, slot=now - timedelta(hours=1))
    assert [(entry["reason"], entry["message"]) for entry in execution.execution_details["vms"]][0] == \
        ("window_closed", f"Skipped: window closed (every day {hhmm(now - timedelta(hours=2))}–"
                          f"{hhmm(now - timedelta(minutes=30))})")
    assert db.session.scalar(select(ScheduleExecution.id).where(ScheduleExecution.triggered_by == "deferred")) is None
    assert appliance.replication_requests == []


def test_a_blackout_swallows_the_slots_inside_it_and_holds_back_only_its_groups(appliance, pipeline):
    schedule = make_schedule(max_concurrent_jobs=10)
    frozen, running = make_group("frozen", schedule), make_group("running", schedule)
    add_member(frozen, make_vm("db-1"))
    add_member(running, make_vm("web-1"))
    start = SLOT - timedelta(hours=1)
    db.session.add(DashboardBlackout(id="b1", reason="vCenter upgrade", starts_at=start, ends_at=start + timedelta(hours=3)))
    db.session.commit()
    execution = fire(schedule, pipeline)
    assert execution.status == "skipped"
    assert execution.error_message.startswith("skipped: blackout 'vCenter upgrade'")
    # Limited to one group, a blackout in force now holds back that group's VMs only.
    blackout = db.session.get(DashboardBlackout, "b1")
    now = utcnow()
    blackout.starts_at, blackout.ends_at, blackout.group_ids = now - timedelta(minutes=5), now + timedelta(hours=1), [frozen.id]
    db.session.commit()
    execution = fire(schedule, pipeline, slot=SLOT + timedelta(days=1))
    assert execution.status == "running"
    assert sorted(outcomes(execution)) == [("db-1", "skipped"), ("web-1", "running")]
    held = next(entry for entry in execution.execution_details["vms"] if entry["vm_name"] == "db-1")
    assert held["message"] == "Skipped: blackout 'vCenter upgrade'"


def test_rpo_states_move_protected_at_risk_breached_and_back_as_jobs_fail_and_succeed(appliance, pipeline):
    schedule, group, vms = schedule_with_vms(1, cron_expression="0 */10 * * * *", timezone="UTC")
    vm = vms[0]
    set_rpo("group", group.id, 60)
    db.session.commit()
    assert assess()[0].state == "unprotected"

    run_once(schedule, pipeline, appliance, SLOT)
    good_at = utcnow()
    assert refresh(good_at + timedelta(minutes=5))["protected"] == 1
    item = assess(good_at + timedelta(minutes=5))[0]
    assert item.state == "protected" and item.prediction.basis == "vm" and "RPO 60 min" in item.reason

    run_once(schedule, pipeline, appliance, SLOT + timedelta(days=1), "failed")
    now = utcnow()
    db.session.add(DashboardBlackout(id="freeze", reason="change freeze", starts_at=now - timedelta(minutes=1),
                                     ends_at=now + timedelta(hours=3)))
    db.session.commit()
    counts = refresh(now + timedelta(minutes=10))
    assert counts["at_risk"] == 1
    item = assess(now + timedelta(minutes=10))[0]
    assert item.state == "at_risk"
    assert "failed" in item.reason and "blackout 'change freeze'" in item.reason

    assert refresh(now + timedelta(minutes=70))["breached"] == 1
    assert "breached since" in assess(now + timedelta(minutes=70))[0].reason

    db.session.delete(db.session.get(DashboardBlackout, "freeze"))
    db.session.commit()
    run_once(schedule, pipeline, appliance, SLOT + timedelta(days=2))
    assert refresh(utcnow() + timedelta(minutes=1))["protected"] == 1
    kinds = db.session.scalars(select(DashboardPolicyEvent.kind).where(DashboardPolicyEvent.subject_id == vm.context_id)
                               .order_by(DashboardPolicyEvent.id)).all()
    assert kinds == ["rpo_at_risk", "rpo_breached", "rpo_recovered"]


def test_a_vm_rpo_overrides_its_groups_and_no_rpo_is_no_target(app):
    schedule = make_schedule()
    group = make_group("g", schedule)
    first, second = make_vm("a-1"), make_vm("a-2")
    add_member(group, first)
    add_member(group, second)
    set_rpo("group", group.id, 1440)
    set_rpo("vm", second.context_id, 30)
    db.session.commit()
    by_name = {item.vm_name: item for item in assess()}
    assert (by_name["a-1"].rpo_minutes, by_name["a-1"].rpo_source) == (1440, "group")
    assert (by_name["a-2"].rpo_minutes, by_name["a-2"].rpo_source) == (30, "vm")
    set_rpo("group", group.id, None)
    db.session.commit()
    assert {item.vm_name: item.state for item in assess()}["a-1"] == "no_target"


def test_a_job_still_running_when_its_window_closes_is_flagged_once_and_not_stopped(app):
    now = utcnow()
    schedule, _, vms = schedule_with_vms(1, timezone="UTC")
    set_policy(schedule, windows=just_closed_window(now))
    claim = claim_slot(schedule, now - timedelta(hours=1))
    job = make_replication_job(vms[0], status="replicating", schedule_execution_id=claim.execution_id,
                               started_at=now - timedelta(hours=1))
    assert check_overruns(now) == 1
    assert check_overruns(now + timedelta(minutes=1)) == 0  # recorded once
    event = db.session.scalars(select(DashboardPolicyEvent)).one()
    assert event.kind == "job_overrun" and event.facts["cause"] == "window" and event.job_id == job.id
    assert "overran the window" in event.message


def test_a_replication_running_twice_its_usual_duration_is_flagged_unusually_long(app):
    vm = make_vm("slow-1")
    base = utcnow() - timedelta(days=1)
    for index in range(5):
        started = base + timedelta(hours=index)
        make_replication_job(vm, status="completed", started_at=started, completed_at=started + timedelta(minutes=5))
    make_replication_job(vm, status="replicating", started_at=utcnow() - timedelta(minutes=14))
    assert check_overruns() == 0  # 14 min: not yet 5 + 10
    make_replication_job(vm, status="replicating", started_at=utcnow() - timedelta(minutes=16))
    assert check_overruns() == 1
    event = db.session.scalars(select(DashboardPolicyEvent)).one()
    assert event.facts["cause"] == "unusually_long" and event.facts["p90_minutes"] == 5


def test_a_schedule_pauses_itself_after_n_runs_in_a_row_leave_vms_failed(appliance, pipeline):
    schedule, _, _ = schedule_with_vms(1, retry_attempts=0)
    set_policy(schedule, pause_after_failures=2)
    for day in range(2):
        assert run_once(schedule, pipeline, appliance, SLOT + timedelta(days=day), "failed").status == "failed"
    schedule = db.session.get(ReplicationSchedule, schedule.id)
    assert schedule.enabled is False
    policy = db.session.get(DashboardSchedulePolicy, schedule.id)
    assert policy.paused_reason.startswith("Paused after 2 runs in a row left VMs failed")
    assert db.session.scalar(select(DashboardAuditEvent.action).where(DashboardAuditEvent.object_id == schedule.id)) \
        == "schedule.pause"
    assert db.session.scalar(select(DashboardPolicyEvent.kind)) == "schedule_paused"
