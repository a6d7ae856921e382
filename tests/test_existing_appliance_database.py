"""The dashboard runs against an existing appliance database without altering its tables."""
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from models import APPLIANCE_TABLES
from tests.support.mariadb import _find

SCHEMA = Path(__file__).parent / "fixtures" / "oma-production-schema.sql"


def _load_production_schema(server, database: str) -> None:
    server.create_database(database)
    client = _find("mariadb") or _find("mysql")
    assert client, "the mariadb command-line client is installed with mariadb-server"
    with SCHEMA.open("rb") as schema:
        subprocess.run([client, "-h", "127.0.0.1", "-P", str(server.port), "-uroot", database],
                       stdin=schema, check=True, capture_output=True)


def _create_statements(url: str) -> dict[str, str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        statements = {table: conn.execute(text(f"SHOW CREATE TABLE `{table}`")).one()[1]
                      for table in APPLIANCE_TABLES}
    engine.dispose()
    return statements


@pytest.fixture
def appliance_url(mariadb_server):
    _load_production_schema(mariadb_server, "appliance_existing")
    return mariadb_server.url("appliance_existing")


def test_upgrading_an_appliance_database_adds_only_dashboard_tables(appliance_url, tmp_path):
    before = _create_statements(appliance_url)
    from tests.support.databases import migrate
    migrate(appliance_url, tmp_path)
    assert _create_statements(appliance_url) == before
    engine = create_engine(appliance_url)
    with engine.connect() as conn:
        tables = {row[0] for row in conn.execute(text("SHOW TABLES"))}
    engine.dispose()
    assert {"dashboard_users", "dashboard_scheduler_lease", "alembic_version"} <= tables


def test_the_app_renders_the_overview_on_an_appliance_database(appliance_url, tmp_path, monkeypatch):
    from tests.support.databases import migrate
    migrate(appliance_url, tmp_path)
    engine = create_engine(appliance_url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO vm_replication_contexts (context_id, vm_name, vmware_vm_id, vm_path, vcenter_host, datacenter,"
            " current_status) VALUES ('ctx-pgtest1-20251003-140708', 'pgtest1', '4205-a', '/DC/vm/pgtest1',"
            " 'vc.local', 'DC', 'ready_for_failover')"))
    engine.dispose()
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    from app import create_app
    from tests.support.clients import DashboardClient
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": appliance_url, "BACKGROUND_SERVICES": False,
                      "SECRET_KEY": "x"})
    with app.app_context():
        from extensions import db
        from models import DashboardUser, VMReplicationContext
        from security import hash_password
        db.session.add(DashboardUser(username="op", password_hash=hash_password("pw-123456"), role="operator"))
        db.session.commit()
        assert db.session.get(VMReplicationContext, "ctx-pgtest1-20251003-140708").vm_name == "pgtest1"
        app.test_client_class = DashboardClient
        client = app.test_client()
        assert client.login("op", "pw-123456").status_code == 302
        response = client.get("/")
        assert response.status_code == 200
        assert "Overview" in response.get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()
