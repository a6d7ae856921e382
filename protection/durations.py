"""How long a VM's replication is predicted to take: the p90 of its last 10 successful
replications, else its group's (the p90 of its group's VMs' recent replications), else a
default (`PROTECTION_DEFAULT_DURATION_MINUTES`). `basis` says which one was used."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from extensions import db
from models import ReplicationJob, as_utc

#: Successful replications a VM's prediction reads.
RECENT = 10
DEFAULT_MINUTES = 60.0


@dataclass(frozen=True)
class Prediction:
    minutes: float
    basis: str          #: "vm", "group" or "default"
    samples: int = 0


def p90(values: list[float]) -> float:
    """Nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def recent_durations(vm_ids=None) -> dict[str, list[float]]:
    """Minutes of each VM's last RECENT successful replications (one statement; a window
    function over the completed jobs, MariaDB 10.2+ and SQLite 3.25+)."""
    job = ReplicationJob
    began = func.coalesce(job.started_at, job.created_at)
    ranked = (select(job.vm_context_id.label("vm"), began.label("began"), job.completed_at.label("ended"),
                     func.row_number().over(partition_by=job.vm_context_id,
                                            order_by=job.completed_at.desc()).label("n"))
              .where(job.status == "completed", job.completed_at.is_not(None), job.vm_context_id.is_not(None)))
    if vm_ids is not None:
        ids = list(vm_ids)
        if not ids:
            return {}
        ranked = ranked.where(job.vm_context_id.in_(ids))
    ranked = ranked.subquery()
    found: dict[str, list[float]] = defaultdict(list)
    for vm, began_at, ended_at in db.session.execute(
            select(ranked.c.vm, ranked.c.began, ranked.c.ended).where(ranked.c.n <= RECENT)):
        if began_at is None or ended_at is None:
            continue
        began_at, ended_at = as_utc(began_at), as_utc(ended_at)
        minutes = (ended_at - began_at).total_seconds() / 60
        if minutes >= 0:
            found[vm].append(minutes)
    return dict(found)




class Predictor:
    """Predictions for many VMs from one read of their recent durations."""

    def __init__(self, durations: dict[str, list[float]], group_of: dict[str, str | None],
                 default_minutes: float = DEFAULT_MINUTES):
        self.durations = durations
        self.default_minutes = default_minutes
        by_group: dict[str, list[float]] = defaultdict(list)
        for vm, values in durations.items():
            group = group_of.get(vm)
            if group is not None:
                by_group[group].extend(values)
        self.group_p90 = {group: p90(values) for group, values in by_group.items() if values}

    def predict(self, vm_id: str, group_id: str | None) -> Prediction:
        values = self.durations.get(vm_id)
        if values:
            return Prediction(p90(values), "vm", len(values))
        if group_id in self.group_p90:
            return Prediction(self.group_p90[group_id], "group")
        return Prediction(self.default_minutes, "default")
