"""The admin page for users and API tokens."""
import re

from extensions import db
from models import DashboardApiToken, DashboardAuditEvent, DashboardUser
from security.passwords import verify_password
from security.tokens import create_token, digest


def _api_status(app, token):
    """Status of a GET to a protected API route (any argument-free one) sent with `token`."""
    url = next(rule.rule for rule in app.url_map.iter_rules()
               if rule.rule.startswith("/api/") and not rule.arguments and "GET" in rule.methods
               and not getattr(app.view_functions[rule.endpoint], "_public", False))
    return app.test_client().get(url, headers={"Authorization": f"Bearer {token}"}).status_code


def _user(name):
    return db.session.execute(db.select(DashboardUser).where(DashboardUser.username == name)).scalar_one_or_none()


def test_the_page_lists_users_with_role_and_state_and_tokens_without_their_secret(admin_client, users):
    _, plain = create_token(users["operator"], "monitoring")
    page = admin_client.get("/admin/users").get_data(as_text=True)
    for name in ("viewer", "operator", "admin"):
        assert f"<td>{name}" in page
    assert "monitoring" in page and plain[:10] in page and plain not in page


def test_the_page_is_for_admins_only(client, viewer_client):
    assert client.get("/admin/users").status_code == 403
    assert viewer_client.get("/admin/users").status_code == 403


def test_the_navigation_shows_the_admin_pages_to_admins_only(admin_client, client):
    assert 'href="/admin/users"' in admin_client.get("/").get_data(as_text=True)
    assert 'href="/admin/users"' not in client.get("/").get_data(as_text=True)


def test_an_admin_creates_a_user_who_can_then_log_in(admin_client, anon_client):
    response = admin_client.post("/admin/users", data={"username": "dana", "role": "operator",
                                                       "password": "dana-password-1"})
    assert response.status_code == 302
    dana = _user("dana")
    assert dana.role == "operator" and verify_password(dana.password_hash, "dana-password-1")
    assert anon_client.login("dana", "dana-password-1").status_code == 302


def test_bad_input_is_shown_next_to_each_field_and_nothing_is_saved(admin_client):
    response = admin_client.post("/admin/users", data={"username": "no spaces", "role": "root", "password": "short"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="new-username-error"' in page and 'id="new-role-error"' in page and 'id="new-password-error"' in page
    assert "Use at least 10 characters." in page
    assert _user("no spaces") is None


def test_a_taken_user_name_is_a_conflict_naming_the_field(admin_client, users):
    response = admin_client.post("/admin/users", data={"username": "viewer", "role": "viewer",
                                                       "password": "long-enough-1"})
    assert response.status_code == 409
    assert "already taken" in response.get_data(as_text=True)


def test_an_admin_changes_a_users_role(admin_client, users):
    response = admin_client.post(f"/admin/users/{users['viewer'].id}", data={"role": "operator"})
    assert response.status_code == 302
    assert _user("viewer").role == "operator"


def test_disabling_a_user_stops_their_session_and_their_tokens(admin_client, viewer_client, users, app):
    _, plain = create_token(users["viewer"], "viewer-script")
    response = admin_client.post(f"/admin/users/{users['viewer'].id}", data={"active": "0", "confirm": "yes"})
    assert response.status_code == 302 and not _user("viewer").active
    assert viewer_client.get("/").status_code == 302
    assert _api_status(app, plain) == 401


def test_the_last_active_admin_cannot_be_disabled_or_demoted(admin_client, users):
    for form in ({"active": "0", "confirm": "yes"}, {"role": "viewer"}):
        response = admin_client.post(f"/admin/users/{users['admin'].id}", data=form)
        assert response.status_code == 409
        assert "only active admin" in response.get_data(as_text=True)
    assert _user("admin").active and _user("admin").role == "admin"


def test_an_unknown_user_is_a_404(admin_client):
    assert admin_client.post("/admin/users/999", data={"active": "0"}).status_code == 404


def test_a_created_token_is_shown_once_and_then_only_by_its_first_characters(admin_client, users, app):
    response = admin_client.post("/admin/tokens", data={"user": "operator", "label": "backup-script"},
                                 follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.request.path == "/admin/users"
    plain = re.search(r'<code class="mono" id="new-token">([^<]+)</code>', page).group(1)
    row = db.session.execute(db.select(DashboardApiToken)).scalar_one()
    assert row.token_hash == digest(plain)
    later = admin_client.get("/admin/users").get_data(as_text=True)
    assert plain not in later and plain[:10] in later
    assert _api_status(app, plain) == 200


def test_a_token_without_a_label_is_refused_naming_the_field(admin_client, users):
    response = admin_client.post("/admin/tokens", data={"user": "operator", "label": " "})
    assert response.status_code == 400
    assert 'id="token-label-error"' in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count()).select_from(DashboardApiToken)).scalar_one() == 0


def test_a_token_for_an_unknown_user_is_refused(admin_client, users):
    response = admin_client.post("/admin/tokens", data={"user": "ghost", "label": "x"})
    assert response.status_code == 404
    assert 'id="token-user-error"' in response.get_data(as_text=True)


def test_revoking_a_token_stops_it_at_once(admin_client, users, app):
    row, plain = create_token(users["operator"], "old")
    assert admin_client.post(f"/admin/tokens/{row.id}/revoke", data={"confirm": "yes"}).status_code == 302
    assert _api_status(app, plain) == 401
    assert admin_client.post(f"/admin/tokens/{row.id}/revoke", data={"confirm": "yes"}).status_code == 409


def test_user_and_token_changes_are_audited_without_passwords_or_tokens(admin_client, users):
    admin_client.post("/admin/users", data={"username": "erin", "role": "viewer", "password": "erin-password-1"})
    created = admin_client.post("/admin/tokens", data={"user": "erin", "label": "erin-cli"},
                                follow_redirects=True).get_data(as_text=True)
    plain = re.search(r'id="new-token">([^<]+)<', created).group(1)
    events = db.session.execute(db.select(DashboardAuditEvent).order_by(DashboardAuditEvent.id)).scalars().all()
    assert [(e.action, e.object_name, e.actor) for e in events] == [
        ("user.create", "erin", "admin"), ("token.create", "erin-cli", "admin")]
    stored = " ".join(f"{e.before} {e.after}" for e in events)
    assert "erin-password-1" not in stored and plain not in stored and "argon2" not in stored


def test_the_audit_trail_records_the_real_client_address_not_a_forwarded_header(admin_client, users):
    admin_client.post("/admin/users", data={"username": "finn", "role": "viewer", "password": "finn-password-1"},
                      headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "192.0.2.10"})
    event = db.session.execute(db.select(DashboardAuditEvent)).scalar_one()
    assert event.remote_addr == "192.0.2.10", "a client cannot write a made-up address into the trail"
