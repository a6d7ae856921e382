"""Ending sessions: logging out, and a user's password, role or state changing.

A session cookie copied before it ended (another browser, a stolen cookie) must be refused,
whatever its signature says.
"""
import pytest

from extensions import db
from models import DashboardUser
from tests.conftest import PASSWORDS

pytestmark = pytest.mark.both_dbs


def _copy_of(app, client):
    """A second browser holding the same session cookie as `client`."""
    name = app.config["SESSION_COOKIE_NAME"]
    copy = app.test_client()
    copy.set_cookie(name, client.get_cookie(name).value)
    return copy


def _second_login(app, role):
    other = app.test_client()
    assert other.login(role, PASSWORDS[role]).status_code == 302
    return other


def test_a_cookie_copied_before_logout_is_refused_after_it(app, admin_client):
    copy = _copy_of(app, admin_client)
    assert copy.get("/admin/users").status_code == 200
    assert admin_client.post("/logout").status_code == 302
    assert copy.get("/admin/users").status_code == 302
    assert copy.get("/api/v1/schedules").status_code == 401


def test_logging_out_in_one_browser_keeps_the_users_other_browsers_logged_in(app, admin_client):
    other = _second_login(app, "admin")
    admin_client.post("/logout")
    assert other.get("/admin/users").status_code == 200


def test_a_password_change_ends_every_session_of_that_user(app, runner, viewer_client, admin_client):
    result = runner.invoke(args=["users", "set-password", "viewer"], input="a-new-password-1\n")
    assert result.exit_code == 0, result.output
    assert viewer_client.get("/").status_code == 302
    assert admin_client.get("/").status_code == 200
    assert viewer_client.login("viewer", "a-new-password-1").status_code == 302
    assert viewer_client.get("/").status_code == 200


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(app, admin_client, users):
    other = _second_login(app, "admin")
    response = admin_client.post(f"/admin/users/{users['admin'].id}/password",
                                 data={"password": "a-new-password-1"})
    assert response.status_code == 302
    assert admin_client.get("/admin/users").status_code == 200
    assert other.get("/admin/users").status_code == 302


def test_an_admin_setting_a_password_ends_that_users_sessions(admin_client, viewer_client, users):
    response = admin_client.post(f"/admin/users/{users['viewer'].id}/password",
                                 data={"password": "a-new-password-1"})
    assert response.status_code == 302
    assert viewer_client.get("/").status_code == 302
    assert admin_client.get("/admin/users").status_code == 200


def test_a_too_short_password_is_refused_naming_the_field_and_ends_nothing(admin_client, viewer_client, users):
    response = admin_client.post(f"/admin/users/{users['viewer'].id}/password", data={"password": "short"})
    assert response.status_code == 400
    assert "at least 10 characters" in response.get_data(as_text=True)
    assert viewer_client.get("/").status_code == 200


def test_a_role_change_ends_that_users_sessions(admin_client, viewer_client, users):
    copy_made_before = viewer_client
    assert admin_client.post(f"/admin/users/{users['viewer'].id}", data={"role": "operator"}).status_code == 302
    assert copy_made_before.get("/").status_code == 302
    assert admin_client.get("/admin/users").status_code == 200


def test_saving_the_same_role_again_ends_nothing(admin_client, viewer_client, users):
    assert admin_client.post(f"/admin/users/{users['viewer'].id}", data={"role": "viewer"}).status_code == 302
    assert viewer_client.get("/").status_code == 200


def test_a_session_of_a_disabled_user_stays_ended_when_the_user_is_enabled_again(admin_client, viewer_client,
                                                                                  users):
    viewer_id = users["viewer"].id
    admin_client.post(f"/admin/users/{viewer_id}", data={"active": "0", "confirm": "yes"})
    admin_client.post(f"/admin/users/{viewer_id}", data={"active": "1"})
    assert db.session.get(DashboardUser, viewer_id).active
    assert viewer_client.get("/").status_code == 302


def test_disabling_from_the_command_line_ends_the_sessions_for_good(runner, viewer_client):
    assert runner.invoke(args=["users", "disable", "viewer"]).exit_code == 0
    assert runner.invoke(args=["users", "enable", "viewer"]).exit_code == 0
    assert viewer_client.get("/").status_code == 302


def test_a_disabled_users_api_tokens_are_refused(app, runner, users):
    from security.tokens import create_token
    _, plain = create_token(users["viewer"], "report")
    bearer = {"Authorization": f"Bearer {plain}"}
    assert app.test_client().get("/api/v1/schedules", headers=bearer).status_code == 200
    runner.invoke(args=["users", "disable", "viewer"])
    assert app.test_client().get("/api/v1/schedules", headers=bearer).status_code == 401
