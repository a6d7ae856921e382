"""The audit trail: who changed what, when, and from which address.

`record_change` adds the audit row to the *current* session without committing, so it is
committed together with the change it describes, or rolled back with it: never a change
without its audit row, never an audit row for a change that did not happen. Rows name the
object by type, id and name and have no foreign key to it, so they outlive its deletion.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

from flask import g, has_request_context, request

from extensions import db
from models import DashboardAuditEvent, ReplicationSchedule, VMMachineGroup, VMReplicationContext
from paging import page_count

PER_PAGE = 50


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


def request_address() -> str | None:
    """The client address; behind a proxy, ProxyFix (TRUSTED_PROXY_COUNT) has already applied
    X-Forwarded-For, so a client cannot write a made-up address into the trail."""
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:64] or None


def record_change(action: str, object_type: str, object_id: str | None, object_name: str | None = None,
                  before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> DashboardAuditEvent:
    """Stage an audit row for a change (e.g. action="schedule.update", object_type="schedule")."""
    actor, kind = current_actor()
    event = DashboardAuditEvent(
        actor=actor[:200], actor_kind=kind, action=action[:100], object_type=object_type[:50],
        object_id=None if object_id is None else str(object_id)[:255],
        object_name=None if object_name is None else str(object_name)[:255],
        before=before, after=after, remote_addr=request_address())
    db.session.add(event)
    return event


def changed_fields(before: dict | None, after: dict | None) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for every field whose value differs, in a stable order."""
    before, after = before or {}, after or {}
    names = list(before) + [name for name in after if name not in before]
    return [(name, before.get(name), after.get(name)) for name in names if before.get(name) != after.get(name)]


@dataclass
class AuditFilters:
    """What the audit page was asked to show; `errors` names each field that could not be read."""

    user: str = ""
    object_type: str = ""
    object: str = ""
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1
    raw: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def query_args(self, **overrides) -> dict[str, str]:
        """The filter as URL arguments (for pagination links)."""
        args = {key: value for key, value in self.raw.items() if value}
        args.update({key: str(value) for key, value in overrides.items()})
        return args


def _parse_local_time(raw: str, zone: ZoneInfo, end_of_day: bool) -> datetime:
    """A date (`2026-01-31`) or local date-time (`2026-01-31T14:05`) in `zone`, as UTC."""
    raw = raw.strip()
    try:
        if "T" in raw or " " in raw:
            local = datetime.fromisoformat(raw.replace(" ", "T"))
            if local.tzinfo is None:
                local = local.replace(tzinfo=zone)
            return local.astimezone(timezone.utc)
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValueError("Use a date like 2026-01-31 or a date and time like 2026-01-31T14:05.") from None
    local = datetime.combine(day + timedelta(days=1) if end_of_day else day, time(0), tzinfo=zone)
    return local.astimezone(timezone.utc)


def parse_audit_filters(args, zone: ZoneInfo) -> AuditFilters:
    """Read the audit page's query arguments; dates are in the operator's display zone."""
    raw = {name: (args.get(name) or "").strip()
           for name in ("user", "object_type", "object", "from", "to", "page")}
    filters = AuditFilters(user=raw["user"][:200], object_type=raw["object_type"][:50],
                           object=raw["object"][:255], raw=raw)
    for name, end_of_day in (("from", False), ("to", True)):
        if raw[name]:
            try:
                value = _parse_local_time(raw[name], zone, end_of_day)
            except ValueError as exc:
                filters.errors[name] = str(exc)
                continue
            if name == "from":
                filters.since = value
            else:
                filters.until = value
    if filters.since and filters.until and filters.since >= filters.until:
        filters.errors["to"] = "The end of the period must be after its start."
    if raw["page"]:
        if raw["page"].isdigit() and int(raw["page"]) >= 1:
            filters.page = int(raw["page"])
        else:
            filters.errors["page"] = "The page must be a whole number from 1."
    return filters


