"""Which VMs are in which group, in what priority order; assigning elsewhere moves a VM."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import load_only

from domain_errors import Conflict, FieldReader, NotFound, ValidationError
from extensions import db
from grouping.groups import GroupSummary, get_group, group_names, list_groups
from models import (ReplicationJob, VMGroupMembership, VMMachineGroup, VMReplicationContext,
                    replication_active)
from paging import page_count
from scheduler import schedules_changed
from security.audit import record_change
from vms import vm_to_dict

MAX_BATCH = 1000
# What a VM card on the board shows; the board loads no other column of a VM.
_CARD_COLUMNS = load_only(VMReplicationContext.context_id, VMReplicationContext.vm_name,
                          VMReplicationContext.datacenter, VMReplicationContext.current_status,
                          VMReplicationContext.cpu_count, VMReplicationContext.memory_mb)


@dataclass(frozen=True)
class MemberRow:
    membership: VMGroupMembership
    vm: VMReplicationContext


@dataclass
class AssignResult:
    """What an assignment did, per VM context id."""

    group_id: str | None
    added: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"group_id": self.group_id, "added": self.added, "moved": self.moved,
                "unchanged": self.unchanged, "removed": self.removed}


@dataclass(frozen=True)
class AssignmentBoard:
    """One view of the assignment board, sized for a fleet of thousands of VMs.

    `groups` are the group columns of this page (`all_groups` is (id, name) of every group, for
    the bulk select); `members` holds each column's first `column_limit` VMs in priority order (every VM
    of the `expanded` group); `ungrouped` is one page of the ungrouped VMs.
    """

    groups: list[GroupSummary]
    members: dict[str, list[MemberRow]]
    ungrouped: list[VMReplicationContext]
    all_groups: list[tuple[str, str]] = field(default_factory=list)
    ungrouped_total: int = 0
    ungrouped_page: int = 1
    ungrouped_pages: int = 1
    groups_page: int = 1
    groups_pages: int = 1
    column_limit: int | None = None
    expanded: str | None = None
    # With a filter: how many of each shown group's VMs match it, and how many ungrouped VMs
    # there are in all (`ungrouped_total` then counts the matching ones).
    filtered: bool = False
    matching: dict[str, int] = field(default_factory=dict)
    ungrouped_all: int = 0

    def matching_count(self, summary: GroupSummary) -> int:
        """The VMs of a column the board can show: those matching the filter, else all of them."""
        return self.matching.get(summary.group.id, 0) if self.filtered else summary.vm_count

    def is_truncated(self, summary: GroupSummary) -> bool:
        """Whether a column shows only the first of its (matching) VMs."""
        shown = len(self.members.get(summary.group.id, []))
        return (self.column_limit is not None and summary.group.id != self.expanded
                and shown >= self.column_limit and self.matching_count(summary) > shown)


def member_to_dict(row: MemberRow) -> dict[str, Any]:
    m = row.membership
    return {**vm_to_dict(row.vm), "membership_id": m.id, "group_id": m.group_id,
            "enabled": m.enabled is not False, "priority": m.priority or 0,
            "schedule_override_id": m.schedule_override_id,
            "added_at": m.added_at.isoformat() if m.added_at else None, "added_by": m.added_by}


def _members_query():
    return (select(VMGroupMembership, VMReplicationContext)
            .join(VMReplicationContext, VMReplicationContext.context_id == VMGroupMembership.vm_context_id)
            .order_by(VMGroupMembership.priority, VMReplicationContext.vm_name))


def membership_row(context_id: str) -> MemberRow | None:
    """The VM's membership and context, or None when it is in no group (one query)."""
    row = db.session.execute(_members_query().where(VMGroupMembership.vm_context_id == context_id).limit(1)).first()
    return MemberRow(*row) if row is not None else None


def group_members(group_id: str) -> list[MemberRow]:
    """A group's VMs in priority order (lower runs first), in one query after the group check."""
    group = get_group(group_id)
    return [MemberRow(m, vm) for m, vm in db.session.execute(
        _members_query().where(VMGroupMembership.group_id == group.id)).all()]


def _search_condition(search: str):
    pattern = f"%{search.strip().lower()}%"
    return or_(func.lower(VMReplicationContext.vm_name).like(pattern),
               func.lower(VMReplicationContext.datacenter).like(pattern))


