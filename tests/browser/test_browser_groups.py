"""Machine groups in a real browser, with JavaScript on and off."""
from playwright.sync_api import expect

from tests.browser.conftest import shoot
from tests.factories import make_schedule


def _create_group(tab, name):
    tab.goto("/groups/")
    tab.get_by_role("link", name="New group").click()
    tab.get_by_label("Name", exact=True).fill(name)
    tab.get_by_label("Schedule").select_option(label="nightly — Every day at 02:00 (UTC)")
    tab.get_by_label("Concurrent VMs").fill("4")
    shoot(tab, "group-form")
    tab.get_by_role("button", name="Create group").click()


def test_creating_a_group(page):
    make_schedule("nightly")
    _create_group(page, "web-tier")
    row = page.get_by_role("row", name="web-tier")
    expect(row).to_contain_text("nightly")
    expect(row).to_contain_text("4")
    shoot(page, "groups")


def test_creating_a_group_with_javascript_disabled(no_js_page):
    make_schedule("nightly")
    _create_group(no_js_page, "no-script")
    expect(no_js_page.get_by_role("row", name="no-script")).to_contain_text("nightly")
