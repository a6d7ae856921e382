"""What every benchmark gets: a throwaway MariaDB server and freshly migrated databases on it."""
from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine

from bench_fleet import FleetSize, seed_fleet
from tests.support.databases import migrate


@dataclass
class BenchContext:
    server: object  # tests.support.mariadb.MariaDBServer
    workdir: Path
    databases: list[str] = field(default_factory=list)
    fleet_scale: float = 1.0
    fleet_url: str | None = None
    fleet_report: object = None  # bench_fleet.SeedReport once seeded

    def fleet_database(self) -> str:
        """The scale data set (`fleet`, 5,000 VMs ... 1,000,000 log events at scale 1), seeded on
        first use and shared by the benchmarks that only read it; returns its URL."""
        if self.fleet_url is None:
            url = self.migrated_database("bench_fleet")
            engine = create_engine(url, connect_args={"init_command": "SET time_zone='+00:00'"})
            try:
                self.fleet_report = seed_fleet(engine, FleetSize.scaled(self.fleet_scale))
            finally:
                engine.dispose()
            print(f"  fleet seeded: {self.fleet_report.summary}", flush=True)
            print(f"  database settled after the bulk load in {settle(self.server):.0f} s", flush=True)
            self.fleet_url = url
        return self.fleet_url

    def migrated_database(self, name: str) -> str:
        """A new database on the server, migrated with the real migrations; returns its URL."""
        url = self.server.create_database(name)
        migrate(url, Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.workdir)))
        self.databases.append(name)
        return url


def settle(server, timeout: float = 180.0) -> float:
    """Wait until the server has written back a bulk load; returns the seconds waited.

    Seeding the fleet leaves hundreds of megabytes of dirty pages that InnoDB and then the kernel
    write back for minutes; figures taken meanwhile measure that write-back, not the product.
    InnoDB is asked to flush everything (innodb_max_dirty_pages_pct 0, restored afterwards), then
    the kernel's dirty pages are synced: the benchmarks start on a database at rest, as a
    production appliance's is between its changes.
    """
    started = time.monotonic()
    conn = server.connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT @@GLOBAL.innodb_max_dirty_pages_pct")
            previous = cursor.fetchone()[0]
            cursor.execute("SET GLOBAL innodb_max_dirty_pages_pct = 0")
            try:
                while time.monotonic() - started < timeout:
                    cursor.execute("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'")
                    if int(cursor.fetchone()[1]) < 50:
                        break
                    time.sleep(0.5)
            finally:
                cursor.execute("SET GLOBAL innodb_max_dirty_pages_pct = %s", (previous,))
    finally:
        conn.close()
    os.sync()
    return time.monotonic() - started


def result(name: str, value: float, unit: str, target: str, ok: bool) -> dict:
    return {"name": name, "value": value, "unit": unit, "target": target, "ok": bool(ok)}


def percentile(sorted_values: list, fraction: float):
    """The value below which `fraction` of the (already sorted) values fall (nearest rank)."""
    if not sorted_values:
        raise ValueError("no values")
    index = min(len(sorted_values) - 1, max(0, int(round(fraction * len(sorted_values))) - 1))
    return sorted_values[index]
