"""Error pages and JSON errors: never a traceback, never a bare 500 page."""
import logging

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from extensions import db
from security.access import api_error, is_api_request

log = logging.getLogger(__name__)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if is_api_request():
            code = (exc.name or "error").lower().replace(" ", "_")
            response = api_error(exc.code or 500, code, exc.description or exc.name)
        else:
            response = app.make_response((render_template("errors/error.html", code=exc.code,
                                                          message=exc.description), exc.code))
        # The exception's own headers say what the client can do next: Allow on a 405,
        # Retry-After, WWW-Authenticate. Only its content type is replaced by ours.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        log.exception("Unhandled error")
        message = "Something went wrong on the server; the change was not saved. The details are in the server log."
        if is_api_request():
            return api_error(500, "internal_error", message)
        return render_template("errors/error.html", code=500, message=message), 500
