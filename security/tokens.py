"""API bearer tokens: random secrets shown once, stored as SHA-256 digests."""
from __future__ import annotations

import hashlib
import secrets

from extensions import db
from models import DashboardApiToken, DashboardUser, utcnow

TOKEN_PREFIX = "rsd_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: DashboardUser, label: str) -> tuple[DashboardApiToken, str]:
    """Create a token for `user`; returns the row and the plain token (shown once, never stored)."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = DashboardApiToken(user_id=user.id, label=label, token_hash=digest(plain), token_prefix=plain[:10])
    db.session.add(row)
    db.session.commit()
    return row, plain


def user_for_token(plain: str) -> tuple[DashboardUser, DashboardApiToken] | None:
    """Resolve a bearer token to its active user, or None."""
    row = db.session.execute(
        db.select(DashboardApiToken).where(DashboardApiToken.token_hash == digest(plain),
                                           DashboardApiToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    if row is None:
        return None
    user = db.session.get(DashboardUser, row.user_id)
    if user is None or not user.is_active:
        return None
    return user, row


def revoke_token(token_id: int) -> bool:
    row = db.session.get(DashboardApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    db.session.commit()
    return True
