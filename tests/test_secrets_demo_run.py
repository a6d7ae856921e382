"""The OMA token and the vCenter password, through a whole demo run, appear nowhere an operator
or a log reader could see them: not in any page, not in any API answer, not in any log record.

The run uses distinctive secret values, the built-in simulator of the appliance (which refuses
requests without the right token and password, so the run proves the secrets were used),
manual runs of every seeded schedule dispatched over HTTP, job progress up to completion or
failure, discovery, and a failover and a rollback through JobLog.
"""
import itertools
import logging
import random
import re
from datetime import timedelta

import pytest

from extensions import db
from models import (JobTracking, LogEvent, ReplicationJob, ReplicationSchedule, ScheduleExecution,
                    VMMachineGroup, VMReplicationContext, utcnow)

OMA_TOKEN = "oma-demo-token-Xy7Qp2RtLw"
VCENTER_PASSWORD = "vc-demo-pass-Mn4Kd8WsZe"
SECRETS = (OMA_TOKEN, VCENTER_PASSWORD)


@pytest.fixture
def app_config(app_config):
    from simulator.inventory import VCENTER_HOST, VCENTER_USERNAME
    return {**app_config, "DEMO": True, "OMA_API_TOKEN": OMA_TOKEN, "VCENTER_HOST": VCENTER_HOST,
            "VCENTER_USERNAME": VCENTER_USERNAME, "VCENTER_PASSWORD": VCENTER_PASSWORD,
            "SIMULATOR_FAILURE_RATE": 0.5, "LOG_LEVEL": "DEBUG"}


@pytest.fixture
def demo(app, caplog):
    """The simulated appliance serving over HTTP, with its demo inventory seeded."""
    caplog.set_level(logging.DEBUG)
    from simulator import build_simulator
    from simulator.seed import seed_demo_data
    simulator = build_simulator(app)
    simulator.start_servers()
    app.config.update(OMA_API_URL=simulator.oma_url, VMA_API_URL=simulator.vma_url)
    seed_demo_data()
    yield simulator
    simulator.stop()


def run_demo_cycle(app, simulator) -> None:
    """Everything the demo does that talks to the appliance or writes logs."""
    from discovery import discover_vms
    from scheduler import trigger_now
    from scheduler.pipeline import Pipeline
    from scheduler.slots import start_scheduled
    from simulator.failover import run_operation

    from simulator.inventory import DATACENTERS
    for datacenter in DATACENTERS:
        discover_vms(datacenter)

    pipeline = Pipeline(app, "secrets-test:1:abcd")
    try:
        schedules = db.session.execute(
            db.select(ReplicationSchedule).where(ReplicationSchedule.enabled.is_(True))).scalars().all()
        executions = []
        for schedule in schedules:
            execution = trigger_now(schedule.id, requested_by="operator")
            start_scheduled(execution.id, utcnow(), 300)
            pipeline.advance(execution.id)
            executions.append(execution.id)
        db.session.expire_all()
        for hours in (1, 6, 48):  # jobs progress, then complete or fail
            simulator.driver.tick(utcnow() + timedelta(hours=hours))
            for execution_id in executions:
                pipeline.advance(execution_id)
            db.session.expire_all()
    finally:
        pipeline.shutdown()

    ready = db.session.execute(
        db.select(VMReplicationContext.context_id)
        .where(VMReplicationContext.current_status == "ready_for_failover").limit(2)).scalars().all()
    assert len(ready) == 2, "the demo inventory has VMs ready for failover"
    run_operation(ready[0], "test_failover", rng=random.Random(1))
    run_operation(ready[0], "rollback", rng=random.Random(2))
    run_operation(ready[1], "live_failover", fail_at="virtio-driver-injection", rng=random.Random(3))
    app.extensions["joblog"].close()  # writes the queued log events


def identifier_pool() -> dict[str, list[str]]:
    """Real identifiers of the demo data, to fill in URL arguments."""
    def first(column, count=2):
        return [str(value) for value in db.session.execute(db.select(column).limit(count)).scalars()]
    return {
        "schedule": first(ReplicationSchedule.id), "group": first(VMMachineGroup.id),
        "context": first(VMReplicationContext.context_id), "name": first(VMReplicationContext.vm_name),
        "job": first(ReplicationJob.id) + first(JobTracking.id) + first(JobTracking.external_job_id, 1),
        "execution": first(ScheduleExecution.id),
    }


def candidate_values(argument: str, converter, pool) -> list:
    from werkzeug.routing import IntegerConverter
    if isinstance(converter, IntegerConverter):
        return [1]
    for hint, keys in (("schedule", ["schedule"]), ("group", ["group"]), ("context", ["context"]),
                       ("execution", ["execution"]), ("job", ["job"]), ("name", ["name"]), ("vm", ["name", "context"])):
        if hint in argument:
            return list(itertools.chain.from_iterable(pool[key] for key in keys))
    return list(itertools.chain.from_iterable(pool.values()))


def every_get_url(app) -> list[str]:
    """Every GET route of the app, with real identifiers of the demo data in its arguments."""
    pool = identifier_pool()
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        names = list(rule._converters)
        choices = [candidate_values(name, rule._converters[name], pool) for name in names]
        for values in itertools.islice(itertools.product(*choices), 12):
            urls.append(adapter.build(rule.endpoint, dict(zip(names, values))))
    return urls


def test_a_whole_demo_run_never_shows_or_logs_the_oma_token_or_the_vcenter_password(
        app, demo, admin_client, api_client, caplog):
    run_demo_cycle(app, demo)

    dispatched = db.session.execute(
        db.select(db.func.count()).select_from(ReplicationJob)
        .where(ReplicationJob.schedule_execution_id.is_not(None))).scalar_one()
    assert dispatched > 0, "the OMA accepted replications, so the token was sent"
    assert db.session.execute(db.select(db.func.count()).select_from(LogEvent)).scalar_one() > 0

    seen = []
    for url in every_get_url(app):
        client = api_client if url.startswith("/api/") else admin_client
        response = client.get(url)
        seen.append(url)
        body = response.get_data(as_text=True) + str(response.headers)
        for secret in SECRETS:
            assert secret not in body, f"GET {url} shows a secret"
    assert "/admin/users" in seen and "/" in seen

    logged = caplog.text + "\n".join(
        f"{event.message} {event.attrs}" for event in db.session.execute(db.select(LogEvent)).scalars())
    assert re.search(r"(?i)replication|schedule|execution", logged), "the run's logs were captured"
    for secret in SECRETS:
        assert secret not in logged
