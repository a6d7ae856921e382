"""The OpenAPI 3 document of `/api/v1`, served at `/api/v1/openapi.json`.

Written by hand next to the views so that reviews see both; `tests/test_api_openapi.py` runs
schemathesis against the live app to prove every response matches it.
"""
from __future__ import annotations

from flask import jsonify

from blueprints.api import api_v1
from jobs.lookup import MATCH_KINDS
from security import public

STR = {"type": "string"}
NSTR = {"type": "string", "nullable": True}
INT = {"type": "integer"}
NINT = {"type": "integer", "nullable": True}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
STRS = {"type": "array", "items": STR}
ANY_OBJ = {"type": "object", "additionalProperties": True}
NTIME = {"type": "string", "format": "date-time", "nullable": True}
MATCHED_BY = {"type": "string", "enum": list(MATCH_KINDS)}


DONE_KEYS = {"success": BOOL, "message": STR}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def closed(properties: dict, required: list[str] | None = None) -> dict:
    """A request body: any field it does not name is refused (blueprints.api.common reads this)."""
    return {"type": "object", "properties": properties, "required": required or [], "additionalProperties": False}


# Older clients send who they are; accepted so that they keep working, and ignored: the
# authenticated user is the one recorded.
CLIENT_NAME = {"type": "string", "maxLength": 255, "nullable": True,
               "description": "Accepted from older clients and ignored: the authenticated user is recorded"}


def obj(properties: dict, required: list[str] | None = None, nullable: bool = False) -> dict:
    schema = {"type": "object", "properties": properties, "required": required or list(properties)}
    if nullable:
        schema["nullable"] = True
    return schema


SCHEDULE_FIELDS = {
    "name": {"type": "string", "maxLength": 255},
    "description": {"type": "string", "maxLength": 2000, "nullable": True},
    "schedule_type": {"type": "string", "enum": ["cron", "chain"]},
    "cron_expression": {"type": "string", "maxLength": 100,
                        "description": "Six fields with seconds, five fields, @descriptors or @every"},
    "timezone": {"type": "string", "maxLength": 50, "description": "IANA zone, e.g. Europe/London"},
    "chain_parent_schedule_id": {"type": "string", "maxLength": 64, "nullable": True},
    "chain_delay_minutes": {"type": "integer", "minimum": 0, "maximum": 10080},
    "replication_type": {"type": "string", "enum": ["full", "incremental", "auto"]},
    "max_concurrent_jobs": {"type": "integer", "minimum": 1, "maximum": 1000},
    "retry_attempts": {"type": "integer", "minimum": 0, "maximum": 10},
    "retry_delay_minutes": {"type": "integer", "minimum": 0, "maximum": 1440},
    "enabled": BOOL,
    "skip_if_running": BOOL,
    # The protection policy (dashboard_schedule_policies).
    "windows": {"type": "array", "nullable": True, "maxItems": 100,
                "description": "Replication windows in the schedule's timezone; none or [] = at any time. "
                               "`days` name the day a window opens; an end at or before the start crosses midnight",
                "items": {"type": "object", "additionalProperties": False, "required": ["days", "start", "end"],
                          "properties": {"days": {"type": "array", "minItems": 1, "items": {
                              "type": "string", "enum": ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]}},
                                         "start": {"type": "string", "pattern": "^([01]?[0-9]|2[0-3]):[0-5][0-9]$"},
                                         "end": {"type": "string", "pattern": "^([01]?[0-9]|2[0-4]):[0-5][0-9]$"}}}},
    "window_close_policy": {"type": "string", "enum": ["defer", "skip"],
                            "description": "VMs still queued when the window closes: deferred to the next opening, "
                                           "or skipped"},
    "max_runtime_minutes": {"type": "integer", "minimum": 1, "maximum": 10080, "nullable": True},
    "pause_after_failures": {"type": "integer", "minimum": 1, "maximum": 100, "nullable": True,
                             "description": "Disable the schedule after this many runs in a row (retries "
                                            "included) leave VMs failed"},
}
RPO = {"type": "integer", "minimum": 1, "maximum": 525600, "nullable": True,
       "description": "Recovery point objective in minutes; null for none"}
GROUP_FIELDS = {
    "name": {"type": "string", "maxLength": 255},
    "description": {"type": "string", "maxLength": 2000, "nullable": True},
    "schedule_id": {"type": "string", "maxLength": 64, "nullable": True},
    "max_concurrent_vms": {"type": "integer", "minimum": 1, "maximum": 1000},
    "priority": {"type": "integer", "minimum": 0, "maximum": 100000},
    "rpo_minutes": RPO,
}
SCHEDULE = obj({"id": STR, **SCHEDULE_FIELDS, "created_at": NTIME, "updated_at": NTIME,
                "created_by": NSTR, "windows_text": STR, "paused_reason": NSTR, "paused_at": NTIME})