@dataclass
class AuditPage:
    events: list[DashboardAuditEvent]
    total: int
    page: int
    pages: int
    object_types: list[str]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_audit_events(filters: AuditFilters, per_page: int = PER_PAGE) -> AuditPage:
    """One page of audit events matching `filters`, newest first (three SQL statements)."""
    event = DashboardAuditEvent
    conditions = []
    if filters.user:
        # A user's own changes and those made with that user's API tokens.
        conditions.append(db.or_(event.actor == filters.user,
                                 event.actor.like(_escape_like(filters.user) + " (token %", escape="\\")))
    if filters.object_type:
        conditions.append(event.object_type == filters.object_type)
    if filters.object:
        conditions.append(db.or_(event.object_id == filters.object,
                                 event.object_name.like("%" + _escape_like(filters.object) + "%", escape="\\")))
    if filters.since:
        conditions.append(event.ts >= filters.since)
    if filters.until:
        conditions.append(event.ts < filters.until)
    total = db.session.execute(db.select(db.func.count()).select_from(event).where(*conditions)).scalar_one()
    pages = page_count(total, per_page)
    page = min(filters.page, pages)
    events = list(db.session.execute(
        db.select(event).where(*conditions).order_by(event.ts.desc(), event.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).scalars())
    object_types = list(db.session.execute(
        db.select(event.object_type).distinct().order_by(event.object_type)).scalars())
    return AuditPage(events=events, total=total, page=page, pages=pages, object_types=object_types)


# ---- The trail in plain words ---------------------------------------------------------------
# Known change shapes read as sentences ("Moved web-01 to position 3 in Web"); any other change
# as its changed fields, each value in words (never raw JSON).

@dataclass
class AuditDescription:
    sentences: list[str]
    fields: list[tuple[str, str, str]]


# Bookkeeping the dashboard sets itself: never a change an operator made, so never listed.
BOOKKEEPING_FIELDS = frozenset({"id", "created_at", "updated_at"})
# Fields holding another object's id: shown as that object's name (its id once it is deleted).
NAMED_ID_FIELDS = {"schedule_id": "schedule", "chain_parent_schedule_id": "schedule",
                   "schedule_override_id": "schedule", "group_id": "group"}
FIELD_LABELS = {
    "name": "Name", "description": "Description", "schedule_type": "Schedule type",
    "cron_expression": "Cron expression", "timezone": "Timezone", "chain_parent_schedule_id": "Chain parent",
    "chain_delay_minutes": "Chain delay (minutes)", "replication_type": "Replication type",
    "max_concurrent_jobs": "Max concurrent jobs", "retry_attempts": "Retry attempts",
    "retry_delay_minutes": "Retry delay (minutes)", "enabled": "Enabled", "skip_if_running": "Skip if running",
    "created_by": "Created by", "problem": "Problem", "schedule_id": "Schedule",
    "schedule_override_id": "Override schedule", "max_concurrent_vms": "Max concurrent VMs",
    "priority": "Priority", "group_id": "Group", "group_name": "Group name", "username": "User name",
    "role": "Role", "active": "Active", "label": "Label", "user": "User", "prefix": "Token prefix",
    "revoked": "Revoked", "priorities": "Priorities", "password": "Password", "value": "Value",
}
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def field_label(name: str) -> str:
    """A stored field name as the label an operator reads ("max_concurrent_vms" -> "Max concurrent VMs")."""
    return FIELD_LABELS.get(name) or str(name).replace("_", " ").strip().capitalize() or str(name)


def utc_time(value: datetime) -> str:
    """The formatter used outside a page: seconds, in UTC, zone named."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _as_time(value: Any) -> datetime | None:
    """A stored ISO timestamp as a datetime (naive ones are UTC); None for anything else."""
    if not isinstance(value, str) or not _ISO_TIME.match(value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def plain_value(value: Any, time_format: Callable[[datetime], str] = utc_time) -> str:
    """A stored value as an operator reads it: "—", "yes"/"no", "a, b", "key: value; key: value",
    a timestamp in the display zone (never raw ISO)."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return time_format(value if value.tzinfo else value.replace(tzinfo=timezone.utc))
    if isinstance(value, (list, tuple)):
        return ", ".join(plain_value(item, time_format) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {plain_value(item, time_format)}" for key, item in value.items())
    moment = _as_time(value)
    if moment is not None:
        return time_format(moment)
    return str(value)


def _ranks(priorities: Any) -> list[str] | None:
    """VM ids in priority order (lower runs first), or None for a shape this does not know."""
    if not isinstance(priorities, dict) or not all(isinstance(p, (int, float)) and not isinstance(p, bool)
                                                   for p in priorities.values()):
        return None
    return [cid for cid, _ in sorted(priorities.items(), key=lambda item: (item[1], str(item[0])))]


def _reorder_sentences(before: list[str], after: list[str], group: str, names: dict[str, str]) -> list[str]:
    name = lambda cid: names.get(cid, cid)  # noqa: E731 - a VM deleted since keeps its id
    if before == after:
        return [f"Kept the order of {group}."]
    if sorted(before) == sorted(after):
        for cid in after:  # one VM taken out and put back elsewhere explains the whole change
            if [c for c in before if c != cid] == [c for c in after if c != cid]:
                return [f"Moved {name(cid)} to position {after.index(cid) + 1} in {group} "
                        f"(was {before.index(cid) + 1})."]
    old = {cid: index for index, cid in enumerate(before)}
    return [f"Moved {name(cid)} to position {index + 1} in {group}"
            + (f" (was {old[cid] + 1})." if cid in old else ".")
            for index, cid in enumerate(after) if old.get(cid) != index]


def _group_name(snapshot: Any) -> str | None:
    return snapshot.get("group_name") or snapshot.get("group_id") if isinstance(snapshot, dict) else None


def describe_event(event: DashboardAuditEvent, vm_names: dict[str, str] | None = None,
                   object_names: dict[tuple[str, str], str] | None = None,
                   time_format: Callable[[datetime], str] = utc_time) -> AuditDescription:
    """What an audit row says, in plain words: bookkeeping fields left out, fields by their
    labels, ids of other objects by name (`object_names`: (type, id) -> name), times formatted
    by `time_format` (the page passes its display-zone formatter)."""
    before, after, names = event.before, event.after, vm_names or {}
    object_names = object_names or {}
    group = event.object_name or event.object_id or "the group"
    if event.action == "group.reorder" and isinstance(before, dict) and isinstance(after, dict):
        old, new = _ranks(before.get("priorities")), _ranks(after.get("priorities"))
        if old is not None and new is not None:
            return AuditDescription(_reorder_sentences(old, new, group, names), [])
    if event.action in ("vm.assign", "vm.move", "vm.unassign"):
        source, target = _group_name(before), _group_name(after)
        if event.action == "vm.assign" and target:
            return AuditDescription([f"Assigned to group {target}."], [])
        if event.action == "vm.move" and source and target:
            return AuditDescription([f"Moved from group {source} to group {target}."], [])
        if event.action == "vm.unassign" and source:
            return AuditDescription([f"Removed from group {source}; now ungrouped."], [])
    if event.action == "user.password":
        return AuditDescription(["Password changed."], [])
    def shown(name: str, value: Any) -> str:
        kind = NAMED_ID_FIELDS.get(name)
        if kind and isinstance(value, str):
            value = object_names.get((kind, value), value)
        return plain_value(value, time_format)

    fields = [(field_label(name), shown(name, old), shown(name, new)) for name, old, new in changed_fields(
        before if isinstance(before, dict) else {"value": before} if before is not None else None,
        after if isinstance(after, dict) else {"value": after} if after is not None else None)
        if name not in BOOKKEEPING_FIELDS]
    return AuditDescription([], fields)


def describe_events(events: list[DashboardAuditEvent],
                    time_format: Callable[[datetime], str] = utc_time) -> dict[int, AuditDescription]:
    """Plain words for a page of events, by event id (one query each for the names of reordered
    VMs and of the schedules and groups the changes refer to by id)."""
    ids = {str(cid) for event in events if event.action == "group.reorder"
           for snapshot in (event.before, event.after) if isinstance(snapshot, dict)
           and isinstance(snapshot.get("priorities"), dict) for cid in snapshot["priorities"]}
    names = dict(db.session.execute(
        db.select(VMReplicationContext.context_id, VMReplicationContext.vm_name)
        .where(VMReplicationContext.context_id.in_(ids))).all()) if ids else {}
    wanted: dict[str, set[str]] = {"schedule": set(), "group": set()}
    for event in events:
        for snapshot in (event.before, event.after):
            if isinstance(snapshot, dict):
                for name, kind in NAMED_ID_FIELDS.items():
                    if isinstance(snapshot.get(name), str):
                        wanted[kind].add(snapshot[name])
    object_names: dict[tuple[str, str], str] = {}
    for kind, model in (("schedule", ReplicationSchedule), ("group", VMMachineGroup)):
        if wanted[kind]:
            object_names.update(((kind, key), name) for key, name in db.session.execute(
                db.select(model.id, model.name).where(model.id.in_(wanted[kind]))).all())
    return {event.id: describe_event(event, names, object_names, time_format) for event in events}
