"""Fixtures: app, clients per role, database per backend.

Tests marked `both_dbs` (or modules with `pytestmark = pytest.mark.both_dbs`) run once on
SQLite and once on a real MariaDB server started by this test session; others run on SQLite.
"""
from __future__ import annotations

import pytest

from tests.support.clients import DashboardClient
from tests.support.databases import MariaDBTemplate, SQLiteTemplate
from tests.support.mariadb import MariaDBServer, MariaDBUnavailable

PASSWORDS = {"viewer": "viewer-pass-1", "operator": "operator-pass-1", "admin": "admin-pass-1"}


def pytest_configure(config):
    config.addinivalue_line("markers", "both_dbs: run the test on SQLite and on MariaDB")
    config.addinivalue_line("markers", "mariadb_only: run the test on MariaDB only")
    config.addinivalue_line("markers", "browser: drives a real Chromium through Playwright")


def pytest_generate_tests(metafunc):
    if "db_backend" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("mariadb_only"):
        metafunc.parametrize("db_backend", ["mariadb"], indirect=True)
    elif metafunc.definition.get_closest_marker("both_dbs"):
        metafunc.parametrize("db_backend", ["sqlite", "mariadb"], indirect=True)


@pytest.fixture(scope="session")
def mariadb_server(tmp_path_factory):
    """A real MariaDB server for this test session. Fails loudly if it cannot start."""
    try:
        server = MariaDBServer(str(tmp_path_factory.mktemp("mariadb"))).start()
    except MariaDBUnavailable as exc:
        pytest.fail(f"MariaDB could not be started for the database tests: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    return SQLiteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def mariadb_template(mariadb_server, tmp_path_factory):
    return MariaDBTemplate(mariadb_server, tmp_path_factory.mktemp("mariadb-template"))


@pytest.fixture
def db_backend(request):
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_url(db_backend, request, tmp_path):
    """A migrated, empty database for this test only."""
    if db_backend == "mariadb":
        return request.getfixturevalue("mariadb_template").fresh_url()
    return request.getfixturevalue("sqlite_template").fresh_url(tmp_path)


@pytest.fixture
def app_config(database_url, tmp_path):
    """Override in a test module to change settings for the `app` fixture."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BACKGROUND_SERVICES": False,
        "SCHEDULER_ENABLED": False,
        "DEMO": False,
        "OMA_API_URL": "",
        "VMA_API_URL": "",
        "RATELIMIT_ENABLED": True,
    }


@pytest.fixture
def app(app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    from app import create_app
    from extensions import db
    application = create_app(app_config)
    application.test_client_class = DashboardClient
    ctx = application.app_context()
    ctx.push()
    yield application
    tracker = application.extensions.get("joblog")
    if tracker is not None:
        tracker.close()  # flush queued log events into this test's database, not the next one's
    db.session.remove()
    db.engine.dispose()
    ctx.pop()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app):
    """One user per role; passwords in PASSWORDS."""
    from extensions import db
    from models import DashboardUser
    from security import hash_password
    created = {}
    for role, password in PASSWORDS.items():
        user = DashboardUser(username=role, password_hash=hash_password(password), role=role)
        db.session.add(user)
        created[role] = user
    db.session.commit()
    return created


@pytest.fixture
def world(app, users):
    """The demo's data with a run in progress, behind the simulator's listeners (tests/support/world.py)."""
    from tests.support.world import build_world
    built = build_world(app, users)
    yield built
    built.stop()


def _client_for(app, users, role: str | None) -> DashboardClient:
    client = app.test_client()
    if role is None:
        client.refresh_csrf_token()
    else:
        response = client.login(role, PASSWORDS[role])
        assert response.status_code == 302, f"login as {role} failed"
    return client


@pytest.fixture
def anon_client(app, users):
    return _client_for(app, users, None)


@pytest.fixture
def viewer_client(app, users):
    return _client_for(app, users, "viewer")


@pytest.fixture
def client(app, users):
    """Logged in as an operator (runs schedules, assigns VMs, edits schedules and groups)."""
    return _client_for(app, users, "operator")


@pytest.fixture
def admin_client(app, users):
    return _client_for(app, users, "admin")


@pytest.fixture
def api_token(app, users):
    from security.tokens import create_token
    _, plain = create_token(users["operator"], "tests")
    return plain


@pytest.fixture
def api_client(app, api_token):
    """A client sending an operator's bearer token (no session, no CSRF token)."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_token}"
    return client


@pytest.fixture
def admin_api_client(app, users):
    """A client sending an admin's bearer token: every endpoint, the admin-only ones included."""
    from security.tokens import create_token
    _, plain = create_token(users["admin"], "tests-admin")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
    return client


def pytest_terminal_summary(terminalreporter):
    """Say plainly how many database tests ran on each backend, and how many browser tests ran."""
    counts: dict[str, int] = {}
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        if report.when != "call":
            continue
        for backend in ("sqlite", "mariadb"):
            if f"[{backend}" in report.nodeid or f"-{backend}]" in report.nodeid:
                counts[backend] = counts.get(backend, 0) + 1
        if "tests/browser/" in report.nodeid:
            counts["chromium"] = counts.get("chromium", 0) + 1
    if counts:
        terminalreporter.write_sep("-", "real parts exercised")
        terminalreporter.write_line(f"database tests on SQLite:  {counts.get('sqlite', 0)}")
        terminalreporter.write_line(f"database tests on MariaDB: {counts.get('mariadb', 0)}")
        terminalreporter.write_line(f"browser tests in Chromium: {counts.get('chromium', 0)}")
