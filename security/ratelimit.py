"""Rate limits on failed log-ins (Flask-Limiter), so passwords cannot be guessed at speed.

Only failed attempts count (`deduct_when`): an operator who logs in successfully many times a
minute is never locked out, but five wrong passwords for one user name from one address lock
that pair for the rest of the window, and a wider per-address limit slows down an address that
tries many user names. Counters live in `RATELIMIT_STORAGE_URI` (memory by default: per process;
use `redis://...` or `memcached://...` when several worker processes serve the dashboard).
"""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter

LOCKED_OUT_MESSAGE = ("Too many failed log-in attempts from your address; "
                      "wait a minute, then try again.")


def client_address() -> str:
    """The client's address as the app sees it (ProxyFix applies TRUSTED_PROXY_COUNT)."""
    return request.remote_addr or "unknown"


def _address_and_username() -> str:
    return f"{client_address()}|{request.form.get('username', '').strip().lower()}"


def _login_failed(response) -> bool:
    # A successful log-in redirects; everything else (wrong password, missing field,
    # expired form) counts against the limit.
    return response.status_code != 302


limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=False)

login_limits = (
    limiter.limit(lambda: current_app.config.get("LOGIN_RATE_LIMIT", "5 per minute"),
                  key_func=_address_and_username, methods=["POST"], deduct_when=_login_failed,
                  error_message=LOCKED_OUT_MESSAGE, scope="login-user"),
    limiter.limit(lambda: current_app.config.get("LOGIN_RATE_LIMIT_PER_ADDRESS", "30 per minute"),
                  key_func=client_address, methods=["POST"], deduct_when=_login_failed,
                  error_message=LOCKED_OUT_MESSAGE, scope="login-address"),
)


def limit_login(view):
    """Apply both log-in limits to a view."""
    for limit in login_limits:
        view = limit(view)
    return view


def init_rate_limits(app: Flask) -> None:
    limiter.init_app(app)
