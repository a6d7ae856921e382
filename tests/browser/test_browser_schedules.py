"""Schedules in a real browser: the builder's live preview, editing, a refused delete, field errors."""
import re

from playwright.sync_api import expect

from extensions import db
from models import ReplicationSchedule
from tests.browser.conftest import shoot
from tests.browser.pages import ScheduleForm
from tests.factories import make_group, make_schedule


def test_the_builder_preview_changes_as_the_operator_types_and_the_schedule_is_created(page):
    form = ScheduleForm(page).open_new()
    form.name("weekday nights")
    form.timezone("Europe/London")
    form.frequency("Daily")
    form.at("02:30")
    expect(form.preview).to_contain_text("Every day at 02:30 (Europe/London)")
    form.frequency("Weekly")
    form.weekday("Mon")  # no day is ticked for the operator: Monday only if chosen
    form.weekday("Tue")
    expect(form.preview).to_contain_text("Monday and Tuesday")
    expect(form.preview.get_by_role("listitem")).to_have_count(5)
    shoot(page, "schedule-form")
    form.save()
    expect(page.get_by_role("heading", level=1)).to_contain_text("weekday nights")
    shoot(page, "schedule-detail")
    assert db.session.scalar(db.select(ReplicationSchedule.cron_expression)) == "0 30 2 * * MON,TUE"


def test_editing_a_schedule_changes_its_timing(page):
    schedule = make_schedule("edit-me", "0 0 1 * * *")
    page.goto(f"/schedules/{schedule.id}/edit")
    form = ScheduleForm(page)
    form.frequency("Every N")
    page.get_by_label("Every", exact=True).fill("30")
    expect(form.preview).to_contain_text("Every 30 minutes")
    form.save()
    expect(page.get_by_text("Schedule 'edit-me' saved.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(ReplicationSchedule, schedule.id).cron_expression == "0 */30 * * * *"


def test_deleting_a_schedule_in_use_shows_the_refusal_with_the_group_name(page):
    schedule = make_schedule("in-use")
    make_group("finance-vms", schedule)
    page.goto("/schedules/")
    shoot(page, "schedules")
    page.get_by_role("button", name="Delete in-use").click()
    expect(page.get_by_text("Not deleted")).to_contain_text("finance-vms")


def test_a_validation_error_appears_next_to_its_field(page):
    form = ScheduleForm(page).open_new()
    form.frequency("Custom cron")
    page.get_by_label("Cron expression").fill("0 61 * * * *")
    expect(page.locator("#cron_expression-error")).to_contain_text("Minute: 61 is out of range")
    form.save()
    error = page.locator("#name-error")
    expect(error).to_have_text("Name must not be empty")
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Cron expression")).to_have_value("0 61 * * * *")
    shoot(page, "schedule-form-errors")


def test_a_cron_error_while_typing_is_shown_once_at_the_marked_field(page):
    form = ScheduleForm(page).open_new()
    form.frequency("Custom cron")
    field = page.get_by_label("Cron expression")
    field.fill("0 0 25 * * *")
    error = page.locator("#cron_expression-error")
    expect(error).to_have_text("Hour: 25 is out of range (0-23)")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(r"\bcron_expression-error\b"))
    expect(page.get_by_text(re.compile("hour: 25", re.IGNORECASE))).to_have_count(1)
    shoot(page, "schedule-form-live-cron-error")
    field.fill("0 0 23 * * *")
    expect(form.preview).to_contain_text("Every day at 23:00")
    expect(error).to_have_count(0)
    expect(field).not_to_have_attribute("aria-invalid", "true")
    field.fill("0 0 25 * * *")
    form.save()
    expect(page.locator("#cron_expression-error")).to_have_text("Hour: 25 is out of range (0-23)")
    expect(page.get_by_label("Cron expression")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text(re.compile("hour: 25", re.IGNORECASE))).to_have_count(1)


def test_the_run_now_button_s_name_starts_with_its_visible_text(page):
    make_schedule("nightly-run")
    page.goto("/schedules/")
    expect(page.get_by_role("button", name=re.compile(r"^Run now\s+for nightly-run$"))).to_be_visible()
