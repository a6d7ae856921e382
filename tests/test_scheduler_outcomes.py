"""Per-VM outcomes of an execution (`scheduler.outcomes`): job statuses and stored entries."""
from __future__ import annotations

import pytest

from scheduler.outcomes import COMPLETED, FAILED, RUNNING, SETTLED, STATES, VMOutcome, job_outcome


@pytest.mark.parametrize("status, outcome", [
    ("completed", COMPLETED), ("COMPLETED", COMPLETED), ("failed", FAILED), ("cancelled", FAILED),
    ("replicating", RUNNING), ("pending", RUNNING), ("initializing", RUNNING), ("", RUNNING), (None, RUNNING),
])
def test_a_job_status_reads_as_one_outcome(status, outcome):
    assert job_outcome(status) == outcome


def test_settled_states_are_states():
    assert SETTLED < set(STATES)


def test_an_entry_written_by_the_pipeline_reads_with_its_fields():
    outcome = VMOutcome.from_entry({"vm_context_id": "ctx-1", "vm_name": "web-01", "outcome": "queued",
                                    "reason": "group_concurrency", "message": "Waiting", "progress": 12.5})

    assert outcome == VMOutcome(vm="web-01", status="queued", reason="group concurrency", error="Waiting",
                                job_id=None, progress=12.5)
    assert outcome.waiting


@pytest.mark.parametrize("entry, key, vm, status, reason, error", [
    ({"name": "db", "status": "skipped", "skip_reason": "vm_in_failover"}, None, "db", "skipped", "vm in failover", None),
    ({"conflict": "active_job", "error_message": "busy"}, "ctx-9", "ctx-9", None, "active job", "busy"),
    ({"vm_context_id": "ctx-2", "error": "boom", "progress": "lots", "job_id": 7}, None, "ctx-2", None, None, "boom"),
    ({}, None, "VM", None, None, None),
])
def test_entries_of_other_writers_read_without_failing(entry, key, vm, status, reason, error):
    outcome = VMOutcome.from_entry(entry, key)

    assert (outcome.vm, outcome.status, outcome.reason, outcome.error) == (vm, status, reason, error)
    assert outcome.progress is None
    assert not outcome.waiting