def _ungrouped_query(search: str | None):
    grouped = select(VMGroupMembership.vm_context_id)
    query = (select(VMReplicationContext).where(VMReplicationContext.context_id.not_in(grouped))
             .order_by(VMReplicationContext.vm_name))
    if search:
        query = query.where(_search_condition(search))
    return query


def ungrouped_vms(search: str | None = None) -> list[VMReplicationContext]:
    """Managed VMs that are in no group, by name (one query), optionally filtered by name/datacenter."""
    return list(db.session.scalars(_ungrouped_query(search)).all())


def assignment_board(search: str | None = None, *, groups_page: int = 1, groups_per_page: int | None = None,
                     column_limit: int | None = None, expanded: str | None = None, ungrouped_page: int = 1,
                     ungrouped_per_page: int | None = None) -> AssignmentBoard:
    """The board in at most five queries: group names, the shown groups with counts, the shown
    members of the shown columns, one page of ungrouped VMs and their total (two more with a
    filter: the matching VMs of each shown group, and the ungrouped VMs in all).

    Without limits every group, member and ungrouped VM is included; a page passes limits so
    that a fleet of thousands of VMs renders as a few hundred cards.
    """
    if groups_per_page:
        all_groups = group_names()
        groups_pages = page_count(len(all_groups), groups_per_page)
        groups_page = min(max(1, groups_page), groups_pages)
        page_ids = [group_id for group_id, _ in
                    all_groups[(groups_page - 1) * groups_per_page:groups_page * groups_per_page]]
        shown = list_groups(ids=page_ids) if page_ids else []
    else:
        shown = list_groups()
        all_groups = [(summary.group.id, summary.group.name) for summary in shown]
        groups_pages = groups_page = 1
    members: dict[str, list[MemberRow]] = {summary.group.id: [] for summary in shown}
    if shown:
        query = _members_query().where(VMGroupMembership.group_id.in_(list(members)))
        if search:
            query = query.where(_search_condition(search))
        if column_limit is not None:
            # Rank within each column over the two index columns only, then load the shown rows.
            rank = func.row_number().over(partition_by=VMGroupMembership.group_id,
                                          order_by=(VMGroupMembership.priority, VMReplicationContext.vm_name))
            ranked = (query.with_only_columns(VMGroupMembership.id, VMGroupMembership.group_id, rank.label("rank"))
                      .order_by(None).subquery())
            query = (_members_query().options(_CARD_COLUMNS).join(ranked, ranked.c.id == VMGroupMembership.id)
                     .where(or_(ranked.c.rank <= column_limit, ranked.c.group_id == expanded)))
        for membership, vm_row in db.session.execute(query).all():
            members[membership.group_id].append(MemberRow(membership, vm_row))
    ungrouped_query = _ungrouped_query(search)
    if ungrouped_per_page:
        total = db.session.scalar(ungrouped_query.with_only_columns(func.count()).order_by(None)) or 0
        ungrouped_pages = page_count(total, ungrouped_per_page)
        ungrouped_page = min(max(1, ungrouped_page), ungrouped_pages)
        ungrouped = list(db.session.scalars(ungrouped_query.options(_CARD_COLUMNS)
                                            .offset((ungrouped_page - 1) * ungrouped_per_page)
                                            .limit(ungrouped_per_page)).all())
    else:
        ungrouped = list(db.session.scalars(ungrouped_query).all())
        total, ungrouped_pages, ungrouped_page = len(ungrouped), 1, 1
    matching: dict[str, int] = {}
    ungrouped_all = total
    if search:
        if shown:
            matching = dict(db.session.execute(
                select(VMGroupMembership.group_id, func.count())
                .join(VMReplicationContext, VMReplicationContext.context_id == VMGroupMembership.vm_context_id)
                .where(VMGroupMembership.group_id.in_(list(members)), _search_condition(search))
                .group_by(VMGroupMembership.group_id)).all())
        ungrouped_all = db.session.scalar(_ungrouped_query(None).with_only_columns(func.count()).order_by(None)) or 0
    return AssignmentBoard(shown, members, ungrouped, all_groups, total, ungrouped_page, ungrouped_pages,
                           groups_page, groups_pages, column_limit, expanded, filtered=bool(search),
                           matching=matching, ungrouped_all=ungrouped_all)


