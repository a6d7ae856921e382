"""The OMA's login sessions, held in memory as the real AuthHandler holds them.

Real: `oma/api/handlers/auth.go` [OMA 8b7d59b]: `Login` (:68-113) accepts one configured token,
stores a session in the handler's map and answers `{success, session_token, expires_at}`;
`ValidateToken` (:116-129) looks the bearer token up in that map. Nothing is persisted, so an
OMA restart forgets every session; `forget_all` models that restart.
"""
from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from models import utcnow

# auth.go:76: "Create long-lived session (10 years)".
SESSION_LIFETIME = timedelta(days=10 * 365)


@dataclass(frozen=True)
class Session:
    token: str
    appliance_id: str
    expires_at: datetime


class SessionStore:
    """Sessions by token; `login_token` is the one appliance token `Login` accepts."""

    def __init__(self, login_token: str, *, static_tokens: tuple[str, ...] = ()):
        self.login_token = login_token
        self._static = tuple(t for t in static_tokens if t)
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self.forget_all()

    def login(self, appliance_id: str, token: str) -> Session | None:
        """A new session for the right appliance token, else None (auth.go:73 compares the token
        only: appliance_id and version are not checked)."""
        if not self.login_token or not hmac.compare_digest(token.encode(), self.login_token.encode()):
            return None
        # The real handler hands out one fixed token (auth.go:75); a fresh one per login lets a
        # test tell a session from before a restart from one after.
        session = Session(f"sess_{secrets.token_urlsafe(24)}", appliance_id, utcnow() + SESSION_LIFETIME)
        with self._lock:
            self._sessions[session.token] = session
        return session

    def valid(self, token: str, now: datetime | None = None) -> bool:
        now = now or utcnow()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return False
            if now > session.expires_at:  # auth.go:123-126: an expired session is dropped
                del self._sessions[token]
                return False
            return True

    def forget_all(self) -> None:
        """What an OMA restart does to its sessions. Static tokens (the demo's pre-created
        session, see simulator/__init__.py) come back, as a session some other client re-created
        at once would."""
        with self._lock:
            self._sessions = {t: Session(t, "pre-created", utcnow() + SESSION_LIFETIME) for t in self._static}
