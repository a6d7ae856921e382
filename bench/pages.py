"""Operator pages on MariaDB over the scale data set: server time p50/p95 and SQL statements.

Data: the shared fleet (`ctx.fleet_database()`: 5,000 VMs in 200 groups, 500 schedules, 50,000
executions, 100,000 replication jobs of which 200 are running, 100,000 JobLog jobs with steps and
1,000,000 log events; each VM's protection state as bench.protection stored it). The detail pages are asked for the busiest objects: the schedule with the
most executions, the VM with the most replications, a running replication, and the JobLog
operation with the most log lines. Each page is requested through the WSGI app (no network),
logged in as an admin (the admin pages are pages too); the figures are the server time of the
request, p50 and p95 over the samples, and the number of SQL statements it runs. The poll endpoints are
measured the same way, with the fleet's 200 running jobs: as the browser polls (sending the
versions of the panels it shows; nothing changed, so 204) and with no versions at all (every panel
rendered), each with the size of its answer.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

from app import create_app
from bench.common import percentile, result
from extensions import db
from security.users import create_user
from tests.support.clients import DashboardClient
from tests.support.statements import count_statements

SAMPLES = 30
PAGE_TARGET_MS = 100.0
POLL_TARGET_MS = 20.0
STATEMENT_TARGET = 12
USERNAME, PASSWORD = "bench-pages", "bench-pages-password"


def _busiest(url: str) -> dict:
    """Ids of the objects whose pages carry the most data."""
    queries = {
        "schedule": "SELECT schedule_id FROM schedule_executions GROUP BY schedule_id ORDER BY COUNT(*) DESC, "
                    "schedule_id LIMIT 1",
        "group": "SELECT group_id FROM vm_group_memberships GROUP BY group_id ORDER BY COUNT(*) DESC, group_id LIMIT 1",
        "vm": "SELECT c.vm_name FROM replication_jobs j JOIN vm_replication_contexts c "
              "ON c.context_id = j.vm_context_id GROUP BY c.vm_name ORDER BY COUNT(*) DESC, c.vm_name LIMIT 1",
        "replication": "SELECT id FROM replication_jobs WHERE status = 'replicating' ORDER BY started_at DESC, id "
                       "LIMIT 1",
        "running": "SELECT COUNT(*) FROM replication_jobs WHERE status = 'replicating'",
        "operation": "SELECT job_id FROM log_events WHERE job_id IN (SELECT id FROM job_tracking "
                     "WHERE job_type IN ('failover', 'cleanup')) GROUP BY job_id ORDER BY COUNT(*) DESC, job_id "
                     "LIMIT 1",
    }
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {name: conn.execute(text(query)).scalar_one() for name, query in queries.items()}
    finally:
        engine.dispose()


def run(ctx) -> list[dict]:
    url = ctx.fleet_database()
    ids = _busiest(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "BACKGROUND_SERVICES": False, "SCHEDULER_ENABLED": False,
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "TESTING": False,
                      "ADMIN_PASSWORD": "bench-admin-pass",
                      # The leader's sweep keeps the protection states fresh (bench.protection ran
                      # it); the pages are measured reading them, not re-assessing the fleet.
                      "PROTECTION_SWEEP_SECONDS": 86400})
    with app.app_context():
        create_user(USERNAME, "admin", PASSWORD)
        db.session.commit()
    app.test_client_class = DashboardClient
    client = app.test_client()
    try:
        with app.app_context():  # the test client of the suite runs inside one, as in tests/conftest.py
            return _figures(client, ids)
    finally:
        with app.app_context():
            db.engine.dispose()


@dataclass(frozen=True)
class Measured:
    """A path requested SAMPLES times: server time percentiles, and the last answer's facts."""

    p50: float
    p95: float
    statements: int
    status: int
    bytes: int


