"""The VMA and OMA clients against a real HTTP server: contracts, timeouts, error categories."""
import socket
import threading

import pytest
from werkzeug import Response

from appliance import ApplianceError, OMAClient, UnknownDatacenterError, VMAClient
from sanitizer import find_forbidden

# Generous timeouts: a loaded CI machine may take seconds to answer; only the timeout test uses a short one.
CONFIG = {"API_CONNECT_TIMEOUT": 10, "API_READ_TIMEOUT": 30, "OMA_API_TOKEN": "oma-token-123",
          "VCENTER_HOST": "vc.example.local", "VCENTER_USERNAME": "svc", "VCENTER_PASSWORD": "vc-password-456"}


@pytest.fixture
def oma(httpserver):
    return OMAClient.from_config({**CONFIG, "OMA_API_URL": httpserver.url_for("")})


@pytest.fixture
def vma(httpserver):
    return VMAClient.from_config({**CONFIG, "VMA_API_URL": httpserver.url_for("")})


def test_create_replication_posts_the_payload_with_the_bearer_token(oma, httpserver):
    httpserver.expect_request("/api/v1/replications", method="POST", json={"source_vm": {"name": "pg1"}},
                              headers={"Authorization": "Bearer oma-token-123"}) \
        .respond_with_json({"job_id": "job-20260302-020000.123-abcdef", "status": "replicating"}, status=201)
    assert oma.create_replication({"source_vm": {"name": "pg1"}})["job_id"] == "job-20260302-020000.123-abcdef"


@pytest.mark.parametrize("status, category, retryable", [
    (400, "client", False), (401, "auth", False), (403, "auth", False), (404, "client", False),
    (409, "conflict", False), (500, "server", True), (502, "server", True), (503, "server", True),
])
def test_an_error_answer_is_categorised_for_the_retry_policy(oma, httpserver, status, category, retryable):
    httpserver.expect_request("/api/v1/replications").respond_with_json(
        {"error": "refused", "details": "at /opt/oma/handlers/replication.go:163"}, status=status)
    with pytest.raises(ApplianceError) as caught:
        oma.create_replication({})
    error = caught.value
    assert (error.category, error.status_code, error.retryable) == (category, status, retryable)
    assert f"HTTP {status}" in error.raw
    assert find_forbidden(error.operator_message) == []


def test_a_slow_answer_is_a_timeout(httpserver):
    oma = OMAClient.from_config({**CONFIG, "API_READ_TIMEOUT": 0.5, "OMA_API_URL": httpserver.url_for("")})
    entered, answer, answered = threading.Event(), threading.Event(), threading.Event()

    def slow(request):
        entered.set()
        try:
            answer.wait(60)  # answers only once the client has given up
            return Response("{}", 201, content_type="application/json")
        finally:
            answered.set()
    httpserver.expect_request("/api/v1/replications").respond_with_handler(slow)
    try:
        with pytest.raises(ApplianceError) as caught:
            oma.create_replication({})
    finally:
        answer.set()
        assert not entered.is_set() or answered.wait(60), "the slow handler finished before the server is reused"
    assert caught.value.category == "timeout" and caught.value.retryable
    assert caught.value.operator_message == "The replication service did not respond in time"


def test_a_closed_port_is_a_connectivity_failure():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = OMAClient.from_config({**CONFIG, "OMA_API_URL": f"http://127.0.0.1:{port}"})
    with pytest.raises(ApplianceError) as caught:
        client.create_replication({})
    assert caught.value.category == "connectivity" and caught.value.retryable
    assert caught.value.operator_message == "The replication service could not be reached"


def test_a_body_that_is_not_json_is_a_protocol_error(oma, httpserver):
    httpserver.expect_request("/api/v1/replications").respond_with_data("<html>proxy</html>", status=201)
    with pytest.raises(ApplianceError) as caught:
        oma.create_replication({})
    assert caught.value.category == "protocol" and not caught.value.retryable


def test_an_unconfigured_client_says_which_setting_is_missing():
    with pytest.raises(ApplianceError, match="API_URL"):
        OMAClient.from_config(CONFIG).create_replication({})


def test_secrets_never_appear_in_errors_or_the_client_repr(oma, vma, httpserver):
    httpserver.expect_request("/api/v1/discover").respond_with_json({"error": "boom"}, status=500)
    with pytest.raises(ApplianceError) as caught:
        vma.discover_vm("pg1", "DC1")
    assert "vc-password-456" not in caught.value.raw
    assert "oma-token-123" not in repr(oma) and "vc-password-456" not in repr(vma)


def test_discover_vm_sends_the_configured_credentials_and_picks_the_exact_name(vma, httpserver):
    httpserver.expect_request("/api/v1/discover", method="POST", json={
        "vcenter": "vc.example.local", "username": "svc", "password": "vc-password-456", "datacenter": "DC1",
        "filter": "pg1"}).respond_with_json({"vcenter": {"host": "vc.example.local"},
                                             "vms": [{"name": "pg10", "id": "vm-10"}, {"name": "pg1", "id": "vm-1"}]})
    assert vma.discover_vm("pg1", "DC1")["id"] == "vm-1"


def test_discover_vm_returns_none_when_vcenter_has_no_such_vm(vma, httpserver):
    httpserver.expect_request("/api/v1/discover").respond_with_json({"vcenter": {}, "vms": []})
    assert vma.discover_vm("gone", "DC1") is None


def test_job_progress_is_not_found_only_when_the_vma_itself_says_so(vma, httpserver):
    """The real VMA's own answers (vma/api/progress_handler.go:200, server.go:383): text/plain 404s
    "job not found" on /progress and "Job not found: <id>" on /status."""
    def text(body, status):
        return Response(body + "\n", status=status, content_type="text/plain; charset=utf-8")
    httpserver.expect_request("/api/v1/progress/job-1").respond_with_response(text("job not found", 404))
    httpserver.expect_request("/api/v1/status/job-1").respond_with_response(text("Job not found: job-1", 404))
    httpserver.expect_request("/api/v1/progress/migration-vol-2").respond_with_response(text("job not found", 404))
    httpserver.expect_request("/api/v1/progress/job-2").respond_with_json(
        {"job_id": "job-2", "status": "Streaming", "percent": 42.0})
    httpserver.expect_request("/api/v1/progress/job-3").respond_with_response(text("404 page not found", 404))
    httpserver.expect_request("/api/v1/status/job-3").respond_with_response(text("404 page not found", 404))

    gone = vma.job_progress("job-1")
    assert (gone.state, gone.body) == ("not_found", None)
    running = vma.job_progress("job-2", ["migration-vol-2"])
    assert (running.state, running.body["status"], running.body["percent"]) == ("found", "Streaming", 42.0)
    # A router 404 (a VMA that does not serve the route) is no answer, not "the job is gone".
    assert vma.job_progress("job-3").state == "unknown"


@pytest.mark.parametrize("answer", [
    Response("failed to find datacenter DC9: datacenter 'DC9' not found\n", status=500, content_type="text/plain"),
    Response('{"error": "Datacenter not found", "details": "datacenter \'DC9\' not found"}', status=404,
             content_type="application/json"),
])
def test_an_unknown_datacenter_is_a_client_error_that_names_it(vma, httpserver, answer):
    httpserver.expect_request("/api/v1/discover", method="POST").respond_with_response(answer)
    with pytest.raises(UnknownDatacenterError) as caught:
        vma.discover_datacenter("DC9")
    assert (caught.value.datacenter, caught.value.category, caught.value.retryable) == ("DC9", "client", False)
