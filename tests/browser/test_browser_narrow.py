"""Down to 768 px wide, no page scrolls sideways and Log out stays on screen."""
from playwright.sync_api import expect

from extensions import db
from models import ScheduleExecution, utcnow
from tests.browser.conftest import shoot
from tests.factories import add_member, make_group, make_replication_job, make_schedule, make_vm

PAGES = ("/", "/schedules/", "/schedules/new", "/groups/", "/groups/new", "/assignment/", "/jobs/", "/vms/",
         "/discovery/", "/preferences")


def test_every_page_fits_768_px_and_keeps_log_out_on_screen(page):
    schedule = make_schedule("db_nightly_incremental_copy_of_every_database_server",
                             description="Replicates the databases and application servers every night")
    db.session.add(ScheduleExecution(id="exec-narrow", schedule_id=schedule.id, scheduled_at=utcnow(),
                                     status="completed", vms_eligible=4, jobs_created=4, triggered_by="manual"))
    db.session.commit()
    for n in range(4):
        vm = make_vm(f"narrow-vm-with-a-long-name-{n:02d}")
        add_member(make_group(f"Group {n} with a long name", schedule), vm)
        make_replication_job(vm, status="replicating" if n % 2 else "failed", progress_percent=40,
                             error_message=None if n % 2 else "connection refused")
    page.set_viewport_size({"width": 768, "height": 900})
    overflowing = []
    for path in (*PAGES, f"/schedules/{schedule.id}", "/vms/narrow-vm-with-a-long-name-01"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 768:
            overflowing.append(f"{path}: {width} px")
        log_out = page.get_by_role("button", name="Log out")
        expect(log_out).to_be_in_viewport()
        shoot(page, "narrow-" + (path.strip("/").replace("/", "-") or "overview"))
    assert not overflowing, overflowing


def test_the_audit_trail_fits_768_px_with_long_unbroken_values(browser, live_server):
    from extensions import db
    from models import DashboardAuditEvent
    from tests.browser.conftest import TIMEOUT_MS, log_in
    long_value = "x" * 40 + "-" + "y" * 120
    for n in range(3):
        db.session.add(DashboardAuditEvent(
            actor="admin", actor_kind="user", action="schedule.update", object_type="schedule",
            object_id="0" * 36, object_name="schedule-" + "n" * 80,
            before={"cron_expression": "0 0 2 * * *", "description": long_value},
            after={"cron_expression": "0 */15 * * * *", "description": long_value + str(n)},
            remote_addr="2001:0db8:85a3:0000:0000:8a2e:0370:7334"))
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport={"width": 768, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    try:
        log_in(tab, live_server, "admin")
        tab.goto("/admin/audit")
        expect(tab.get_by_role("heading", level=1)).to_have_text("Audit trail")
        assert tab.evaluate("document.documentElement.scrollWidth") <= 768
        table_right = tab.evaluate("document.querySelector('.audit-table').getBoundingClientRect().right")
        assert table_right <= 768
        shoot(tab, "narrow-admin-audit")
    finally:
        context.close()
