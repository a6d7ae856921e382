"""A database outage, on a real MariaDB server stopped mid-test: every route answers 503 in plain
words (pages retry by themselves, the API says when to retry), never a 500, and the app recovers
once the server is back."""
from __future__ import annotations

import re

import pytest

from tests.support.databases import MariaDBTemplate
from tests.support.mariadb import MariaDBServer, MariaDBUnavailable
from tests.support.routes import sample_value

PAGE_MESSAGE = "The database is not reachable; this page retries by itself"
# Routes that answer without asking the database: the liveness probe, the login form, static
# files and the page icon, the OpenAPI document.
WITHOUT_DATABASE = {("GET", "/healthz"), ("GET", "/login"), ("GET", "/static/css/app.css"), ("GET", "/favicon.ico"),
                    ("GET", "/api/v1/openapi.json")}


@pytest.fixture(scope="module")
def outage_server(tmp_path_factory):
    """A MariaDB server of this module's own, so that stopping it disturbs no other test."""
    try:
        server = MariaDBServer(str(tmp_path_factory.mktemp("mariadb-outage"))).start()
    except MariaDBUnavailable as exc:
        pytest.fail(f"MariaDB could not be started for the outage tests: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def outage_template(outage_server, tmp_path_factory):
    return MariaDBTemplate(outage_server, tmp_path_factory.mktemp("mariadb-outage-template"), name="outage_test")


@pytest.fixture
def database_url(outage_template):
    return outage_template.fresh_url()


@pytest.fixture
def outage(app, outage_server):
    """Stops the database when the test says so; it is running again before the app is torn down."""
    yield outage_server
    outage_server.resume()


def every_request(app):
    """(method, url) for every rule of the URL map and every method it answers."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        values = {name: sample_value(c) for name, c in rule._converters.items()}
        if rule.endpoint == "static":
            values = {"filename": "css/app.css"}
        url = adapter.build(rule.endpoint, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def test_pages_and_the_api_say_the_database_is_unreachable_and_recover(client, api_client, anon_client, outage):
    outage.halt()

    page = client.get("/jobs/?window=all")
    api = api_client.get("/api/v1/schedules")
    form = client.post("/schedules/new", data={"name": "nightly"}, headers={"Referer": "http://localhost/schedules/"})

    assert (page.status_code, page.headers.get("Retry-After")) == (503, "5")
    text = page.get_data(as_text=True)
    assert PAGE_MESSAGE in text and "Traceback" not in text
    assert re.search(r'<meta http-equiv="refresh" content="5; url=/jobs/\?window=all">', text)
    assert (form.status_code, form.headers.get("Retry-After")) == (503, "5")
    assert '<meta http-equiv="refresh" content="5; url=/schedules/">' in form.get_data(as_text=True)
    assert "was not saved" in form.get_data(as_text=True)
    assert (api.status_code, api.headers.get("Retry-After")) == (503, "5")
    error = api.get_json()
    assert (error["code"], error["details"]) == ("database_unavailable", {"retry_after_seconds": 5})
    assert "not reachable" in error["error"]
    elsewhere = client.get("/", environ_overrides={"PATH_INFO": "//elsewhere.example/x"}).get_data(as_text=True)
    assert "url=//" not in elsewhere and 'href="//' not in elsewhere
    assert anon_client.get("/healthz").status_code == 200
    assert anon_client.get("/readyz").status_code == 503

    outage.resume()

    assert client.get("/jobs/?window=all").status_code == 200
    assert api_client.get("/api/v1/schedules").status_code == 200


def test_every_route_answers_503_and_never_500_while_the_database_is_down(app, admin_client, api_client,
                                                                         anon_client, outage):
    requests = every_request(app)
    assert len(requests) > 60 and any(method != "GET" for method, _ in requests)
    outage.halt()

    wrong = []
    for method, url in requests:
        if url.startswith("/api/"):
            response = api_client.open(url, method=method, json={})
        elif method == "GET" and url in ("/healthz", "/readyz", "/metrics", "/login"):
            response = anon_client.open(url, method=method)
        else:
            response = admin_client.open(url, method=method, data={})
        body = response.get_data(as_text=True)
        expected = 200 if (method, url) in WITHOUT_DATABASE else 503
        if response.status_code != expected or "Traceback" in body:
            wrong.append(f"{method} {url}: {response.status_code} {body[:120]!r}")
    assert not wrong, "\n".join(wrong)


def test_a_failing_statement_is_still_a_500_and_a_read_does_not_speak_of_an_unsaved_change(client, api_client,
                                                                                           outage):
    conn = outage.connect("outage_test")
    try:
        with conn.cursor() as cur:
            cur.execute("RENAME TABLE replication_schedules TO replication_schedules_away")
        api = api_client.get("/api/v1/schedules")
        page = client.get("/schedules/")
    finally:
        with conn.cursor() as cur:
            cur.execute("RENAME TABLE replication_schedules_away TO replication_schedules")
        conn.close()

    error = api.get_json()
    assert (api.status_code, error["code"]) == (500, "internal_error")
    assert "not saved" not in error["error"] and "server log" in error["error"]
    assert page.status_code == 500 and "Traceback" not in page.get_data(as_text=True)
