"""Operator pages on MariaDB with a production-sized inventory: server time p95 and SQL statements.

Data: 5,000 VMs, 200 groups (each VM but 500 in one), 500 schedules, 100,000 replication jobs
(200 of them running), 60,000 JobLog jobs (20,000 failovers and rollbacks with three steps each,
5 running; their 20,000 child jobs; 20,000 system jobs that are not on the timeline). Each page is requested through the WSGI app (no network), logged in as an
operator; the figure is the server time of the request, p95 over the samples, and the number of
SQL statements it runs. The poll endpoints are measured the same way, with 200 running jobs:
as the browser polls (sending the versions of the panels it shows; nothing changed, so 204)
and with no versions at all (every panel rendered).
"""
from __future__ import annotations

import random
import re
import time
import uuid
from datetime import timedelta
from urllib.parse import urlencode

from bench.common import percentile, result

VMS = 5_000
GROUPS = 200
SCHEDULES = 500
JOBS = 100_000
RUNNING = 200
JOBLOG_OPERATIONS = 20_000  # failovers and rollbacks; each also has a child job and there are as many system jobs
JOBLOG_RUNNING = 5
SAMPLES = 30
PAGE_TARGET_MS = 100.0
POLL_TARGET_MS = 20.0
STATEMENT_TARGET = 12


def _seed(app) -> dict:
    from extensions import db
    from models import (JobStep, JobTracking, ReplicationJob, ReplicationSchedule, VMGroupMembership,
                        VMMachineGroup, VMReplicationContext, utcnow)
    rng = random.Random(5)
    now = utcnow()
    schedules = [{"id": str(uuid.uuid4()), "name": f"schedule-{n:03d}", "cron_expression": f"0 {n % 60} {n % 24} * * *",
                  "timezone": "Europe/London", "schedule_type": "cron", "enabled": True} for n in range(SCHEDULES)]
    groups = [{"id": str(uuid.uuid4()), "name": f"group-{n:03d}", "schedule_id": schedules[n]["id"],
               "max_concurrent_vms": 5, "priority": n % 10} for n in range(GROUPS)]
    vms = [{"context_id": f"ctx-{n:05d}", "vm_name": f"vm-{n:05d}", "vmware_vm_id": f"vmware-{n}",
            "vm_path": f"/DC1/vm/vm-{n:05d}", "vcenter_host": "vc.example", "datacenter": f"DC{n % 2 + 1}",
            "current_status": "replicating" if n < RUNNING else "ready_for_failover", "cpu_count": 2,
            "memory_mb": 4096} for n in range(VMS)]
    members = [{"id": str(uuid.uuid4()), "group_id": groups[n % GROUPS]["id"], "vm_context_id": vms[n]["context_id"],
                "enabled": True, "priority": n // GROUPS} for n in range(VMS - 500)]
    jobs = []
    for n in range(JOBS):
        vm = vms[n % VMS]
        started = now - timedelta(minutes=rng.randint(1, 60 * 24 * 60))
        running = n < RUNNING
        jobs.append({"id": f"job-{n:06d}", "vm_context_id": vm["context_id"], "source_vm_id": vm["vmware_vm_id"],
                     "source_vm_name": vm["vm_name"], "source_vm_path": vm["vm_path"], "v_center_host": "vc.example",
                     "datacenter": vm["datacenter"], "replication_type": "incremental",
                     "status": "replicating" if running else rng.choice(("completed", "completed", "failed")),
                     "progress_percent": 40.0 if running else 100.0, "error_message": None if running else
                     "nbdkit: connection reset by peer", "started_at": now - timedelta(minutes=30) if running
                     else started, "completed_at": None if running else started + timedelta(minutes=20),
                     "created_at": started, "updated_at": started})
    operations, children, steps = _joblog_rows(rng, now, vms)
    with app.app_context():
        for model, rows in ((ReplicationSchedule, schedules), (VMMachineGroup, groups), (VMReplicationContext, vms),
                            (VMGroupMembership, members)):
            db.session.execute(db.insert(model), rows)
        for model, rows in ((ReplicationJob, jobs), (JobTracking, operations), (JobTracking, children),
                            (JobStep, steps)):
            for start in range(0, len(rows), 5_000):
                db.session.execute(db.insert(model), rows[start:start + 5_000])
        db.session.commit()
    return {"schedule": schedules[0]["id"], "job": jobs[0]["id"], "vm": vms[0]["vm_name"]}


def _joblog_rows(rng, now, vms) -> tuple[list[dict], list[dict], list[dict]]:
    """JobLog history beside the replications: failovers and rollbacks on the timeline (some
    running), each with steps and a child job, and as many system jobs that are not."""
    operations, children, steps = [], [], []
    for n in range(JOBLOG_OPERATIONS):
        vm = vms[rng.randrange(VMS)]
        started = now - timedelta(minutes=rng.randint(1, 60 * 24 * 60))
        running = n < JOBLOG_RUNNING
        status = "running" if running else rng.choice(("completed", "completed", "failed"))
        job_id = f"jl-{n:06d}"
        operations.append({"id": job_id, "job_type": "failover" if n % 10 < 7 else "cleanup",
                           "operation": "test-failover" if n % 10 < 7 else "test-failover-cleanup",
                           "status": status, "context_id": vm["context_id"], "job_category": "failover",
                           "external_job_id": f"unified-test-failover-{n}", "percent_complete": 50 if running else 100,
                           "started_at": started, "completed_at": None if running else started + timedelta(minutes=9),
                           "created_at": started, "updated_at": started})
        children.append({"id": f"jl-{n:06d}-c", "parent_job_id": job_id, "job_type": "virtio",
                         "operation": "virtio-driver-injection", "status": "completed", "job_category": "system",
                         "started_at": started, "completed_at": started + timedelta(minutes=3), "created_at": started,
                         "updated_at": started})
        children.append({"id": f"sys-{n:06d}", "job_type": "discovery", "operation": "discover", "status": "completed",
                         "job_category": "discovery", "started_at": started, "completed_at": started,
                         "created_at": started, "updated_at": started})
        for seq, name in enumerate(("validation", "virtio-driver-injection", "vm-startup"), start=1):
            failed = status == "failed" and seq == 2
            steps.append({"job_id": job_id, "seq": seq, "name": name, "status": "failed" if failed else "completed",
                          "started_at": started, "completed_at": started + timedelta(minutes=seq * 3),
                          "error_message": "virt-v2v-in-place failed on /dev/vdc" if failed else None})
    return operations, children, steps


def _measure(app, client, path: str) -> tuple[float, int, int]:
    from extensions import db
    from tests.support.statements import count_statements
    timings = []
    engine = db.engine
    status = 0
    statements = 0
    for _ in range(SAMPLES):
        with count_statements(engine) as counter:
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        status = response.status_code
        statements = counter.count
        response.close()
    timings.sort()
    return percentile(timings, 0.95), statements, status


def run(ctx) -> list[dict]:
    from app import create_app
    from extensions import db
    from models import DashboardUser
    from security import hash_password
    from tests.support.clients import DashboardClient

    url = ctx.migrated_database("bench_pages")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "BACKGROUND_SERVICES": False, "SCHEDULER_ENABLED": False,
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "TESTING": False})
    ids = _seed(app)
    with app.app_context():
        db.session.add(DashboardUser(username="bench", password_hash=hash_password("bench-pass"), role="operator"))
        db.session.commit()
    app.test_client_class = DashboardClient
    client = app.test_client()
    with app.app_context():  # the test client of the suite runs inside one, as in tests/conftest.py
        return _figures(app, client, ids)


