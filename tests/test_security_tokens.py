"""API bearer tokens: who they act as, what they may do, and when they stop working."""
import pytest

from extensions import db
from models import DashboardApiToken
from security.tokens import TokenError, create_token, revoke_token, user_for_token


def _protected_api_get(app):
    return next(rule.rule for rule in app.url_map.iter_rules()
                if rule.rule.startswith("/api/") and not rule.arguments and "GET" in rule.methods
                and not getattr(app.view_functions[rule.endpoint], "_public", False))


def _protected_api_write(app):
    return next((rule.rule, sorted(rule.methods & {"POST", "PUT", "DELETE"})[0]) for rule in app.url_map.iter_rules()
                if rule.rule.startswith("/api/") and not rule.arguments and rule.methods & {"POST", "PUT", "DELETE"})


def test_a_valid_token_reads_the_api(app, api_token):
    response = app.test_client().get(_protected_api_get(app), headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 200


def test_an_unknown_token_gets_a_json_401_even_with_a_session(app, client):
    response = client.get(_protected_api_get(app), headers={"Authorization": "Bearer rsd_made-up"})
    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_token"


def test_a_viewers_token_may_read_but_not_write(app, users):
    _, plain = create_token(users["viewer"], "dashboard-wall")
    api = app.test_client()
    headers = {"Authorization": f"Bearer {plain}"}
    assert api.get(_protected_api_get(app), headers=headers).status_code == 200
    url, method = _protected_api_write(app)
    response = api.open(url, method=method, headers=headers, json={})
    assert response.status_code == 403
    assert response.get_json()["details"] == {"required_role": "operator"}


def test_a_revoked_token_stops_working(app, users):
    row, plain = create_token(users["operator"], "old")
    revoke_token(row.id)
    assert user_for_token(plain) is None
    response = app.test_client().get(_protected_api_get(app), headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 401


def test_using_a_token_records_when_it_was_last_used(app, users):
    row, plain = create_token(users["operator"], "ci")
    assert row.last_used_at is None
    app.test_client().get(_protected_api_get(app), headers={"Authorization": f"Bearer {plain}"})
    assert db.session.get(DashboardApiToken, row.id).last_used_at is not None


def test_only_the_digest_of_a_token_is_stored(app, users):
    row, plain = create_token(users["operator"], "ci")
    stored = db.session.get(DashboardApiToken, row.id)
    assert plain not in (stored.token_hash, stored.token_prefix, stored.label)
    assert len(stored.token_hash) == 64


@pytest.mark.parametrize("label, message", [("", "Enter a label"), ("x" * 201, "at most 200")])
def test_a_token_needs_a_sensible_label(app, users, label, message):
    with pytest.raises(TokenError, match=message) as error:
        create_token(users["operator"], label)
    assert error.value.field == "label"


def test_a_disabled_user_cannot_get_a_token(app, users):
    users["viewer"].active = False
    db.session.commit()
    with pytest.raises(TokenError) as error:
        create_token(users["viewer"], "x")
    assert (error.value.field, error.value.status) == ("user", 409)