def _load_vms(context_ids: Iterable[str], field_name: str, lock: bool = False) -> dict[str, VMReplicationContext]:
    """Load the VMs named by `field_name`; with `lock`, hold their rows until commit.

    Locking the VM rows (in primary-key order, so two bulk assignments cannot deadlock) makes a
    concurrent assignment of the same VM wait and then see the first one's membership: the
    appliance schema has no unique key that keeps a VM in one group, so this lock does.
    """
    ids = sorted(set(context_ids)) if lock else list(context_ids)
    if len(ids) > MAX_BATCH:
        raise ValidationError(field_name, f"must name at most {MAX_BATCH} VMs")
    query = select(VMReplicationContext).where(VMReplicationContext.context_id.in_(ids))
    if lock:
        query = query.order_by(VMReplicationContext.context_id).with_for_update()
    vms = {vm.context_id: vm for vm in db.session.scalars(query).all()} if ids else {}
    unknown = [cid for cid in ids if cid not in vms]
    if unknown:
        raise ValidationError(field_name, f"unknown VM context id(s): {', '.join(unknown[:10])}")
    return vms


def _refuse_busy(context_ids: list[str], vms: dict[str, VMReplicationContext]) -> None:
    """A VM whose replication is running cannot leave its group until the job ends."""
    if not context_ids:
        return
    busy = db.session.execute(
        select(ReplicationJob.vm_context_id, ReplicationJob.id)
        .where(ReplicationJob.vm_context_id.in_(context_ids),
               replication_active(ReplicationJob.status))).all()
    if busy:
        jobs = {cid: job_id for cid, job_id in busy}
        names = ", ".join(sorted(vms[cid].vm_name for cid in jobs))
        raise Conflict("vm_busy", f"VM(s) {names} are replicating; wait for the job to finish before "
                                  "moving or removing them.",
                       {"vms": [{"context_id": cid, "vm_name": vms[cid].vm_name, "job_id": job}
                                for cid, job in sorted(jobs.items())]})


def assign_vms(group_id: str, context_ids: list[str], added_by: str | None = None) -> AssignResult:
    """Put VMs into a group, moving them out of any other group; appended at the lowest priority.

    All or nothing: an unknown id or a busy VM refuses the whole request.
    """
    result = stage_assignment(group_id, context_ids, added_by)
    db.session.commit()
    if result.added or result.moved:
        schedules_changed()
    return result


def assign_vm(group_id: str, context_id: Any, *, priority: Any = None, enabled: Any = None,
              added_by: str | None = None, field_name: str = "vm_context_id") -> tuple[AssignResult, VMGroupMembership]:
    """Put one VM into a group with an optional priority and enabled flag (the original API's
    AssignVMRequest, vm_group_assignment.go [sendense 8b7d59b]); the rest as `assign_vms`."""
    reader = FieldReader({name: value for name, value in (("priority", priority), ("enabled", enabled))
                          if value is not None})
    priority = reader.integer("priority", minimum=0, maximum=100000)
    enabled = reader.boolean("enabled")
    if not isinstance(context_id, str) or not context_id.strip():
        reader.error(field_name, "is required: a VM context id")
    reader.raise_if_errors()
    result = stage_assignment(group_id, [context_id], added_by, field_name=field_name)
    membership = db.session.scalar(select(VMGroupMembership).where(VMGroupMembership.vm_context_id == context_id))
    changed = {}
    if priority is not None and membership.priority != priority:
        changed["priority"] = (membership.priority, priority)
        membership.priority = priority
    if enabled is not None and (membership.enabled is not False) != enabled:
        changed["enabled"] = (membership.enabled is not False, enabled)
        membership.enabled = enabled
    if changed and context_id in result.unchanged:
        vm = db.session.get(VMReplicationContext, context_id)
        record_change("vm.membership", "vm", context_id, vm.vm_name, {k: v[0] for k, v in changed.items()},
                      {k: v[1] for k, v in changed.items()})
    db.session.commit()
    if result.added or result.moved or changed:
        schedules_changed()
    return result, membership


