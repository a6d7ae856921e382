"""VMs (`vms`): one VM's details, its API representation and the failed-over rule."""
from __future__ import annotations

from datetime import timedelta

import pytest

import jobs
from domain_errors import NotFound
from models import FAILOVER_STATUSES, VM_STATUSES
from tests.factories import T0, add_member, make_group, make_operation, make_replication_job, make_schedule, make_vm
from vms import failover_words, find_vm, is_failed_over, vm_context_details, vm_to_dict

pytestmark = pytest.mark.both_dbs


def replication(vm, minutes=0, status="completed", **kw):
    return make_replication_job(vm, status=status, started_at=T0 + timedelta(minutes=minutes), **kw)


def test_vm_details_include_group_history_current_job_and_last_operation(app):
    schedule = make_schedule("nightly")
    group = make_group("web", schedule)
    vm = make_vm("pgtest1")
    add_member(group, vm)
    running = replication(vm, minutes=30, status="replicating")
    failed = make_operation(vm, "test", status="failed", minutes=10,
                            steps=[("virtio-driver-injection", "failed", "virt-v2v exit code 1")])
    jobs.write_operation_summary(vm.context_id, failed.id)

    details = vm_context_details("pgtest1")

    assert details["context"]["context_id"] == vm.context_id
    assert (details["group"]["group_name"], details["group"]["schedule_name"]) == ("web", "nightly")
    assert details["current_job"]["job_id"] == running.id
    assert [item["job_id"] for item in details["job_history"]] == [running.id, failed.id]
    assert details["last_operation"]["job_id"] == failed.id
    assert "failed_step_internal" not in details["last_operation"]


def test_vm_details_omit_the_last_operation_when_there_is_none(app):
    make_vm("quiet")

    assert "last_operation" not in vm_context_details("quiet")


def test_vm_details_of_an_unknown_vm_are_not_found(app):
    with pytest.raises(NotFound):
        vm_context_details("ghost")



@pytest.mark.parametrize("status", VM_STATUSES)
def test_only_the_failover_states_count_as_failed_over(status):
    assert is_failed_over(status) == (status in FAILOVER_STATUSES)


def test_every_failover_state_reads_in_operator_words():
    assert {status: failover_words(status) for status in FAILOVER_STATUSES} == {
        "failed_over_test": "test failover", "failed_over_live": "live failover",
        "cleanup_required": "failover cleanup pending"}


def test_a_status_written_by_another_tool_is_shown_as_it_is():
    assert (is_failed_over("migrating"), failover_words("migrating")) == (False, "migrating")
    assert is_failed_over(None) is False


def test_the_details_say_whether_the_vm_is_failed_over(app):
    make_vm("on-destination", current_status="failed_over_live")
    make_vm("on-source", current_status="ready_for_failover")

    assert vm_context_details("on-destination")["failed_over"] is True
    assert vm_context_details("on-source")["failed_over"] is False


def test_a_vm_is_found_by_name_before_context_id(app):
    named = make_vm("alpha")
    other = make_vm(named.context_id)  # a VM whose name is the other's context id

    assert find_vm("alpha").context_id == named.context_id
    assert find_vm(named.context_id).context_id == other.context_id
    with pytest.raises(NotFound):
        find_vm("")


def test_the_api_representation_carries_no_credentials(app):
    shown = vm_to_dict(make_vm("plain", credential_id=7))

    assert shown["vm_name"] == "plain"
    # the id of its vCenter credential (an object of its own), never the login itself
    assert shown["credential_id"] == 7
    assert not [key for key in shown if "password" in key or "username" in key or "secret" in key]
