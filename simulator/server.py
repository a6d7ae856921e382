"""The simulated appliance over HTTP: VMA discovery and job status, OMA replications.

A plain WSGI application (no Flask request machinery, no dashboard login) served by a werkzeug
server in a daemon thread on 127.0.0.1. Contracts are those of SPEC §6: the dashboard's OMA and
VMA clients talk to it exactly as they talk to a real appliance.
"""
from __future__ import annotations

import hmac
import json
import logging
import threading
from dataclasses import dataclass

from flask import Flask
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from models import utcnow
from simulator.discovery import UnknownDatacenter, UnknownVCenter, discover_vms
from simulator.replications import SimulatorError, create_replication, vma_job_status

log = logging.getLogger(__name__)

_ROUTES = Map([
    Rule("/api/v1/discover", methods=["POST"], endpoint="discover"),
    Rule("/api/v1/jobs/<job_id>/status", methods=["GET"], endpoint="job_status"),
    Rule("/api/v1/replications", methods=["POST"], endpoint="replications"),
    Rule("/health", methods=["GET"], endpoint="health"),
])


@dataclass(frozen=True)
class Credentials:
    """What the simulated appliance accepts: the OMA bearer token and the vCenter login."""

    oma_token: str = ""
    vcenter_username: str = ""
    vcenter_password: str = ""


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _error(status: int, error: str, details: str, **extra) -> Response:
    return _json(status, {"error": error, "details": details, "timestamp": utcnow().isoformat(), **extra})


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


class SimulatorApp:
    """WSGI application; each request runs in an app context of the dashboard (same database)."""

    def __init__(self, app: Flask, credentials: Credentials, *, seed: str):
        self.app = app
        self.credentials = credentials
        self.seed = seed

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, args = _ROUTES.bind_to_environ(environ).match()
            response = getattr(self, f"_{endpoint}")(request, **args)
        except NotFound:
            response = _error(404, "Not found", f"no route for {request.method} {request.path}")
        except MethodNotAllowed:
            response = _error(405, "Method not allowed", f"{request.method} is not allowed on {request.path}")
        except HTTPException as exc:
            response = _error(exc.code or 400, exc.name, exc.description or "")
        except Exception as exc:  # an appliance answers 500 with its raw error, like the real one
            log.exception("Simulator request failed: %s %s", request.method, request.path)
            response = _error(500, "Internal server error", f"{type(exc).__name__}: {exc}")
        return response(environ, start_response)

    @staticmethod
    def _body(request: Request) -> dict:
        try:
            payload = json.loads(request.get_data(as_text=True) or "null")
        except ValueError as exc:
            raise SimulatorError(400, "Invalid request", f"request body is not valid JSON: {exc.msg}") from exc
        if not isinstance(payload, dict):
            raise SimulatorError(400, "Invalid request", "request body must be a JSON object")
        return payload

    def _health(self, request: Request) -> Response:
        return _json(200, {"status": "ok", "service": "appliance-simulator"})

    def _discover(self, request: Request) -> Response:
        try:
            payload = self._body(request)
            for key in ("vcenter", "username", "password", "datacenter"):
                value = payload.get(key)
                if not isinstance(value, str) or not value.strip():
                    raise SimulatorError(400, "Invalid request", f"{key} is required", {"field": key})
        except SimulatorError as exc:
            return _error(exc.status, exc.error, exc.details, **exc.extra)
        vcenter, datacenter = payload["vcenter"].strip(), payload["datacenter"].strip()
        name_filter = payload.get("filter") if isinstance(payload.get("filter"), str) else None
        if not (_same(payload["username"], self.credentials.vcenter_username)
                and _same(payload["password"], self.credentials.vcenter_password)):
            return _error(401, "vCenter authentication failed",
                          "ServerFaultCode: Cannot complete login due to an incorrect user name or password.")
        try:
            with self.app.app_context():
                vms = discover_vms(vcenter, datacenter, name_filter)
        except UnknownVCenter:
            return _error(502, "vCenter connection failed",
                          f"Post \"https://{vcenter}/sdk\": dial tcp: lookup {vcenter}: no such host")
        except UnknownDatacenter as exc:
            return _error(404, "Datacenter not found", str(exc))
        log.info("Discovery vcenter=%s datacenter=%s filter=%s vms=%d", vcenter, datacenter, name_filter or "-",
                 len(vms))
        return _json(200, {"vcenter": {"host": vcenter, "datacenter": datacenter}, "vms": vms})

    def _job_status(self, request: Request, job_id: str) -> Response:
        with self.app.app_context():
            status = vma_job_status(job_id)
        if status is None:
            return _error(404, "Job not found", f"job {job_id} is not known to the VMA")
        return _json(200, status)

    def _replications(self, request: Request) -> Response:
        if self.credentials.oma_token:
            given = request.headers.get("Authorization", "")
            scheme, _, token = given.partition(" ")
            if scheme.lower() != "bearer" or not _same(token.strip(), self.credentials.oma_token):
                return _error(401, "Unauthorized", "a valid bearer token is required")
        try:
            payload = self._body(request)
            with self.app.app_context():
                started = create_replication(payload, seed=self.seed)
        except SimulatorError as exc:
            return _error(exc.status, exc.error, exc.details, **exc.extra)
        return _json(201, started.to_response())


class _QuietHandler(WSGIRequestHandler):
    """Keep-alive connections (the clients pool them) and no access log line per request: the
    dashboard's own logs say what matters."""

    protocol_version = "HTTP/1.1"

    def log_request(self, code="-", size="-"):
        pass


class SimulatorServer:
    """The WSGI server on 127.0.0.1 in a daemon thread; `port=0` picks a free port."""

    def __init__(self, wsgi_app: SimulatorApp, port: int = 0, host: str = "127.0.0.1"):
        self._server: BaseWSGIServer = make_server(host, port, wsgi_app, threaded=True,
                                                   request_handler=_QuietHandler)
        self.host = host
        self.port = self._server.server_port
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SimulatorServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="simulator-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
