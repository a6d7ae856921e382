"""Browser sessions recorded in the database, so that they can be ended.

The session cookie is signed but kept by the browser: on its own, ending a session could only
ask the browser to forget it, and a copy of the cookie would go on working until it expired.
So each log-in gets a row in `dashboard_sessions`, the cookie carries a random key whose
SHA-256 digest is the row's id, and a request is authenticated only while that row exists.
Logging out deletes this session's row; a password or role change deletes every other row of
that user, disabling a user every row.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, has_request_context, session

from extensions import db
from models import DashboardSession, DashboardUser, utcnow

SESSION_KEY = "_login_key"
# Writing last_seen_at on every request would turn every page poll into a write.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _current_session_id() -> str | None:
    key = session.get(SESSION_KEY) if has_request_context() else None
    return _digest(key) if isinstance(key, str) and key else None


def start_session(user: DashboardUser) -> None:
    """Record a new log-in of `user` and put its key into this request's session cookie."""
    _forget_expired_sessions()
    previous = _current_session_id()
    if previous is not None:
        # Logging in again in the same browser replaces that browser's session.
        db.session.execute(db.delete(DashboardSession).where(DashboardSession.id == previous))
    key = secrets.token_urlsafe(32)
    db.session.add(DashboardSession(id=_digest(key), user_id=user.id))
    db.session.commit()
    session[SESSION_KEY] = key


def session_user(user_id: str) -> DashboardUser | None:
    """The active user whose log-in this request's cookie carries, or None once it has ended."""
    session_id = _current_session_id()
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    if session_id is None:
        return None
    found = db.session.execute(
        db.select(DashboardSession, DashboardUser)
        .join(DashboardUser, DashboardUser.id == DashboardSession.user_id)
        .where(DashboardSession.id == session_id, DashboardSession.user_id == user_id)).first()
    if found is None:
        return None
    record, user = found
    if not user.is_active:
        return None
    now = utcnow()
    if now - record.last_seen_at > LAST_SEEN_RESOLUTION:
        record.last_seen_at = now
        db.session.commit()
    return user


def end_current_session() -> None:
    """Log-out: this session's cookie, and every copy of it, is refused from now on."""
    session_id = _current_session_id()
    if session_id is not None:
        db.session.execute(db.delete(DashboardSession).where(DashboardSession.id == session_id))
        db.session.commit()
    # Only once the record is gone: a log-out the database could not record must not look done.
    session.pop(SESSION_KEY, None)


def end_user_sessions(user_id: int, *, keep_current: bool) -> None:
    """Stage the end of every session of `user_id` (the caller commits with its audit row).

    With `keep_current`, the session making the request stays: a user who changes their own
    password goes on working in the browser they changed it from.
    """
    statement = db.delete(DashboardSession).where(DashboardSession.user_id == user_id)
    current = _current_session_id() if keep_current else None
    if current is not None:
        statement = statement.where(DashboardSession.id != current)
    db.session.execute(statement)


def _forget_expired_sessions() -> None:
    """Rows whose cookie has expired can never be used again; the margin covers last_seen_at's
    resolution, so a row is never deleted while its cookie is still valid."""
    idle_limit = current_app.permanent_session_lifetime + LAST_SEEN_RESOLUTION
    db.session.execute(db.delete(DashboardSession).where(DashboardSession.last_seen_at < utcnow() - idle_limit))
