"""Any-id job lookup on MariaDB: our indexed lookup against the seed's "poor" attrs search.

Data: 5,000 VM contexts, 100,000 `job_tracking` rows (20 per context), 20,000 `replication_jobs`
and 1,000,000 `log_events` whose JSON `attrs` carry the external job id, as the original
system's did. Filled with INSERT ... SELECT over a numbers table, so the fill takes seconds.

Measured: `jobs.resolve_any_id` (one statement, indexed columns only) through the app's own
session for each kind of id (JobLog UUID, external job id, replication job id, context id,
unknown id), 2,000 random lookups each; then the baseline, finding the job of an external id
by searching `log_events.attrs` (JSON_EXTRACT, a scan of every log line), 10 lookups. Reported: p50/p99 of each and the
ratio of the baseline's p99 to ours.
"""
from __future__ import annotations

import random
import time

from sqlalchemy import create_engine, text

from bench.common import percentile, result

CONTEXTS = 5_000
JOBS = 100_000
REPLICATIONS = 20_000
LOG_EVENTS = 1_000_000
SAMPLES = 2_000
BASELINE_SAMPLES = 10
TARGET_P99_MS = 2.0

# Deterministic, UUID-shaped JobLog ids: the same expression in SQL and in Python.
JOB_ID_SQL = "LOWER(CONCAT(LPAD(HEX({n}), 8, '0'), '-0000-4000-8000-', LPAD(HEX({n}), 12, '0')))"


def job_id(n: int) -> str:
    return f"{n:08x}-0000-4000-8000-{n:012x}"


def external_id(n: int) -> str:
    return f"unified-test-failover-vm{n % CONTEXTS:05d}-{1758550000 + n}"


def context_id(n: int) -> str:
    return f"ctx-vm{n:05d}"


def replication_id(n: int) -> str:
    return f"job-20251003-140728.{n % 1000:03d}-{n:06x}"


def _fill(engine) -> float:
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SET SESSION foreign_key_checks = 0"))  # generated rows are consistent by design
        conn.execute(text("CREATE TABLE bench_digits (d INT PRIMARY KEY)"))
        conn.execute(text("INSERT INTO bench_digits VALUES " + ",".join(f"({d})" for d in range(10))))
        conn.execute(text("CREATE TABLE bench_numbers (n INT PRIMARY KEY)"))
        conn.execute(text(
            "INSERT INTO bench_numbers SELECT a.d + 10*b.d + 100*c.d + 1000*d.d + 10000*e.d + 100000*f.d "
            "FROM bench_digits a, bench_digits b, bench_digits c, bench_digits d, bench_digits e, bench_digits f"))
        conn.execute(text(
            "INSERT INTO vm_replication_contexts (context_id, vm_name, vmware_vm_id, vm_path, vcenter_host, "
            "datacenter, current_status) SELECT CONCAT('ctx-vm', LPAD(n, 5, '0')), CONCAT('vm', LPAD(n, 5, '0')), "
            "CONCAT('vm-', n), CONCAT('/DC1/vm/vm', n), 'vcenter.bench', 'DC1', 'discovered' "
            f"FROM bench_numbers WHERE n < {CONTEXTS}"))
        conn.execute(text(
            "INSERT INTO job_tracking (id, job_type, operation, status, external_job_id, context_id, job_category, "
            "started_at, created_at, updated_at, completed_at, percent_complete) "
            f"SELECT {JOB_ID_SQL.format(n='n')}, IF(n % 5 = 0, 'cleanup', 'failover'), "
            "IF(n % 5 = 0, 'rollback', IF(n % 2 = 0, 'live-failover', 'test-failover')), 'completed', "
            f"CONCAT('unified-test-failover-vm', LPAD(n % {CONTEXTS}, 5, '0'), '-', 1758550000 + n), "
            f"CONCAT('ctx-vm', LPAD(n % {CONTEXTS}, 5, '0')), 'failover', "
            "TIMESTAMP('2025-01-01') + INTERVAL n MINUTE, TIMESTAMP('2025-01-01') + INTERVAL n MINUTE, "
            "TIMESTAMP('2025-01-01') + INTERVAL n MINUTE, TIMESTAMP('2025-01-01') + INTERVAL n MINUTE + INTERVAL 1 "
            f"MINUTE, 100 FROM bench_numbers WHERE n < {JOBS}"))
        conn.execute(text(
            "INSERT INTO replication_jobs (id, vm_context_id, source_vm_id, source_vm_name, source_vm_path, "
            "v_center_host, datacenter, replication_type, status, progress_percent, started_at, created_at) "
            "SELECT CONCAT('job-20251003-140728.', LPAD(n % 1000, 3, '0'), '-', LPAD(LOWER(HEX(n)), 6, '0')), "
            f"CONCAT('ctx-vm', LPAD(n % {CONTEXTS}, 5, '0')), CONCAT('vm-', n % {CONTEXTS}), 'vm', '/DC1/vm', "
            "'vcenter.bench', 'DC1', 'incremental', 'completed', 100, "
            "TIMESTAMP('2025-01-01') + INTERVAL n * 5 MINUTE, TIMESTAMP('2025-01-01') + INTERVAL n * 5 MINUTE "
            f"FROM bench_numbers WHERE n < {REPLICATIONS}"))
        # Ten log lines per job: job_id set (indexed), the external id only inside the JSON attrs.
        conn.execute(text(
            "INSERT INTO log_events (job_id, level, message, attrs, ts) "
            f"SELECT {JOB_ID_SQL.format(n=f'n % {JOBS}')}, 'INFO', CONCAT('step progress ', n), "
            f"CONCAT('{{\"external_job_id\":\"unified-test-failover-vm', LPAD((n % {JOBS}) % {CONTEXTS}, 5, '0'), "
            f"'-', 1758550000 + n % {JOBS}, '\",\"line\":', n, '}}'), "
            "TIMESTAMP('2025-01-01') + INTERVAL n SECOND "
            f"FROM bench_numbers WHERE n < {LOG_EVENTS}"))
        conn.execute(text("DROP TABLE bench_numbers"))
        conn.execute(text("DROP TABLE bench_digits"))
        conn.execute(text("ANALYZE TABLE job_tracking, replication_jobs, log_events, vm_replication_contexts"))
    return time.perf_counter() - started


