"""`flask users ...`, `flask tokens ...` and the first admin created at start."""
import io
import logging

import pytest

from app import create_app
from extensions import db
from models import DashboardApiToken, DashboardAuditEvent, DashboardUser
from security.bootstrap import bootstrap_admin
from security.passwords import verify_password
from security.tokens import digest, user_for_token


def _user(name):
    return db.session.execute(db.select(DashboardUser).where(DashboardUser.username == name)).scalar_one_or_none()


def test_users_create_reads_the_password_from_standard_input(runner):
    result = runner.invoke(args=["users", "create", "alice", "--role", "operator"], input="alice-password-1\n")
    assert result.exit_code == 0, result.output
    alice = _user("alice")
    assert alice.role == "operator" and verify_password(alice.password_hash, "alice-password-1")


def test_users_create_names_the_problem_with_a_short_password(runner):
    result = runner.invoke(args=["users", "create", "bob", "--role", "viewer"], input="short\n")
    assert result.exit_code == 1
    assert "password: Use at least 10 characters." in result.output
    assert _user("bob") is None


def test_users_create_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["users", "create", "bob", "--role", "root"], input="long-enough-1\n")
    assert result.exit_code == 2 and "root" in result.output


def test_users_create_refuses_a_taken_name(runner, users):
    result = runner.invoke(args=["users", "create", "viewer", "--role", "viewer"], input="long-enough-1\n")
    assert result.exit_code == 1 and "already taken" in result.output


def test_users_create_refuses_a_name_with_spaces(runner):
    result = runner.invoke(args=["users", "create", "a b", "--role", "viewer"], input="long-enough-1\n")
    assert result.exit_code == 1 and result.output.startswith("Error: username:")


def test_users_list_shows_names_roles_and_states_but_no_hashes(runner, users):
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["ID", "NAME", "ROLE", "STATE", "LAST", "LOG-IN"]
    assert any(line.split()[1:4] == ["admin", "admin", "active"] for line in lines[1:])
    assert "$argon2" not in result.output


def test_users_disable_refuses_to_disable_the_only_admin(runner, users):
    result = runner.invoke(args=["users", "disable", "admin"])
    assert result.exit_code == 1 and "only active admin" in result.output
    assert _user("admin").active


def test_users_set_password_changes_the_password(runner, users):
    result = runner.invoke(args=["users", "set-password", "viewer"], input="a-new-password-1\n")
    assert result.exit_code == 0
    assert verify_password(_user("viewer").password_hash, "a-new-password-1")


def test_tokens_create_prints_the_token_once_and_stores_only_its_digest(runner, users):
    result = runner.invoke(args=["tokens", "create", "--user", "operator", "--label", "monitoring"])
    assert result.exit_code == 0, result.output
    plain = result.stdout.strip().splitlines()[-1]
    assert plain.startswith("rsd_") and len(plain) > 40
    row = db.session.execute(db.select(DashboardApiToken)).scalar_one()
    assert row.token_hash == digest(plain) and plain not in (row.token_hash, row.token_prefix)
    assert user_for_token(plain)[0].username == "operator"


def test_tokens_create_for_an_unknown_user_is_an_error(runner, users):
    result = runner.invoke(args=["tokens", "create", "--user", "nobody", "--label", "x"])
    assert result.exit_code == 1 and "user: There is no user named 'nobody'." in result.output


def test_tokens_revoke_stops_the_token_from_working(runner, users):
    created = runner.invoke(args=["tokens", "create", "--user", "operator", "--label", "ci"])
    plain = created.stdout.strip().splitlines()[-1]
    token_id = db.session.execute(db.select(DashboardApiToken.id)).scalar_one()
    result = runner.invoke(args=["tokens", "revoke", str(token_id)])
    assert result.exit_code == 0
    assert user_for_token(plain) is None
    again = runner.invoke(args=["tokens", "revoke", str(token_id)])
    assert again.exit_code == 1 and "already revoked" in again.output


def test_tokens_list_never_shows_a_whole_token(runner, users):
    created = runner.invoke(args=["tokens", "create", "--user", "operator", "--label", "ci"])
    plain = created.stdout.strip().splitlines()[-1]
    listing = runner.invoke(args=["tokens", "list"]).output
    assert "ci" in listing and plain[:10] in listing and plain not in listing


def test_cli_changes_are_in_the_audit_trail_as_the_system(runner):
    runner.invoke(args=["users", "create", "carol", "--role", "admin"], input="carol-password-1\n")
    event = db.session.execute(db.select(DashboardAuditEvent)).scalar_one()
    assert (event.action, event.object_name, event.actor) == ("user.create", "carol", "system")
    assert "password" not in str(event.after) and "argon2" not in str(event.after)


@pytest.fixture
def bootstrap_config(app_config):
    return {**app_config, "BOOTSTRAP_ADMIN": True}


def test_with_no_user_admin_password_creates_the_admin_at_start(bootstrap_config, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({**bootstrap_config, "ADMIN_PASSWORD": "configured-admin-pw"})
    with app.app_context():
        admin = _user("admin")
        assert admin.role == "admin" and verify_password(admin.password_hash, "configured-admin-pw")


def test_without_admin_password_a_generated_one_is_printed_once_and_never_logged(
        bootstrap_config, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    caplog.set_level(logging.DEBUG)
    app = create_app({**bootstrap_config, "BOOTSTRAP_ADMIN": False, "ADMIN_PASSWORD": ""})
    console = io.StringIO()
    app.config["BOOTSTRAP_ADMIN"] = True
    bootstrap_admin(app, out=console)
    printed = console.getvalue()
    password = printed.split("Password (shown only this once): ")[1].split()[0]
    with app.app_context():
        assert verify_password(_user("admin").password_hash, password)
    assert password not in caplog.text

    second_start = io.StringIO()
    bootstrap_admin(app, out=second_start)
    assert second_start.getvalue() == ""


def test_existing_users_are_left_alone_at_start(users, app):
    app.config.update(BOOTSTRAP_ADMIN=True, ADMIN_PASSWORD="another-password")
    console = io.StringIO()
    bootstrap_admin(app, out=console)
    assert console.getvalue() == ""
    assert not verify_password(_user("admin").password_hash, "another-password")


def test_start_without_migrated_tables_explains_what_to_run(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "BACKGROUND_SERVICES": False, "BOOTSTRAP_ADMIN": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite3'}"})
    assert app is not None
    assert "flask db upgrade" in caplog.text
