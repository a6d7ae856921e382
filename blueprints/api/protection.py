"""`/api/v1/protection`, `/api/v1/blackouts`, `/api/v1/policy-events` and a VM's own RPO: the
protection policy (packages `policy` and `protection`)."""
from __future__ import annotations

from flask import jsonify

from blueprints.api import api_v1
from blueprints.api.common import actor_name, bool_arg, done, int_arg, json_body, listing, str_arg
from domain_errors import ValidationError
from policy import events
from protection import manage, read
from protection.assess import STATES
from security import require_role


@api_v1.get("/protection")
def protection_list():
    state = str_arg("state", 20)
    if state is not None and state not in STATES:
        raise ValidationError("state", f"must be one of {', '.join(STATES)}")
    page = int_arg("page", 1, minimum=1)
    per_page = int_arg("per_page", 50, minimum=1, maximum=500)
    assessed_at = read.ensure_fresh()
    counts = read.summary_counts()
    found = read.protection_page(state=state, group_id=str_arg("group_id", 64), search=str_arg("search"),
                                 page=page, per_page=per_page)
    items = [item.to_dict() for item in found.items]
    return jsonify(listing("vms", items, total_count=found.total, page=page, per_page=per_page,
                           summary={**counts, "total": sum(counts.values())},
                           assessed_at=assessed_at.isoformat() if assessed_at else None))


@api_v1.put("/vm-contexts/<context_id>/protection")
@require_role("operator")
def set_vm_protection(context_id: str):
    result = manage.set_vm_protection(context_id, json_body())
    state = read.state_of(result["context_id"])
    message = (f"RPO of {result['vm_name']} set to {result['rpo_minutes']} minutes" if result["rpo_minutes"]
               else f"{result['vm_name']} follows its group's RPO")
    return jsonify(done(message, **result, protection=state.to_dict() if state else None))


def _blackout_view(row) -> dict:
    return manage.blackout_to_dict(row)


@api_v1.get("/blackouts")
def blackouts_list():
    found = manage.list_blackouts(include_past=bool_arg("include_past"), per_page=500)
    return jsonify(listing("blackouts", [_blackout_view(row) for row in found.items], total_count=found.total))


@api_v1.post("/blackouts")
@require_role("operator")
def blackouts_create():
    return jsonify(_blackout_view(manage.create_blackout(json_body(), created_by=actor_name()))), 201


@api_v1.get("/blackouts/<blackout_id>")
def blackouts_get(blackout_id: str):
    return jsonify(_blackout_view(manage.get_blackout(blackout_id)))


@api_v1.put("/blackouts/<blackout_id>")
@require_role("operator")
def blackouts_update(blackout_id: str):
    return jsonify(_blackout_view(manage.update_blackout(blackout_id, json_body())))


@api_v1.delete("/blackouts/<blackout_id>")
@require_role("operator")
def blackouts_delete(blackout_id: str):
    manage.delete_blackout(blackout_id)
    return jsonify(done("Blackout deleted", deleted=True, id=blackout_id))


@api_v1.get("/policy-events")
def policy_events():
    limit = int_arg("limit", 100, minimum=1, maximum=500)
    found = events.recent(schedule_id=str_arg("schedule_id", 64), vm_id=str_arg("context_id", 64), limit=limit)
    return jsonify(listing("events", [events.event_to_dict(event) for event in found]))
