"""The appliance clients against the contract fixtures (tests/fixtures/appliance_contract),
served by a real HTTP server: what the clients send is what the real OMA/VMA decode, and they
read each real answer the right way."""
import json
import re
import threading
import time

import pytest
from werkzeug import Response

from appliance import ApplianceError, OMAClient, UnknownDatacenterError, VMAClient
from sanitizer import find_forbidden
from tests.support.contract import (Fixture, load_fixture, load_fixtures, request_problems,
                                    response_differences, shape_differences)

CONFIG = {"API_CONNECT_TIMEOUT": 10, "API_READ_TIMEOUT": 30, "OMA_REPLICATION_TIMEOUT": 30,
          "VMA_DISCOVERY_TIMEOUT": 30, "VCENTER_HOST": "vcenter.example.local",
          "VCENTER_USERNAME": "svc-migrate@vsphere.local", "VCENTER_PASSWORD": "vc-secret"}
LOGIN_TOKEN = "vma_test_token_abc123def456789012345678"
SESSION = "sess_longlived_dev_token_2025_2035_permanent"
ALL = load_fixtures()


def serve(httpserver, fixture: Fixture, path: str | None = None, method: str | None = None):
    httpserver.expect_request(path or fixture.path, method=method or fixture.method) \
        .respond_with_response(fixture.werkzeug_response())


def sent(httpserver, path: str) -> list:
    return [request for request, _ in httpserver.log if request.path == path]


# --- the fixtures themselves --------------------------------------------------------------------

@pytest.mark.parametrize("fixture", ALL, ids=[f.name for f in ALL])
def test_every_fixture_cites_the_real_source_and_a_real_content_type(fixture):
    assert any(re.search(r"\.go:\d+(-\d+)? \[8b7d59b\]", source) for source in fixture.source)
    assert fixture.response["content_type"] in ("application/json", "text/plain; charset=utf-8")
    assert ("json" in fixture.response) == (fixture.response["content_type"] == "application/json")


@pytest.mark.parametrize("fixture", ALL, ids=[f.name for f in ALL])
def test_a_served_fixture_matches_itself_and_not_another_kind_of_answer(fixture, httpserver):
    import requests
    serve(httpserver, fixture)
    answer = requests.request(fixture.method, httpserver.url_for(fixture.path), **fixture.request_kwargs())
    assert response_differences(answer.status_code, answer.headers["Content-Type"], answer.text, fixture) == []
    other = {"error": "Unauthorized"} if "text" in fixture.response else "Unauthorized\n"
    body = json.dumps(other) if isinstance(other, dict) else other
    content_type = "application/json" if isinstance(other, dict) else "text/plain; charset=utf-8"
    assert response_differences(fixture.response["status"], content_type, body, fixture) != []


def test_the_shape_comparison_names_missing_and_mistyped_keys():
    expected = load_fixture("oma_replication_201").response["json"]
    simulator_like = {**expected, "progress_percent": 0.0, "started_at": 5, "vm_context_id": "ctx-1"}
    del simulator_like["created_volumes"]
    assert shape_differences(simulator_like, expected) == [
        "$.created_volumes: missing", "$.started_at: number where the appliance sends string",
        "$.vm_context_id: not sent by the appliance"]


@pytest.mark.parametrize("name", ["oma_replication_201", "oma_replication_409_active_job", "oma_login_200",
                                  "vma_discover_200"])
def test_the_fixture_requests_are_ones_the_real_structs_decode(name):
    fixture = load_fixture(name)
    assert request_problems(fixture.request_json, fixture) == ([], [])


def test_the_decoder_check_refuses_what_go_refuses():
    fixture = load_fixture("oma_replication_201")
    bad = load_fixture("oma_replication_400_invalid_payload").request_json
    assert request_problems(bad, fixture)[0] == ['$.ossea_config_id: "1" for a Go int field']
    missing = load_fixture("oma_replication_400_missing_vm").request_json
    assert request_problems(missing, fixture)[0] == ["$.source_vm.id: required by the handler, sent ''"]
    floats = {**fixture.request_json, "source_vm": {**fixture.request_json["source_vm"], "cpus": 2.0,
                                                    "guest_os": "linux"}}
    assert request_problems(floats, fixture) == (["$.source_vm.cpus: 2.0 for a Go int field"], ["$.source_vm.guest_os"])


