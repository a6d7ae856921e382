"""Machine groups and membership: counts in one query, one group per VM, priorities, busy VMs."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

import grouping
from domain_errors import Conflict, NotFound, ValidationError
from extensions import db
from models import DashboardAuditEvent, VMGroupMembership, VMMachineGroup
from tests.factories import add_member, make_group, make_replication_job, make_schedule, make_vm
from tests.support.statements import count_statements

pytestmark = pytest.mark.both_dbs


def memberships_of(vm):
    return db.session.scalars(select(VMGroupMembership).where(VMGroupMembership.vm_context_id == vm.context_id)
                              .execution_options(populate_existing=True)).all()


def test_a_group_is_created_with_its_schedule_and_limits(app):
    schedule = make_schedule("nightly")

    group = grouping.create_group({"name": "web", "schedule_id": schedule.id, "max_concurrent_vms": 3,
                                   "priority": 2}, created_by="operator")

    stored = db.session.get(VMMachineGroup, group.id)
    assert (stored.schedule_id, stored.max_concurrent_vms, stored.priority, stored.created_by) == \
        (schedule.id, 3, 2, "operator")


@pytest.mark.parametrize("data, field", [
    ({"name": ""}, "name"),
    ({"name": "web", "schedule_id": "missing"}, "schedule_id"),
    ({"name": "web", "max_concurrent_vms": 0}, "max_concurrent_vms"),
    ({"name": "web", "priority": "first"}, "priority"),
    ({"name": "web", "owner": "me"}, "owner"),
])
def test_a_bad_group_field_is_refused_with_its_name(app, data, field):
    with pytest.raises(ValidationError) as excinfo:
        grouping.create_group(data)

    assert field in excinfo.value.errors
    assert db.session.scalars(select(VMMachineGroup)).all() == []


def test_a_taken_group_name_is_a_conflict(app):
    make_group("web")

    with pytest.raises(Conflict) as excinfo:
        grouping.create_group({"name": "web"})

    assert excinfo.value.code == "name_taken"


def test_groups_are_listed_with_vm_counts_from_a_single_query(app):
    schedule = make_schedule("nightly")
    web = make_group("web", schedule)
    make_group("empty")
    add_member(web, make_vm())
    add_member(web, make_vm(), enabled=False)

    with count_statements(db.engine) as counter:
        summaries = {s.group.name: s for s in grouping.list_groups()}

    assert counter.count == 1
    assert (summaries["web"].vm_count, summaries["web"].enabled_vm_count, summaries["web"].schedule_name) == \
        (2, 1, "nightly")
    assert (summaries["empty"].vm_count, summaries["empty"].schedule_name) == (0, None)


def test_assigning_a_vm_that_is_in_another_group_moves_it(app):
    web, db_group = make_group("web"), make_group("db")
    vm = make_vm()
    add_member(web, vm)

    result = grouping.assign_vms(db_group.id, [vm.context_id], added_by="operator")

    assert result.moved == [vm.context_id]
    assert [m.group_id for m in memberships_of(vm)] == [db_group.id]
    audit = db.session.scalars(select(DashboardAuditEvent).where(DashboardAuditEvent.action == "vm.move")).one()
    assert (audit.before["group_id"], audit.after["group_id"]) == (web.id, db_group.id)


def test_assigning_a_vm_to_its_own_group_changes_nothing(app):
    web = make_group("web")
    vm = make_vm()
    add_member(web, vm)

    result = grouping.assign_vms(web.id, [vm.context_id])

    assert (result.unchanged, result.added, result.moved) == ([vm.context_id], [], [])


def test_membership_is_not_limited_by_the_concurrency_limit(app):
    group = make_group("web", max_concurrent_vms=1)
    vms = [make_vm() for _ in range(3)]

    result = grouping.assign_vms(group.id, [vm.context_id for vm in vms])

    assert len(result.added) == 3
    assert grouping.group_summary(group.id).vm_count == 3


def test_new_members_are_appended_after_the_existing_ones(app):
    group = make_group("web")
    first, second = make_vm("a-first"), make_vm("b-second")
    add_member(group, first, priority=5)

    grouping.assign_vms(group.id, [second.context_id])

    assert [row.vm.vm_name for row in grouping.group_members(group.id)] == ["a-first", "b-second"]


def test_an_unknown_vm_refuses_the_whole_assignment(app):
    group = make_group("web")
    vm = make_vm()

    with pytest.raises(ValidationError) as excinfo:
        grouping.assign_vms(group.id, [vm.context_id, "ctx-missing"])

    assert "ctx-missing" in excinfo.value.errors["vm_context_ids"]
    assert memberships_of(vm) == []


def test_a_replicating_vm_cannot_be_moved_to_another_group(app):
    web, db_group = make_group("web"), make_group("db")
    vm = make_vm("busy-vm")
    add_member(web, vm)
    job = make_replication_job(vm, status="replicating")

    with pytest.raises(Conflict) as excinfo:
        grouping.assign_vms(db_group.id, [vm.context_id])

    assert excinfo.value.code == "vm_busy"
    assert excinfo.value.details["vms"][0]["job_id"] == job.id
    assert [m.group_id for m in memberships_of(vm)] == [web.id]


def test_a_vm_whose_job_ended_can_be_moved(app):
    web, db_group = make_group("web"), make_group("db")
    vm = make_vm()
    add_member(web, vm)
    make_replication_job(vm, status="completed")

    grouping.assign_vms(db_group.id, [vm.context_id])

    assert [m.group_id for m in memberships_of(vm)] == [db_group.id]


def test_setting_a_vm_s_group_to_none_makes_it_ungrouped(app):
    web = make_group("web")
    vm = make_vm()
    add_member(web, vm)

    result = grouping.set_vm_group(vm.context_id, None)

    assert result.removed == [vm.context_id]
    assert [v.context_id for v in grouping.ungrouped_vms()] == [vm.context_id]


def test_setting_a_vm_s_group_to_an_unknown_group_names_the_field(app):
    vm = make_vm()

    with pytest.raises(ValidationError) as excinfo:
        grouping.set_vm_group(vm.context_id, "no-group")

    assert "group_id" in excinfo.value.errors


def test_setting_the_group_of_an_unknown_vm_is_not_found(app):
    with pytest.raises(NotFound):
        grouping.set_vm_group("ctx-missing", None)


def test_removing_a_vm_that_is_not_a_member_is_not_found(app):
    group = make_group("web")

    with pytest.raises(NotFound):
        grouping.remove_vm(group.id, make_vm().context_id)


def test_reordering_sets_priorities_in_the_given_order(app):
    group = make_group("web")
    a, b, c = make_vm("a"), make_vm("b"), make_vm("c")
    for vm in (a, b, c):
        add_member(group, vm)

    rows = grouping.reorder_members(group.id, [c.context_id, a.context_id, b.context_id])

    assert [(row.vm.vm_name, row.membership.priority) for row in rows] == [("c", 0), ("a", 1), ("b", 2)]


def test_reordering_must_name_every_member_once(app):
    group = make_group("web")
    a, b = make_vm("a"), make_vm("b")
    add_member(group, a)
    add_member(group, b)

    with pytest.raises(ValidationError) as excinfo:
        grouping.reorder_members(group.id, [a.context_id])

    assert "missing" in excinfo.value.errors["vm_context_ids"]


def test_a_group_with_members_cannot_be_deleted(app):
    group = make_group("web")
    add_member(group, make_vm())

    with pytest.raises(Conflict) as excinfo:
        grouping.delete_group(group.id)

    assert (excinfo.value.code, excinfo.value.details["member_count"]) == ("group_not_empty", 1)


def test_an_empty_group_is_deleted(app):
    group = make_group("web")

    grouping.delete_group(group.id)

    assert db.session.get(VMMachineGroup, group.id) is None


def test_ungrouped_vms_can_be_searched_by_name(app):
    make_vm("web-01")
    make_vm("db-01")
    add_member(make_group("g"), make_vm("web-02"))

    assert [vm.vm_name for vm in grouping.ungrouped_vms("WEB")] == ["web-01"]


def test_the_assignment_board_is_read_in_three_queries(app):
    groups = [make_group(f"group-{n}") for n in range(3)]
    for group in groups:
        for _ in range(3):
            add_member(group, make_vm())
    make_vm("loose")

    with count_statements(db.engine) as counter:
        board = grouping.assignment_board()

    assert counter.count == 3
    assert sorted(len(rows) for rows in board.members.values()) == [3, 3, 3]
    assert [vm.vm_name for vm in board.ungrouped] == ["loose"]


def _priority_order(group):
    return [cid for (cid,) in db.session.execute(
        select(VMGroupMembership.vm_context_id).where(VMGroupMembership.group_id == group.id)
        .order_by(VMGroupMembership.priority)).all()]


def test_placing_a_member_after_another_renumbers_the_whole_group(app):
    group = make_group("place")
    a, b, c, d = (make_vm(name) for name in "abcd")
    for priority, vm in enumerate((a, b, c, d)):
        add_member(group, vm, priority=priority)

    grouping.place_member(group.id, a.context_id, after=c.context_id)

    assert _priority_order(group) == [b.context_id, c.context_id, a.context_id, d.context_id]


def test_placing_a_member_before_another_or_first(app):
    group = make_group("place-before")
    a, b, c = (make_vm(name) for name in "xyz")
    for priority, vm in enumerate((a, b, c)):
        add_member(group, vm, priority=priority)

    grouping.place_member(group.id, c.context_id, before=b.context_id)
    assert _priority_order(group) == [a.context_id, c.context_id, b.context_id]
    grouping.place_member(group.id, b.context_id)
    assert _priority_order(group) == [b.context_id, a.context_id, c.context_id]


def test_placing_next_to_a_vm_of_another_group_is_refused_naming_the_field(app):
    group, other = make_group("p1"), make_group("p2")
    mine, theirs = make_vm(), make_vm()
    add_member(group, mine)
    add_member(other, theirs)

    with pytest.raises(ValidationError) as caught:
        grouping.place_member(group.id, mine.context_id, after=theirs.context_id)
    assert caught.value.field == "after"


def test_ungrouping_several_vms_removes_them_and_reports_those_in_no_group(app):
    group = make_group("leave")
    a, b, loose = make_vm(), make_vm(), make_vm()
    add_member(group, a)
    add_member(group, b)

    result = grouping.ungroup_vms([a.context_id, b.context_id, loose.context_id])

    assert sorted(result.removed) == sorted([a.context_id, b.context_id])
    assert result.unchanged == [loose.context_id]
    assert db.session.scalar(select(func.count()).select_from(VMGroupMembership)) == 0


def test_ungrouping_is_all_or_nothing_when_a_vm_is_replicating(app):
    group = make_group("leave-busy")
    idle, busy = make_vm(), make_vm()
    add_member(group, idle)
    add_member(group, busy)
    make_replication_job(busy, status="replicating")

    with pytest.raises(Conflict):
        grouping.ungroup_vms([idle.context_id, busy.context_id])
    assert db.session.scalar(select(func.count()).select_from(VMGroupMembership)) == 2


def test_a_board_page_shows_a_window_of_columns_and_the_first_vms_of_each(app):
    groups = [make_group(f"col-{n}") for n in range(3)]
    for group in groups:
        for n in range(4):
            add_member(group, make_vm(), priority=n)

    with count_statements(db.engine) as counter:
        board = grouping.assignment_board(groups_per_page=2, column_limit=3, ungrouped_per_page=10)

    assert counter.count == 5
    assert [s.group.name for s in board.groups] == ["col-0", "col-1"] and board.groups_pages == 2
    assert [len(rows) for rows in board.members.values()] == [3, 3]
    assert all(board.is_truncated(summary) for summary in board.groups)


def test_moving_vms_in_and_out_of_groups_tells_the_scheduler(app):
    from scheduler.lease import schedules_version
    group = make_group("notify", schedule=make_schedule())
    vm = make_vm()
    before = schedules_version()
    grouping.assign_vms(group.id, [vm.context_id])
    after_assign = schedules_version()
    grouping.ungroup_vms([vm.context_id])
    assert before < after_assign < schedules_version()
