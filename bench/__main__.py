"""`python -m bench [name ...]`: run the registered benchmarks on one throwaway MariaDB server,
print a table and write bench/results/latest.json."""
from __future__ import annotations

import importlib
import json
import platform
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from bench import BENCHMARKS
from bench.common import BenchContext

RESULTS = Path(__file__).resolve().parent / "results"


def _table(results: list[dict]) -> str:
    rows = [("benchmark", "value", "unit", "target", "")]
    rows += [(r["name"], f"{r['value']:,.1f}", r["unit"], r["target"], "ok" if r["ok"] else "MISSED")
             for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(widths[i]) if i != 1 else cell.rjust(widths[i]) for i, cell in enumerate(row))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


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
        ctx = BenchContext(server=server, workdir=workdir)
        for name in selected:
            print(f"running {name} ...", flush=True)
            results += importlib.import_module(name).run(ctx)
    finally:
        server.stop()
    print()
    print(_table(results))
    RESULTS.mkdir(exist_ok=True)
    report = {"finished_at": datetime.now(timezone.utc).isoformat(), "python": platform.python_version(),
              "machine": platform.machine(), "results": results}
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