# --- OMA: replication ------------------------------------------------------------------------------

def oma_client(httpserver, **settings):
    return OMAClient.from_config({**CONFIG, "OMA_API_URL": httpserver.url_for(""), **settings})


def test_the_replication_request_is_sent_as_given_and_decodes_into_the_real_struct(httpserver):
    fixture = load_fixture("oma_replication_201")
    serve(httpserver, fixture)
    body = oma_client(httpserver, OMA_API_TOKEN="static-token-1").create_replication(fixture.request_json)
    (request,) = sent(httpserver, "/api/v1/replications")
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"] == "Bearer static-token-1"
    assert request.get_json() == fixture.request_json
    assert request_problems(request.get_json(), fixture) == ([], [])
    assert body["job_id"] == "job-20251004-140321.123-a1b2c3" and body["progress_percent"] == 0


@pytest.mark.parametrize("name, category, message", [
    ("oma_replication_400_invalid_payload", "client", "The replication service rejected the request as invalid"),
    ("oma_replication_400_missing_vm", "client", "The replication service rejected the request as invalid"),
    ("oma_replication_409_active_job", "conflict", "A replication is already running for this VM"),
    ("oma_replication_500_workflow", "server", "The replication service reported an internal error"),
    ("oma_replication_401_missing_header", "auth", "The replication service did not accept the dashboard's credentials"),
    ("oma_replication_401_bad_format", "auth", "The replication service did not accept the dashboard's credentials"),
    ("oma_replication_401_invalid_token", "auth", "The replication service did not accept the dashboard's credentials"),
])
def test_each_real_replication_error_is_read_for_the_retry_policy_and_the_operator(httpserver, name, category,
                                                                                     message):
    fixture = load_fixture(name)
    serve(httpserver, fixture)
    with pytest.raises(ApplianceError) as caught:
        oma_client(httpserver, OMA_API_TOKEN="static-token-1").create_replication(fixture.request_json)
    error = caught.value
    assert (error.category, error.status_code) == (category, fixture.response["status"])
    assert fixture.response["json"]["error"] in error.raw
    assert error.operator_message == message and find_forbidden(error.operator_message) == []
    assert "static-token-1" not in error.raw
    assert len(sent(httpserver, "/api/v1/replications")) == 1, "a static token is not retried"


def slow_answer(seconds: float, fixture: Fixture):
    def handler(request):
        time.sleep(seconds)
        return fixture.werkzeug_response()
    return handler


def test_the_replication_post_waits_for_its_own_timeout_not_the_api_read_timeout(httpserver):
    fixture = load_fixture("oma_replication_201")
    httpserver.expect_request("/api/v1/replications").respond_with_handler(slow_answer(1.0, fixture))
    patient = oma_client(httpserver, API_READ_TIMEOUT=0.2, OMA_REPLICATION_TIMEOUT=20)
    assert patient.create_replication(fixture.request_json)["job_id"]
    hasty = oma_client(httpserver, API_READ_TIMEOUT=20, OMA_REPLICATION_TIMEOUT=0.2)
    with pytest.raises(ApplianceError) as caught:
        hasty.create_replication(fixture.request_json)
    assert caught.value.category == "timeout" and "after 0.2 s" in caught.value.raw
    time.sleep(1.0)  # let the slow handler finish before the server is reused


# --- OMA: session login ----------------------------------------------------------------------------

class FakeOMA:
    """The real OMA's login and auth middleware, in memory: sessions die on `restart()`."""

    def __init__(self, httpserver, login_delay: float = 0.0):
        self.sessions: set[str] = set()
        self.logins = 0
        self.lock = threading.Lock()
        self.login_delay = login_delay
        self.ok = load_fixture("oma_login_200")
        self.refused = load_fixture("oma_login_401")
        self.created = load_fixture("oma_replication_201")
        self.unauthorized = load_fixture("oma_replication_401_invalid_token")
        httpserver.expect_request("/api/v1/auth/login", method="POST").respond_with_handler(self.login)
        httpserver.expect_request("/api/v1/replications", method="POST").respond_with_handler(self.replicate)

    def restart(self):
        self.sessions.clear()

    def login(self, request):
        time.sleep(self.login_delay)
        if request.get_json().get("token") != LOGIN_TOKEN:
            return self.refused.werkzeug_response()
        with self.lock:
            self.logins += 1
            session = f"{SESSION}-{self.logins}"
            self.sessions.add(session)
        body = {**self.ok.response["json"], "session_token": session}
        return Response(json.dumps(body), 200, content_type="application/json")

    def replicate(self, request):
        if request.headers.get("Authorization", "")[7:] not in self.sessions:
            return self.unauthorized.werkzeug_response()
        return self.created.werkzeug_response()


