"""A realistic appliance fleet for scale work: thousands of VMs, schedules and years of history.

`seed_fleet(engine, FleetSize.scaled(0.1))` fills an empty, migrated database (MySQL/MariaDB or
SQLite) with VMs in two datacenters, machine groups, cron and chain schedules, executions,
replication jobs, JobLog jobs with steps and log events, deterministically from a seed. The
benchmarks run on it; `flask bench seed` puts it into any database for a look at the pages.
"""
from bench_fleet.generate import FleetGenerator, FleetSize
from bench_fleet.load import FLEET_TABLES, FleetNotEmpty, SeedReport, fleet_counts, seed_fleet

__all__ = ["FLEET_TABLES", "FleetGenerator", "FleetNotEmpty", "FleetSize", "SeedReport", "fleet_counts",
           "seed_fleet"]
