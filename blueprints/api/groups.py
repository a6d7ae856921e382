"""`/api/v1/machine-groups` and VM assignment by context (`/vm-contexts/.../group`, ungrouped).

Answers carry our keys and, beside them, the original API's (machine_group_management.go and
vm_group_assignment.go [sendense 8b7d59b]) so that its clients keep working.
"""
from __future__ import annotations

from flask import jsonify

import grouping
from blueprints.api import api_v1
from blueprints.api.common import actor_name, done, json_body, listing, retrieved_at, str_arg
from domain_errors import ValidationError
from vms import vm_to_dict


@api_v1.get("/machine-groups")
def list_groups():
    schedule_id = str_arg("schedule_id", 64)
    summaries = grouping.list_groups(schedule_id=schedule_id)
    extra = {"filtered_by": f"schedule_id={schedule_id}"} if schedule_id else {}
    return jsonify(listing("groups", [s.to_dict() for s in summaries], **extra))


@api_v1.post("/machine-groups")
def create_group():
    group = grouping.create_group(json_body(), created_by=actor_name())
    return jsonify(grouping.group_summary(group.id).to_dict()), 201


@api_v1.get("/machine-groups/<group_id>")
def get_group(group_id: str):
    return jsonify(grouping.group_summary(group_id).to_dict())


@api_v1.put("/machine-groups/<group_id>")
def update_group(group_id: str):
    grouping.update_group(group_id, json_body())
    return jsonify(grouping.group_summary(group_id).to_dict())


@api_v1.delete("/machine-groups/<group_id>")
def delete_group(group_id: str):
    grouping.delete_group(group_id)
    return jsonify(done("Machine group deleted", deleted=True, id=group_id, group_id=group_id,
                        timestamp=retrieved_at()))


def _members_answer(group_id: str, members) -> dict:
    vms = [{**grouping.member_to_dict(m), "vm_context_id": m.vm.context_id} for m in members]
    name = grouping.get_group(group_id).name
    return {"group_id": group_id, "group_name": name, "vms": vms, "count": len(vms), "total_vms": len(vms),
            "retrieved_at": retrieved_at()}


@api_v1.get("/machine-groups/<group_id>/vms")
def group_vms(group_id: str):
    return jsonify(_members_answer(group_id, grouping.group_members(group_id)))


@api_v1.post("/machine-groups/<group_id>/vms")
def add_group_vms(group_id: str):
    body = json_body()
    if "vm_context_ids" in body and "vm_context_id" in body:
        raise ValidationError("vm_context_id", "send either vm_context_id (one VM) or vm_context_ids (a list), not both")
    if "vm_context_id" in body:  # the original API's AssignVMRequest: one VM, its priority and enabled flag
        result, _ = grouping.assign_vm(group_id, body["vm_context_id"], priority=body.get("priority"),
                                       enabled=body.get("enabled"), added_by=actor_name())
        member = grouping.membership_row(body["vm_context_id"])
        assigned = _assigned_vm(member)
        return jsonify(done(f"VM {member.vm.vm_name} is in group {assigned['group_name']}", **result.to_dict(),
                            assigned_vm=assigned)), 201
    for name in ("priority", "enabled"):
        if name in body:
            raise ValidationError(name, "goes with vm_context_id (one VM); a list is appended at the lowest priority")
    if "vm_context_ids" not in body:
        raise ValidationError("vm_context_ids", "is required (or vm_context_id for one VM)")
    result = grouping.assign_vms(group_id, body["vm_context_ids"], added_by=actor_name())
    return jsonify(done(_assigned_words(result), **result.to_dict()))


def _assigned_vm(member) -> dict:
    m = member.membership
    return {"vm_context_id": member.vm.context_id, "vm_name": member.vm.vm_name, "group_id": m.group_id,
            "group_name": grouping.get_group(m.group_id).name, "priority": m.priority or 0,
            "enabled": m.enabled is not False, "assigned_at": m.added_at.isoformat() if m.added_at else None,
            "added_by": m.added_by}


def _assigned_words(result) -> str:
    parts = [f"{len(result.added)} added", f"{len(result.moved)} moved from another group"]
    if result.unchanged:
        parts.append(f"{len(result.unchanged)} already in the group")
    return "VMs assigned: " + ", ".join(parts)


@api_v1.put("/machine-groups/<group_id>/vms/order")
def reorder_group_vms(group_id: str):
    body = json_body()
    if "vm_context_ids" not in body:
        raise ValidationError("vm_context_ids", "is required")
    return jsonify(_members_answer(group_id, grouping.reorder_members(group_id, body["vm_context_ids"])))


@api_v1.delete("/machine-groups/<group_id>/vms/<context_id>")
def remove_group_vm(group_id: str, context_id: str):
    grouping.remove_vm(group_id, context_id)
    return jsonify(done("VM removed from the group", removed=True, group_id=group_id, vm_context_id=context_id))


@api_v1.put("/vm-contexts/<context_id>/group")
def set_vm_group(context_id: str):
    body = json_body()
    if "group_id" not in body:
        raise ValidationError("group_id", "is required (a group id, or null for no group)")
    result = grouping.set_vm_group(context_id, body["group_id"], added_by=actor_name(),
                                   priority=body.get("priority"), enabled=body.get("enabled"))
    answer = result.to_dict()
    if body["group_id"] is None:
        return jsonify(done("VM is in no group now", **answer, vm_context_id=context_id))
    assigned = _assigned_vm(grouping.membership_row(context_id))
    # The original API's AssignToGroupResponse (vm_group_assignment.go [sendense 8b7d59b]).
    return jsonify(done(f"VM {assigned['vm_name']} is in group {assigned['group_name']}", **answer,
                        vm_context_id=context_id, priority=assigned["priority"], enabled=assigned["enabled"],
                        added_at=assigned["assigned_at"], added_by=assigned["added_by"]))


@api_v1.get("/vm-contexts/ungrouped")
def ungrouped_vm_contexts():
    vms = grouping.ungrouped_vms(str_arg("search"))
    return jsonify(listing("vms", [vm_to_dict(vm) for vm in vms]))
