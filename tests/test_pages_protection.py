"""The protection policy's pages: windows on the schedule form, blackouts, RPO on groups and
VMs, the protection column, filter and panels. Plain form posts, as without JavaScript."""
from __future__ import annotations

from datetime import timedelta

from extensions import db
from models import DashboardBlackout, DashboardRPOTarget, DashboardSchedulePolicy, ReplicationSchedule, utcnow
from protection.assess import refresh
from protection.manage import set_rpo
from tests.factories import add_member, make_group, make_replication_job, make_schedule, make_vm

FORM = {"name": "nightly", "schedule_type": "cron", "frequency": "daily", "time": "02:00",
        "timezone": "Europe/London", "replication_type": "auto", "max_concurrent_jobs": "2",
        "retry_attempts": "1", "retry_delay_minutes": "10", "enabled": "on", "skip_if_running": "on"}


def _policy(name: str) -> DashboardSchedulePolicy:
    schedule = db.session.scalar(db.select(ReplicationSchedule).where(ReplicationSchedule.name == name))
    return db.session.get(DashboardSchedulePolicy, schedule.id)


def test_ticked_hours_of_the_week_grid_become_the_schedules_windows(client):
    cells = [f"{day}-{hour:02d}" for day in ("MON", "TUE") for hour in (22, 23)]
    response = client.post("/schedules/new", data={**FORM, "window_grid": "1", "window_cells": cells,
                                                   "window_close_policy": "skip", "pause_after_failures": "3"})
    assert response.status_code == 302
    policy = _policy("nightly")
    assert policy.windows == [{"days": ["MON", "TUE"], "start": "22:00", "end": "24:00"}]
    assert policy.window_close_policy == "skip" and policy.pause_after_failures == 3
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mon, Tue 22:00–24:00" in page
    assert "outside window Mon, Tue 22:00–24:00, not started" in page  # the daily 02:00 slots


def test_changed_window_text_wins_over_the_grid_and_bad_text_is_named(client):
    response = client.post("/schedules/new", data={**FORM, "window_grid": "1", "window_cells": ["MON-01"],
                                                   "windows_text": "MON-FRI 20:00-06:00", "windows_text_initial": ""})
    assert response.status_code == 302
    assert _policy("nightly").windows == [{"days": ["MON", "TUE", "WED", "THU", "FRI"], "start": "20:00",
                                           "end": "06:00"}]
    response = client.post("/schedules/new", data={**FORM, "name": "other", "window_grid": "1",
                                                   "windows_text": "weekdays 25:00-06:00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="windows-error">Replication windows: line 1' in page
    assert db.session.scalar(db.select(ReplicationSchedule).where(ReplicationSchedule.name == "other")) is None


def test_a_bad_runtime_limit_is_named_and_nothing_is_saved(client):
    response = client.post("/schedules/new", data={**FORM, "max_runtime_minutes": "0"})
    assert response.status_code == 422
    assert 'id="max_runtime_minutes-error">Maximum runtime must be at least 1' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(ReplicationSchedule)) is None


def test_a_blackout_is_created_shown_on_every_page_and_deleted_after_confirming(client):
    group = make_group("db")
    now = utcnow()
    bad = client.post("/protection/blackouts", data={"reason": "freeze", "start": "2030-01-02T00:00",
                                                      "end": "2030-01-01T00:00"})
    assert bad.status_code == 400 and 'id="bo-end-error">End must be after the start' in bad.get_data(as_text=True)
    assert db.session.scalar(db.select(DashboardBlackout)) is None
    start = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    end = (now + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/protection/blackouts", data={"reason": "vCenter upgrade", "start": start, "end": end,
                                                           "group_ids": group.id})
    assert response.status_code == 302
    blackout = db.session.scalar(db.select(DashboardBlackout))
    assert blackout.group_ids == [group.id]
    assert "Blackout in force: vCenter upgrade." in client.get("/schedules/").get_data(as_text=True)
    asked = client.post(f"/protection/blackouts/{blackout.id}/delete")
    assert "Delete the blackout" in asked.get_data(as_text=True) and db.session.get(DashboardBlackout, blackout.id)
    client.post(f"/protection/blackouts/{blackout.id}/delete", data={"confirm": "yes"})
    db.session.expire_all()
    assert db.session.scalar(db.select(DashboardBlackout)) is None


def test_viewers_see_blackouts_but_cannot_create_them(viewer_client):
    assert "New blackout" not in viewer_client.get("/protection/").get_data(as_text=True)
    assert viewer_client.post("/protection/blackouts", data={"reason": "x"}).status_code == 403


