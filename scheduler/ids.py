"""Deterministic ids: the same slot, retry or chain step always gets the same execution id, so
inserting its row is the claim and a second claimant fails on the primary key."""
from __future__ import annotations

import os
import secrets
import socket
import uuid
from datetime import datetime, timezone

_NAMESPACE = uuid.UUID("6f1c1f0e-5b7a-4c43-9d4e-2f1a9e7c3b10")


def _key(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "|".join(parts)))


def slot_execution_id(schedule_id: str, slot: datetime) -> str:
    """The execution id of one cron slot of one schedule."""
    return _key("slot", schedule_id, slot.astimezone(timezone.utc).isoformat(timespec="seconds"))


def retry_execution_id(root_execution_id: str, attempt: int) -> str:
    """The id of the n-th retry of an execution (attempt 1 is the first retry)."""
    return _key("retry", root_execution_id, str(attempt))


def chain_execution_id(parent_execution_id: str, child_schedule_id: str) -> str:
    """The id of the run of a chain child that follows one parent execution."""
    return _key("chain", parent_execution_id, child_schedule_id)


def deferred_execution_id(execution_id: str, opening: datetime) -> str:
    """The id of the run that takes on the VMs an execution deferred to a window's opening."""
    return _key("deferred", execution_id, opening.astimezone(timezone.utc).isoformat(timespec="seconds"))


def manual_execution_id() -> str:
    """Manual runs are distinct requests: each gets a fresh id."""
    return str(uuid.uuid4())


def new_holder_id() -> str:
    """Who holds the lease: host, process and a random part (a restarted pid is a new holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
