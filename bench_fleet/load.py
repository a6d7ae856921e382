"""Writing a generated fleet into the appliance tables, fast: multi-row INSERTs in chunks
through the driver, foreign-key checks off for the load (the rows are consistent by
construction, and the tests check it), one transaction per chunk."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from bench_fleet.generate import COLUMNS, FleetGenerator, FleetSize
from models import (JobStep, JobTracking, LogEvent, ReplicationJob, ReplicationSchedule, ScheduleExecution,
                    VMMachineGroup, VMReplicationContext)

CHUNK_ROWS = 5_000
# Tables the fleet fills, children last; `--reset` empties them children first.
FLEET_TABLES = ("vm_replication_contexts", "replication_schedules", "vm_machine_groups", "vm_group_memberships",
                "schedule_executions", "replication_jobs", "job_tracking", "job_steps", "log_events")
RESET_TABLES = ("dashboard_dispatch_claims", "dashboard_banner_dismissals") + tuple(reversed(FLEET_TABLES))
_OCCUPIED_BY = (VMReplicationContext, ReplicationSchedule, VMMachineGroup, ScheduleExecution, ReplicationJob,
                JobTracking, JobStep, LogEvent)


class FleetNotEmpty(RuntimeError):
    """The database already holds appliance data; seeding would mix the fleet into it."""


@dataclass
class SeedReport:
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def summary(self) -> str:
        rows = ", ".join(f"{n:,} {table}" for table, n in self.counts.items())
        return f"{rows} in {self.seconds:.1f} s"


def occupied_tables(engine: Engine) -> list[str]:
    """The appliance tables that already have rows."""
    with engine.connect() as conn:
        return [model.__tablename__ for model in _OCCUPIED_BY
                if conn.execute(select(func.count()).select_from(select(model.__table__).limit(1).subquery()))
                .scalar_one()]


def seed_fleet(engine: Engine, size: FleetSize | None = None, *, seed: int = 1, now: datetime | None = None,
               reset: bool = False) -> SeedReport:
    """Fill the appliance tables with a generated fleet; raises FleetNotEmpty unless `reset`,
    which first empties them (the dashboard's users, tokens and audit trail are kept)."""
    size = size or FleetSize()
    started = time.perf_counter()
    occupied = occupied_tables(engine)
    if occupied and not reset:
        raise FleetNotEmpty(f"the database already has rows in {', '.join(occupied)}")
    generator = FleetGenerator(size, seed=seed, now=now)
    report = SeedReport()
    raw = engine.raw_connection()
    try:
        loader = _Loader(raw, engine.dialect.name, report.counts)
        loader.foreign_keys(False)
        if occupied:
            loader.empty()
        schedules = generator.schedule_rows()
        vms = generator.vm_rows()
        groups = generator.group_rows()
        members = generator.membership_rows()
        generator.execution_rows()
        jobs = generator.replication_job_rows()
        loader.insert("replication_schedules", schedules)
        loader.insert("vm_replication_contexts", [tuple(vm.row) for vm in vms])
        loader.insert("vm_machine_groups", groups)
        loader.insert("vm_group_memberships", members)
        loader.insert("schedule_executions", generator.finished_executions())
        loader.insert("replication_jobs", jobs)
        loader.stream(generator.joblog_rows())
        loader.foreign_keys(True)
        if engine.dialect.name in ("mysql", "mariadb"):
            loader.execute("ANALYZE TABLE " + ", ".join(FLEET_TABLES))
        else:
            loader.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    report.seconds = time.perf_counter() - started
    return report


class _Loader:
    def __init__(self, raw, dialect: str, counts: dict):
        self.raw, self.dialect, self.counts = raw, dialect, counts
        self.mysql = dialect in ("mysql", "mariadb")
        self.marker = "%s" if self.mysql else "?"

    def execute(self, statement: str) -> None:
        cursor = self.raw.cursor()
        try:
            cursor.execute(statement)
            if cursor.description:
                cursor.fetchall()
        finally:
            cursor.close()

    def foreign_keys(self, on: bool) -> None:
        self.raw.commit()  # SQLite ignores the pragma inside a transaction
        self.execute(f"SET SESSION foreign_key_checks = {int(on)}" if self.mysql
                     else f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")

    def empty(self) -> None:
        for table in RESET_TABLES:
            self.execute(f"TRUNCATE TABLE {table}" if self.mysql else f"DELETE FROM {table}")
        self.raw.commit()

    def insert(self, table: str, rows: list) -> None:
        columns = COLUMNS[table]
        statement = (f"INSERT INTO {table} ({', '.join(columns)}) "
                     f"VALUES ({', '.join([self.marker] * len(columns))})")
        cursor = self.raw.cursor()
        try:
            for start in range(0, len(rows), CHUNK_ROWS):
                cursor.executemany(statement, [self._bind(row) for row in rows[start:start + CHUNK_ROWS]])
                self.raw.commit()
        finally:
            cursor.close()
        self.counts[table] = self.counts.get(table, 0) + len(rows)

    def stream(self, rows) -> None:
        """Insert `(table, row)` pairs, buffered per table and written a chunk at a time."""
        buffers: dict[str, list] = {}
        for table, row in rows:
            buffer = buffers.setdefault(table, [])
            buffer.append(row)
            if len(buffer) >= CHUNK_ROWS:
                self.insert(table, buffer)
                buffer.clear()
        for table, buffer in buffers.items():
            self.insert(table, buffer)

    def _bind(self, row: tuple) -> tuple:
        if self.mysql:
            return row
        # SQLite stores times as the text SQLAlchemy writes ("YYYY-MM-DD HH:MM:SS.ffffff").
        return tuple(value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value
                     for value in row)


def fleet_counts(engine: Engine) -> dict:
    """Rows per fleet table (for reports and tests)."""
    with engine.connect() as conn:
        return {table: conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one() for table in FLEET_TABLES}
