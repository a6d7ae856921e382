"""The access guard, walked over the app's whole URL map.

The walks read `app.url_map`, so routes added later are covered without changing this file:
every route is protected unless its view is marked `@public`.
"""

import pytest

from security.access import CONTENT_SECURITY_POLICY, required_role
from tests.support.routes import sample_value

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")


def protected_requests(app, methods):
    """(method, url, view) for every non-public, non-static rule answering one of `methods`."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, "_public", False):
            continue
        values = {name: sample_value(converter) for name, converter in rule._converters.items()}
        url = adapter.build(rule.endpoint, values, force_external=False)
        for method in sorted(rule.methods & set(methods)):
            found.append((method, url, view))
    return found


def test_the_walk_finds_pages_api_routes_and_state_changing_routes(app):
    found = protected_requests(app, ("GET",) + STATE_CHANGING)
    urls = {url for _, url, _ in found}
    assert "/" in urls and "/admin/users" in urls and "/admin/audit" in urls
    assert any(method in STATE_CHANGING for method, _, _ in found)


def test_anonymous_page_requests_are_redirected_to_the_login_page(app, anon_client):
    for method, url, _ in protected_requests(app, ("GET",) + STATE_CHANGING):
        if url.startswith("/api/"):
            continue
        response = anon_client.open(url, method=method)
        assert response.status_code == 302, f"{method} {url} answered {response.status_code}"
        assert response.headers["Location"].startswith("/login?next="), f"{method} {url}"


def test_anonymous_api_requests_get_a_json_401(app, anon_client):
    api_requests = [(m, u) for m, u, _ in protected_requests(app, ("GET",) + STATE_CHANGING) if u.startswith("/api/")]
    for method, url in api_requests:
        response = anon_client.open(url, method=method)
        assert response.status_code == 401, f"{method} {url} answered {response.status_code}"
        assert response.get_json()["code"] == "unauthorized", f"{method} {url}"


def test_an_htmx_request_without_a_session_is_told_to_go_to_the_login_page(anon_client):
    response = anon_client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")


def test_a_viewer_is_refused_every_state_changing_route(app, viewer_client):
    """Only views explicitly declaring `@require_role("viewer")` may accept a viewer's write."""
    for method, url, view in protected_requests(app, STATE_CHANGING):
        if required_role(view, method) == "viewer":
            continue
        response = viewer_client.open(url, method=method)
        assert response.status_code == 403, f"{method} {url} answered {response.status_code}"


def test_an_operator_is_refused_every_admin_route(app, client):
    admin_only = [(m, u) for m, u, view in protected_requests(app, ("GET",) + STATE_CHANGING)
                  if required_role(view, m) == "admin"]
    assert admin_only, "the admin pages need the admin role"
    for method, url in admin_only:
        assert client.open(url, method=method).status_code == 403, f"{method} {url}"


def test_every_state_changing_browser_request_without_the_csrf_token_is_refused(app, admin_client):
    for method, url, _ in protected_requests(app, STATE_CHANGING):
        response = admin_client.open(url, method=method, with_csrf=False)
        assert response.status_code == 400, f"{method} {url} answered {response.status_code}"
        assert "security token" in response.get_data(as_text=True), f"{method} {url}"


def test_an_htmx_request_without_the_csrf_token_gets_a_json_error_naming_the_field(app, admin_client):
    response = admin_client.post("/admin/users", headers={"HX-Request": "true"}, with_csrf=False,
                                 data={"username": "x", "role": "viewer", "password": "long-enough-1"})
    assert response.status_code == 400
    assert response.get_json()["details"] == {"field": "csrf_token"}


def test_a_wrong_csrf_token_is_refused(admin_client):
    response = admin_client.post("/admin/users", headers={"X-CSRFToken": "forged"}, with_csrf=False,
                                 data={"username": "x", "role": "viewer", "password": "long-enough-1"})
    assert response.status_code == 400


def test_the_csrf_token_in_the_htmx_header_is_accepted(admin_client):
    response = admin_client.post("/admin/users", headers={"HX-Request": "true"},
                                 data={"username": "newuser", "role": "viewer", "password": "long-enough-1"})
    assert response.status_code == 302


def test_bearer_token_api_requests_need_no_csrf_token(app, api_client):
    api_writes = [(m, u) for m, u, _ in protected_requests(app, STATE_CHANGING) if u.startswith("/api/")]
    for method, url in api_writes:
        response = api_client.open(url, method=method, json={})
        assert response.status_code != 400 or response.get_json()["code"] != "csrf_failed", f"{method} {url}"


def test_a_bearer_token_is_not_accepted_by_the_pages(app, api_token):
    plain = app.test_client()
    response = plain.get("/", headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 302


def test_the_login_page_and_health_probe_are_public(anon_client):
    assert anon_client.get("/login").status_code == 200
    assert anon_client.get("/healthz").status_code == 200


def test_a_public_form_post_still_needs_the_csrf_token(anon_client):
    response = anon_client.post("/login", data={"username": "admin", "password": "x"}, with_csrf=False)
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/login", "/healthz", "/api/v1/no-such-thing", "/admin/users"])
def test_every_response_carries_the_security_headers(admin_client, path):
    headers = admin_client.get(path).headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_the_content_security_policy_allows_only_the_products_own_scripts_and_styles():
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_pages_have_no_inline_script(app, admin_client):
    for method, url, _ in protected_requests(app, ("GET",)):
        if url.startswith("/api/"):
            continue
        page = admin_client.get(url).get_data(as_text=True)
        assert "<script>" not in page and "<script " not in page.replace("<script src=", ""), url
        assert " onclick=" not in page and " onload=" not in page and "javascript:" not in page, url


def test_strict_transport_security_is_sent_only_behind_tls(app, admin_client):
    assert "Strict-Transport-Security" not in admin_client.get("/").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    assert admin_client.get("/").headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_and_api_answers_are_not_cached(admin_client):
    assert admin_client.get("/").headers["Cache-Control"] == "no-store"
