"""The audit trail: who changed what, when, and from which address.

`record_change` adds the audit row to the *current* session without committing, so it is
committed together with the change it describes, or rolled back with it: never a change
without its audit row, never an audit row for a change that did not happen.
"""
from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request

from extensions import db
from models import DashboardAuditEvent


def current_actor() -> tuple[str, str]:
    """(actor name, kind): the logged-in user, the API token's user, or the system itself."""
    if has_request_context():
        actor = getattr(g, "current_actor", None)
        token = getattr(g, "api_token", None)
        if actor is not None and token is not None:
            return f"{actor.username} (token {token.label})", "token"
        if actor is not None:
            return actor.username, "user"
    return "system", "system"


def record_change(action: str, object_type: str, object_id: str | None, object_name: str | None = None,
                  before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> DashboardAuditEvent:
    """Stage an audit row for a change (e.g. action="schedule.update", object_type="schedule")."""
    actor, kind = current_actor()
    event = DashboardAuditEvent(
        actor=actor, actor_kind=kind, action=action, object_type=object_type,
        object_id=None if object_id is None else str(object_id), object_name=object_name,
        before=before, after=after,
        remote_addr=(request.headers.get("X-Forwarded-For", request.remote_addr or "").split(",")[0].strip()
                     if has_request_context() else None) or None)
    db.session.add(event)
    return event
