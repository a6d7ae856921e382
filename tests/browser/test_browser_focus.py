"""A refresh does not take the operator's focus away: an unchanged panel is not swapped (its
forms' CSRF tokens do not count as a change), and a changed one gives focus back to the same
control."""
from playwright.sync_api import expect

from extensions import db
from models import ScheduleExecution, utcnow
from tests.factories import add_member, make_group, make_schedule, make_vm


def _statuses(page, path):
    seen = []
    page.on("response", lambda response: seen.append(response.status) if path in response.url else None)
    return seen


def test_the_schedules_list_keeps_focus_on_run_now_across_polls(page):
    first, second = make_schedule("alpha nightly"), make_schedule("beta nightly")
    add_member(make_group("alpha", first), make_vm("alpha-01"))
    db.session.add(ScheduleExecution(id="exec-focus", schedule_id=first.id, scheduled_at=utcnow(), status="running"))
    db.session.commit()
    polls = _statuses(page, "/schedules/poll")
    page.goto("/schedules/")
    poller = page.locator("[data-poller]")
    expect(poller).to_have_attribute("data-poll-active", "1")
    run_now = page.get_by_role("button", name="Run now for alpha nightly")
    run_now.focus()
    page.wait_for_timeout(3500)  # three polls at 1 s: nothing changed, so nothing is swapped
    assert polls and all(status == 204 for status in polls), polls
    expect(run_now).to_be_focused()
    version = page.locator("#schedules-list").get_attribute("data-fragment-version")
    second.enabled = False  # a real change: the list is swapped in
    db.session.commit()
    expect(page.locator("#schedules-list")).not_to_have_attribute("data-fragment-version", version)
    expect(page.get_by_role("button", name="Run now for alpha nightly")).to_be_focused()
