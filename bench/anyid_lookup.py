"""Any-id job lookup on MariaDB: our indexed lookup against the seed's "poor" attrs search.

Data: the shared fleet (`fleet`: 5,000 VM contexts, 100,000 `job_tracking` rows, 100,000
`replication_jobs`, 1,000,000 `log_events` whose JSON `attrs` carry the external job id, as the
original system's did).

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

from app import create_app
from bench.common import percentile, result
from extensions import db
from jobs import resolve_any_id

SAMPLES = 2_000
BASELINE_SAMPLES = 10
TARGET_P99_MS = 2.0


def _known_ids(engine) -> dict[str, list[str]]:
    """Every id of each kind in the fleet, in a stable order (the sample is drawn from them)."""
    queries = {
        "joblog_id": "SELECT id FROM job_tracking ORDER BY id",
        "external_job_id": "SELECT external_job_id FROM job_tracking WHERE external_job_id IS NOT NULL "
                           "ORDER BY external_job_id",
        "replication_job_id": "SELECT id FROM replication_jobs ORDER BY id",
        "context_id": "SELECT context_id FROM vm_replication_contexts ORDER BY context_id",
    }
    with engine.connect() as conn:
        return {kind: list(conn.execute(text(query)).scalars()) for kind, query in queries.items()}


def _timed(lookup, ids: list[str]) -> list[float]:
    durations = []
    for any_id in ids:
        started = time.perf_counter()
        lookup(any_id)
        durations.append((time.perf_counter() - started) * 1000.0)
    return sorted(durations)


def run(ctx) -> list[dict]:
    url = ctx.fleet_database()
    engine = create_engine(url, connect_args={"init_command": "SET time_zone='+00:00'", "charset": "utf8mb4"})
    known = _known_ids(engine)

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False, "DEMO": False,
                      "BACKGROUND_SERVICES": False, "ADMIN_PASSWORD": "bench-admin-pass"})
    rng = random.Random(7)
    kinds = {kind: [rng.choice(ids) for _ in range(SAMPLES)] for kind, ids in known.items()}
    kinds["unknown_id"] = [f"no-such-job-{rng.randrange(10**9)}" for _ in range(SAMPLES)]
    results = []
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

        baseline_ids = [rng.choice(known["external_job_id"]) for _ in range(BASELINE_SAMPLES)]
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
