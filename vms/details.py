"""Everything about one VM for its page and `GET /vm-contexts/{vm_name}`."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from domain_errors import NotFound
from extensions import db
from jobs.items import TIMELINE_JOBLOG_TYPES
from jobs.unified import recent_jobs_for_context
from models import (JOBLOG_ACTIVE_STATUSES, JobTracking, ReplicationSchedule, VMGroupMembership, VMMachineGroup,
                    VMReplicationContext)
from sanitizer import scrub_text
from vms.records import vm_to_dict
from vms.status import is_failed_over

HISTORY_LENGTH = 20
# Kept in the database for administrators, never shown: internal step names mention tools.
_HIDDEN_SUMMARY_KEYS = ("failed_step_internal", "technical_detail")
_SUMMARY_TEXT_KEYS = ("failed_step", "error_message")


def operator_summary(summary: Any) -> dict[str, Any] | None:
    """`last_operation_summary` as operators may see it, or None when there is none."""
    if not isinstance(summary, dict) or not summary:
        return None
    shown = {key: value for key, value in summary.items() if key not in _HIDDEN_SUMMARY_KEYS}
    for key in _SUMMARY_TEXT_KEYS:
        if isinstance(shown.get(key), str):
            shown[key] = scrub_text(shown[key])
    if isinstance(shown.get("actionable_steps"), list):
        shown["actionable_steps"] = [scrub_text(step) for step in shown["actionable_steps"]]
    return shown


def find_vm(vm_name_or_context_id: str) -> VMReplicationContext:
    """A VM by name (the seed's path parameter) or, failing that, by context id."""
    if not isinstance(vm_name_or_context_id, str) or not vm_name_or_context_id:
        raise NotFound("vm_context", vm_name_or_context_id)
    vm = db.session.scalars(
        select(VMReplicationContext)
        .where(or_(VMReplicationContext.vm_name == vm_name_or_context_id,
                   VMReplicationContext.context_id == vm_name_or_context_id))
        .order_by((VMReplicationContext.vm_name == vm_name_or_context_id).desc(),
                  VMReplicationContext.created_at.desc())
        .limit(1)).first()
    if vm is None:
        raise NotFound("vm_context", vm_name_or_context_id)
    return vm


def vm_context_details(vm_name: str) -> dict[str, Any]:
    """`{"context", "group", "current_job", "job_history", "last_operation"?}` for one VM.

    `last_operation` is omitted when the VM has no operation summary (as in the seed).
    """
    vm = find_vm(vm_name)
    membership = db.session.execute(
        select(VMGroupMembership, VMMachineGroup, ReplicationSchedule)
        .join(VMMachineGroup, VMMachineGroup.id == VMGroupMembership.group_id)
        .outerjoin(ReplicationSchedule, ReplicationSchedule.id == VMMachineGroup.schedule_id)
        .where(VMGroupMembership.vm_context_id == vm.context_id)).first()
    group = None
    if membership is not None:
        member, machine_group, schedule = membership
        group = {"group_id": machine_group.id, "group_name": machine_group.name,
                 "schedule_id": schedule.id if schedule else None,
                 "schedule_name": schedule.name if schedule else None,
                 "membership_enabled": member.enabled is not False, "priority": member.priority or 0}
    # Each item also carries the original's ReplicationJob names (id, progress_percentage,
    # created_at), which its VM detail tabs read (VMDetailTabs.tsx:277-300 [sendense 8b7d59b]).
    history = [{**item, "id": item["job_id"], "progress_percentage": item["progress"],
                "created_at": item["started_at"]} for item in recent_jobs_for_context(vm.context_id, HISTORY_LENGTH)]
    current = next((item for item in history if item["status"] in JOBLOG_ACTIVE_STATUSES), None)
    details: dict[str, Any] = {"context": vm_to_dict(vm), "group": group, "current_job": current,
                               "job_history": history, "failed_over": is_failed_over(vm.current_status),
                               "job_counts": job_counts(vm)}
    last = operator_summary(vm.last_operation_summary)
    if last is not None:
        details["last_operation"] = last
    return details


def job_counts(vm: VMReplicationContext) -> dict[str, int]:
    """How many jobs the VM has had: its replications (the appliance's counters on the context)
    and its failovers and rollbacks (JobLog operations, counted by status in one indexed read)."""
    by_status = dict(db.session.execute(
        select(JobTracking.status, func.count())
        .where(JobTracking.context_id == vm.context_id, JobTracking.job_type.in_(TIMELINE_JOBLOG_TYPES),
               JobTracking.parent_job_id.is_(None))
        .group_by(JobTracking.status)).all())
    replications = vm.total_jobs_run or 0
    operations = sum(by_status.values())
    return {"replications": replications, "replications_succeeded": vm.successful_jobs or 0,
            "replications_failed": vm.failed_jobs or 0, "operations": operations,
            "operations_succeeded": by_status.get("completed", 0), "operations_failed": by_status.get("failed", 0),
            "total": replications + operations,
            "succeeded": (vm.successful_jobs or 0) + by_status.get("completed", 0),
            "failed": (vm.failed_jobs or 0) + by_status.get("failed", 0)}
