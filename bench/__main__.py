"""`python -m bench [name ...]`: run the registered benchmarks on one throwaway MariaDB server,
print a table and write bench/results/latest.json.

BENCH_SCALE (default 1) sizes the shared fleet data set (`bench_fleet.FleetSize.scaled`); figures are
only comparable with the targets at scale 1. Each figure carries the machine's 1-minute load
average when its benchmark started: the machine may be shared.
"""
from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from bench import BENCHMARKS
from bench.common import BenchContext, result

RESULTS = Path(__file__).resolve().parent / "results"


def _table(results: list[dict]) -> str:
    rows = [("benchmark", "value", "unit", "target", "", "load")]
    rows += [(r["name"], f"{r['value']:,.1f}", r["unit"], r["target"], "ok" if r["ok"] else "MISSED",
              f"{r.get('load', 0):.1f}") for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    lines = ["  ".join(cell.ljust(widths[i]) if i not in (1, 5) else cell.rjust(widths[i])
                       for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _machine(server) -> dict:
    """What the figures were measured on."""
    def first(path: str, prefix: str) -> str:
        try:
            return next((line.split(":", 1)[1].strip() for line in open(path) if line.startswith(prefix)), "")
        except OSError:
            return ""
    return {"cpus": os.cpu_count(), "cpu_model": first("/proc/cpuinfo", "model name"),
            "memory": first("/proc/meminfo", "MemTotal"), "mariadb": _mariadb_version(server), "python": platform.python_version(),
            "machine": platform.machine()}


def _mariadb_version(server) -> str:
    conn = server.connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT VERSION()")
            return cursor.fetchone()[0]
    finally:
        conn.close()


def main(argv: list[str]) -> int:
    from tests.support.mariadb import MariaDBServer, MariaDBUnavailable
    selected = [name for name in BENCHMARKS if not argv or any(arg in name for arg in argv)]
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        server = MariaDBServer(str(workdir / "mariadb")).start()
    except MariaDBUnavailable as exc:
        print(f"bench: MariaDB could not be started: {exc}", file=sys.stderr)
        return 1
    results: list[dict] = []
    try:
        machine = _machine(server)
        ctx = BenchContext(server=server, workdir=workdir, fleet_scale=float(os.environ.get("BENCH_SCALE", "1")))
        for name in selected:
            print(f"running {name} ...", flush=True)
            load = os.getloadavg()[0]
            started = time.monotonic()
            try:
                figures = importlib.import_module(name).run(ctx)
            except Exception as exc:  # one broken benchmark must not cost the figures of the others
                traceback.print_exc()
                figures = [result(f"{name}: did not finish ({type(exc).__name__}: {exc})"[:160], 0, "-", "finish",
                                  False)]
            if ctx.fleet_report is not None and not any(r["name"].startswith("fleet seed") for r in results):
                counts = ctx.fleet_report.counts
                figures.insert(0, result(
                    f"fleet seed ({counts['vm_replication_contexts']:,} VMs, {counts['replication_jobs']:,} "
                    f"replication jobs, {counts['job_tracking']:,} JobLog jobs, {counts['log_events']:,} log "
                    f"events, scale {ctx.fleet_scale:g})", ctx.fleet_report.seconds, "s", "report", True))
            for figure in figures:
                figure["load"] = load
            results += figures
            print(f"  {name} took {time.monotonic() - started:.0f} s", flush=True)
    finally:
        server.stop()
    print()
    print(_table(results))
    RESULTS.mkdir(exist_ok=True)
    report = {"finished_at": datetime.now(timezone.utc).isoformat(), "machine": machine,
              "fleet_scale": ctx.fleet_scale, "results": results}
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
