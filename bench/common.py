"""What every benchmark gets: a throwaway MariaDB server and freshly migrated databases on it."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class BenchContext:
    server: object  # tests.support.mariadb.MariaDBServer
    workdir: Path
    databases: list[str] = field(default_factory=list)

    def migrated_database(self, name: str) -> str:
        """A new database on the server, migrated with the real migrations; returns its URL."""
        from tests.support.databases import migrate
        url = self.server.create_database(name)
        migrate(url, Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.workdir)))
        self.databases.append(name)
        return url


def result(name: str, value: float, unit: str, target: str, ok: bool) -> dict:
    return {"name": name, "value": value, "unit": unit, "target": target, "ok": bool(ok)}


def percentile(sorted_values: list, fraction: float):
    """The value below which `fraction` of the (already sorted) values fall (nearest rank)."""
    if not sorted_values:
        raise ValueError("no values")
    index = min(len(sorted_values) - 1, max(0, int(round(fraction * len(sorted_values))) - 1))
    return sorted_values[index]