EXECUTION = obj({
    "id": STR, "schedule_id": STR, "group_id": NSTR, "scheduled_at": NTIME, "started_at": NTIME,
    "completed_at": NTIME, "status": NSTR, "vms_eligible": INT, "jobs_created": INT, "jobs_completed": INT,
    "jobs_failed": INT, "jobs_skipped": INT,
    "execution_details": {"nullable": True, "description": "Per-VM outcome: job id or skip reason"},
    "error_message": NSTR, "execution_duration_seconds": NINT, "triggered_by": NSTR, "created_at": NTIME,
    # The original API's names (ScheduleExecutionResponse).
    "execution_id": STR, "jobs_successful": INT, "vms_processed": INT, "duration_seconds": NINT,
    "execution_type": {"type": "string", "enum": ["scheduled", "manual"]},
    "summary": {"nullable": True, "description": "The per-VM outcomes (execution_details)"},
    "updated_at": NTIME, "schedule_name": STR})
EXECUTION["required"] = [name for name in EXECUTION["required"] if name != "schedule_name"]
GROUP = obj({"id": STR, **GROUP_FIELDS, "created_at": NTIME, "updated_at": NTIME, "created_by": NSTR,
             "schedule_name": NSTR, "vm_count": INT, "enabled_vm_count": INT,
             "total_vms": INT, "enabled_vms": INT, "disabled_vms": INT, "active_jobs": INT})
VM = obj({
    "context_id": STR, "vm_name": STR, "vmware_vm_id": STR, "vm_path": STR, "vcenter_host": STR, "datacenter": STR,
    "current_status": STR, "current_job_id": NSTR, "total_jobs_run": INT, "successful_jobs": INT,
    "failed_jobs": INT, "last_successful_job_id": NSTR, "cpu_count": NINT, "memory_mb": NINT, "os_type": NSTR,
    "power_state": NSTR, "auto_added": BOOL, "scheduler_enabled": BOOL, "next_scheduled_at": NTIME,
    "last_scheduled_job_id": NSTR, "created_at": NTIME, "last_job_at": NTIME, "updated_at": NTIME,
    "first_job_at": NTIME, "last_status_change": NTIME, "vm_tools_version": NSTR, "ossea_config_id": NINT,
    "credential_id": NINT})
MEMBER = {"allOf": [ref("VMContext"), obj({"membership_id": STR, "vm_context_id": STR, "group_id": STR,
                                          "enabled": BOOL, "priority": INT,
                                          "schedule_override_id": NSTR, "added_at": NTIME, "added_by": NSTR})]}
JOB = obj({
    "job_id": STR, "external_job_id": NSTR,
    "job_type": {"type": "string", "description": "replication, test_failover, live_failover or rollback"},
    "status": {"type": "string", "description": "pending, running, completed, failed or cancelled"},
    "progress": NUM, "started_at": NTIME, "completed_at": NTIME, "display_name": STR, "current_step": NSTR,
    "error_message": {"type": "string", "nullable": True, "description": "Sanitized for operators"},
    "error_category": NSTR, "error_severity": NSTR, "actionable_steps": STRS,
    "data_source": {"type": "string", "enum": ["replication_jobs", "job_tracking"]},
    "duration_seconds": NINT, "context_id": NSTR, "vm_name": NSTR, "replication_type": NSTR,
    "schedule_execution_id": NSTR})
STEP = obj({"seq": INT, "name": STR, "status": STR, "started_at": NTIME, "completed_at": NTIME,
            "duration_seconds": NINT, "error_message": NSTR, "error_category": NSTR, "actionable_steps": STRS})
OPERATION_SUMMARY = obj({
    "job_id": STR, "external_job_id": NSTR, "operation_type": STR, "status": NSTR, "progress": NUM,
    "timestamp": NSTR, "steps_completed": INT, "steps_total": INT, "duration_seconds": NINT,
    "failed_step": NSTR, "error_message": NSTR, "error_category": NSTR, "error_severity": NSTR,
    "actionable_steps": STRS}, required=["job_id", "operation_type", "status"])
DISCOVERED = obj({"id": {"nullable": True}, "name": STR, "path": {"nullable": True},
                  "datacenter": {"nullable": True}, "power_state": {"nullable": True},
                  "guest_os": {"nullable": True}, "os_type": {"nullable": True}, "num_cpu": {"nullable": True},
                  "memory_mb": {"nullable": True}, "disk_count": INT, "disk_size_gb": NUM, "managed": BOOL,
                  "context_id": NSTR, "vmx_version": {"nullable": True},
                  "disks": {"type": "array", "items": ANY_OBJ,
                            "description": "As the VMA reports them: id, label, path, size_gb, capacity_bytes, datastore"},
                  "networks": {"type": "array", "items": ANY_OBJ,
                               "description": "label, network_name, mac_address (and adapter_type where known)"},
                  "existing": {"type": "boolean", "description": "The original API's name for `managed`"}})
ASSIGN_RESULT = obj({"group_id": NSTR, "added": STRS, "moved": STRS, "unchanged": STRS, "removed": STRS})
ERROR = {**obj({"error": {"type": "string", "description": "The operator message (the original API's `error`)"},
                "message": {"type": "string", "description": "The same message, for clients that read `message`"},
                "code": {"type": "string", "description": "Machine code, stable across releases"},
                "details": ANY_OBJ,
                "timestamp": {"type": "string", "format": "date-time"}}),
         "description": "Every error of the API has this shape (changed from the earlier "
                        "{\"error\": {\"code\", \"message\", \"details\"}} so that clients of the "
                        "original API, which read `error` as a string, keep working)"}

