"""Session login to the OMA: `POST /api/v1/auth/login`, a cached session token, one renewal.

The real OMA (with `-auth=true`, its default) accepts only session tokens it handed out itself,
kept in memory and lost when it restarts (oma/api/handlers/auth.go:59-122, server.go:316-343
[8b7d59b]). `SessionLogin` logs in on first use, shares the session between the threads of the
dispatch pool, logs in one thread at a time, and logs in again when a request is refused with
401 unless another thread has already done so.
"""
from __future__ import annotations

import threading

from appliance.errors import ApplianceError

#: Sent as the login request's `version` (AuthRequest.Version, a free string the OMA only logs).
DASHBOARD_VERSION = "replication-dashboard/1.0.0"
LOGIN_PATH = "/api/v1/auth/login"
#: The step of every error of a login (the sanitizer reads it as the replication service's).
LOGIN_STEP = "oma-login"


class SessionLogin:
    """Bearer authentication with a session token obtained from the OMA's login."""

    def __init__(self, appliance_id: str, login_token: str, version: str = DASHBOARD_VERSION):
        self.appliance_id = appliance_id
        self._login_token = login_token
        self.version = version
        self._session_token: str | None = None
        self._lock = threading.Lock()
        #: How many logins succeeded (for tests and diagnostics; never the tokens themselves).
        self.logins = 0

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self._login_token, self._session_token) if s)

    def token(self, client) -> str:
        """The current session token, logging in first when there is none."""
        token = self._session_token
        if token:
            return token
        with self._lock:
            if not self._session_token:
                self._session_token = self._login(client)
            return self._session_token

    def renew(self, client, refused: str | None) -> str:
        """A new session after `refused` got a 401; a thread that comes second reuses the first
        thread's new session instead of logging in again."""
        with self._lock:
            if self._session_token and self._session_token != refused:
                return self._session_token
            self._session_token = None
            self._session_token = self._login(client)
            return self._session_token

    def _login(self, client) -> str:
        try:
            return self._ask(client)
        except ApplianceError as exc:
            # Whatever went wrong, the request it was for was not sent: callers tell the two apart.
            exc.step = LOGIN_STEP
            raise

    def _ask(self, client) -> str:
        body = {"appliance_id": self.appliance_id, "token": self._login_token, "version": self.version}
        response = client.send("POST", LOGIN_PATH, json=body)
        who = f"as appliance {self.appliance_id!r}"
        if response.status_code in (401, 403):
            reason = client.redact(_login_reason(response)) or "no reason given"
            raise ApplianceError("auth", client.redact(f"POST {client.base_url}{LOGIN_PATH} {who} was refused with "
                                                       f"HTTP {response.status_code}: {reason}"),
                                 status_code=response.status_code, step=client.step, body=reason)
        if response.status_code != 200:
            raise client.status_error("POST", LOGIN_PATH, response, f" to the login {who}")
        answer = client.json_body("POST", LOGIN_PATH, response)
        session = answer.get("session_token")
        if answer.get("success") is not True or not isinstance(session, str) or not session:
            reason = answer.get("error_message") if isinstance(answer.get("error_message"), str) else ""
            raise ApplianceError("auth", client.redact(
                f"POST {client.base_url}{LOGIN_PATH} {who} answered HTTP 200 without a session token: "
                f"{reason or 'success was not true'}"), status_code=200, step=client.step)
        self.logins += 1
        return session


def _login_reason(response) -> str:
    """`error_message` of the AuthResponse (auth.go:100-104), or `error` of an ErrorResponse."""
    try:
        body = response.json()
    except ValueError:
        return (response.text or "").strip()[:200]
    if not isinstance(body, dict):
        return ""
    for key in ("error_message", "error"):
        if isinstance(body.get(key), str) and body[key]:
            return body[key]
    return ""