def login_client(httpserver, token=LOGIN_TOKEN):
    return oma_client(httpserver, OMA_LOGIN_TOKEN=token, OMA_APPLIANCE_ID="dashboard-01",
                      OMA_API_TOKEN="static-not-used")


def test_the_client_logs_in_as_the_real_auth_handler_expects_and_sends_the_session(httpserver):
    oma = FakeOMA(httpserver)
    client = login_client(httpserver)
    payload = oma.created.request_json
    assert client.create_replication(payload)["job_id"]
    assert client.create_replication(payload)["job_id"]
    (login,) = sent(httpserver, "/api/v1/auth/login")
    assert login.get_json() == {"appliance_id": "dashboard-01", "token": LOGIN_TOKEN,
                                "version": "replication-dashboard/1.0.0"}
    assert request_problems(login.get_json(), oma.ok) == ([], [])
    assert [r.headers["Authorization"] for r in sent(httpserver, "/api/v1/replications")] == \
        [f"Bearer {SESSION}-1"] * 2


def test_after_an_oma_restart_the_client_logs_in_again_once_and_retries_once(httpserver):
    oma = FakeOMA(httpserver)
    client = login_client(httpserver)
    client.create_replication(oma.created.request_json)
    oma.restart()
    assert client.create_replication(oma.created.request_json)["job_id"]
    assert oma.logins == 2
    assert [r.headers["Authorization"] for r in sent(httpserver, "/api/v1/replications")] == \
        [f"Bearer {SESSION}-1", f"Bearer {SESSION}-1", f"Bearer {SESSION}-2"]


class OMAThatRefusesEverySession(FakeOMA):
    def replicate(self, request):
        return self.unauthorized.werkzeug_response()


def test_a_401_after_logging_in_again_is_an_auth_error_without_a_third_attempt(httpserver):
    oma = OMAThatRefusesEverySession(httpserver)
    unauthorized = oma.unauthorized
    client = login_client(httpserver)
    with pytest.raises(ApplianceError) as caught:
        client.create_replication(unauthorized.request_json)
    assert caught.value.category == "auth" and "after logging in again" in caught.value.raw
    assert oma.logins == 2 and len(sent(httpserver, "/api/v1/replications")) == 2
    for secret in (LOGIN_TOKEN, SESSION):
        assert secret not in caught.value.raw and secret not in caught.value.operator_message


def test_a_refused_login_is_an_auth_error_with_the_oma_s_reason_and_no_token(httpserver):
    oma = FakeOMA(httpserver)
    with pytest.raises(ApplianceError) as caught:
        login_client(httpserver, token="wrong-login-token").create_replication(oma.created.request_json)
    error = caught.value
    assert (error.category, error.status_code, error.retryable) == ("auth", 401, False)
    assert "Invalid credentials" in error.raw and "dashboard-01" in error.raw
    assert "wrong-login-token" not in error.raw
    assert error.operator_message == "The replication service did not accept the dashboard's credentials"
    assert sent(httpserver, "/api/v1/replications") == []