def _timed(lookup, ids: list[str]) -> list[float]:
    durations = []
    for any_id in ids:
        started = time.perf_counter()
        lookup(any_id)
        durations.append((time.perf_counter() - started) * 1000.0)
    return sorted(durations)


def run(ctx) -> list[dict]:
    url = ctx.migrated_database("bench_anyid")
    engine = create_engine(url, connect_args={"init_command": "SET time_zone='+00:00'", "charset": "utf8mb4"})
    fill_seconds = _fill(engine)

    from app import create_app
    from extensions import db
    from jobs import resolve_any_id
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False, "DEMO": False,
                      "BACKGROUND_SERVICES": False})
    rng = random.Random(7)
    kinds = {
        "joblog_id": [job_id(rng.randrange(JOBS)) for _ in range(SAMPLES)],
        "external_job_id": [external_id(rng.randrange(JOBS)) for _ in range(SAMPLES)],
        "replication_job_id": [replication_id(rng.randrange(REPLICATIONS)) for _ in range(SAMPLES)],
        "context_id": [context_id(rng.randrange(CONTEXTS)) for _ in range(SAMPLES)],
        "unknown_id": [f"no-such-job-{rng.randrange(10**9)}" for _ in range(SAMPLES)],
    }
    results = [result("anyid fill (5k VMs, 100k jobs, 20k replications, 1M log events)", fill_seconds, "s",
                      "report", True)]
    p99s = {}
    with app.app_context():
        expected = {"joblog_id", "external_job_id", "replication_job_id", "context_id"}
        for kind, ids in kinds.items():
            found = resolve_any_id(ids[0])  # warm the connection and statement cache
            assert (found is None) == (kind == "unknown_id"), kind
            assert found is None or found.matched_by in expected
            durations = _timed(resolve_any_id, ids)
            p99s[kind] = percentile(durations, 0.99)
            results.append(result(f"anyid lookup {kind} p50", percentile(durations, 0.50), "ms", "report", True))
            results.append(result(f"anyid lookup {kind} p99", p99s[kind], "ms", f"<= {TARGET_P99_MS}",
                                  p99s[kind] <= TARGET_P99_MS))
        db.session.remove()

        def attrs_search(any_id: str):
            with engine.connect() as conn:
                return conn.execute(text(
                    "SELECT DISTINCT job_id FROM log_events "
                    "WHERE JSON_UNQUOTE(JSON_EXTRACT(attrs, '$.external_job_id')) = :id"), {"id": any_id}).scalar()

        baseline_ids = [external_id(rng.randrange(JOBS)) for _ in range(BASELINE_SAMPLES)]
        assert attrs_search(baseline_ids[0]) is not None
        baseline = _timed(attrs_search, baseline_ids)
        db.engine.dispose()
    engine.dispose()
    baseline_p99 = percentile(baseline, 0.99)
    ours = p99s["external_job_id"]
    results += [
        result("baseline attrs search (JSON_EXTRACT) p50", percentile(baseline, 0.50), "ms", "report", True),
        result("baseline attrs search (JSON_EXTRACT) p99", baseline_p99, "ms", "report", True),
        result("baseline p99 / indexed external-id p99", baseline_p99 / ours if ours else 0.0, "x", "report", True),
    ]
    return results
