"""`/api/v1/schedules`: CRUD, enable, trigger, execution history and the live preview."""
from __future__ import annotations

from flask import jsonify, request

import schedules
from blueprints.api import api_v1
from blueprints.api.common import (actor_name, bool_arg, done, instant_arg, int_arg, json_body, listing,
                                   optional_json_body, retrieved_at, str_arg)
from domain_errors import Conflict, FieldReader, ValidationError
from scheduler.manual import SKIPPED


def _summary_dict(summary: schedules.ScheduleSummary) -> dict:
    last = summary.last_execution
    return {**schedules.schedule_to_dict(summary.schedule), "group_count": summary.group_count,
            "vm_count": summary.vm_count,
            "next_run_at": summary.next_run_at.isoformat() if summary.next_run_at else None,
            "last_execution": schedules.execution_to_dict(last) if last else None}


@api_v1.get("/schedules")
def list_schedules():
    summaries = schedules.list_schedules(enabled_only=bool_arg("enabled_only"))
    enabled = sum(1 for s in summaries if s.schedule.enabled)
    # The original API's counts (ScheduleListResponse, schedule_management.go:85-91 [sendense 8b7d59b]).
    return jsonify(listing("schedules", [_summary_dict(s) for s in summaries], enabled_count=enabled,
                           disabled_count=len(summaries) - enabled))


@api_v1.post("/schedules")
def create_schedule():
    schedule = schedules.create_schedule(json_body(), created_by=actor_name())
    return jsonify(schedules.schedule_to_dict(schedule)), 201


@api_v1.get("/schedules/preview")
def preview_schedule():
    if "cron_expression" not in request.args:
        raise ValidationError("cron_expression", "is required")
    count = int_arg("count", default=5, minimum=1, maximum=schedules.MAX_PREVIEW_COUNT)
    preview = schedules.schedule_preview(request.args.get("cron_expression", ""),
                                          request.args.get("timezone") or "UTC", count, instant_arg("after"))
    return jsonify(preview)


@api_v1.get("/schedules/<schedule_id>")
def get_schedule(schedule_id: str):
    return jsonify(schedules.schedule_to_dict(schedules.get_schedule(schedule_id)))


@api_v1.put("/schedules/<schedule_id>")
def update_schedule(schedule_id: str):
    return jsonify(schedules.schedule_to_dict(schedules.update_schedule(schedule_id, json_body())))


@api_v1.delete("/schedules/<schedule_id>")
def delete_schedule(schedule_id: str):
    schedules.delete_schedule(schedule_id)
    return jsonify(done("Schedule deleted", deleted=True, id=schedule_id, deleted_at=retrieved_at()))


@api_v1.post("/schedules/<schedule_id>/enable")
def enable_schedule(schedule_id: str):
    body = json_body()
    if "enabled" not in body:
        raise ValidationError("enabled", "is required")
    if not isinstance(body["enabled"], bool):
        raise ValidationError("enabled", "must be true or false")
    return jsonify(schedules.schedule_to_dict(schedules.set_schedule_enabled(schedule_id, body["enabled"])))


@api_v1.post("/schedules/<schedule_id>/trigger")
def trigger_schedule(schedule_id: str):
    reader = FieldReader(optional_json_body())
    reason = reader.string("reason", max_length=500, multiline=True)
    reader.string("created_by")  # the original API's; the authenticated user is recorded instead
    reader.raise_if_errors()
    run = schedules.trigger_schedule(schedule_id, requested_by=actor_name(), reason=reason)
    if run.outcome == SKIPPED:
        raise Conflict("previous_run_running", run.message,
                       {"execution_id": run.execution.id,
                        "previous_execution_id": run.execution.execution_details.get("previous_execution_id")})
    schedule = schedules.get_schedule(schedule_id)
    execution = schedules.execution_to_dict(run.execution, schedule.name)
    # Beside ours, the original API's TriggerScheduleResponse (schedule_management.go:118-129).
    return jsonify(done(run.message, execution=execution, outcome=run.outcome, execution_id=execution["id"],
                        schedule_id=schedule.id, schedule_name=schedule.name, status=execution["status"],
                        triggered_at=execution["created_at"], triggered_by=actor_name(), reason=reason,
                        jobs_created=execution["jobs_created"], vms_processed=execution["vms_processed"],
                        summary=execution["summary"])), 202


@api_v1.get("/schedules/<schedule_id>/executions")
def schedule_executions(schedule_id: str):
    maximum = schedules.executions.MAX_PER_PAGE
    per_page = int_arg("per_page", minimum=1, maximum=maximum)
    limit = int_arg("limit", minimum=1, maximum=maximum)  # the name older clients use
    if per_page is not None and limit is not None and per_page != limit:
        raise ValidationError("limit", "contradicts per_page: send one of the two")
    result = schedules.list_executions(schedule_id, page=int_arg("page", 1, minimum=1, maximum=100000),
                                        per_page=per_page or limit or 20, status=str_arg("status", 20))
    name = schedules.get_schedule(schedule_id).name
    # Ours beside the original API's ScheduleExecutionListResponse (schedule_management.go:153-161):
    # total_count (the true total here), page_size, has_more, retrieved_at.
    return jsonify({"schedule_id": schedule_id,
                    "executions": [schedules.execution_to_dict(e, name) for e in result.items],
                    "page": result.page, "per_page": result.per_page, "page_size": result.per_page,
                    "total": result.total, "total_count": result.total, "pages": result.pages,
                    "has_more": result.page < result.pages, "retrieved_at": retrieved_at()})