def test_threads_of_the_dispatch_pool_share_one_login(httpserver):
    oma = FakeOMA(httpserver, login_delay=0.3)
    client = login_client(httpserver)
    errors = []

    def dispatch():
        try:
            client.create_replication(oma.created.request_json)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=dispatch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and oma.logins == 1
    oma.restart()
    threads = [threading.Thread(target=dispatch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and oma.logins == 2, "one new login after the restart, shared by every thread"


def test_without_a_login_token_the_static_token_is_sent_and_no_login_happens(httpserver):
    fixture = load_fixture("oma_replication_201")
    serve(httpserver, fixture)
    oma_client(httpserver, OMA_API_TOKEN="static-token-1").create_replication(fixture.request_json)
    assert sent(httpserver, "/api/v1/auth/login") == []
    assert sent(httpserver, "/api/v1/replications")[0].headers["Authorization"] == "Bearer static-token-1"


# --- VMA: discovery --------------------------------------------------------------------------------

def vma_client(httpserver, **settings):
    return VMAClient.from_config({**CONFIG, "VMA_API_URL": httpserver.url_for(""), **settings})


def test_the_discovery_request_is_a_real_discovery_request_and_the_exact_name_is_picked(httpserver):
    fixture = load_fixture("vma_discover_200")
    serve(httpserver, fixture)
    vm = vma_client(httpserver).discover_vm("pgtest1", "DatabanxDC")
    (request,) = sent(httpserver, "/api/v1/discover")
    assert request.get_json() == fixture.request_json
    assert request_problems(request.get_json(), fixture) == ([], [])
    assert vm["id"] == "420570c1-7c3a-4a1e-9d1f-2c3b4d5e6f70"
    assert (vm["guest_os"], vm["os_type"], vm["num_cpu"], vm["cpus"]) == ("linux", "", 2, 0)
    assert [d["id"] for d in vm["disks"]] == ["disk-2000", "disk-2001"]
    assert len(vma_client(httpserver).discover_datacenter("DatabanxDC")) == 3


@pytest.mark.parametrize("name, category, retryable, message", [
    ("vma_discover_400_invalid", "client", False, "The replication service rejected the request as invalid"),
    ("vma_discover_500_bad_login", "auth", False, "vCenter did not accept the configured user name or password"),
    ("vma_discover_500_unknown_host", "connectivity", True, "The migration appliance could not reach vCenter"),
    ("vma_discover_500_connection_refused", "connectivity", True, "The migration appliance could not reach vCenter"),
])
def test_each_real_discovery_error_is_read_by_its_text(httpserver, name, category, retryable, message):
    fixture = load_fixture(name)
    serve(httpserver, fixture)
    with pytest.raises(ApplianceError) as caught:
        vma_client(httpserver).discover_vm("pgtest1", "DatabanxDC")
    error = caught.value
    assert not isinstance(error, UnknownDatacenterError)
    assert (error.category, error.status_code, error.retryable) == (category, fixture.response["status"], retryable)
    assert error.operator_message == message and find_forbidden(error.operator_message) == []
    assert "vc-secret" not in error.raw


def test_an_unknown_datacenter_names_it(httpserver):
    serve(httpserver, load_fixture("vma_discover_500_unknown_datacenter"))
    with pytest.raises(UnknownDatacenterError) as caught:
        vma_client(httpserver).discover_datacenter("DC9")
    assert (caught.value.datacenter, caught.value.category) == ("DC9", "client")
    assert caught.value.operator_message == "vCenter has no datacenter named 'DC9'"
    assert any("known datacenters" in step for step in caught.value.sanitized.actionable_steps)


def test_another_discovery_failure_stays_a_server_error(httpserver):
    httpserver.expect_request("/api/v1/discover").respond_with_data(
        "Discovery failed: failed to discover VMs from vCenter: failed to discover VMs: failed to list VMs: "
        "ServerFaultCode: NoPermission\n", status=500, content_type="text/plain; charset=utf-8")
    with pytest.raises(ApplianceError) as caught:
        vma_client(httpserver).discover_datacenter("DatabanxDC")
    assert (caught.value.category, caught.value.retryable) == ("server", True)


def test_discovery_waits_for_its_own_timeout_and_job_progress_for_the_api_read_timeout(httpserver):
    discovered = load_fixture("vma_discover_200")
    progress = load_fixture("vma_progress_200")
    httpserver.expect_request("/api/v1/discover").respond_with_handler(slow_answer(1.0, discovered))
    httpserver.expect_request("/api/v1/progress/job-1").respond_with_handler(slow_answer(1.0, progress))
    client = vma_client(httpserver, API_READ_TIMEOUT=0.2, VMA_DISCOVERY_TIMEOUT=20)
    assert len(client.discover_datacenter("DatabanxDC")) == 3
    with pytest.raises(ApplianceError) as caught:
        client.job_progress("job-1")
    assert caught.value.category == "timeout" and "after 0.2 s" in caught.value.raw
    hasty = vma_client(httpserver, API_READ_TIMEOUT=20, VMA_DISCOVERY_TIMEOUT=0.2)
    with pytest.raises(ApplianceError) as caught:
        hasty.discover_datacenter("DatabanxDC")
    assert caught.value.category == "timeout"
    time.sleep(1.0)


# --- VMA: job progress -----------------------------------------------------------------------------

JOB = "job-20251004-140321.123-a1b2c3"
EXPORT = "migration-vol-b6f1c2d3-0000-4e5f-9a8b-7c6d5e4f3a21"


def answer_with(httpserver, path, name, job_id=JOB):
    """Serve fixture `name` at `path`, its text rewritten for `job_id` where it names a job."""
    fixture = load_fixture(name)
    if "text" in fixture.response and fixture.response["text"].startswith("Job not found: "):
        fixture = Fixture(fixture.name, fixture.appliance, fixture.source, fixture.request,
                          {**fixture.response, "text": f"Job not found: {job_id}\n"})
    serve(httpserver, fixture, path=path, method="GET")


@pytest.mark.parametrize("export_progress, job_progress, status, state, route", [
    ("vma_progress_200", None, None, "found", "progress"),
    ("vma_progress_404", "vma_progress_200", None, "found", "progress"),
    ("vma_progress_404", "vma_progress_404", "vma_status_200", "found", "status"),
    ("vma_progress_404", "vma_progress_404", "vma_status_404", "not_found", ""),
    ("vma_router_404", "vma_router_404", "vma_status_404", "unknown", ""),
    ("vma_progress_404", "vma_progress_404", "vma_router_404", "unknown", ""),
    ("vma_progress_404", "vma_router_404", "vma_status_404", "unknown", ""),
    ("vma_router_404", "vma_progress_404", "vma_status_404", "unknown", ""),
])
def test_job_progress_asks_like_the_oma_poller_and_counts_only_the_vma_s_own_not_found(
        httpserver, export_progress, job_progress, status, state, route):
    answer_with(httpserver, f"/api/v1/progress/{EXPORT}", export_progress)
    if job_progress:
        answer_with(httpserver, f"/api/v1/progress/{JOB}", job_progress)
    if status:
        answer_with(httpserver, f"/api/v1/status/{JOB}", status)
    answer = vma_client(httpserver).job_progress(JOB, [EXPORT])
    assert (answer.state, answer.route) == (state, route)
    if state == "found":
        assert answer.body["job_id"] == JOB
    if state == "unknown":
        assert "HTTP 404" in answer.detail


def test_an_error_answer_on_one_route_is_unknown_not_not_found_and_does_not_stop_the_others(httpserver):
    httpserver.expect_request(f"/api/v1/progress/{EXPORT}").respond_with_data(
        "internal server error\n", status=500, content_type="text/plain; charset=utf-8")
    answer_with(httpserver, f"/api/v1/progress/{JOB}", "vma_progress_404")
    answer_with(httpserver, f"/api/v1/status/{JOB}", "vma_status_404")
    answer = vma_client(httpserver).job_progress(JOB, [EXPORT])
    assert answer.state == "unknown" and "HTTP 500" in answer.detail
    answer_with(httpserver, f"/api/v1/progress/{EXPORT}-2", "vma_progress_200")
    assert vma_client(httpserver).job_progress(JOB, [EXPORT, f"{EXPORT}-2"]).state == "found"


def test_a_status_not_found_for_another_job_id_is_not_this_job_s_not_found(httpserver):
    answer_with(httpserver, f"/api/v1/progress/{JOB}", "vma_progress_404")
    answer_with(httpserver, f"/api/v1/status/{JOB}", "vma_status_404", job_id="job-other")
    assert vma_client(httpserver).job_progress(JOB).state == "unknown"


def test_job_progress_raises_when_the_vma_does_not_answer_at_all():
    client = VMAClient.from_config({**CONFIG, "VMA_API_URL": "http://127.0.0.1:9"})
    with pytest.raises(ApplianceError) as caught:
        client.job_progress(JOB, [EXPORT])
    assert caught.value.category == "connectivity"
