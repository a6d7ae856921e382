"""JobLog's database log handler on MariaDB: sustained events per second and the caller's cost.

Throughput: 4 threads, each inside its own job step, log 50,000 events each (200,000 in all)
through the standard `logging` path (logger -> root -> context router -> DBLogHandler) in block
mode, so nothing is dropped and the rate is what the writer sustains; timed from the first emit
until `flush()` returns. Caller cost: one thread inside a step times each `logger.info(...,
extra=...)` while the writer drains concurrently, with the production settings (drop-oldest).
"""
from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import create_engine, func, select

from bench.common import percentile, result
from joblog import DBLogHandler, Tracker, start_thread
from joblog.handler import install_router
from models import LogEvent

THREADS = 4
EVENTS_PER_THREAD = 50_000
CALLER_SAMPLES = 50_000
TARGET_EVENTS_PER_SECOND = 20_000
TARGET_P99_MICROSECONDS = 50.0


def _engine(url: str):
    return create_engine(url, pool_pre_ping=True,
                         connect_args={"init_command": "SET time_zone='+00:00'", "charset": "utf8mb4"})


def _stored(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(LogEvent)).scalar_one()


def _throughput(engine, logger) -> tuple[float, DBLogHandler]:
    handler = DBLogHandler(engine, overflow="block")
    tracker = Tracker(engine, handler)
    install_router(handler)
    job_id = tracker.start_job("migration", "bench-throughput")
    ready = threading.Barrier(THREADS + 1)
    threads = []

    def produce(n: int) -> None:
        ready.wait()
        for i in range(EVENTS_PER_THREAD):
            logger.info("copied block %d", i, extra={"worker": n, "bytes": 1 << 20})

    for n in range(THREADS):
        with tracker.step(job_id, f"worker-{n}"):
            threads.append(start_thread(produce, n))
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    handler.flush(timeout=600)
    elapsed = time.perf_counter() - started
    tracker.end_job(job_id, "completed")
    handler.close()
    return THREADS * EVENTS_PER_THREAD / elapsed, handler


def _caller_cost(engine, logger) -> tuple[list[float], DBLogHandler]:
    handler = DBLogHandler(engine)
    tracker = Tracker(engine, handler)
    install_router(handler)
    samples = []
    clock = time.perf_counter_ns
    with tracker.job("migration", "bench-caller-cost") as job_id:
        with tracker.step(job_id, "data-replication"):
            for i in range(CALLER_SAMPLES):
                before = clock()
                logger.info("copied block %d", i, extra={"vm_name": "pgtest2", "bytes": 1 << 20})
                samples.append((clock() - before) / 1000.0)
    handler.close(timeout=600)
    samples.sort()
    return samples, handler


def run(ctx) -> list[dict]:
    engine = _engine(ctx.migrated_database("bench_joblog"))
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    # Measure the database handler alone: console handlers (set up by the app factory while
    # migrating) would add their own cost per call and 250,000 lines of output.
    consoles = [h for h in root.handlers if isinstance(h, logging.StreamHandler)]
    for console in consoles:
        root.removeHandler(console)
    logger = logging.getLogger("bench.joblog")
    try:
        rate, busy = _throughput(engine, logger)
        samples, paced = _caller_cost(engine, logger)
        expected = THREADS * EVENTS_PER_THREAD + CALLER_SAMPLES
        stored = _stored(engine)
    finally:
        install_router(None)
        for console in consoles:
            root.addHandler(console)
        engine.dispose()
    p50, p99 = percentile(samples, 0.50), percentile(samples, 0.99)
    return [
        result("joblog handler: events/s sustained (MariaDB, 4 threads)", rate, "events/s",
               f">= {TARGET_EVENTS_PER_SECOND:,}", rate >= TARGET_EVENTS_PER_SECOND and busy.failed == 0),
        result("joblog handler: caller cost per log call, p50", p50, "µs", "-", True),
        result("joblog handler: caller cost per log call, p99", p99, "µs", f"<= {TARGET_P99_MICROSECONDS:.0f}",
               p99 <= TARGET_P99_MICROSECONDS),
        result("joblog handler: events dropped in the caller-cost run", paced.dropped, "events", "reported", True),
        result("joblog handler: events stored / logged", 100.0 * stored / expected, "%",
               "100 less drops", stored == expected - paced.dropped),
    ]