def _figures(app, client, ids: dict) -> list[dict]:
    assert client.login("bench", "bench-pass").status_code == 302
    pages = {"overview": "/", "schedules": "/schedules/", "schedule detail": f"/schedules/{ids['schedule']}",
             "new schedule form": "/schedules/new", "groups": "/groups/", "assignment": "/assignment/",
             "jobs": "/jobs/", "job detail": f"/jobs/{ids['job']}", "vms": "/vms/", "vm detail": f"/vms/{ids['vm']}",
             "discovery": "/discovery/"}
    figures = []
    for name, path in pages.items():
        p95, statements, status = _measure(app, client, path)
        figures.append(result(f"page {name}: server time p95", p95, "ms", f"<= {PAGE_TARGET_MS:.0f}",
                              p95 <= PAGE_TARGET_MS and status == 200))
        figures.append(result(f"page {name}: SQL statements", statements, "statements", f"<= {STATEMENT_TARGET}",
                              statements <= STATEMENT_TARGET))
    for name, page, path in (("overview poll", "/", "/overview/poll"), ("jobs poll", "/jobs/", "/jobs/poll")):
        # As the browser polls: with the versions of the panels it shows (nothing changed: 204) ...
        p95, statements, status = _measure_poll(client, page, path)
        figures.append(result(f"{name} ({RUNNING} running): server time p95", p95, "ms", f"<= {POLL_TARGET_MS:.0f}",
                              p95 <= POLL_TARGET_MS and status in (200, 204)))
        figures.append(result(f"{name}: SQL statements", statements, "statements", f"<= {STATEMENT_TARGET}",
                              statements <= STATEMENT_TARGET))
        # ... and without any version, so that every panel is rendered (a page opened a minute ago).
        p95, _, status = _measure(app, client, path)
        figures.append(result(f"{name}, every panel changed: server time p95", p95, "ms",
                              f"<= {PAGE_TARGET_MS:.0f}", p95 <= PAGE_TARGET_MS and status == 200))
    return figures


_VERSIONS = re.compile(r'id="([^"]+)" data-fragment-version="([^"]+)"')


def _measure_poll(client, page: str, path: str) -> tuple[float, int, int]:
    """Poll as static/js/app.js does: report the versions shown, take over those of every
    fragment swapped in (at a minute's turn the panels' relative times change once)."""
    from extensions import db
    from tests.support.statements import count_statements
    versions = dict(_VERSIONS.findall(client.get(page).get_data(as_text=True)))
    timings, statements, status = [], 0, 0
    for _ in range(SAMPLES):
        query = urlencode([(f"v.{fragment}", version) for fragment, version in versions.items()])
        with count_statements(db.engine) as counter:
            started = time.perf_counter()
            response = client.get(f"{path}?{query}")
            timings.append((time.perf_counter() - started) * 1000)
        versions.update(_VERSIONS.findall(response.get_data(as_text=True)))
        status, statements = response.status_code, counter.count
        response.close()
    timings.sort()
    return percentile(timings, 0.95), statements, status
