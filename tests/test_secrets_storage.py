"""Configured secret values never reach a database row, whoever writes it.

The stand-in appliance answers errors that echo the request it got (the bearer token in its
headers, the vCenter password in its body), as real appliances and proxies do. After a real
dispatch through the pipeline, and JobLog and audit writes carrying such error text, every
column of every row of every table in the database is scanned for the configured secrets.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

import pytest
from sqlalchemy import MetaData, select
from werkzeug import Response

from appliance import ApplianceError
from extensions import db
from models import ScheduleExecution, VMReplicationContext
from scheduler.pipeline import Pipeline
from scheduler.slots import claim_slot
from tests.factories import add_member, make_group, make_schedule, make_vm

pytestmark = pytest.mark.both_dbs

OMA_TOKEN = "oma-token-Wq8Zr3Tn6Lx"
VCENTER_PASSWORD = "vc-pass-Jd5Ks9Pb2Hm"
SECRET_KEY = "session-key-Ux4Gv7Nc1Ye"
ADMIN_PASSWORD = "admin-pass-Fy2Qm6Rw8Ta"
SECRETS = {"OMA_API_TOKEN": OMA_TOKEN, "VCENTER_PASSWORD": VCENTER_PASSWORD, "SECRET_KEY": SECRET_KEY,
           "ADMIN_PASSWORD": ADMIN_PASSWORD}
SLOT = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def app_config(app_config, httpserver):
    return {**app_config, **SECRETS, "OMA_API_URL": httpserver.url_for(""), "VMA_API_URL": httpserver.url_for(""),
            "VCENTER_HOST": "vcenter.example.local", "VCENTER_USERNAME": "svc",
            "API_CONNECT_TIMEOUT": 10, "API_READ_TIMEOUT": 30}


def _echo(request, status: int) -> Response:
    """An error answer quoting the request, credentials first, as a debugging proxy would."""
    echoed = {"error": "request refused", "authorization": request.headers.get("Authorization"),
              "request_body": request.get_data(as_text=True)}
    return Response(json.dumps(echoed), status, content_type="application/json")


@pytest.fixture
def echoing_appliance(app, httpserver):
    def discover(request):
        body = request.get_json()
        if body["datacenter"] == "DC-ECHO":
            return _echo(request, 502)
        vms = [{"id": "vm-web-ok", "name": "web-ok", "path": "/DC-OK/vm/web-ok", "datacenter": "DC-OK",
                "power_state": "poweredOn", "num_cpu": 2, "memory_mb": 4096, "networks": [],
                "disks": [{"id": "disk-2000", "size_gb": 20}]}]
        return Response(json.dumps({"vms": vms}), 200, content_type="application/json")

    httpserver.expect_request("/api/v1/discover", method="POST").respond_with_handler(discover)
    httpserver.expect_request("/api/v1/replications", method="POST").respond_with_handler(
        lambda request: _echo(request, 400))
    return httpserver


def secrets_in_database() -> list[tuple[str, str, str]]:
    """(table, column, secret name) for every stored value that contains a configured secret."""
    db.session.commit()
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    assert {"schedule_executions", "job_tracking", "job_steps", "log_events",
            "dashboard_audit_events"} <= set(metadata.tables)
    found = []
    with db.engine.connect() as conn:
        for table in sorted(metadata.tables.values(), key=lambda t: t.name):
            for row in conn.execute(select(table)).mappings():
                for column, value in row.items():
                    if isinstance(value, (bytes, bytearray)):
                        value = bytes(value).decode("utf-8", errors="replace")
                    elif not isinstance(value, str) and value is not None:
                        value = json.dumps(value, default=str, ensure_ascii=False)
                    for name, secret in SECRETS.items():
                        if value is not None and secret in value:
                            found.append((table.name, column, name))
    return found


def test_a_dispatch_against_an_appliance_echoing_its_requests_stores_no_secret(app, echoing_appliance, caplog):
    schedule = make_schedule(max_concurrent_jobs=10, retry_attempts=0)
    group = make_group(schedule=schedule, max_concurrent_vms=10)
    vms = [make_vm("web-ok", datacenter="DC-OK", vm_path="/DC-OK/vm/web-ok"),
           make_vm("web-echo", datacenter="DC-ECHO", vm_path="/DC-ECHO/vm/web-echo")]
    for priority, vm in enumerate(vms):
        add_member(group, vm, priority=priority)
    context_ids = {vm.context_id for vm in vms}
    pipeline = Pipeline(app, "secrets-storage:1:abcd")
    try:
        claim = claim_slot(schedule, SLOT)
        pipeline.advance(claim.execution_id)
    finally:
        pipeline.shutdown()
    db.session.expire_all()
    execution = db.session.get(ScheduleExecution, claim.execution_id)

    # The appliance did echo the secrets, and the technical detail is still kept, redacted.
    requests_seen = [request for request, _ in echoing_appliance.log]
    assert any(r.headers.get("Authorization") == f"Bearer {OMA_TOKEN}" for r in requests_seen)
    assert any(VCENTER_PASSWORD in r.get_data(as_text=True) for r in requests_seen)
    assert [entry["outcome"] for entry in execution.execution_details["vms"]] == ["failed", "failed"]
    errors = execution.error_details
    assert set(errors) == context_ids and all("[redacted]" in text for text in errors.values())
    assert OMA_TOKEN not in caplog.text and VCENTER_PASSWORD not in caplog.text
    assert secrets_in_database() == []


def test_joblog_and_audit_rows_carrying_error_text_store_no_secret(app, client):
    from joblog import get_tracker
    raw = f"POST /api/v1/discover returned HTTP 502: Bearer {OMA_TOKEN} password={VCENTER_PASSWORD}"
    tracker = get_tracker()
    with pytest.raises(ApplianceError):
        with tracker.job("discovery", "discover-datacenter",
                         metadata={"appliance_answer": raw, "settings": {"key": SECRET_KEY}}) as job_id:
            logging.getLogger("discovery").warning("discovery failed", extra={"answer": raw, "login": ADMIN_PASSWORD})
            with tracker.step(job_id, "vma-discovery", metadata={"answer": raw}):
                raise ApplianceError("server", raw, step="discovery")
    tracker.close()  # writes the queued log events
    response = client.post("/api/v1/machine-groups", json={"name": "pasted", "description": f"error was: {raw}"})
    assert response.status_code == 201
    assert secrets_in_database() == []


@pytest.fixture
def short_secret_config(app_config):
    return {**app_config, "VCENTER_PASSWORD": "vmware", "SECRET_KEY": "bench"}


def test_a_short_secret_does_not_corrupt_the_names_and_hosts_it_is_part_of(short_secret_config, tmp_path,
                                                                          monkeypatch):
    from app import create_app
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app(short_secret_config)
    with application.app_context():
        vm = make_vm("bench-vmware-01", vcenter_host="vmware-vc01.example")
        db.session.expire_all()
        stored = db.session.get(VMReplicationContext, vm.context_id)
        assert (stored.vm_name, stored.vcenter_host) == ("bench-vmware-01", "vmware-vc01.example")
        db.session.remove()
        db.engine.dispose()
