"""The simulated VMA's HTTP API: discovery, job status, job progress, health.

Routes as the real VMA registers them [VMA 8b7d59b]: vma/api/server.go:232-256 `setupRoutes`
(`/api/v1/discover` POST, `/api/v1/status/{job_id}` GET, `/api/v1/health` GET) and
vma/api/progress_handler.go `RegisterRoutes` (`/api/v1/progress/{jobId}` GET). Errors are
`http.Error` text/plain; paths it does not serve get gorilla/mux's 404 or 405.
"""
from __future__ import annotations

import hmac
import json
import logging
import time
from datetime import datetime, timezone

from flask import Flask
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from simulator.discovery import DiscoveryFailed, connect, filter_vms, find_datacenter, list_vms
from simulator.vma_jobs import known_job, progress_body, status_body, vma_state
from simulator.wsgi import RoutedApp, go_error, go_json, rfc3339, routes

log = logging.getLogger(__name__)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _go_decode_error(exc: ValueError) -> str:
    """encoding/json's wording for the usual malformed bodies."""
    if isinstance(exc, json.JSONDecodeError) and exc.pos >= len(exc.doc.strip()):
        return "EOF" if not exc.doc.strip() else "unexpected EOF"
    return f"invalid character {exc.doc[exc.pos:exc.pos + 1]!r} looking for beginning of value" \
        if isinstance(exc, json.JSONDecodeError) else str(exc)


class VMAApp(RoutedApp):
    routes = routes(
        Rule("/api/v1/discover", methods=["POST"], endpoint="discover"),
        Rule("/api/v1/status/<job_id>", methods=["GET"], endpoint="status"),
        Rule("/api/v1/progress/<job_id>", methods=["GET"], endpoint="progress"),
        Rule("/api/v1/health", methods=["GET"], endpoint="health"),
    )

    def __init__(self, app: Flask, *, vcenter_username: str, vcenter_password: str, seed: str,
                 failure_rate: float, discovery_seconds: float = 0.0):
        super().__init__(app)
        self.vcenter_username = vcenter_username
        self.vcenter_password = vcenter_password
        self.seed = seed
        self.failure_rate = failure_rate
        self.discovery_seconds = discovery_seconds

    def _health(self, request: Request) -> Response:
        # server.go:467-478 (its uptime is time.Since(time.Now()), a few hundred nanoseconds)
        return go_json(200, {"status": "healthy", "timestamp": rfc3339(datetime.now(timezone.utc)),
                             "uptime": "250ns"})

    def _discover(self, request: Request) -> Response:
        """server.go:485-515."""
        try:
            payload = json.loads(request.get_data(as_text=True))
        except ValueError as exc:
            return go_error(400, f"Invalid request: {_go_decode_error(exc)}")
        if not isinstance(payload, dict):
            return go_error(400, "Invalid request: json: cannot unmarshal "
                                 f"{type(payload).__name__} into Go value of type api.DiscoveryRequest")
        fields = {}
        for key in ("vcenter", "username", "password", "datacenter", "filter"):
            value = payload.get(key)
            if value is not None and not isinstance(value, str):
                return go_error(400, "Invalid request: json: cannot unmarshal "
                                     f"{'number' if isinstance(value, (int, float)) else type(value).__name__} into "
                                     f"Go struct field DiscoveryRequest.{key} of type string")
            fields[key] = value or ""
        try:
            datacenters = connect(fields["vcenter"], fields["username"], fields["password"],
                                  expected_username=self.vcenter_username, expected_password=self.vcenter_password,
                                  same=_same)
            datacenter = find_datacenter(datacenters, fields["datacenter"])
            if self.discovery_seconds > 0:  # listing and reading every VM of the datacenter
                time.sleep(self.discovery_seconds)
            vms = list_vms(fields["vcenter"], datacenter)
        except DiscoveryFailed as exc:
            log.info("Discovery vcenter=%s datacenter=%s failed: %s", fields["vcenter"], fields["datacenter"], exc)
            return go_error(500, f"Discovery failed: {exc}")
        for vm in vms:  # VMInfo.Datacenter is the request's (discovery.go:205)
            vm["datacenter"] = fields["datacenter"]
        vms = filter_vms(vms, fields["filter"])
        log.info("Discovery vcenter=%s datacenter=%s filter=%s vms=%d", fields["vcenter"], fields["datacenter"],
                 fields["filter"] or "-", len(vms))
        return go_json(200, {"vcenter": {"host": fields["vcenter"], "datacenter": fields["datacenter"]}, "vms": vms})

    def _status(self, request: Request, job_id: str) -> Response:
        """server.go:378-389."""
        job = known_job(job_id)
        if job is None:
            return go_error(404, f"Job not found: {job_id}")
        return go_json(200, status_body(job, vma_state(job, seed=self.seed, failure_rate=self.failure_rate)))

    def _progress(self, request: Request, job_id: str) -> Response:
        """progress_handler.go:185-230 `GetJobProgress`."""
        job = known_job(job_id, by_export=True)
        if job is None:
            return go_error(404, "job not found")
        response = go_json(200, progress_body(job, vma_state(job, seed=self.seed, failure_rate=self.failure_rate)))
        response.headers["Cache-Control"] = "no-cache"
        return response
