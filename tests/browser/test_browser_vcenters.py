"""The vCenters admin page and the Discovery page's choice of vCenter in a real browser, against
the built-in simulator's VMA: JavaScript on and off, field errors next to their field, the
connection test's answer on the page, each discovered VM's disks and networks."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from simulator import start_simulator
from simulator.inventory import DATACENTERS
from tests.browser.conftest import logged_in, shoot


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SIMULATOR_DISCOVERY_SECONDS": 0, "SIMULATOR_PROVISION_SECONDS": 0,
            "SIMULATOR_TICK_SECONDS": 3600}


@pytest.fixture
def sim(app):
    simulator = start_simulator(app)
    yield simulator
    simulator.stop()


def _admin(browser, live_server, javascript=True):
    return logged_in(browser, live_server, "admin", javascript)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_admin_adds_tests_and_deletes_a_vcenter(app, sim, browser, live_server, javascript):
    context, tab = _admin(browser, live_server, javascript)
    try:
        tab.goto("/admin/vcenters/")
        expect(tab.get_by_role("row", name="vCenter from configuration")).to_contain_text(app.config["VCENTER_HOST"])
        tab.get_by_label("Name", exact=True).fill("DR vCenter")
        tab.get_by_label("vCenter host").fill("https://bad host/sdk")
        tab.get_by_label("User name").fill(app.config["VCENTER_USERNAME"])
        tab.get_by_label("Password", exact=True).fill(app.config["VCENTER_PASSWORD"])
        tab.get_by_label("Default datacenter").fill(DATACENTERS[1])
        tab.get_by_role("button", name="Add vCenter").click()
        expect(tab.locator("#vc-vcenter_host-error")).to_contain_text("host name or address only")
        expect(tab.get_by_label("vCenter host")).to_have_attribute("aria-invalid", "true")
        assert tab.get_by_label("Password", exact=True).input_value() == ""  # never sent back
        if javascript:
            shoot(tab, "vcenters-field-error")
        tab.get_by_label("vCenter host").fill(app.config["VCENTER_HOST"])
        tab.get_by_label("Password", exact=True).fill(app.config["VCENTER_PASSWORD"])
        tab.get_by_role("button", name="Add vCenter").click()
        row = tab.get_by_role("row", name="DR vCenter")
        expect(row).to_contain_text(DATACENTERS[1])
        row.get_by_role("button", name="Test connection").click()
        expect(tab.locator(".flash-ok")).to_contain_text(f"in datacenter {DATACENTERS[1]}")
        assert app.config["VCENTER_PASSWORD"] not in tab.content()
        if javascript:
            shoot(tab, "vcenters")
        tab.get_by_role("row", name="DR vCenter").get_by_role("button", name="Delete").click()
        if not javascript:  # the question is a page of its own
            expect(tab.get_by_role("heading", name="Delete the vCenter DR vCenter?")).to_be_visible()
            tab.get_by_role("button", name="Delete DR vCenter").click()
        expect(tab.locator(".flashes")).to_contain_text("vCenter DR vCenter deleted")
        expect(tab.get_by_role("row", name="DR vCenter")).to_have_count(0)
    finally:
        context.close()


def test_discovery_offers_each_vcenter_and_shows_disks_and_networks(app, sim, browser, live_server):
    context, tab = _admin(browser, live_server)
    try:
        tab.goto("/admin/vcenters/")
        tab.get_by_label("Name", exact=True).fill("DR vCenter")
        tab.get_by_label("vCenter host").fill(app.config["VCENTER_HOST"])
        tab.get_by_label("User name").fill(app.config["VCENTER_USERNAME"])
        tab.get_by_label("Password", exact=True).fill(app.config["VCENTER_PASSWORD"])
        tab.get_by_label("Default datacenter").fill(DATACENTERS[1])
        tab.get_by_role("button", name="Add vCenter").click()
        tab.goto("/discovery/")
        tab.locator("#credential_id").select_option(label=f"DR vCenter ({app.config['VCENTER_HOST']})")
        tab.get_by_role("button", name="Discover VMs").click()
        heading = tab.locator("#found-heading")
        expect(heading).to_contain_text(f"in {DATACENTERS[1]}")  # the credential's default datacenter
        first = tab.locator("table tbody tr").first
        expect(first.locator("td").nth(5)).to_contain_text("GB on ")
        expect(first.locator("td").nth(6)).not_to_have_text("—")
        shoot(tab, "discovery-vcenter-choice")
    finally:
        context.close()
