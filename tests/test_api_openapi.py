"""The OpenAPI document covers every endpoint, and the live app keeps every promise it makes.

Schemathesis generates requests from `/api/v1/openapi.json` (valid and invalid ones) and sends
them to the app with an operator's bearer token: no response may be a 5xx, carry an
undocumented status or content type, or breach its documented schema.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests.factories import add_member, make_group, make_replication_job, make_schedule, make_vm

EXAMPLES_PER_MODE = 8
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def flask_path(path: str) -> str:
    return path.replace("{", "<").replace("}", ">")


def test_the_document_is_served_without_logging_in(anon_client):
    response = anon_client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.")


def test_the_document_covers_every_api_endpoint_and_method(app, anon_client):
    document = anon_client.get("/api/v1/openapi.json").get_json()
    documented = {(f"/api/v1{flask_path(path)}", method.upper())
                  for path, operations in document["paths"].items() for method in operations}
    served = {(rule.rule, method) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              and not rule.rule.endswith("openapi.json") for method in rule.methods - {"HEAD", "OPTIONS"}}

    assert served == documented


@pytest.fixture
def app_config(app_config, httpserver):
    """A VMA (pytest-httpserver) that answers every discovery, so discovery calls can succeed."""
    httpserver.expect_request("/api/v1/discover", method="POST").respond_with_json(
        {"vcenter": {"host": "vcenter.lab.local", "datacenter": "DC1"},
         "vms": [{"id": "vm-101", "name": "web-01", "path": "/DC1/vm/web-01", "datacenter": "DC1",
                  "power_state": "poweredOn", "guest_os": "Ubuntu Linux (64-bit)", "num_cpu": 2,
                  "memory_mb": 2048, "disks": [], "networks": []}]})
    return {**app_config, "VMA_API_URL": httpserver.url_for("/").rstrip("/"), "VCENTER_HOST": "vcenter.lab.local"}


@pytest.fixture
def seeded(app):
    """Data for the generated requests to find: a schedule, a group, a VM with a failed job."""
    schedule = make_schedule("nightly")
    group = make_group("web", schedule)
    vm = make_vm("pgtest1")
    add_member(group, vm)
    make_replication_job(vm, status="failed", error_message="virt-v2v failed on /dev/vdb")


def test_no_generated_request_gets_a_server_error_or_an_undocumented_response(app, api_token, seeded):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {api_token}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES_PER_MODE, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            def exercise(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                exercise()
            except (Exception, FailureGroup) as exc:  # collect every operation's failure, then report
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:800]}")

    assert len(operations) >= 30
    assert failures == []
