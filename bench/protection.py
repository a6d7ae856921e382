"""The protection assessment of the whole bench fleet (5,000 VMs, 100,000 replication jobs) on
MariaDB: seconds per assessment, p50 and p95, and its SQL statements (fixed, whatever the fleet).

Every group gets an RPO of a day first, so that every VM is assessed against a target (the
dashboard's own tables only; the appliance's are read). The assessment runs on the scheduler's
leader every PROTECTION_SWEEP_SECONDS; the pages read what it stored (see bench.pages).
"""
from __future__ import annotations

import time

from sqlalchemy import select

from app import create_app
from bench.common import percentile, result
from extensions import db
from models import VMMachineGroup
from protection.assess import refresh
from protection.manage import set_rpo
from tests.support.statements import count_statements

SAMPLES = 5
#: The sweep runs every 30 s: an assessment well under that leaves the leader's maintenance free.
TARGET_SECONDS = 5.0


def run(ctx) -> list[dict]:
    url = ctx.fleet_database()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "BACKGROUND_SERVICES": False, "SCHEDULER_ENABLED": False,
                      "SECRET_KEY": "bench", "TESTING": False})
    with app.app_context():
        try:
            for group_id in db.session.scalars(select(VMMachineGroup.id)):
                set_rpo("group", group_id, 1440)
            db.session.commit()
            timings, statements, counts = [], 0, {}
            for _ in range(SAMPLES):
                with count_statements(db.engine) as counter:
                    started = time.perf_counter()
                    counts = refresh()
                    timings.append(time.perf_counter() - started)
                statements = counter.count
            timings.sort()
            vms = sum(counts.values())
            return [
                result(f"protection: assess {vms} VMs, p50", percentile(timings, 0.5), "s", "report", vms > 0),
                result(f"protection: assess {vms} VMs, p95", percentile(timings, 0.95), "s",
                       f"<= {TARGET_SECONDS:.0f}", percentile(timings, 0.95) <= TARGET_SECONDS),
                result("protection: assessment SQL statements (steady state)", statements, "statements", "report",
                       True),
            ] + [result(f"protection: VMs {state}", count, "VMs", "report", True) for state, count in counts.items()]
        finally:
            db.engine.dispose()
