"""Garbage in, clear JSON error out: every API endpoint, every kind of bad body and parameter."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from extensions import db
from models import DashboardAuditEvent
from tests.factories import make_group, make_schedule, make_vm

BAD_BODIES = [
    ("not json", b"{name: nightly"),
    ("a list", b"[1, 2]"),
    ("null", b"null"),
    ("a number", b"42"),
    ("a string", b'"schedule"'),
    ("empty object", b"{}"),
    ("wrong types", json.dumps({"name": 5, "cron_expression": [], "timezone": {}, "enabled": "x",
                                "group_id": 7, "vm_context_ids": "ctx", "vm_names": [1], "datacenter": 3,
                                "schedule_id": True, "max_concurrent_vms": "many", "priority": 1.5,
                                "dry_run": "perhaps", "chain_parent_schedule_id": 9}).encode()),
    ("huge strings", json.dumps({"name": "x" * 5000, "cron_expression": "x" * 5000, "timezone": "x" * 5000,
                                 "datacenter": "x" * 5000, "vm_names": ["x" * 5000]}).encode()),
    ("unicode and nulls", json.dumps({"name": "\u0000\ud7ff☃", "cron_expression": "\u0000", "group_id": "\u0000",
                                      "vm_context_ids": [None]}).encode()),
    ("not utf-8", b"\xff\xfe\x00garbage"),
]
BAD_QUERIES = ["page=-1", "page=abc", "per_page=100000", "count=x", "after=not-a-date", "since=2025-13-45",
               "until=%00", "cursor=!!!", "after_id=-5", "limit=0", "status=%FF", "job_type=%00",
               "cron_expression=%00&timezone=%00", "vm=" + "x" * 300, "search=" + "%25" * 50]
ALLOWED = {400, 404, 409, 502}
# Actions that take no parameters: an empty JSON object is an acceptable body.
WITHOUT_PARAMETERS = {"/api/v1/schedules/<schedule_id>/trigger"}
OBJECT_BODIES = {"empty object"}


@pytest.fixture
def ids(app):
    schedule = make_schedule("nightly")
    group = make_group("web", schedule)
    vm = make_vm("pgtest1")
    return {"schedule_id": schedule.id, "group_id": group.id, "context_id": vm.context_id, "vm_name": "pgtest1",
            "any_id": vm.context_id, "job_id": "unknown-job"}


def api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and not rule.rule.endswith("openapi.json"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def url_for_rule(rule, values) -> str:
    url = rule.rule
    for name in rule.arguments:
        url = url.replace(f"<{name}>", values.get(name, "missing-id"))
    return url


def assert_clear_error(response, what: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code in ALLOWED, f"{what}: HTTP {response.status_code} {body[:300]}"
    error = response.get_json()
    assert error["code"] and error["error"], what
    assert "Traceback" not in body, what


def test_every_write_endpoint_answers_bad_bodies_with_a_json_error_and_changes_nothing(app, admin_api_client, ids):
    audit_rows = db.session.scalar(select(func.count()).select_from(DashboardAuditEvent))
    checked = 0
    for rule, method in api_rules(app):
        if method == "GET":
            continue
        for real_ids in (True, False):
            url = url_for_rule(rule, ids if real_ids else {})
            if method == "DELETE" and real_ids:
                continue  # deleting something real is a legitimate change; only unknown ids must fail
            for label, body in BAD_BODIES:
                if method == "DELETE" and label != "not json":
                    continue  # DELETE takes no body; one check is enough
                if real_ids and rule.rule in WITHOUT_PARAMETERS and label in OBJECT_BODIES:
                    continue
                response = admin_api_client.open(url, method=method, data=body, content_type="application/json")
                assert_clear_error(response, f"{method} {url} with {label}")
                checked += 1
    assert checked > 100
    assert db.session.scalar(select(func.count()).select_from(DashboardAuditEvent)) == audit_rows


def test_every_read_endpoint_answers_bad_parameters_without_a_server_error(app, api_client, ids):
    for rule, method in api_rules(app):
        if method != "GET":
            continue
        for real_ids in (True, False):
            url = url_for_rule(rule, ids if real_ids else {})
            for query in BAD_QUERIES:
                response = api_client.get(f"{url}?{query}")
                assert response.status_code < 500, f"GET {url}?{query}: {response.status_code}"
                assert response.is_json, f"GET {url}?{query} answered {response.content_type}"


def test_malformed_path_ids_are_json_404s(api_client, app):
    for url in ("/api/v1/schedules/%00", "/api/v1/machine-groups/" + "x" * 2000, "/api/v1/jobs/%E2%98%83",
                "/api/v1/vm-contexts/a%2Fb/recent-jobs", "/api/v1/failover/../progress"):
        response = api_client.get(url)
        assert response.status_code == 404, url
        assert response.get_json()["code"] == "not_found", url
