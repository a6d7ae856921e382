"""Schedule CRUD with every field validated, chain cycles refused, and dependants named on delete."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from cron import CronError, parse_cron
from cron.zones import load_zone
from domain_errors import Conflict, FieldReader, NotFound, ValidationError, name_taken_on_conflict
from extensions import db
from models import (SCHEDULE_LIMITS, ReplicationSchedule, ScheduleExecution, VMGroupMembership, VMMachineGroup,
                    utcnow)
from paging import Page, check_paging
from scheduler import schedules_changed, validate_chain
from scheduler.manual import ManualRun, run_now
from scheduler.next_runs import frequency_floor, next_run, next_runs, schedule_problem
from protection.manage import POLICY_FIELDS, apply_schedule_policy, clear_pause, policy_to_dict, read_policy_fields
from security.audit import record_change

SCHEDULE_TYPES = ("cron", "chain")
REPLICATION_TYPES = ("full", "incremental", "auto")
# Columns an operator may set; `id`, timestamps and `created_by` are the product's.
EDITABLE_FIELDS = ("name", "description", "schedule_type", "cron_expression", "timezone",
                   "chain_parent_schedule_id", "chain_delay_minutes", "replication_type",
                   "max_concurrent_jobs", "retry_attempts", "retry_delay_minutes", "enabled",
                   "skip_if_running")
_DEFAULTS = {"description": None, "schedule_type": "cron", "cron_expression": "", "timezone": "UTC",
             "chain_parent_schedule_id": None, "chain_delay_minutes": 0, "replication_type": "auto",
             "max_concurrent_jobs": 1, "retry_attempts": 3, "retry_delay_minutes": 30, "enabled": True,
             "skip_if_running": True}
_READ_ONLY = ("id", "created_at", "updated_at", "created_by")


@dataclass(frozen=True)
class ScheduleSummary:
    """A schedule with what the list needs: how many groups and VMs use it, last execution."""

    schedule: ReplicationSchedule
    group_count: int
    vm_count: int
    last_execution: ScheduleExecution | None
    next_run_at: datetime | None
    #: Why the engine never fires it (a row another tool wrote may hold what we refuse), or None.
    problem: str | None = None


def schedule_to_dict(schedule: ReplicationSchedule) -> dict[str, Any]:
    """The API representation (also the audit trail's before/after)."""
    return {
        "id": schedule.id,
        "name": schedule.name,
        "description": schedule.description,
        "schedule_type": schedule.schedule_type,
        "cron_expression": schedule.cron_expression,
        "timezone": schedule.zone,
        "chain_parent_schedule_id": schedule.chain_parent_schedule_id,
        "chain_delay_minutes": schedule.chain_delay_minutes or 0,
        "replication_type": schedule.replication_type or "auto",
        "max_concurrent_jobs": schedule.max_concurrent_jobs if schedule.max_concurrent_jobs is not None else 1,
        "retry_attempts": schedule.retry_attempts if schedule.retry_attempts is not None else 0,
        "retry_delay_minutes": schedule.retry_delay_minutes if schedule.retry_delay_minutes is not None else 0,
        "enabled": bool(schedule.enabled),
        "skip_if_running": bool(schedule.skip_if_running),
        "created_at": schedule.created_at.isoformat() if schedule.created_at else None,
        "updated_at": schedule.updated_at.isoformat() if schedule.updated_at else None,
        "created_by": schedule.created_by,
        "problem": schedule_problem(schedule),
        **policy_to_dict(schedule.policy),
    }


def get_schedule(schedule_id: str) -> ReplicationSchedule:
    """The schedule, its protection policy loaded with it (one statement)."""
    schedule = db.session.get(ReplicationSchedule, schedule_id, options=[joinedload(ReplicationSchedule.policy)]) \
        if isinstance(schedule_id, str) else None
    if schedule is None:
        raise NotFound("schedule", schedule_id)
    return schedule


def next_run_of(schedule: ReplicationSchedule, after: datetime | None = None, policy=None) -> datetime | None:
    """When the engine fires the schedule next (`scheduler.next_run`); None for a chain or
    disabled schedule and for one the engine refuses (rows written by other tools, or left
    below a frequency floor raised since, may hold what we would not accept)."""
    try:
        return next_run(schedule, after, policy)
    except CronError:
        return None


def _summaries(schedules_query) -> list[ScheduleSummary]:
    """Summaries of the schedules a query selects, in its order (two statements).

    The group and VM counts are correlated subqueries through the group and membership
    indexes, so a page of schedules costs the same whatever the size of the fleet.
    """
    group_count = (select(func.count()).select_from(VMMachineGroup)
                   .where(VMMachineGroup.schedule_id == ReplicationSchedule.id).correlate(ReplicationSchedule)
                   .scalar_subquery())
    vm_count = (select(func.count()).select_from(VMGroupMembership)
                .join(VMMachineGroup, VMMachineGroup.id == VMGroupMembership.group_id)
                .where(VMMachineGroup.schedule_id == ReplicationSchedule.id).correlate(ReplicationSchedule)
                .scalar_subquery())
    rows = db.session.execute(schedules_query.add_columns(group_count, vm_count)
                              .options(selectinload(ReplicationSchedule.policy))).all()
    ids = [schedule.id for schedule, _, _ in rows]
    last_by_schedule = {}
    if ids:
        latest = (select(ScheduleExecution.schedule_id, func.max(ScheduleExecution.scheduled_at).label("at"))
                  .where(ScheduleExecution.schedule_id.in_(ids))
                  .group_by(ScheduleExecution.schedule_id).subquery())
        last_by_schedule = {
            execution.schedule_id: execution
            for execution in db.session.scalars(
                select(ScheduleExecution).join(
                    latest, (latest.c.schedule_id == ScheduleExecution.schedule_id)
                    & (latest.c.at == ScheduleExecution.scheduled_at)))
        }
    now = utcnow()
    next_at = next_runs([schedule for schedule, _, _ in rows], now)
    return [ScheduleSummary(schedule, groups or 0, vms or 0, last_by_schedule.get(schedule.id),
                            next_at[schedule.id], schedule_problem(schedule, now))
            for schedule, groups, vms in rows]


def list_schedules(enabled_only: bool = False) -> list[ScheduleSummary]:
    """Every schedule (or every enabled one) by name with its group and VM counts and last
    execution (two queries)."""
    query = select(ReplicationSchedule).order_by(ReplicationSchedule.name)
    if enabled_only:
        query = query.where(ReplicationSchedule.enabled.is_(True))
    return _summaries(query)


def schedule_page(page: int = 1, per_page: int = 50) -> Page[ScheduleSummary]:
    """One page of `list_schedules` by name, with the total (three queries)."""
    check_paging(page, per_page, 500)
    total = db.session.scalar(select(func.count()).select_from(ReplicationSchedule)) or 0
    summaries = _summaries(select(ReplicationSchedule).order_by(ReplicationSchedule.name, ReplicationSchedule.id)
                           .offset((page - 1) * per_page).limit(per_page))
    return Page(summaries, page, per_page, total)


def validate_schedule_input(data: Any, current: ReplicationSchedule | None = None) -> dict[str, Any]:
    """Check every field of a create (current None) or a partial update; return clean values.

    Raises ValidationError naming each faulty field, Conflict for a taken name or a chain
    cycle. Nothing is written.
    """
    reader = FieldReader(data, partial=current is not None)
    if current is not None and not reader.data:
        raise ValidationError("body", "names no schedule field to change")
    values: dict[str, Any] = {}

    def take(name: str, value: Any) -> None:
        if reader.has(name) and name not in reader.errors:
            values[name] = value

    take("name", reader.string("name", required=True, max_length=255))
    take("description", reader.string("description", max_length=2000, multiline=True))
    take("schedule_type", reader.choice("schedule_type", SCHEDULE_TYPES))
    take("cron_expression", reader.string("cron_expression", max_length=100))
    take("timezone", reader.string("timezone", max_length=50))
    take("chain_parent_schedule_id", reader.string("chain_parent_schedule_id", max_length=64))
    take("chain_delay_minutes", _limited(reader, "chain_delay_minutes"))
    take("replication_type", reader.choice("replication_type", REPLICATION_TYPES))
    take("max_concurrent_jobs", _limited(reader, "max_concurrent_jobs"))
    take("retry_attempts", _limited(reader, "retry_attempts"))
    take("retry_delay_minutes", _limited(reader, "retry_delay_minutes"))
    take("enabled", reader.boolean("enabled"))
    take("skip_if_running", reader.boolean("skip_if_running"))
    if current is None:
        # Older clients name themselves; the creator recorded is the authenticated user.
        reader.string("created_by", max_length=255)
    policy = read_policy_fields(reader)
    unknown = sorted(set(reader.data) - set(EDITABLE_FIELDS) - set(POLICY_FIELDS)
                     - ({"created_by"} if current is None else set()))
    for name in unknown:
        reader.error(name, "is not a schedule field" if name not in _READ_ONLY else "is set by the dashboard")

    merged = dict(_DEFAULTS) if current is None else {name: getattr(current, name) for name in EDITABLE_FIELDS}
    merged.update(values)
    for nullable_default in ("schedule_type", "timezone", "replication_type"):
        if merged.get(nullable_default) is None:
            merged[nullable_default] = _DEFAULTS[nullable_default]
    _check_timing(merged, reader)
    reader.raise_if_errors()

    if merged["schedule_type"] == "cron":
        values["cron_expression"] = merged["cron_expression"]
        values["chain_parent_schedule_id"] = None
    else:
        values["cron_expression"] = ""
    values["timezone"] = merged["timezone"]
    _check_name_free(merged["name"], current)
    if merged["schedule_type"] == "chain":
        check_chain(current.id if current else None, merged["chain_parent_schedule_id"])
    values["_policy"] = policy
    return values


def _check_timing(merged: dict[str, Any], reader: FieldReader) -> None:
    """Cron expression, zone and frequency floor for cron schedules; a parent for chain ones."""
    zone = merged["timezone"] or "UTC"
    if merged["schedule_type"] == "chain":
        if not merged.get("chain_parent_schedule_id"):
            reader.error("chain_parent_schedule_id", "is required for a chain schedule")
        if reader.data.get("cron_expression"):
            reader.error("cron_expression", "must be empty for a chain schedule (it runs after its parent)")
        try:
            load_zone(zone)
        except CronError as exc:
            reader.error("timezone", exc.message)
        return
    # A chain parent or delay sent for a cron schedule would be thrown away: say so instead.
    if reader.data.get("chain_parent_schedule_id") is not None and "chain_parent_schedule_id" not in reader.errors:
        reader.error("chain_parent_schedule_id", "is only for a chain schedule (schedule_type chain)")
    if reader.data.get("chain_delay_minutes") not in (None, 0) and "chain_delay_minutes" not in reader.errors:
        reader.error("chain_delay_minutes", "is only for a chain schedule (schedule_type chain)")
    if not merged.get("cron_expression"):
        if "cron_expression" not in reader.errors:
            reader.error("cron_expression", "is required for a cron schedule")
        return
    if "cron_expression" in reader.errors or "timezone" in reader.errors:
        return
    try:
        parse_cron(merged["cron_expression"], zone, min_interval_seconds=frequency_floor())
    except CronError as exc:
        if exc.field == "timezone":
            reader.error("timezone", exc.message)
        else:
            reader.error("cron_expression", str(exc))


def _limited(reader: FieldReader, name: str) -> Any:
    low, high = SCHEDULE_LIMITS[name]
    return reader.integer(name, minimum=low, maximum=high)


def _check_name_free(name: str, current: ReplicationSchedule | None) -> None:
    query = select(ReplicationSchedule.id).where(ReplicationSchedule.name == name)
    if current is not None:
        query = query.where(ReplicationSchedule.id != current.id)
    if db.session.scalar(query.limit(1)) is not None:
        raise Conflict("name_taken", f"A schedule named '{name}' already exists.", {"field": "name"})


def check_chain(schedule_id: str | None, parent_id: str | None) -> None:
    """Refuse a chain parent that does not exist, is the schedule itself, or closes a loop."""
    if parent_id is None:
        return
    if parent_id == schedule_id:
        raise ValidationError("chain_parent_schedule_id", "a schedule cannot be its own chain parent")
    if db.session.get(ReplicationSchedule, parent_id) is None:
        raise ValidationError("chain_parent_schedule_id", f"no schedule with id '{parent_id}'")
    validate_chain(schedule_id, parent_id)


def _notify_scheduler() -> None:
    """Tell the embedded scheduler to reload its jobs after a change has been committed."""
    schedules_changed()


def create_schedule(data: Any, created_by: str | None = None) -> ReplicationSchedule:
    """Validate and create a schedule; returns the committed row."""
    values = validate_schedule_input(data)
    policy = values.pop("_policy")
    schedule = ReplicationSchedule(id=str(uuid.uuid4()), created_by=created_by or "system",
                                   **{**_DEFAULTS, **values})
    db.session.add(schedule)
    with name_taken_on_conflict("schedule", schedule.name, db.session):
        db.session.flush()
        apply_schedule_policy(schedule.id, policy)
        db.session.flush()
        db.session.expire(schedule, ["policy"])
        record_change("schedule.create", "schedule", schedule.id, schedule.name, None, schedule_to_dict(schedule))
        db.session.commit()
    _notify_scheduler()
    return schedule


def update_schedule(schedule_id: str, data: Any) -> ReplicationSchedule:
    """Validate and apply a partial update (only the fields given change)."""
    schedule = get_schedule(schedule_id)
    values = validate_schedule_input(data, current=schedule)
    policy = values.pop("_policy")
    before = schedule_to_dict(schedule)
    policy_changed = apply_schedule_policy(schedule.id, policy)
    if not policy_changed and all(getattr(schedule, name) == value for name, value in values.items()):
        return schedule  # nothing changes: no audit row, updated_at kept, the scheduler left alone
    if values.get("enabled") and not schedule.enabled:
        clear_pause(schedule.id)
    for name, value in values.items():
        setattr(schedule, name, value)
    # The policy lives in the dashboard's table; the schedule's updated_at makes the engine reload.
    schedule.updated_at = utcnow()
    with name_taken_on_conflict("schedule", schedule.name, db.session):
        db.session.flush()
        db.session.expire(schedule, ["policy"])
        record_change("schedule.update", "schedule", schedule.id, schedule.name, before, schedule_to_dict(schedule))
        db.session.commit()
    _notify_scheduler()
    return schedule


def set_schedule_enabled(schedule_id: str, enabled: Any) -> ReplicationSchedule:
    """Switch a schedule on or off; switching it to what it already is changes nothing."""
    schedule = get_schedule(schedule_id)
    reader = FieldReader({"enabled": enabled})
    value = reader.boolean("enabled", required=True)
    reader.raise_if_errors()
    if bool(schedule.enabled) == value:
        return schedule  # already so: no audit row, updated_at kept
    before = schedule_to_dict(schedule)
    schedule.enabled = value
    if value:
        clear_pause(schedule.id)
    schedule.updated_at = utcnow()
    record_change("schedule.enable" if value else "schedule.disable", "schedule", schedule.id, schedule.name,
                  before, schedule_to_dict(schedule))
    db.session.commit()
    _notify_scheduler()
    return schedule


def delete_schedule(schedule_id: str) -> None:
    """Delete a schedule nothing depends on; otherwise say which groups/schedules use it."""
    schedule = get_schedule(schedule_id)
    groups = db.session.scalars(select(VMMachineGroup.name).where(VMMachineGroup.schedule_id == schedule.id)
                                .order_by(VMMachineGroup.name)).all()
    if groups:
        raise Conflict("schedule_in_use",
                       f"Schedule '{schedule.name}' cannot be deleted: machine groups still use it "
                       f"({', '.join(groups)}); assign them another schedule first.", {"groups": list(groups)})
    overrides = db.session.scalar(select(func.count()).select_from(VMGroupMembership)
                                  .where(VMGroupMembership.schedule_override_id == schedule.id))
    if overrides:
        raise Conflict("schedule_in_use",
                       f"Schedule '{schedule.name}' is still the override schedule of {overrides} VM(s).",
                       {"groups": [], "vm_overrides": overrides})
    children = db.session.scalars(select(ReplicationSchedule.name)
                                  .where(ReplicationSchedule.chain_parent_schedule_id == schedule.id)
                                  .order_by(ReplicationSchedule.name)).all()
    if children:
        raise Conflict("schedule_in_use",
                       f"Schedule '{schedule.name}' is the chain parent of {', '.join(children)}; "
                       "change their parent first.", {"groups": [], "chain_children": list(children)})
    record_change("schedule.delete", "schedule", schedule.id, schedule.name, schedule_to_dict(schedule), None)
    db.session.delete(schedule)
    db.session.commit()
    _notify_scheduler()


def trigger_schedule(schedule_id: str, requested_by: str | None = None, reason: str | None = None) -> ManualRun:
    """Run a schedule now (manual trigger): the execution, and what became of the request
    (started, skipped while the previous run runs, or waiting for a scheduler).

    A disabled schedule, or one that covers no VM, is a conflict: nothing would run.
    """
    return run_now(get_schedule(schedule_id).id, requested_by=requested_by, reason=reason)
