"""Recent failures grouped by problem: one entry per sanitized message, with every job it hit.

Ten VMs that failed for the same reason are one problem with ten VMs, not ten identical boxes
that push the rest of the page out of sight.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping


@dataclass
class Problem:
    message: str
    category: str | None
    actionable_steps: list[str]
    jobs: list[Mapping[str, Any]] = field(default_factory=list)


def group_failures(items: Iterable[Mapping[str, Any]]) -> list[Problem]:
    """Failed jobs grouped by (message, category), in the order of each problem's latest job."""
    problems: dict[tuple[str, str | None], Problem] = {}
    for item in items:
        message = item.get("error_message") or "The job failed; no reason was recorded"
        key = (message, item.get("error_category"))
        if key not in problems:
            problems[key] = Problem(message, item.get("error_category"), list(item.get("actionable_steps") or ()))
        problems[key].jobs.append(item)
    return list(problems.values())