SCHEMAS = {
    "Schedule": SCHEDULE,
    "ScheduleSummary": {"allOf": [ref("Schedule"), obj({"group_count": INT, "vm_count": INT, "next_run_at": NTIME,
                                                        "last_execution": {"allOf": [ref("ScheduleExecution")],
                                                                           "nullable": True}})]},
    "ScheduleInput": closed(SCHEDULE_FIELDS),
    "ScheduleCreateInput": closed({**SCHEDULE_FIELDS, "created_by": CLIENT_NAME}),
    "ScheduleExecution": EXECUTION,
    "MachineGroup": GROUP,
    "MachineGroupInput": closed(GROUP_FIELDS),
    "MachineGroupCreateInput": closed({**GROUP_FIELDS, "created_by": CLIENT_NAME}),
    "VMContext": VM,
    "GroupMember": MEMBER,
    "UnifiedJobItem": JOB,
    "JobStep": STEP,
    "OperationSummary": OPERATION_SUMMARY,
    "DiscoveredVM": DISCOVERED,
    "AssignResult": ASSIGN_RESULT,
    "AddResult": obj({"added": {"type": "array", "items": ref("DiscoveredVM")},
                      "already_managed": {"type": "array", "items": ref("DiscoveredVM")},
                      "added_count": INT, "already_managed_count": INT, "group_id": NSTR, "dry_run": BOOL,
                      **DONE_KEYS, "vms_added": INT, "vms_failed": INT, "total_vms": INT, "added_at": STR,
                      "processed_vms": {"type": "array", "items": ANY_OBJ}}),
    "Error": ERROR,
    "BlackoutInput": closed({"reason": {"type": "string", "maxLength": 200},
                             "start": {"type": "string", "format": "date-time"},
                             "end": {"type": "string", "format": "date-time"},
                             "group_ids": {"type": "array", "items": {"type": "string", "maxLength": 64},
                                           "nullable": True, "description": "null or []: every group"}}),
    "Protection": obj({
        "context_id": STR, "vm_name": STR, "group_id": NSTR, "rpo_minutes": NINT,
        "rpo_source": {"type": "string", "nullable": True, "enum": ["vm", "group", None]},
        "last_good_at": NTIME, "age_minutes": {"type": "number", "nullable": True}, "deadline_at": NTIME,
        "next_run_at": NTIME, "predicted_completion_at": NTIME,
        "predicted_duration_minutes": {"type": "number", "nullable": True},
        "duration_basis": {"type": "string", "nullable": True, "enum": ["vm", "group", "default", None]},
        "state": {"type": "string", "enum": ["protected", "at_risk", "breached", "unprotected", "no_target"]},
        "state_since": NTIME, "reason": STR}),
    "Blackout": obj({"id": STR, "reason": STR, "start": STR, "end": STR,
                     "group_ids": {"type": "array", "items": STR, "nullable": True}, "all_groups": BOOL,
                     "active": BOOL, "over": BOOL, "created_by": NSTR, "created_at": NTIME, "updated_at": NTIME}),
    "PolicyEvent": obj({"id": INT, "kind": STR, "severity": STR, "subject_type": STR, "subject_id": NSTR,
                        "subject_name": NSTR, "schedule_id": NSTR, "execution_id": NSTR, "job_id": NSTR,
                        "message": STR, "facts": ANY_OBJ, "at": NTIME}),
    "VMwareCredential": obj({
        "id": INT, "credential_name": STR, "name": STR, "vcenter_host": STR, "username": STR, "datacenter": STR,
        "is_active": BOOL, "is_default": BOOL, "created_at": NTIME, "updated_at": NTIME, "created_by": NSTR,
        "last_used": NTIME, "usage_count": INT, "from_configuration": BOOL,
        "password_readable": {"type": "boolean", "description": "Whether this dashboard's key can read the "
                                                                 "saved password"}}),
}


def _response(description: str, schema: dict | None = None) -> dict:
    if schema is None:
        return {"description": description}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "403": {"$ref": "#/components/responses/Forbidden"},
}
NOT_FOUND = {"404": {"$ref": "#/components/responses/NotFound"}}
CONFLICT = {"409": {"$ref": "#/components/responses/Conflict"}}
UPSTREAM = {"502": {"$ref": "#/components/responses/Upstream"}}


