"""Every page, every filter value and every link, as each role, over the demo's data: no 5xx.

The database is the one `make run` shows (demo inventory, schedules, groups, a night's history,
failovers and rollbacks with logs) with an execution running against the simulated appliance,
audit rows, API tokens, a disabled schedule and a run requested by hand (tests/support/world.py).
The crawl (tests/support/crawl.py) opens, as a viewer, an operator and an admin, every GET route
of the URL map with its path parameters filled from those rows, every GET form once per value of
each of its selects, radios, checkboxes, and every same-origin link and `hx-get` on those pages.
"""
from __future__ import annotations

import time

import pytest

from tests.support.crawl import Crawler
from tests.support.world import client_for

ROLES = ("viewer", "operator", "admin")


@pytest.fixture
def app_config(app_config):
    # The crawl opens thousands of URLs; the login limiter is not what it tests.
    return {**app_config, "RATELIMIT_ENABLED": False}


def test_no_page_filter_or_link_answers_5xx_for_any_role(app, world):
    failures, opened, started = [], {}, time.monotonic()
    for role in ROLES:
        crawler = Crawler(client_for(app, role), app, world).run()
        opened[role] = len(crawler.visits)
        failures += [f"{role:8} {visit.status} {visit.url}  (from {visit.referrer})  {visit.error}"
                     for visit in crawler.failures]
    elapsed = time.monotonic() - started
    print(f"crawl: {opened} URLs per role in {elapsed:.1f} s")
    assert all(count > 100 for count in opened.values()), opened  # the crawl reached the pages
    assert not failures, f"{len(failures)} URL(s) answered 5xx:\n" + "\n".join(failures)