def test_a_group_rpo_is_set_on_its_form_and_a_bad_one_is_named(client):
    response = client.post("/groups/new", data={"name": "web", "max_concurrent_vms": "2", "priority": "0",
                                                "rpo_minutes": "0"})
    assert response.status_code == 422
    assert 'id="rpo_minutes-error">RPO must be at least 1' in response.get_data(as_text=True)
    client.post("/groups/new", data={"name": "web", "max_concurrent_vms": "2", "priority": "0", "rpo_minutes": "1440"})
    target = db.session.scalar(db.select(DashboardRPOTarget))
    assert (target.subject_type, target.rpo_minutes) == ("group", 1440)


def test_the_vm_page_says_why_and_sets_the_vms_own_rpo(client):
    group = make_group("web", make_schedule("nightly"))
    vm = make_vm("web-01")
    add_member(group, vm)
    set_rpo("group", group.id, 60)
    db.session.commit()
    make_replication_job(vm, status="completed", started_at=utcnow() - timedelta(hours=3),
                         completed_at=utcnow() - timedelta(hours=2))
    refresh()
    page = client.get("/vms/web-01").get_data(as_text=True)
    assert "RPO breached" in page and "last good 2 h ago, RPO 60 min: breached" in page
    bad = client.post("/vms/web-01/protection", data={"rpo_minutes": "soon"})
    assert bad.status_code == 422 and "RPO must be a whole number" in bad.get_data(as_text=True)
    client.post("/vms/web-01/protection", data={"rpo_minutes": "1440"})
    page = client.get("/vms/web-01").get_data(as_text=True)
    assert "the VM&#39;s own" in page and "1440 min" in page
    vms_page = client.get("/vms/?protection=breached").get_data(as_text=True)
    assert "web-01" not in vms_page  # now within its own RPO
    assert "web-01" in client.get("/vms/?protection=at_risk").get_data(as_text=True) or \
        "web-01" in client.get("/vms/?protection=protected").get_data(as_text=True)


def test_the_overview_lists_the_worst_vms_and_the_board_badges_them(client):
    group = make_group("web", make_schedule("nightly"))
    vm = make_vm("never-01")
    add_member(group, vm)
    set_rpo("group", group.id, 60)
    db.session.commit()
    assert "Not assessed yet" in client.get("/").get_data(as_text=True)
    refresh()
    overview = client.get("/").get_data(as_text=True)
    assert "never-01" in overview and "never replicated successfully" in overview
    assert 'class="badge protection-unprotected"' in client.get("/assignment/").get_data(as_text=True)


def test_the_live_preview_shows_only_slots_that_start_and_says_why_the_others_do_not(client):
    query = {**FORM, "window_grid": "1", "windows_text": "SAT,SUN 00:00-24:00"}
    page = client.get("/schedules/preview", query_string=query).get_data(as_text=True)
    starting = page.split("Slots that do not start")[0]
    assert "Sat " in starting and "Mon " not in starting.split("Next runs")[1]
    assert "outside window Sat, Sun 00:00–24:00, not started" in page
    nothing = client.get("/schedules/preview", query_string={**query, "windows_text": "MON 03:00-04:00"})
    assert "None of the next slots starts" in nothing.get_data(as_text=True)


def test_the_overview_says_which_schedules_their_windows_hold_back(client):
    schedule = make_schedule("weekend-only", cron_expression="0 0 2 * * MON")
    from protection.manage import apply_schedule_policy
    apply_schedule_policy(schedule.id, {"windows": [{"days": ["SAT"], "start": "00:00", "end": "06:00"}]})
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "No enabled schedule" not in page
    assert "hold back every slot of weekend-only" in page


def test_the_vm_page_says_in_one_line_what_the_policy_did_to_its_slots(client):
    from models import DashboardBlackout, ScheduleExecution
    from scheduler.slots import claim_slot
    schedule = make_schedule("nightly", cron_expression="0 0 2 * * *", timezone="UTC")
    group = make_group("web", schedule)
    add_member(group, make_vm("web-01"))
    slot = utcnow().replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(days=1)
    db.session.add(DashboardBlackout(id="b", reason="vCenter upgrade", starts_at=slot - timedelta(hours=1),
                                     ends_at=slot + timedelta(hours=1)))
    db.session.commit()
    assert claim_slot(schedule, slot).status == "skipped"
    assert db.session.scalar(db.select(ScheduleExecution.error_message)).startswith("skipped: blackout")
    page = client.get("/vms/web-01").get_data(as_text=True)
    assert "What the policy did" in page and "slot: skipped: blackout &#39;vCenter upgrade&#39;" in page