def _figures(client, ids: dict) -> list[dict]:
    assert client.login(USERNAME, PASSWORD).status_code == 302
    pages = {"overview": "/", "schedules": "/schedules/", "schedule detail": f"/schedules/{ids['schedule']}",
             "schedule edit form": f"/schedules/{ids['schedule']}/edit", "new schedule form": "/schedules/new",
             "groups": "/groups/", "group edit form": f"/groups/{ids['group']}/edit", "assignment": "/assignment/",
             "jobs": "/jobs/", "job detail (running replication)": f"/jobs/{ids['replication']}",
             "job detail (JobLog operation)": f"/jobs/{ids['operation']}", "vms": "/vms/",
             "vms filtered by protection": "/vms/?protection=at_risk", "protection": "/protection/",
             "vm detail": f"/vms/{ids['vm']}", "discovery": "/discovery/", "admin users": "/admin/users",
             "admin audit": "/admin/audit"}
    figures = []
    for name, path in pages.items():
        page = _measure(client, path)
        figures += [
            result(f"page {name}: server time p50", page.p50, "ms", "report", page.status == 200),
            result(f"page {name}: server time p95", page.p95, "ms", f"<= {PAGE_TARGET_MS:.0f}",
                   page.p95 <= PAGE_TARGET_MS and page.status == 200),
            result(f"page {name}: SQL statements", page.statements, "statements", f"<= {STATEMENT_TARGET}",
                   page.statements <= STATEMENT_TARGET),
        ]
    for name, page, path in (("overview poll", "/", "/overview/poll"), ("jobs poll", "/jobs/", "/jobs/poll")):
        # As the browser polls: with the versions of the panels it shows (nothing changed: 204) ...
        poll = _measure_poll(client, page, path)
        # ... and without any version, so that every panel is rendered (a page opened a minute ago).
        full = _measure(client, path)
        figures += [
            result(f"{name} ({ids['running']} running): server time p95", poll.p95, "ms",
                   f"<= {POLL_TARGET_MS:.0f}", poll.p95 <= POLL_TARGET_MS and poll.status in (200, 204)),
            result(f"{name}: SQL statements", poll.statements, "statements", f"<= {STATEMENT_TARGET}",
                   poll.statements <= STATEMENT_TARGET),
            result(f"{name}: response bytes (HTTP {poll.status})", poll.bytes, "bytes", "report", True),
            result(f"{name}, every panel changed: server time p95", full.p95, "ms", f"<= {PAGE_TARGET_MS:.0f}",
                   full.p95 <= PAGE_TARGET_MS and full.status == 200),
            result(f"{name}, every panel changed: response bytes", full.bytes, "bytes", "report", True),
        ]
    return figures


def _measured(timings: list[float], statements: int, status: int, size: int) -> Measured:
    timings.sort()
    return Measured(percentile(timings, 0.50), percentile(timings, 0.95), statements, status, size)


def _measure(client, path: str) -> Measured:
    timings = []
    for _ in range(SAMPLES):
        with count_statements(db.engine) as counter:
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        status, size = response.status_code, len(response.get_data())
        response.close()
    return _measured(timings, counter.count, status, size)


_VERSIONS = re.compile(r'id="([^"]+)" data-fragment-version="([^"]+)"')


def _measure_poll(client, page: str, path: str) -> Measured:
    """Poll as static/js/app.js does: report the versions shown, take over those of every
    fragment swapped in (at a minute's turn the panels' relative times change once)."""
    versions = dict(_VERSIONS.findall(client.get(page).get_data(as_text=True)))
    timings = []
    for _ in range(SAMPLES):
        query = urlencode([(f"v.{fragment}", version) for fragment, version in versions.items()])
        with count_statements(db.engine) as counter:
            started = time.perf_counter()
            response = client.get(f"{path}?{query}")
            timings.append((time.perf_counter() - started) * 1000)
        body = response.get_data(as_text=True)
        versions.update(_VERSIONS.findall(body))
        status, size = response.status_code, len(body.encode())
        response.close()
    return _measured(timings, counter.count, status, size)
