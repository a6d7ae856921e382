"""API bearer tokens: random secrets shown once, stored only as SHA-256 digests.

A token has 256 bits of randomness, so a fast digest is enough (nothing to brute-force) and
lets a request find its token with one indexed lookup.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from extensions import db
from models import DashboardApiToken, DashboardUser, utcnow
from security.audit import record_change
from security.users import find_user

TOKEN_PREFIX = "rsd_"
MAX_LABEL_LENGTH = 200
# Writing last_used_at on every API call would turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenError(ValueError):
    """A token change that cannot be made; `field` names the offending input."""

    def __init__(self, field: str, message: str, status: int = 400):
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_snapshot(row: DashboardApiToken, username: str) -> dict:
    """What the audit trail keeps of a token: never the token or its digest."""
    return {"label": row.label, "user": username, "prefix": row.token_prefix,
            "revoked": row.revoked_at is not None}


def create_token(user: DashboardUser, label: str) -> tuple[DashboardApiToken, str]:
    """Create a token for `user`; returns the row and the plain token (shown once, never stored)."""
    label = (label or "").strip()
    if not label:
        raise TokenError("label", "Enter a label that says what the token is for.")
    if len(label) > MAX_LABEL_LENGTH:
        raise TokenError("label", f"Use at most {MAX_LABEL_LENGTH} characters.")
    if user is None:
        raise TokenError("user", "Choose the user the token acts as.")
    if not user.is_active:
        raise TokenError("user", f"The user {user.username!r} is disabled; enable it first.", status=409)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = DashboardApiToken(user_id=user.id, label=label, token_hash=digest(plain), token_prefix=plain[:10])
    db.session.add(row)
    db.session.flush()
    record_change("token.create", "token", row.id, label, None, token_snapshot(row, user.username))
    db.session.commit()
    return row, plain


def create_token_for(username: str, label: str) -> tuple[DashboardApiToken, str]:
    """`create_token` by user name (CLI and admin page)."""
    user = find_user((username or "").strip())
    if user is None:
        raise TokenError("user", f"There is no user named {username!r}.", status=404)
    return create_token(user, label)


def user_for_token(plain: str) -> tuple[DashboardUser, DashboardApiToken] | None:
    """Resolve a bearer token to its active user, or None (unknown, revoked, user disabled)."""
    if not plain:
        return None
    row = db.session.execute(
        db.select(DashboardApiToken).where(DashboardApiToken.token_hash == digest(plain),
                                           DashboardApiToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    if row is None:
        return None
    user = db.session.get(DashboardUser, row.user_id)
    if user is None or not user.is_active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        row.last_used_at = now
        db.session.commit()
    return user, row


def list_tokens() -> list[tuple[DashboardApiToken, str]]:
    """Every token with its user's name, newest first, in one query."""
    rows = db.session.execute(
        db.select(DashboardApiToken, DashboardUser.username)
        .join(DashboardUser, DashboardUser.id == DashboardApiToken.user_id)
        .order_by(DashboardApiToken.created_at.desc(), DashboardApiToken.id.desc()))
    return [(token, username) for token, username in rows]


def revocable_token(token_id: int) -> DashboardApiToken:
    """The token with this id; TokenError when it does not exist (404) or is already revoked (409)."""
    row = db.session.get(DashboardApiToken, token_id)
    if row is None:
        raise TokenError("token_id", f"There is no token with id {token_id}.", status=404)
    if row.revoked_at is not None:
        raise TokenError("token_id", f"The token {row.label!r} is already revoked.", status=409)
    return row


def revoke_token(token_id: int) -> DashboardApiToken:
    """Revoke a token; raises TokenError when it does not exist (404) or is already revoked (409)."""
    row = revocable_token(token_id)
    username = db.session.get(DashboardUser, row.user_id).username
    before = token_snapshot(row, username)
    row.revoked_at = utcnow()
    record_change("token.revoke", "token", row.id, row.label, before, token_snapshot(row, username))
    db.session.commit()
    return row
