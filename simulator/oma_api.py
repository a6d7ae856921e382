"""The simulated OMA's HTTP API: login, replications, health.

Routes as the real OMA registers them [OMA 8b7d59b]: oma/api/server.go:81 (`/health`), :87
(`/api/v1/auth/login` POST) and :96 (`/api/v1/replications` POST behind `requireAuth`,
:316-343). The simulator serves only these; other real routes answer gorilla's 404/405 here.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from flask import Flask
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from extensions import db
from models import utcnow
from simulator.replications import OMAError, create_context_only, decode_request, oma_timestamp
from simulator.sessions import SessionStore
from simulator.setup import MigrationWorkflow, SetupSettings
from simulator.wsgi import RoutedApp, go_json, rfc3339, routes

log = logging.getLogger(__name__)


def _error(status: int, error: str, details: str) -> Response:
    return go_json(status, {"error": error, "details": details, "timestamp": oma_timestamp()})


def _decode(request: Request) -> tuple[object, str | None]:
    text = request.get_data(as_text=True)
    try:
        return json.loads(text), None
    except ValueError as exc:
        return None, "EOF" if not text.strip() else f"invalid character in JSON body ({exc.msg})"


class OMAApp(RoutedApp):
    routes = routes(
        Rule("/health", methods=["GET"], endpoint="health"),
        Rule("/api/v1/auth/login", methods=["POST"], endpoint="login"),
        Rule("/api/v1/replications", methods=["POST"], endpoint="replications"),
    )

    def __init__(self, app: Flask, sessions: SessionStore, settings: SetupSettings, *, auth_enabled: bool = True):
        super().__init__(app)
        self.sessions = sessions
        self.settings = settings
        self.auth_enabled = auth_enabled  # the OMA's -auth flag (default true)

    def restart(self) -> None:
        """What restarting the OMA process does to its callers: every session is gone."""
        self.sessions.forget_all()

    def _health(self, request: Request) -> Response:
        """server.go:354-364."""
        return go_json(200, {"service": "OMA API", "status": "healthy",
                             "timestamp": rfc3339(datetime.now(timezone.utc)), "version": "1.0.0",
                             "database": "connected"})

    def _login(self, request: Request) -> Response:
        """auth.go:68-113: 200 `{success, session_token, expires_at}` or 401 `{success: false,
        error_message}`; a body that does not decode is 400."""
        payload, problem = _decode(request)
        if problem is None and not isinstance(payload, dict):
            problem = "json: cannot unmarshal value into Go value of type handlers.AuthRequest"
        if problem is None and any(payload.get(k) is not None and not isinstance(payload.get(k), str)
                                   for k in ("appliance_id", "token", "version")):
            problem = "json: cannot unmarshal non-string into Go struct field AuthRequest of type string"
        if problem is not None:
            return _error(400, "Invalid request payload", problem)
        session = self.sessions.login(payload.get("appliance_id") or "", payload.get("token") or "")
        if session is None:
            return go_json(401, {"success": False, "error_message": "Invalid credentials"})
        log.info("OMA login appliance_id=%s", session.appliance_id)
        return go_json(200, {"success": True, "session_token": session.token,
                             "expires_at": rfc3339(session.expires_at.replace(tzinfo=timezone.utc).astimezone())})

    def _authorized(self, request: Request) -> Response | None:
        """requireAuth (server.go:316-343); the details are empty strings."""
        if not self.auth_enabled:
            return None
        header = request.headers.get("Authorization", "")
        if not header:
            return _error(401, "Missing authorization header", "")
        if len(header) < 7 or header[:7] != "Bearer ":
            return _error(401, "Invalid authorization format", "")
        if not self.sessions.valid(header[7:]):
            return _error(401, "Invalid or expired token", "")
        return None

    def _replications(self, request: Request) -> Response:
        refused = self._authorized(request)
        if refused is not None:
            return refused
        payload, problem = _decode(request)
        if problem is not None:
            return _error(400, "Invalid request payload", problem)
        try:
            create = decode_request(payload)
            if not create.start_replication:
                return go_json(201, create_context_only(create, utcnow()))
            return go_json(201, MigrationWorkflow(create, self.settings).run())
        except OMAError as exc:
            db.session.rollback()
            if exc.status >= 500:
                log.info("Replication request failed: %s", exc)
            return go_json(exc.status, exc.body())
