"""Checking a user name and password, and where to go after logging in."""
from __future__ import annotations

import logging
from urllib.parse import urlparse

from extensions import db
from models import DashboardUser, utcnow
from security.passwords import hash_password, needs_rehash, verify_password
from security.ratelimit import client_address, login_account

log = logging.getLogger(__name__)

WRONG_CREDENTIALS = "User name or password is not correct."
# Verifying against a real hash when the user does not exist keeps the answer time the same,
# so response times do not reveal which user names exist.
_DUMMY_HASH = hash_password("not-a-real-password")


def authenticate(username: str, password: str) -> tuple[DashboardUser | None, dict[str, str]]:
    """(user, {}) when the credentials are right, else (None, field → message)."""
    errors = {}
    if not username:
        errors["username"] = "Enter your user name."
    if not password:
        errors["password"] = "Enter your password."
    if errors:
        return None, errors
    user = login_account(username)
    password_ok = verify_password(user.password_hash if user is not None else _DUMMY_HASH, password)
    if user is None or not password_ok or not user.is_active:
        # An unknown name is not logged: it is often a password typed into the wrong field.
        log.warning("Failed log-in for %s from %s",
                    f"user {user.username!r}" if user is not None else "an unknown user name", client_address())
        return None, {"password": WRONG_CREDENTIALS}
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.commit()
    log.info("User %r logged in from %s", user.username, client_address())
    return user, {}


def safe_next_url(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or any(ord(ch) < 32 for ch in target):
        return default
    return target