def stage_assignment(group_id: str, context_ids: list[str], added_by: str | None = None,
                     field_name: str = "vm_context_ids") -> AssignResult:
    """`assign_vms` without the commit, for callers that make it part of a larger change."""
    group = get_group(group_id)
    if not isinstance(context_ids, list) or not all(isinstance(cid, str) for cid in context_ids) \
            or not context_ids:
        raise ValidationError(field_name, "must be a non-empty list of VM context ids")
    context_ids = list(dict.fromkeys(context_ids))
    vms = _load_vms(context_ids, field_name, lock=True)
    current = {m.vm_context_id: m for m in db.session.scalars(
        select(VMGroupMembership).where(VMGroupMembership.vm_context_id.in_(context_ids))).all()}
    result = AssignResult(group.id)
    movers = [cid for cid in context_ids if cid in current and current[cid].group_id != group.id]
    _refuse_busy(movers, vms)
    next_priority = (db.session.scalar(select(func.max(VMGroupMembership.priority))
                                       .where(VMGroupMembership.group_id == group.id)) or 0) + 1
    group_names = dict(db.session.execute(select(VMMachineGroup.id, VMMachineGroup.name)
                                          .where(VMMachineGroup.id.in_({m.group_id for m in current.values()}))
                                          ).all()) if current else {}
    for cid in context_ids:
        membership = current.get(cid)
        if membership is not None and membership.group_id == group.id:
            result.unchanged.append(cid)
            continue
        if membership is not None:
            before = {"group_id": membership.group_id, "group_name": group_names.get(membership.group_id)}
            membership.group_id = group.id
            membership.priority = next_priority
            membership.added_by = added_by or "system"
            result.moved.append(cid)
            record_change("vm.move", "vm", cid, vms[cid].vm_name, before,
                          {"group_id": group.id, "group_name": group.name})
        else:
            db.session.add(VMGroupMembership(id=str(uuid.uuid4()), group_id=group.id, vm_context_id=cid,
                                             enabled=True, priority=next_priority,
                                             added_by=added_by or "system"))
            result.added.append(cid)
            record_change("vm.assign", "vm", cid, vms[cid].vm_name, {"group_id": None},
                          {"group_id": group.id, "group_name": group.name})
        next_priority += 1
    return result


def remove_vm(group_id: str, context_id: str) -> None:
    """Take a VM out of a group (it becomes ungrouped)."""
    group = get_group(group_id)
    membership = db.session.scalar(select(VMGroupMembership).where(
        VMGroupMembership.group_id == group.id, VMGroupMembership.vm_context_id == context_id))
    if membership is None:
        raise NotFound("group_membership", context_id)
    vm = db.session.get(VMReplicationContext, context_id)
    _refuse_busy([context_id], {context_id: vm})
    record_change("vm.unassign", "vm", context_id, vm.vm_name, {"group_id": group.id, "group_name": group.name},
                  {"group_id": None})
    db.session.delete(membership)
    db.session.commit()
    schedules_changed()


def ungroup_vms(context_ids: list[str]) -> AssignResult:
    """Take several VMs out of their groups at once; all or nothing.

    An unknown id or a replicating VM refuses the whole request; VMs in no group are reported
    unchanged.
    """
    if not isinstance(context_ids, list) or not all(isinstance(cid, str) for cid in context_ids) \
            or not context_ids:
        raise ValidationError("vm_context_ids", "must be a non-empty list of VM context ids")
    context_ids = list(dict.fromkeys(context_ids))
    vms = _load_vms(context_ids, "vm_context_ids")
    rows = db.session.execute(
        select(VMGroupMembership, VMMachineGroup.name)
        .join(VMMachineGroup, VMMachineGroup.id == VMGroupMembership.group_id)
        .where(VMGroupMembership.vm_context_id.in_(context_ids))).all()
    memberships = {membership.vm_context_id: (membership, name) for membership, name in rows}
    _refuse_busy([cid for cid in context_ids if cid in memberships], vms)
    result = AssignResult(None)
    for cid in context_ids:
        if cid not in memberships:
            result.unchanged.append(cid)
            continue
        membership, group_name = memberships[cid]
        record_change("vm.unassign", "vm", cid, vms[cid].vm_name,
                      {"group_id": membership.group_id, "group_name": group_name}, {"group_id": None})
        db.session.delete(membership)
        result.removed.append(cid)
    db.session.commit()
    if result.removed:
        schedules_changed()
    return result


def vm_group_id(context_id: str) -> str | None:
    """The id of the group a VM is in, None if it is in none (one indexed query)."""
    if not isinstance(context_id, str):
        return None
    return db.session.scalar(select(VMGroupMembership.group_id).where(VMGroupMembership.vm_context_id == context_id))


