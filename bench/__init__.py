"""Benchmarks, run by `make bench` (`python -m bench`) against one throwaway MariaDB server.

Each module listed in BENCHMARKS exposes `run(ctx: bench.common.BenchContext) -> list[dict]`, one
dict per figure: `name`, `value`, `unit`, `target` (text such as ">= 20000") and `ok`.
Targets are reported, never asserted: speed is measured here, not in the test suite.
"""

BENCHMARKS = [
    "bench.joblog_handler",
    "bench.protection",  # writes the dashboard's RPO targets and states the pages then read
    "bench.pages",
    "bench.anyid_lookup",
    "bench.serving",
    "bench.scheduler_fire",
]
