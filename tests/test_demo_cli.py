"""`flask demo ...` commands."""
from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models import JobTracking, ReplicationSchedule, VMReplicationContext
from sanitizer import find_forbidden
from tests.factories import make_vm


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_seed_fills_an_empty_database_once(runner):
    first = runner.invoke(args=["demo", "seed"])
    second = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0 and "42 VMs" in first.output
    assert second.exit_code == 0 and "not seeded" in second.output
    assert count(ReplicationSchedule) == 3


def test_demo_reset_needs_confirmation(runner):
    runner.invoke(args=["demo", "seed"])
    result = runner.invoke(args=["demo", "reset"])
    assert result.exit_code != 0 and "--yes" in result.output
    assert count(VMReplicationContext) == 42


def test_demo_reset_refuses_a_database_with_vms_of_a_real_vcenter(runner):
    make_vm("prod-db-01", vcenter_host="vcenter.customer.example")
    result = runner.invoke(args=["demo", "reset", "--yes"])
    assert result.exit_code != 0 and "refusing" in result.output
    assert count(VMReplicationContext) == 1


def test_demo_reset_starts_the_demo_over(runner):
    runner.invoke(args=["demo", "seed"])
    runner.invoke(args=["demo", "failover", "web-05", "--pause", "0"])
    result = runner.invoke(args=["demo", "reset", "--yes"])
    assert result.exit_code == 0, result.output
    assert count(VMReplicationContext) == 42
    assert count(JobTracking) == 5


def test_demo_failover_reports_a_failure_in_operator_words(runner):
    runner.invoke(args=["demo", "seed"])
    result = runner.invoke(args=["demo", "failover", "file-01", "--fail-at", "virtio-driver-injection",
                                 "--pause", "0"])
    assert result.exit_code == 0, result.output
    assert "test_failover failed" in result.output
    assert "Preparing Drivers for Compatibility" in result.output
    assert find_forbidden(result.output.split("\n", 1)[1]) == []


def test_demo_failover_and_rollback_of_a_vm(runner):
    runner.invoke(args=["demo", "seed"])
    assert "completed" in runner.invoke(args=["demo", "failover", "web-05", "--pause", "0"]).output
    assert "rollback completed" in runner.invoke(args=["demo", "rollback", "web-05", "--pause", "0"]).output


def test_demo_failover_of_an_unknown_vm_names_the_argument(runner):
    result = runner.invoke(args=["demo", "failover", "no-such-vm"])
    assert result.exit_code == 2 and "VM_NAME" in result.output


def test_demo_failover_with_an_unknown_step_is_refused(runner):
    runner.invoke(args=["demo", "seed"])
    result = runner.invoke(args=["demo", "failover", "web-05", "--fail-at", "teleport", "--pause", "0"])
    assert result.exit_code == 1 and "fail_at must be one of" in result.output
