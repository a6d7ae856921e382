"""`/api/v1/machine-groups` and VM assignment by context (`/vm-contexts/.../group`, ungrouped)."""
from __future__ import annotations

from flask import jsonify

import grouping
from blueprints.api import api_v1
from blueprints.api.common import actor_name, json_body, str_arg
from domain_errors import ValidationError
from vms import vm_to_dict


@api_v1.get("/machine-groups")
def list_groups():
    summaries = grouping.list_groups(schedule_id=str_arg("schedule_id", 64))
    return jsonify({"groups": [s.to_dict() for s in summaries], "count": len(summaries)})


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
    return jsonify({"deleted": True, "id": group_id})


@api_v1.get("/machine-groups/<group_id>/vms")
def group_vms(group_id: str):
    members = grouping.group_members(group_id)
    return jsonify({"group_id": group_id, "vms": [grouping.member_to_dict(m) for m in members],
                    "count": len(members)})


@api_v1.post("/machine-groups/<group_id>/vms")
def add_group_vms(group_id: str):
    body = json_body()
    if "vm_context_ids" not in body:
        raise ValidationError("vm_context_ids", "is required")
    return jsonify(grouping.assign_vms(group_id, body["vm_context_ids"], added_by=actor_name()).to_dict())


@api_v1.put("/machine-groups/<group_id>/vms/order")
def reorder_group_vms(group_id: str):
    body = json_body()
    if "vm_context_ids" not in body:
        raise ValidationError("vm_context_ids", "is required")
    members = grouping.reorder_members(group_id, body["vm_context_ids"])
    return jsonify({"group_id": group_id, "vms": [grouping.member_to_dict(m) for m in members],
                    "count": len(members)})


@api_v1.delete("/machine-groups/<group_id>/vms/<context_id>")
def remove_group_vm(group_id: str, context_id: str):
    grouping.remove_vm(group_id, context_id)
    return jsonify({"removed": True, "group_id": group_id, "vm_context_id": context_id})


@api_v1.put("/vm-contexts/<context_id>/group")
def set_vm_group(context_id: str):
    body = json_body()
    if "group_id" not in body:
        raise ValidationError("group_id", "is required (a group id, or null for no group)")
    return jsonify(grouping.set_vm_group(context_id, body["group_id"], added_by=actor_name()).to_dict())


@api_v1.get("/vm-contexts/ungrouped")
def ungrouped_vm_contexts():
    vms = grouping.ungrouped_vms(str_arg("search"))
    return jsonify({"vms": [vm_to_dict(vm) for vm in vms], "count": len(vms)})
