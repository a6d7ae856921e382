"""What a schedule covers: its groups by priority, each with its VMs by priority."""
import pytest

import grouping
from extensions import db
from tests.factories import add_member, make_group, make_schedule, make_vm
from tests.support.statements import count_statements

pytestmark = pytest.mark.both_dbs


def test_the_groups_of_a_schedule_come_by_priority_each_with_its_vms_by_priority(app):
    schedule = make_schedule("nightly")
    late = make_group("late", schedule, priority=5)
    early = make_group("early", schedule, priority=1)
    make_group("elsewhere", make_schedule("weekly"))
    add_member(early, make_vm("web-2", context_id="ctx-web-2"), priority=2)
    add_member(early, make_vm("web-1", context_id="ctx-web-1", current_status="replicating"), priority=1)

    coverage = grouping.schedule_coverage(schedule.id)

    assert [covered.group.name for covered in coverage] == ["early", "late"]
    assert coverage[0].vms == [("ctx-web-1", "web-1", "replicating"), ("ctx-web-2", "web-2", "discovered")]
    assert coverage[1].group.id == late.id and coverage[1].vms == []


def test_a_schedule_no_group_uses_covers_nothing(app):
    assert grouping.schedule_coverage(make_schedule().id) == []


def test_coverage_takes_two_statements_however_many_groups(app):
    schedule = make_schedule()
    for _ in range(5):
        add_member(make_group(schedule=schedule), make_vm())
    schedule_id = schedule.id
    with count_statements(db.engine) as counter:
        coverage = grouping.schedule_coverage(schedule_id)
    assert counter.count == 2 and sum(len(covered.vms) for covered in coverage) == 5
