"""The access guard: authentication, role check and CSRF for every request.

Safe by default: the guard runs before every view, so a new route is protected without doing
anything; only a view marked `@public` is reachable anonymously, and even then a state-changing
browser request must carry the CSRF token.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Flask, current_app, g, jsonify, redirect, render_template, request, session, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from extensions import csrf, login_manager
from security.bootstrap import bootstrap_admin
from security.ratelimit import init_rate_limits
from security.redaction import install_secret_redaction
from security.sessions import session_user
from security.tokens import user_for_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'")


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


def form_page(view):
    """Mark a view as a form page: opening it (GET) needs the operator role its submission needs,
    so a viewer is told "not for your role" before filling the form, not after."""
    view._form_page = True
    return view


def required_role(view, method: str) -> str | None:
    """The role a request to `view` with `method` needs; None for public views."""
    if getattr(view, "_public", False):
        return None
    if getattr(view, "_required_role", None):
        return view._required_role
    if method in SAFE_METHODS and not getattr(view, "_form_page", False):
        return "viewer"
    return "operator"


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, code: str, message: str, details: dict | None = None):
    """The JSON error body of the API, the original system's extended:
    `{"error": "<operator message>", "code": "<machine code>", "details": {...}, "timestamp": "..."}`,
    with the message also as `message` (the original GUI reads `errorData.message` on a failed
    schedule save, schedules/page.tsx).

    The original OMA answered `{"error": message, "timestamp": RFC 3339 UTC}`
    (schedule_management.go:639-645 [sendense 8b7d59b]) and its GUI calls string methods on
    `error` (`errorData.error.includes('machine groups')`), so `error` stays the message.
    """
    response = jsonify({"error": message, "message": message, "code": code, "details": details or {},
                        "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
    response.status_code = status
    return response


def init_security(app: Flask) -> None:
    """Bind the guard, headers, rate limits, log redaction and the first admin to `app`."""
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.permanent_session_lifetime = timedelta(hours=float(app.config.get("SESSION_LIFETIME_HOURS", 12)))

    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"

    # A signed cookie alone is not enough: its log-in must still be recorded (security.sessions),
    # and a disabled user's open sessions end with their next request.
    login_manager.user_loader(session_user)

    app.before_request(_guard)
    app.after_request(_security_headers)

    init_rate_limits(app)
    _register_error_handlers(app)

    install_secret_redaction(app)
    bootstrap_admin(app)


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_failed(exc):
        message = "Your session's security token is missing or expired; reload the page and try again."
        if is_api_request() or request.headers.get("HX-Request"):
            return api_error(400, "csrf_failed", message, {"field": "csrf_token"})
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(exc):
        message = exc.description
        if is_api_request() or request.headers.get("HX-Request"):
            return api_error(429, "too_many_requests", message)
        if request.endpoint == "auth.login":
            username = request.form.get("username", "").strip()
            return render_template("auth/login.html", errors={"form": message}, username=username), 429
        return render_template("errors/error.html", code=429, message=message), 429


def _view_function():
    if request.endpoint is None:
        return None
    return current_app.view_functions.get(request.endpoint)


def _authenticate_bearer():
    """Authenticate `Authorization: Bearer ...`; returns (user, token) or None."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    return user_for_token(header[7:].strip())


def _guard():
    view = _view_function()
    g.current_actor = g.api_token = None
    if request.endpoint == "static" or view is None:
        return None
    if getattr(view, "_public", False):
        if request.method not in SAFE_METHODS:
            csrf.protect()
        return None

    sends_bearer = is_api_request() and request.headers.get("Authorization", "").lower().startswith("bearer ")
    bearer = _authenticate_bearer() if sends_bearer else None
    if bearer is not None:
        g.current_actor, g.api_token = bearer
    elif sends_bearer:
        return api_error(401, "invalid_token", "The bearer token is unknown, revoked, or its user is disabled.")
    elif current_user.is_authenticated:
        g.current_actor = current_user._get_current_object()
    else:
        if is_api_request():
            return api_error(401, "unauthorized", "Authentication required: log in or send a bearer token.")
        login_url = url_for("auth.login", next=request.full_path.rstrip("?"))
        if request.headers.get("HX-Request"):
            response = current_app.response_class(status=401)
            response.headers["HX-Redirect"] = login_url
            return response
        return redirect(login_url)

    needed = required_role(view, request.method)
    if not g.current_actor.has_role(needed):
        message = f"Your role ({g.current_actor.role}) may not do this; it needs the {needed} role."
        if is_api_request() or request.headers.get("HX-Request"):
            return api_error(403, "forbidden", message, {"required_role": needed})
        return render_template("errors/error.html", code=403, message=message), 403

    if request.method not in SAFE_METHODS and g.api_token is None:
        csrf.protect()
    if g.api_token is None:
        # Rolling idle timeout: every request (the pages' polling included) renews the session,
        # so a dashboard left open for a shift stays logged in; one left alone expires.
        session.permanent = True
    return None


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        # Pages and API answers carry operational data; keep them out of shared caches.
        response.headers["Cache-Control"] = "no-store"
    if request.headers.get("HX-Request") is not None or "HX-Request" in response.vary:
        response.vary.add("HX-Request")
    return response
