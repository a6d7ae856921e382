"""Rate limits on failed log-ins (Flask-Limiter), so passwords cannot be guessed at speed.

Only failed attempts count (`deduct_when`): an operator who logs in successfully many times a
minute is never locked out, but five wrong passwords for one account from one address lock
that pair for the rest of the window (whatever spelling of the name was typed), and a wider per-address limit slows down an address that
tries many user names. Counters live in `RATELIMIT_STORAGE_URI` (memory by default: per process;
use `redis://...` or `memcached://...` when several worker processes serve the dashboard).
"""
from __future__ import annotations

import unicodedata

from flask import Flask, current_app, g, request
from flask_limiter import Limiter

from models import DashboardUser
from security.users import find_user

LOCKED_OUT_MESSAGE = ("Too many failed log-in attempts from your address; "
                      "wait a minute, then try again.")


def client_address() -> str:
    """The client's address as the app sees it (ProxyFix applies TRUSTED_PROXY_COUNT)."""
    return request.remote_addr or "unknown"


def normalized_name(username: str) -> str:
    """`username` without case or accents: spellings a case- and accent-insensitive collation
    treats as one name get one key."""
    decomposed = unicodedata.normalize("NFKD", username.strip())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def login_account(username: str) -> DashboardUser | None:
    """The account a log-in form's user name resolves to (exact name), looked up once per request."""
    cache = g.setdefault("_login_accounts", {})
    if username not in cache:
        cache[username] = find_user(username)
    return cache[username]


def _address_and_account() -> str:
    """The per-user limit counts failures against the account the name resolves to, so that
    no other spelling of it has a counter of its own; a name that resolves to no account is
    counted by its normalized spelling."""
    username = request.form.get("username", "").strip()
    account = login_account(username)
    who = f"user:{account.id}" if account is not None else f"name:{normalized_name(username)}"
    return f"{client_address()}|{who}"


def _login_failed(response) -> bool:
    # A successful log-in redirects; everything else (wrong password, missing field,
    # expired form) counts against the limit.
    return response.status_code != 302


limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=False)

login_limits = (
    limiter.limit(lambda: current_app.config.get("LOGIN_RATE_LIMIT", "5 per minute"),
                  key_func=_address_and_account, methods=["POST"], deduct_when=_login_failed,
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
