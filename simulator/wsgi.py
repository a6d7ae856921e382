"""HTTP plumbing shared by the simulated OMA and VMA: answers shaped like Go's net/http and
gorilla/mux (both real appliances are Go servers), a routed WSGI base and the listener thread.
"""
from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timezone

from flask import Flask
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

log = logging.getLogger(__name__)


def go_error(status: int, text: str) -> Response:
    """What Go's `http.Error(w, text, status)` writes: the text and a newline, text/plain."""
    response = Response(text + "\n", status=status, content_type="text/plain; charset=utf-8")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def go_json(status: int, body: object) -> Response:
    """`json.NewEncoder(w).Encode(body)` after `Content-Type: application/json`: one line, newline."""
    return Response(json.dumps(body) + "\n", status=status, content_type="application/json")


def router_not_found() -> Response:
    """gorilla/mux's answer for a path no route matches (http.NotFoundHandler)."""
    return go_error(404, "404 page not found")


def router_method_not_allowed() -> Response:
    """gorilla/mux v1.8.1 (`methodNotAllowed` in mux.go): status 405 and nothing else, no body,
    no Content-Type, no Allow header."""
    response = Response(b"", status=405)
    del response.headers["Content-Type"]
    return response


def rfc3339(moment: datetime, *, fraction: bool = False) -> str:
    """Go's `time.Format(time.RFC3339)` (or RFC3339Nano, as `time.Time` marshals to JSON) of a
    naive-UTC or aware time: "Z" for UTC, else the offset."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    text = aware.isoformat(timespec="microseconds" if fraction else "seconds")
    if fraction:
        head, dot, rest = text.partition(".")
        digits, offset = rest[:6].rstrip("0"), rest[6:]
        text = f"{head}.{digits}{offset}" if digits else f"{head}{offset}"
    return text.replace("+00:00", "Z")


class RoutedApp:
    """A WSGI application over a werkzeug `Map` whose endpoints name methods `_<endpoint>`;
    each request runs in an app context of the dashboard (the same database)."""

    routes: Map

    def __init__(self, app: Flask):
        self.app = app

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, args = self.routes.bind_to_environ(environ).match()
        except NotFound:
            response = router_not_found()
        except MethodNotAllowed:
            response = router_method_not_allowed()
        else:
            try:
                with self.app.app_context():
                    response = getattr(self, f"_{endpoint}")(request, **args)
            except Exception as exc:  # a Go handler's unexpected error: 500 with its text
                log.exception("Simulator request failed: %s %s", request.method, request.path)
                response = go_error(500, f"{type(exc).__name__}: {exc}")
        return response(environ, start_response)


def routes(*rules) -> Map:
    """A route map that neither redirects nor merges slashes (gorilla does not either, without
    StrictSlash: `/api/v1/discover/` is a 404)."""
    return Map(list(rules), merge_slashes=False)


class _QuietHandler(WSGIRequestHandler):
    """Keep-alive connections (the clients pool them) and no access log line per request: the
    dashboard's own logs say what matters."""

    protocol_version = "HTTP/1.1"

    def log_request(self, code="-", size="-"):
        pass


class SimulatorServer:
    """One listener (a werkzeug server on 127.0.0.1 in a daemon thread); `port=0` picks a free
    port. The OMA and the VMA are two hosts, so the simulator runs one of these for each."""

    def __init__(self, wsgi_app, port: int = 0, host: str = "127.0.0.1", name: str = "simulator"):
        self._server: BaseWSGIServer = make_server(host, port, wsgi_app, threaded=True,
                                                   request_handler=_QuietHandler)
        self.host = host
        self.port = self._server.server_port
        self.name = name
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SimulatorServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"{self.name}-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
