"""Failovers and rollbacks the running demo starts by itself."""
from __future__ import annotations

import random
from datetime import timedelta

from extensions import db
from models import JobTracking, VMReplicationContext, utcnow
from simulator.activity import OWNER, DemoActivity
from tests.factories import add_member, make_group, make_replication_job, make_vm


def ready_vm(name: str) -> VMReplicationContext:
    vm = make_vm(name, os_type="linux", current_status="ready_for_failover")
    vm.last_successful_job_id = make_replication_job(vm, status="completed").id
    db.session.commit()
    return vm


def activity(app) -> DemoActivity:
    return DemoActivity(app, step_pause=0, failure_rate=0.0, rng=random.Random(5),
                        rollback_after=timedelta(minutes=5))


def test_it_fails_over_an_idle_ungrouped_vm(app):
    grouped = ready_vm("grouped-01")
    add_member(make_group(), grouped)
    idle = ready_vm("idle-01")

    outcome = activity(app).act()

    assert outcome.operation_type == "test_failover"
    job = db.session.get(JobTracking, outcome.job_id)
    assert (job.context_id, job.owner) == (idle.context_id, OWNER)


def test_it_rolls_back_its_own_test_failover_once_it_has_run_long_enough(app):
    vm = ready_vm("idle-02")
    demo = activity(app)
    demo.act()
    db.session.expire_all()
    assert db.session.get(VMReplicationContext, vm.context_id).current_status == "failed_over_test"

    assert demo.act() is None  # too early to roll back, and no other idle VM
    outcome = demo.act(now=utcnow() + timedelta(minutes=6))

    assert outcome.operation_type == "rollback"
    db.session.expire_all()
    assert db.session.get(VMReplicationContext, vm.context_id).current_status == "ready_for_failover"


def test_it_never_rolls_back_a_failover_an_operator_started(app):
    vm = make_vm("operators-01", current_status="failed_over_test")
    assert activity(app).act(now=utcnow() + timedelta(days=1)) is None
    db.session.expire_all()
    assert db.session.get(VMReplicationContext, vm.context_id).current_status == "failed_over_test"
