"""The access guard: authentication, role check and CSRF for every request."""
from __future__ import annotations

from flask import Flask, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from extensions import csrf, db, login_manager
from models import DashboardUser

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def public(view):
    """Mark a view as reachable without logging in (login page, health probes, static)."""
    view._public = True
    return view


def require_role(role: str):
    """Require at least `role` (viewer < operator < admin) whatever the HTTP method."""
    def decorate(view):
        view._required_role = role
        return view
    return decorate


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, code: str, message: str, details: dict | None = None):
    """The JSON error body of the API: {"error": {"code", "message", "details"}}."""
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


def init_security(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        try:
            return db.session.get(DashboardUser, int(user_id))
        except (TypeError, ValueError):
            return None

    app.before_request(_guard)
    app.after_request(_security_headers)

    @app.errorhandler(CSRFError)
    def _csrf_failed(exc):
        message = "Your session's security token is missing or expired; reload the page and try again."
        if is_api_request() or request.headers.get("HX-Request"):
            return api_error(400, "csrf_failed", message, {"field": "csrf_token"})
        return render_template("errors/error.html", code=400, message=message), 400


def _view_function():
    if request.endpoint is None:
        return None
    return current_app.view_functions.get(request.endpoint)


def _authenticate_bearer():
    """Authenticate `Authorization: Bearer ...`; returns (user, token) or None."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    from security.tokens import user_for_token
    return user_for_token(header[7:].strip())


def _guard():
    view = _view_function()
    if request.endpoint == "static" or view is None or getattr(view, "_public", False):
        return None
    g.api_token = None
    bearer = _authenticate_bearer() if is_api_request() else None
    if bearer is not None:
        user, token = bearer
        g.current_actor = user
        g.api_token = token
    elif current_user.is_authenticated:
        g.current_actor = current_user._get_current_object()
    else:
        if is_api_request():
            return api_error(401, "unauthorized", "Authentication required: log in or send a bearer token.")
        if request.headers.get("HX-Request"):
            response = current_app.response_class(status=401)
            response.headers["HX-Redirect"] = url_for("auth.login", next=request.full_path)
            return response
        return redirect(url_for("auth.login", next=request.full_path))

    needed = getattr(view, "_required_role", None) or ("viewer" if request.method in SAFE_METHODS else "operator")
    if not g.current_actor.has_role(needed):
        message = f"Your role ({g.current_actor.role}) may not do this; it needs the {needed} role."
        if is_api_request() or request.headers.get("HX-Request"):
            return api_error(403, "forbidden", message, {"required_role": needed})
        return render_template("errors/error.html", code=403, message=message), 403

    if request.method not in SAFE_METHODS and g.api_token is None:
        csrf.protect()
    return None


def _security_headers(response):
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.headers.get("HX-Request") is not None or "HX-Request" in response.vary:
        response.vary.add("HX-Request")
    return response
