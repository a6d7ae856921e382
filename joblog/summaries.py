"""Read-only views of JobLog rows, returned by the tracker's queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from models.types import utcnow


def _seconds_between(start: Optional[datetime], end: Optional[datetime]) -> Optional[float]:
    if start is None:
        return None
    return max(0.0, ((end or utcnow()) - start).total_seconds())


@dataclass(frozen=True)
class JobSummary:
    """One `job_tracking` row, every column, with `metadata` decoded."""

    id: str
    parent_job_id: Optional[str]
    job_type: Optional[str]
    operation: str
    status: Optional[str]
    cloudstack_job_id: Optional[str]
    external_job_id: Optional[str]
    metadata: Optional[Any]
    error_message: Optional[str]
    started_at: Optional[datetime]
    completed_at: Optional[datetime]
    created_at: Optional[datetime]
    updated_at: Optional[datetime]
    percent_complete: Optional[int]
    canceled_at: Optional[datetime]
    owner: Optional[str]
    context_id: Optional[str]
    job_category: Optional[str]

    @classmethod
    def from_row(cls, row) -> "JobSummary":
        return cls(**{name: row._mapping[name] for name in cls.__dataclass_fields__})

    @property
    def runtime_seconds(self) -> Optional[float]:
        """Seconds from start to completion, or to now while the job runs."""
        return _seconds_between(self.started_at, self.completed_at)


@dataclass(frozen=True)
class StepInfo:
    """One `job_steps` row."""

    id: int
    seq: int
    name: str
    status: str
    started_at: Optional[datetime]
    completed_at: Optional[datetime]
    error_message: Optional[str]
    duration_seconds: Optional[float]
    metadata: Optional[Any] = None

    @classmethod
    def from_row(cls, row) -> "StepInfo":
        m = row._mapping
        return cls(id=m["id"], seq=m["seq"], name=m["name"], status=m["status"], started_at=m["started_at"],
                   completed_at=m["completed_at"], error_message=m["error_message"],
                   duration_seconds=_seconds_between(m["started_at"], m["completed_at"]),
                   metadata=m["metadata"])


@dataclass(frozen=True)
class JobProgress:
    """Where a job stands: step counts, the step running now, percent and runtime."""

    job_id: str
    status: Optional[str]
    total_steps: int
    completed_steps: int
    failed_steps: int
    skipped_steps: int
    current_step: Optional[str]
    percent: float
    runtime_seconds: Optional[float]
    steps: list[StepInfo] = field(default_factory=list)


@dataclass(frozen=True)
class LogEntry:
    """One `log_events` row of a job."""

    id: int
    ts: datetime
    level: str
    message: str
    attrs: Optional[Any]
    step_id: Optional[int]