def place_member(group_id: str, context_id: str, after: str | None = None, before: str | None = None) -> None:
    """Move one VM of a group to just after `after` (or, without it, just before `before`;
    first when neither is given) in the group's priority order, and renumber the group.

    Naming neighbours rather than the whole order lets a page that shows only part of a group
    reorder it; a neighbour that is no longer in the group is refused, not guessed.
    """
    group = get_group(group_id)
    memberships = list(db.session.scalars(
        select(VMGroupMembership).join(VMReplicationContext,
                                       VMReplicationContext.context_id == VMGroupMembership.vm_context_id)
        .where(VMGroupMembership.group_id == group.id)
        .order_by(VMGroupMembership.priority, VMReplicationContext.vm_name)).all())
    by_id = {m.vm_context_id: m for m in memberships}
    if context_id not in by_id:
        raise ValidationError("vm_context_id", f"'{context_id}' is not in group '{group.name}'")
    for name, neighbour in (("after", after), ("before", before)):
        if neighbour is not None and (neighbour not in by_id or neighbour == context_id):
            raise ValidationError(name, f"'{neighbour}' is not another VM of group '{group.name}'")
    order = [cid for cid in by_id if cid != context_id]
    if after is not None:
        order.insert(order.index(after) + 1, context_id)
    elif before is not None:
        order.insert(order.index(before), context_id)
    else:
        order.insert(0, context_id)
    _apply_order(group, by_id, order)


def _apply_order(group: VMMachineGroup, memberships: dict[str, VMGroupMembership], order: list[str]) -> None:
    """Give the group's memberships the priorities of `order` (first runs first), audited, committed."""
    before = {cid: m.priority for cid, m in memberships.items()}
    if all(before[cid] == priority for priority, cid in enumerate(order)):
        return  # already in this order with these priorities: nothing to record
    for priority, cid in enumerate(order):
        memberships[cid].priority = priority
    record_change("group.reorder", "group", group.id, group.name, {"priorities": before},
                  {"priorities": {cid: p for p, cid in enumerate(order)}})
    db.session.commit()


def set_vm_group(context_id: str, group_id: str | None, added_by: str | None = None, *, priority: Any = None,
                 enabled: Any = None) -> AssignResult:
    """Assign one VM to a group (with an optional priority and enabled flag), move it, or
    (group_id None) make it ungrouped."""
    vm = db.session.get(VMReplicationContext, context_id) if isinstance(context_id, str) else None
    if vm is None:
        raise NotFound("vm_context", context_id)
    if group_id is not None and not isinstance(group_id, str):
        raise ValidationError("group_id", "must be a group id or null")
    if group_id is not None:
        try:
            get_group(group_id)
        except NotFound:
            raise ValidationError("group_id", f"no machine group with id '{group_id}'") from None
        return assign_vm(group_id, context_id, priority=priority, enabled=enabled, added_by=added_by)[0]
    membership = db.session.scalar(select(VMGroupMembership).where(VMGroupMembership.vm_context_id == context_id))
    result = AssignResult(None)
    if membership is None:
        result.unchanged.append(context_id)
        return result
    remove_vm(membership.group_id, context_id)
    result.removed.append(context_id)
    return result


def reorder_members(group_id: str, context_ids: list[str]) -> list[MemberRow]:
    """Set priorities from an ordered list of the group's VMs (first runs first).

    The list must name every member exactly once, so that a stale page cannot silently drop
    a VM's place in the order.
    """
    group = get_group(group_id)
    if not isinstance(context_ids, list) or not all(isinstance(cid, str) for cid in context_ids):
        raise ValidationError("vm_context_ids", "must be a list of VM context ids")
    memberships = {m.vm_context_id: m for m in db.session.scalars(
        select(VMGroupMembership).where(VMGroupMembership.group_id == group.id)).all()}
    if len(set(context_ids)) != len(context_ids) or set(context_ids) != set(memberships):
        missing = sorted(set(memberships) - set(context_ids))
        extra = sorted(set(context_ids) - set(memberships))
        problems = []
        if missing:
            problems.append(f"missing {', '.join(missing[:10])}")
        if extra:
            problems.append(f"not in this group: {', '.join(extra[:10])}")
        if len(set(context_ids)) != len(context_ids):
            problems.append("has duplicates")
        raise ValidationError("vm_context_ids", "must list every VM of the group once (" + "; ".join(problems) + ")")
    _apply_order(group, memberships, context_ids)
    return group_members(group.id)