def path_param(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": description}


def query(name: str, schema: dict, description: str = "", required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def op(summary: str, ok: dict, *, status: str = "200", params: list | None = None, body: dict | None = None,
       body_required: bool = True, extra: dict | None = None, tag: str = "") -> dict:
    operation = {"summary": summary, "tags": [tag] if tag else [], "responses": {status: ok, **ERRORS,
                                                                                 **(extra or {})}}
    if params:
        operation["parameters"] = params
    if body is not None:
        operation["requestBody"] = {"required": body_required, "content": {"application/json": {"schema": body}}}
    return operation


SID = path_param("schedule_id", "Schedule id")
GID = path_param("group_id", "Machine group id")
BID = path_param("blackout_id", "Blackout id")
CID = path_param("context_id", "VM context id")
PAGING = [query("page", {"type": "integer", "minimum": 1, "maximum": 100000}),
          query("per_page", {"type": "integer", "minimum": 1, "maximum": 100})]
IDS_BODY = closed({"vm_context_ids": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1}},
                  required=["vm_context_ids"])
LISTED = {"count": INT, "total_count": INT, "retrieved_at": STR}
GROUPS_LIST = obj({"groups": {"type": "array", "items": ref("MachineGroup")}, **LISTED,
                   "filtered_by": STR}, required=["groups", *LISTED])
MEMBERS = obj({"group_id": STR, "group_name": STR, "vms": {"type": "array", "items": ref("GroupMember")},
               "count": INT, "total_vms": INT, "retrieved_at": STR})
VMS = obj({"vms": {"type": "array", "items": ref("VMContext")}, **LISTED})
#: `success` and `message` of the original API's write answers.
DONE = {"success": BOOL, "message": STR}
DELETED = obj({"deleted": BOOL, "id": STR, **DONE, "deleted_at": STR, "group_id": STR, "timestamp": STR},
              required=["deleted", "id", *DONE])
ASSIGNED_VM = obj({"vm_context_id": STR, "vm_name": STR, "group_id": STR, "group_name": STR, "priority": INT,
                   "enabled": BOOL, "assigned_at": NTIME, "added_by": NSTR})
ASSIGN_DONE = {"allOf": [ref("AssignResult"), obj({**DONE, "assigned_vm": ASSIGNED_VM}, required=list(DONE))]}

CRED = path_param("credential_id", "vCenter credential id (a number)")
# A discovery's vCenter login: a saved credential, or the original API's manual entry.
LOGIN = {"credential_id": {"type": "integer", "nullable": True, "description": "A saved vCenter credential "
                                                                              "(default: the default one)"},
         "vcenter": NSTR, "username": NSTR,
         "password": {"type": "string", "nullable": True, "writeOnly": True,
                      "description": "Sent to the VMA only; never stored, logged or returned"}}
DISCOVERY = obj({"vcenter_host": STR, "datacenter": STR, "credential_id": NINT, "credential_name": STR,
                 "count": INT, "new_count": INT, "vms": {"type": "array", "items": ref("DiscoveredVM")}})
BULK_RESULT = obj({"total_requested": INT, "successfully_added": INT, "skipped": INT, "failed": INT,
                   "added_vms": {"type": "array", "items": ANY_OBJ}, "skipped_vms": {"type": "array", "items": ANY_OBJ},
                   "failed_vms": {"type": "array", "items": ANY_OBJ},
                   "discovery_duration": {"type": "integer", "description": "Nanoseconds"},
                   "processing_duration": {"type": "integer", "description": "Nanoseconds"}})
CREDENTIAL_FIELDS = {
    "credential_name": {"type": "string", "maxLength": 255}, "vcenter_host": {"type": "string", "maxLength": 255},
    "username": {"type": "string", "maxLength": 255},
    "password": {"type": "string", "maxLength": 512, "writeOnly": True, "nullable": True,
                 "description": "Never returned; on update, empty or absent keeps the saved one"},
    "datacenter": {"type": "string", "maxLength": 255, "description": "Default datacenter ('' for none)"},
    "is_active": BOOL, "is_default": BOOL}
CONNECTION_TEST = obj({**DONE, "status": STR, "vm_count": NINT, "datacenter": STR, "seconds": NUM,
                       "actionable_steps": STRS, "error": STR}, required=[*DONE, "status"])

PATHS = {
    "/schedules": {
        "get": op("List schedules with group/VM counts, next run and last execution",
                  _response("Schedules", obj({"schedules": {"type": "array", "items": ref("ScheduleSummary")},
                                              **LISTED, "enabled_count": INT, "disabled_count": INT})),
                  params=[query("enabled_only", {"type": "boolean"},
                                "only the enabled schedules (the original API's filter)")],
                  tag="schedules"),
        "post": op("Create a schedule", _response("Created", ref("Schedule")), status="201",
                   body=ref("ScheduleCreateInput"), extra=CONFLICT, tag="schedules"),
    },
    "/schedules/preview": {
        "get": op("Describe an expression and list its next run times (never saved)",
                  _response("Preview; valid false with an error naming the field for a bad schedule", obj({
                      "valid": BOOL, "description": STR,
                      "next_runs": {"type": "array", "items": {"type": "string", "format": "date-time"}},
                      "error": NSTR, "field": NSTR, "error_field": NSTR,
                      "runs": {"type": "array", "items": obj({"at": STR, "utc": STR, "dst": NSTR,
                                                                      "gap_seconds": NINT, "gap": NSTR,
                                                                      "uneven": BOOL})}},
                      required=["valid", "description", "next_runs", "error"])),
                  params=[query("cron_expression", {"type": "string"}, required=True),
                          query("timezone", {"type": "string"}),
                          query("count", {"type": "integer", "minimum": 1, "maximum": 50}),
                          query("after", {"type": "string", "format": "date-time"},
                                "ISO-8601 instant with offset; default now")],
                  tag="schedules"),
    },
    "/schedules/{schedule_id}": {
        "get": op("Get a schedule", _response("Schedule", ref("Schedule")), params=[SID], extra=NOT_FOUND,
                  tag="schedules"),
        "put": op("Update a schedule (fields given change)", _response("Updated", ref("Schedule")), params=[SID],
                  body=ref("ScheduleInput"), extra={**NOT_FOUND, **CONFLICT}, tag="schedules"),
        "delete": op("Delete a schedule no group uses", _response("Deleted", DELETED), params=[SID],
                     extra={**NOT_FOUND, **CONFLICT}, tag="schedules"),
    },
    "/schedules/{schedule_id}/enable": {
        "post": op("Enable or disable a schedule", _response("Updated", ref("Schedule")), params=[SID],
                   body=closed({"enabled": BOOL}, required=["enabled"]), extra=NOT_FOUND, tag="schedules"),
    },
    "/schedules/{schedule_id}/trigger": {
        "post": op("Run a schedule now; 409 `schedule_disabled`, `schedule_has_no_vms` (nothing recorded) or "
                   "`previous_run_running` (recorded as skipped)",
                   _response("Run requested: `outcome` is `started`, or `waiting_for_scheduler` when no scheduler "
                             "runs to start it; `message` says so", obj({
                                 "execution": ref("ScheduleExecution"),
                                 "outcome": {"type": "string", "enum": ["started", "waiting_for_scheduler"]},
                                 **DONE,
                                 # The original API's TriggerScheduleResponse.
                                 "execution_id": STR, "schedule_id": STR, "schedule_name": STR, "status": STR,
                                 "triggered_at": NTIME, "triggered_by": STR, "reason": NSTR, "jobs_created": INT,
                                 "vms_processed": INT, "summary": {"nullable": True}})),
                   status="202", params=[SID],
                   body=closed({"reason": {"type": "string", "maxLength": 500, "nullable": True,
                                           "description": "Why it runs now; recorded with the run"},
                                "created_by": CLIENT_NAME}), body_required=False,
                   extra={**NOT_FOUND, **CONFLICT}, tag="schedules"),
    },
    "/schedules/{schedule_id}/executions": {
        "get": op("Execution history, newest first", _response("One page", obj({
            "schedule_id": STR, "executions": {"type": "array", "items": ref("ScheduleExecution")},
            "page": INT, "per_page": INT, "total": INT, "pages": INT,
            "total_count": INT, "page_size": INT, "has_more": BOOL, "retrieved_at": STR})),
            params=[SID, *PAGING, query("limit", {"type": "integer", "minimum": 1, "maximum": 100},
                                        "Same as per_page, for older clients; send one of the two"),
                    query("status", {"type": "string", "enum": [
                "scheduled", "running", "completed", "failed", "skipped", "cancelled"]})],
            extra=NOT_FOUND, tag="schedules"),
    },
    "/machine-groups": {
        "get": op("List groups with VM counts", _response("Groups", GROUPS_LIST),
                  params=[query("schedule_id", {"type": "string"})], tag="groups"),
        "post": op("Create a group", _response("Created", ref("MachineGroup")), status="201",
                   body=ref("MachineGroupCreateInput"), extra=CONFLICT, tag="groups"),
    },
    "/machine-groups/{group_id}": {
        "get": op("Get a group", _response("Group", ref("MachineGroup")), params=[GID], extra=NOT_FOUND, tag="groups"),
        "put": op("Update a group", _response("Updated", ref("MachineGroup")), params=[GID],
                  body=ref("MachineGroupInput"), extra={**NOT_FOUND, **CONFLICT}, tag="groups"),
        "delete": op("Delete an empty group", _response("Deleted", DELETED), params=[GID],
                     extra={**NOT_FOUND, **CONFLICT}, tag="groups"),
    },
    "/machine-groups/{group_id}/vms": {
        "get": op("A group's VMs in priority order", _response("Members", MEMBERS), params=[GID], extra=NOT_FOUND,
                  tag="groups"),
        "post": op("Assign VMs to the group (moves them from any other group): `vm_context_ids` (appended "
                   "at the lowest priority), or the original API's one `vm_context_id` with its `priority` "
                   "and `enabled` (201)", _response("Done", ASSIGN_DONE),
                   params=[GID], body=closed({
                       "vm_context_ids": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
                       "vm_context_id": {"type": "string", "minLength": 1},
                       "priority": {"type": "integer", "minimum": 0, "maximum": 100000, "nullable": True},
                       "enabled": {"type": "boolean", "nullable": True}}),
                   extra={"201": _response("One VM assigned", ASSIGN_DONE), **NOT_FOUND, **CONFLICT}, tag="groups"),
    },
    "/machine-groups/{group_id}/vms/order": {
        "put": op("Set priorities from the order of every member", _response("Members", MEMBERS), params=[GID],
                  body=IDS_BODY, extra=NOT_FOUND, tag="groups"),
    },
    "/machine-groups/{group_id}/vms/{context_id}": {
        "delete": op("Remove a VM from the group", _response("Removed", obj(
            {"removed": BOOL, "group_id": STR, "vm_context_id": STR, **DONE})), params=[GID, CID],
            extra={**NOT_FOUND, **CONFLICT}, tag="groups"),
    },
    "/vm-contexts/{context_id}/group": {
        "put": op("Assign a VM to a group, move it, or (null) ungroup it", _response("Done", {"allOf": [
                      ref("AssignResult"), obj({**DONE, "vm_context_id": STR, "priority": INT, "enabled": BOOL,
                                                "added_at": NTIME, "added_by": NSTR}, required=list(DONE))]}),
                  params=[CID], body=closed({"group_id": NSTR, "added_by": CLIENT_NAME,
                                             "priority": {"type": "integer", "minimum": 0, "maximum": 100000,
                                                          "nullable": True},
                                             "enabled": {"type": "boolean", "nullable": True}},
                                            required=["group_id"]),
                  extra={**NOT_FOUND, **CONFLICT}, tag="groups"),
    },
    "/vm-contexts/ungrouped": {
        "get": op("Managed VMs in no group", _response("VMs", VMS), params=[query("search", {"type": "string"})],
                  tag="groups"),
    },
    "/discovery/discover": {
        "post": op("Discover a datacenter's VMs and mark those already managed", _response("Discovery", DISCOVERY),
            body=closed({**LOGIN, "datacenter": NSTR, "filter": NSTR}), extra={**NOT_FOUND, **CONFLICT, **UPSTREAM},
            tag="discovery"),
    },
    "/discovery/discover-vms": {
        "post": op("The original API's discovery: `discovered_vms` with disks and networks; with "
                   "`create_context` the selected (or every new) VM is added without jobs",
                   _response("Discovery", {"allOf": [DISCOVERY, obj({
                       "discovered_vms": {"type": "array", "items": ref("DiscoveredVM")}, "discovery_count": INT,
                       "processing_time": {"type": "integer", "description": "Nanoseconds (Go's time.Duration)"},
                       "status": STR, "message": STR, "addition_result": BULK_RESULT},
                       required=["discovered_vms", "discovery_count", "processing_time", "status", "message"])]}),
                   body=closed({**LOGIN, "datacenter": NSTR, "filter": NSTR, "selected_vms": STRS,
                                "create_context": BOOL}),
                   extra={**NOT_FOUND, **CONFLICT, **UPSTREAM}, tag="discovery"),
    },
    "/discovery/add-vms": {
        "post": op("Add named VMs without starting jobs (all or nothing: an unknown name refuses the request)",
                   _response("Added", ref("AddResult")),
                   body=closed({**LOGIN, "datacenter": NSTR, "vm_names": STRS, "group_id": NSTR,
                                "added_by": CLIENT_NAME}, required=["vm_names"]),
                   extra={**NOT_FOUND, **CONFLICT, **UPSTREAM}, tag="discovery"),
    },
    "/discovery/bulk-add": {
        "post": op("Add every VM matching our filters (dry_run previews), or the original API's form "
                   "(vcenter, username, password, datacenter, filter, selected_vms); the two are not mixed",
                   _response("Added", {"allOf": [ref("AddResult"), BULK_RESULT]}),
                   body=closed({**LOGIN, "datacenter": NSTR, "name_pattern": NSTR,
                                "power_state": {"type": "string", "enum": ["poweredOn", "poweredOff", "suspended"],
                                                "nullable": True},
                                "os": NSTR, "group_id": NSTR, "dry_run": BOOL, "include_managed": BOOL,
                                "filter": NSTR, "selected_vms": STRS}),
                   extra={**NOT_FOUND, **CONFLICT, **UPSTREAM}, tag="discovery"),
    },
    "/discovery/ungrouped-vms": {
        "get": op("Managed VMs in no group", _response("VMs", VMS), params=[query("search", {"type": "string"})],
                  tag="discovery"),
    },
    "/jobs": {
        "get": op("Unified jobs (replication, failover, rollback), newest first",
                  _response("One page", obj({
                      "jobs": {"type": "array", "items": ref("UnifiedJobItem")}, "count": INT, "per_page": INT,
                      "next_cursor": NSTR, "page": INT, "total": INT, "pages": INT, "retrieved_at": STR},
                      required=["jobs", "count", "per_page", "next_cursor"])),
                  params=[query("job_type", {"type": "string"}, "Comma-separated: replication, test_failover, "
                                                               "live_failover, rollback"),
                          query("status", {"type": "string"}, "Comma-separated: pending, running, completed, "
                                                             "failed, cancelled"),
                          query("vm", {"type": "string"}, "VM name or context id"),
                          query("since", {"type": "string", "format": "date-time"}),
                          query("until", {"type": "string", "format": "date-time"}),
                          query("cursor", {"type": "string"}, "next_cursor of the previous page"),
                          *PAGING],
                  tag="jobs"),
    },
    "/jobs/{any_id}": {
        "get": op("Smart lookup: JobLog id, external job id, replication job id or context id (newest job)",
                  _response("Job", {"allOf": [ref("UnifiedJobItem"), obj({"matched_by": MATCHED_BY})]}),
                  params=[path_param("any_id", "Any job id or a VM context id")], extra=NOT_FOUND, tag="jobs"),
    },
    "/jobs/{any_id}/logs": {
        "get": op("Log lines after after_id, oldest first", _response("Logs", obj({
            "job_id": STR, "logs": {"type": "array", "items": obj({
                "id": INT, "ts": NTIME, "level": STR, "message": STR, "step": NSTR})},
            "last_id": INT, "has_more": BOOL})),
            params=[path_param("any_id", "Any job id"), query("after_id", {"type": "integer", "minimum": 0}),
                    query("limit", {"type": "integer", "minimum": 1, "maximum": 500})],
            extra=NOT_FOUND, tag="jobs"),
    },
    "/failover/{job_id}/progress": {
        "get": op("Progress of an operation with its steps", _response("Progress", obj({
            "job": {"allOf": [ref("UnifiedJobItem"), obj({"matched_by": MATCHED_BY})]}, "job_id": STR, "status": STR,
            "progress": NUM, "current_step": NSTR, "steps": {"type": "array", "items": ref("JobStep")},
            "steps_completed": INT, "steps_total": INT, "is_active": BOOL})),
            params=[path_param("job_id", "JobLog id or external job id")], extra=NOT_FOUND, tag="jobs"),
    },
    "/failover/{job_id}/status": {
        "get": op("The original API's JobStatusResponse of any job (`duration` in nanoseconds)",
                  _response("Status", obj({
                      **DONE, "job_id": STR, "status": STR, "progress": NUM, "start_time": NTIME, "duration": INT,
                      "job_details": obj({"job_type": STR, "operation": STR, "total_steps": INT,
                                          "completed_steps": INT, "failed_steps": INT, "running_steps": INT,
                                          "step_completion": NUM, "error_message": STR, "metadata": ANY_OBJ,
                                          "tracking_source": STR, "external_job_id": NSTR,
                                          "current_step": NSTR}),
                      "steps": {"type": "array", "items": ref("JobStep")}})),
                  params=[path_param("job_id", "Any job id")], extra=NOT_FOUND, tag="jobs"),
    },
    "/vm-contexts": {
        "get": op("Every managed VM with its groups and current job (the original API's list; "
                  "per_page pages it)", _response("VMs", obj({
                      "vm_contexts": {"type": "array", "items": {"allOf": [ref("VMContext"), obj({
                          "groups": {"type": "array", "items": obj({"group_id": STR, "group_name": STR})},
                          "group_count": INT, "group_id": NSTR, "group_name": NSTR,
                          "current_job": obj({"id": STR, "job_id": STR, "status": NSTR, "progress_percent": NUM,
                                              "replication_type": NSTR, "current_operation": STR,
                                              "created_at": NTIME}, nullable=True)})]}},
                      **LISTED, "page": INT, "per_page": INT, "has_more": BOOL})),
                  params=[query("search", {"type": "string"}, "part of the VM name"),
                          query("page", {"type": "integer", "minimum": 1, "maximum": 100000}),
                          query("per_page", {"type": "integer", "minimum": 1, "maximum": 10000})],
                  tag="jobs"),
    },
    "/vmware-credentials": {
        "get": op("vCenter credentials (never a password)", _response("Credentials", obj({
            "credentials": {"type": "array", "items": ref("VMwareCredential")}, "count": INT, "total_count": INT,
            "status": STR, "retrieved_at": STR, "key_shared_with_oma": BOOL})), tag="vcenters"),
        "post": op("Save a vCenter credential (admin); the password is encrypted at rest",
                   _response("Created", obj({**DONE, "status": STR, "credential": ref("VMwareCredential")})),
                   status="201", body=closed(CREDENTIAL_FIELDS), extra=CONFLICT, tag="vcenters"),
    },
    "/vmware-credentials/default": {
        "get": op("The default vCenter credential", _response("Default", obj({
            "credentials": ANY_OBJ, "credential": ANY_OBJ, "status": STR})), tag="vcenters"),
    },
    "/vmware-credentials/{credential_id}": {
        "get": op("One vCenter credential", _response("Credential", ref("VMwareCredential")), params=[CRED],
                  extra=NOT_FOUND, tag="vcenters"),
        "put": op("Change a vCenter credential (admin); an empty or absent password keeps the saved one",
                  _response("Updated", obj({**DONE, "status": STR, "credential": ref("VMwareCredential")})),
                  params=[CRED], body=closed(CREDENTIAL_FIELDS), extra={**NOT_FOUND, **CONFLICT}, tag="vcenters"),
        "delete": op("Delete a vCenter credential no VM uses, not the last active one (admin)",
                     _response("Deleted", obj({**DONE, "status": STR, "deleted": BOOL, "id": STR})), params=[CRED],
                     extra={**NOT_FOUND, **CONFLICT}, tag="vcenters"),
    },
    "/vmware-credentials/{credential_id}/set-default": {
        "put": op("Make a credential the default (admin)",
                  _response("Default", obj({**DONE, "status": STR, "credential": ref("VMwareCredential")})),
                  params=[CRED], body=closed({}), body_required=False, extra={**NOT_FOUND, **CONFLICT},
                  tag="vcenters"),
    },
    "/vmware-credentials/{credential_id}/test": {
        "post": op("Log in to the vCenter through the VMA and list the default datacenter; 502 with the "
                   "plain reason when it fails", _response("Connected", CONNECTION_TEST), params=[CRED],
                   body=closed({}), body_required=False,
                   extra={**NOT_FOUND, **CONFLICT, "502": _response("Could not connect", CONNECTION_TEST)},
                   tag="vcenters"),
    },
    "/vm-contexts/{vm_name}": {
        "get": op("A VM: context, group, current job, history and last operation", _response("VM", obj({
            "context": ref("VMContext"),
            "group": obj({"group_id": STR, "group_name": STR, "schedule_id": NSTR, "schedule_name": NSTR,
                          "membership_enabled": BOOL, "priority": INT}, nullable=True),
            "current_job": {"allOf": [ref("UnifiedJobItem")], "nullable": True},
            "job_history": {"type": "array", "items": ref("UnifiedJobItem")},
            "last_operation": ref("OperationSummary"),
            "protection": {"allOf": [ref("Protection")], "nullable": True}},
            required=["context", "group", "current_job", "job_history"])),
            params=[path_param("vm_name", "VM name (or context id)")], extra=NOT_FOUND, tag="jobs"),
    },
    "/protection": {
        "get": op("Every VM's protection against its RPO: counts by state and a paged list, worst first",
                  _response("Protection", obj({
                      "summary": obj({"protected": INT, "at_risk": INT, "breached": INT, "unprotected": INT,
                                      "no_target": INT, "total": INT}),
                      "assessed_at": NTIME, "vms": {"type": "array", "items": ref("Protection")},
                      **LISTED, "page": INT, "per_page": INT})),
                  params=[query("state", {"type": "string", "enum": ["protected", "at_risk", "breached",
                                                                     "unprotected", "no_target"]}),
                          query("group_id", STR), query("search", STR, "part of the VM name"),
                          query("page", {"type": "integer", "minimum": 1}),
                          query("per_page", {"type": "integer", "minimum": 1, "maximum": 500})],
                  tag="protection"),
    },
    "/vm-contexts/{context_id}/protection": {
        "put": op("Set a VM's own RPO (null: follow its group's)", _response("Set", obj({
            **DONE, "context_id": STR, "vm_name": STR, "rpo_minutes": NINT,
            "protection": {"allOf": [ref("Protection")], "nullable": True}})),
            params=[CID], body=closed({"rpo_minutes": RPO}, required=["rpo_minutes"]), extra=NOT_FOUND,
            tag="protection"),
    },
    "/blackouts": {
        "get": op("Blackouts not over yet (all with include_past)", _response("Blackouts", obj({
            "blackouts": {"type": "array", "items": ref("Blackout")}, **LISTED})),
            params=[query("include_past", {"type": "boolean"})], tag="protection"),
        "post": op("Create a blackout", _response("Created", ref("Blackout")), status="201",
                   body=ref("BlackoutInput"), tag="protection"),
    },
    "/blackouts/{blackout_id}": {
        "get": op("A blackout", _response("Blackout", ref("Blackout")), params=[BID], extra=NOT_FOUND,
                  tag="protection"),
        "put": op("Change a blackout (fields given change)", _response("Updated", ref("Blackout")), params=[BID],
                  body=ref("BlackoutInput"), extra=NOT_FOUND, tag="protection"),
        "delete": op("Delete a blackout", _response("Deleted", obj({**DONE, "deleted": BOOL, "id": STR})),
                     params=[BID], extra=NOT_FOUND, tag="protection"),
    },
    "/policy-events": {
        "get": op("What the protection policy noticed or did, newest first", _response("Events", obj({
            "events": {"type": "array", "items": ref("PolicyEvent")}, **LISTED})),
            params=[query("schedule_id", STR), query("context_id", STR),
                    query("limit", {"type": "integer", "minimum": 1, "maximum": 500})], tag="protection"),
    },
    "/vm-contexts/{context_id}/recent-jobs": {
        "get": op("The 20 newest unified jobs of a VM", _response("Jobs", obj({
            "context_id": STR, "count": INT, "jobs": {"type": "array", "items": ref("UnifiedJobItem")},
            "retrieved_at": STR})),
            params=[CID], tag="jobs"),
    },
}


def build_document() -> dict:
    """The whole OpenAPI document (a fresh dict each call)."""
    error = {"content": {"application/json": {"schema": ref("Error")}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Replication Scheduling Dashboard API", "version": "1.0.0",
                 "description": "Schedules, machine groups, discovery and unified jobs of the migration "
                                "appliance. Authenticate with a session or `Authorization: Bearer <token>`."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
            "responses": {
                "BadRequest": {"description": "Invalid input: a value of the wrong type or out of range, or a "
                                              "query argument or body field this operation does not name; "
                                              "details.fields names each faulty field", **error},
                "Unauthorized": {"description": "Not authenticated", **error},
                "Forbidden": {"description": "Role too low", **error},
                "NotFound": {"description": "No such object", **error},
                "Conflict": {"description": "Name taken, still in use, chain cycle or VM busy", **error},
                "Upstream": {"description": "The VMA/OMA could not be reached (sanitized message)", **error},
            },
        },
    }


@api_v1.get("/openapi.json")
@public
def openapi_document():
    return jsonify(build_document())
