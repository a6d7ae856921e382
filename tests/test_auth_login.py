"""Logging in and out: sessions, cookies, failed-login limits, redirects, long shifts."""
import itertools

import itsdangerous.timed
import pytest

from extensions import db
from models import DashboardUser
from tests.conftest import PASSWORDS


def _login(client, username, password, next_url=None):
    token = client.refresh_csrf_token()
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": password, "csrf_token": token},
                       with_csrf=False)


def test_the_right_password_logs_in_and_lands_on_the_overview(anon_client):
    response = _login(anon_client, "viewer", PASSWORDS["viewer"])
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert anon_client.get("/").status_code == 200


def test_a_wrong_password_is_refused_with_a_message_next_to_the_password_field(anon_client):
    response = _login(anon_client, "viewer", "wrong-password")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="password-error"' in page and "User name or password is not correct." in page
    assert anon_client.get("/").status_code == 302


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(anon_client):
    unknown = _login(anon_client, "nobody", "whatever-password").get_data(as_text=True)
    assert "User name or password is not correct." in unknown


def test_missing_fields_are_named(anon_client):
    page = _login(anon_client, "", "").get_data(as_text=True)
    assert "Enter your user name." in page and "Enter your password." in page


def test_a_disabled_user_cannot_log_in(anon_client, users):
    users["operator"].active = False
    db.session.commit()
    assert _login(anon_client, "operator", PASSWORDS["operator"]).status_code == 400


def test_disabling_a_user_ends_their_open_session(client, users):
    assert client.get("/").status_code == 200
    users["operator"].active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_logging_out_ends_the_session(client):
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_logout_is_a_post_only(client):
    assert client.get("/logout").status_code == 405


def test_after_login_the_user_returns_to_the_page_they_asked_for(anon_client):
    response = _login(anon_client, "viewer", PASSWORDS["viewer"], next_url="/admin/audit?user=x")
    assert response.headers["Location"] == "/admin/audit?user=x"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/",
                                    "javascript:alert(1)", "evil.example"])
def test_the_next_parameter_cannot_send_the_user_to_another_site(anon_client, target):
    response = _login(anon_client, "viewer", PASSWORDS["viewer"], next_url=target)
    assert response.headers["Location"] == "/"


def test_the_session_cookie_is_http_only_and_same_site_lax(anon_client):
    response = _login(anon_client, "viewer", PASSWORDS["viewer"])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_the_session_cookie_is_secure_behind_tls(app, anon_client):
    app.config["SESSION_COOKIE_SECURE"] = True
    response = _login(anon_client, "viewer", PASSWORDS["viewer"])
    assert "; Secure" in response.headers["Set-Cookie"]


def test_passwords_are_stored_as_argon2id_hashes(users):
    stored = db.session.get(DashboardUser, users["viewer"].id).password_hash
    assert stored.startswith("$argon2id$") and PASSWORDS["viewer"] not in stored


def test_five_failed_logins_lock_that_user_name_for_the_address_with_a_clear_message(anon_client):
    for _ in range(5):
        assert _login(anon_client, "operator", "wrong-password").status_code == 400
    response = _login(anon_client, "operator", PASSWORDS["operator"])
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in page and 'role="alert"' in page


def test_a_locked_user_name_does_not_lock_other_users_from_the_same_address(anon_client):
    for _ in range(5):
        _login(anon_client, "operator", "wrong-password")
    assert _login(anon_client, "viewer", PASSWORDS["viewer"]).status_code == 302


def test_successful_logins_do_not_count_against_the_limit(anon_client):
    for _ in range(8):
        assert _login(anon_client, "viewer", PASSWORDS["viewer"]).status_code == 302
        anon_client.post("/logout")


def test_an_address_trying_many_user_names_is_slowed_down(anon_client):
    names = (f"guess{n}" for n in itertools.count())
    for _ in range(30):
        _login(anon_client, next(names), "wrong-password")
    assert _login(anon_client, "viewer", PASSWORDS["viewer"]).status_code == 429


def test_an_htmx_login_attempt_over_the_limit_gets_a_json_429(anon_client):
    for _ in range(5):
        _login(anon_client, "operator", "wrong-password")
    token = anon_client.refresh_csrf_token()
    response = anon_client.post("/login", headers={"HX-Request": "true"}, with_csrf=False,
                                data={"username": "operator", "password": "x", "csrf_token": token})
    assert response.status_code == 429
    assert response.get_json()["code"] == "too_many_requests"


class _Clock:
    """Moves the signing clock of session cookies and CSRF tokens forward."""

    def __init__(self, monkeypatch):
        import time as real_time
        self.offset = 0.0
        self._real = real_time
        monkeypatch.setattr(itsdangerous.timed, "time", self)

    def time(self):
        return self._real.time() + self.offset


def test_a_dashboard_left_open_for_a_whole_shift_keeps_working(client, monkeypatch):
    clock = _Clock(monkeypatch)
    for _ in range(10):  # ten hours, the page polling or the operator clicking once an hour
        clock.offset += 3600
        assert client.get("/").status_code == 200
    # The token the page received at the start of the shift is still accepted.
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_the_csrf_token_has_no_time_limit(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


def test_a_session_left_alone_longer_than_its_lifetime_expires(client, monkeypatch, app):
    clock = _Clock(monkeypatch)
    clock.offset = app.permanent_session_lifetime.total_seconds() + 60
    assert client.get("/").status_code == 302
