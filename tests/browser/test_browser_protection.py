"""The protection policy in a real browser: a blackout entered on the Protection page with the
keyboard only, its banner on another page, the schedule form's week grid, a VM's protection
and its own RPO, JavaScript on and off; every page saved at 1280 and 800 px and checked by axe."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from extensions import db
from models import DashboardSchedulePolicy, utcnow
from protection.assess import refresh
from protection.manage import set_rpo
from tests.browser.conftest import logged_in, shoot
from tests.factories import add_member, make_group, make_replication_job, make_schedule, make_vm


def _operator(browser, live_server, javascript=True):
    return logged_in(browser, live_server, "operator", javascript)


@pytest.fixture
def fleet(app):
    schedule = make_schedule("nightly", cron_expression="0 0 2 * * *", timezone="UTC")
    group = make_group("web", schedule)
    late, fine = make_vm("web-late"), make_vm("web-fine")
    add_member(group, late)
    add_member(group, fine)
    set_rpo("group", group.id, 120)
    db.session.commit()
    make_replication_job(late, status="completed", started_at=utcnow() - timedelta(hours=5),
                         completed_at=utcnow() - timedelta(hours=4))
    make_replication_job(fine, status="completed", started_at=utcnow() - timedelta(minutes=20),
                         completed_at=utcnow() - timedelta(minutes=10))
    refresh()
    return schedule, group


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_blackout_entered_with_the_keyboard_shows_its_banner_everywhere(app, users, fleet, browser, live_server,
                                                                          javascript):
    context, tab = _operator(browser, live_server, javascript)
    try:
        tab.goto("/protection/")
        expect(tab.get_by_role("row", name="web-late")).to_contain_text("RPO breached")
        if javascript:
            shoot(tab, "protection")
        tab.get_by_label("Reason").focus()
        tab.keyboard.type("change freeze")
        start = (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
        tab.get_by_label("Start (UTC)").fill(start)
        tab.get_by_label("End (UTC)").fill(start)  # not after the start
        tab.get_by_label("End (UTC)").press("Enter")
        expect(tab.locator("#bo-end-error")).to_contain_text("must be after the start")
        expect(tab.get_by_label("Reason")).to_have_value("change freeze")
        tab.get_by_label("End (UTC)").fill((utcnow() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
        tab.get_by_label("End (UTC)").press("Enter")
        expect(tab.locator(".banner-warning")).to_contain_text("Blackout in force: change freeze.")
        tab.goto("/schedules/")
        expect(tab.locator(".banner-warning")).to_contain_text("change freeze")
        if javascript:
            shoot(tab, "schedules-with-blackout-banner")
    finally:
        context.close()


def test_the_week_grid_and_a_vms_protection_with_the_keyboard(app, users, fleet, browser, live_server):
    schedule, _ = fleet
    context, tab = _operator(browser, live_server)
    try:
        tab.goto(f"/schedules/{schedule.id}/edit")
        for cell in ("Mon 22:00 to 23:00", "Mon 23:00 to 24:00"):
            box = tab.get_by_label(cell)
            box.focus()
            tab.keyboard.press("Space")
            expect(box).to_be_checked()
        shoot(tab, "schedule-form-windows")
        tab.get_by_role("button", name="Save schedule").click()
        expect(tab.locator("dd", has_text="Mon 22:00–24:00; waiting VMs are deferred")).to_be_visible()
        expect(tab.locator("#upcoming-heading")).to_be_visible()
        shoot(tab, "schedule-detail-policy")
        policy = db.session.get(DashboardSchedulePolicy, schedule.id)
        assert policy.windows == [{"days": ["MON"], "start": "22:00", "end": "24:00"}]

        tab.goto("/vms/web-late")
        expect(tab.locator("#vm-protection").locator("..")).to_contain_text("RPO breached")
        field = tab.get_by_label("The VM's own RPO in minutes (empty: its group's)")
        field.fill("none")
        field.press("Enter")
        expect(tab.locator("#rpo_minutes-error")).to_contain_text("must be a whole number")
        shoot(tab, "vm-protection-error")
        tab.get_by_label("The VM's own RPO in minutes (empty: its group's)").fill("600")
        tab.get_by_label("The VM's own RPO in minutes (empty: its group's)").press("Enter")
        expect(tab.locator("#vm-protection").locator("..")).to_contain_text("the VM's own")
        tab.goto("/")
        expect(tab.locator("#overview-protection")).to_be_visible()
        shoot(tab, "overview-protection")
        tab.goto("/vms/?protection=protected")
        shoot(tab, "vms-protection-filter")
    finally:
        context.close()
