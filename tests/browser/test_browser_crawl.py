"""Every page in Chromium at 1280 px, as each role, over the demo's data: axe-core finds no
serious or critical violation, and each page is kept as a screenshot at 1280 and 800 px.

The database is the crawl's (tests/support/world.py: the demo inventory, history, failovers
with logs, a run in progress, a failover in progress). Each role opens one page of every HTML
endpoint of the URL map; the operator also opens the states that matter most: a job's log while
it runs and after it failed, the jobs timeline, the assignment board, the schedule form with the
builder in each mode, a schedule's executions while one runs, discovery with results, a VM in
failover. The test-client crawl (tests/test_pages_crawl.py) covers every filter and link; this
pass is what only a browser sees.
"""
from __future__ import annotations

import re
import time

from sqlalchemy import select

from extensions import db
from models import JobTracking, ReplicationJob, ReplicationSchedule, VMReplicationContext
from simulator.inventory import DATACENTERS
from simulator.seed import EVERY_TWO_MINUTES
from tests.browser.conftest import TIMEOUT_MS, VIEWPORT, check_axe, describe_axe_violations, log_in, shoot
from tests.support.crawl import Crawler

ROLES = ("viewer", "operator", "admin")
#: Endpoints that answer HTML pages (not the API, probes, polls or fragments).
NOT_PAGES = re.compile(r"^(api\.|ops\.|static$|auth\.)|poll$|\.preview$")


def page_urls(app, world) -> dict[str, str]:
    """One URL per HTML endpoint: the first seeded value of its path parameter."""
    crawler = Crawler(None, app, world)
    urls: dict[str, str] = {}
    for url in crawler.route_urls():
        endpoint = crawler.endpoint_of(url)
        if endpoint and not NOT_PAGES.search(endpoint):
            urls.setdefault(endpoint, url)
    return urls


def key_states(world) -> list[tuple[str, str]]:
    running_failover = db.session.scalar(select(JobTracking.id).where(JobTracking.status == "running"))
    failed_failover = db.session.scalar(select(JobTracking.id).where(JobTracking.status == "failed"))
    replicating = db.session.scalar(select(ReplicationJob.id).where(ReplicationJob.status == "replicating"))
    demo = db.session.scalar(select(ReplicationSchedule.id).where(ReplicationSchedule.name == EVERY_TWO_MINUTES))
    in_failover = db.session.scalar(select(VMReplicationContext.vm_name).where(
        VMReplicationContext.current_status.like("%failed_over%")))
    states = [("job-failover-running-log", f"/jobs/{running_failover}"),
              ("job-failover-failed-log", f"/jobs/{failed_failover}"),
              ("jobs-timeline-7d", "/jobs/?window=7d"),
              ("assignment-board", "/assignment/"),
              ("schedule-executions-running", f"/schedules/{demo}"),
              ("discovery-results", f"/discovery/?datacenter={DATACENTERS[0]}")]
    if replicating:
        states.append(("job-replication-running", f"/jobs/{replicating}"))
    if in_failover:
        states.append(("vm-in-failover", f"/vms/{in_failover}"))
    return states


def test_every_page_passes_axe_at_1280_px_for_every_role(browser, live_server, app, world):
    started = time.monotonic()
    urls = page_urls(app, world)
    found: list[str] = []
    errors: list[str] = []
    opened = 0

    def visit(page, role: str, name: str, url: str) -> None:
        nonlocal opened
        response = page.goto(url)
        opened += 1
        if response is not None and response.status >= 500:
            errors.append(f"{role} {response.status} {url}")
        audit(page, role, name)

    def audit(page, role: str, name: str) -> None:
        shoot(page, f"crawl-{role}-{name}", axe=False)
        violations = check_axe(page)
        if violations:
            found.append(describe_axe_violations(violations, f"{role} {name} ({page.url.removeprefix(live_server)})"))

    for role in ROLES:
        context = browser.new_context(base_url=live_server, viewport=VIEWPORT)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.dismiss())
        try:
            if role == ROLES[0]:
                visit(page, "anonymous", "login", "/login")
            log_in(page, live_server, role)
            for endpoint, url in sorted(urls.items()):
                visit(page, role, endpoint.replace(".", "-"), url)
            if role == "operator":
                for name, url in key_states(world):
                    visit(page, role, name, url)
                page.goto("/schedules/new")
                modes = page.locator("input[name=frequency]")
                assert modes.count() >= 2, "the schedule form's builder offers its frequencies"
                for index in range(modes.count()):
                    mode = modes.nth(index)
                    mode.check()
                    page.wait_for_timeout(400)  # the preview's debounce (300 ms) and its answer
                    audit(page, role, f"schedule-builder-{mode.get_attribute('value')}")
        finally:
            context.close()
    elapsed = time.monotonic() - started
    print(f"browser crawl: {opened} pages with axe and screenshots in {elapsed:.1f} s")
    assert opened >= 3 * len(urls), (opened, urls)
    assert not errors, "pages answered 5xx in the browser:\n" + "\n".join(errors)
    assert not found, "axe-core: serious or critical violations\n" + "\n".join(found)
