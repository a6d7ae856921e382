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
            return api_error(exc.code or 500, code, exc.description or exc.name)
        return render_template("errors/error.html", code=exc.code, message=exc.description), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        log.exception("Unhandled error")
        message = "Something went wrong on the server; the change was not saved. The details are in the server log."
        if is_api_request():
            return api_error(500, "internal_error", message)
        return render_template("errors/error.html", code=500, message=message), 500
