"""Error pages and JSON errors: never a traceback, never a bare 500 page."""
import logging
from urllib.parse import urlsplit

from flask import Flask, current_app, make_response, render_template, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from extensions import db
from security.access import SAFE_METHODS, api_error, is_api_request

log = logging.getLogger(__name__)

#: How long pages and API clients are told to wait before asking again while the database is down.
DATABASE_RETRY_SECONDS = 5

# MySQL/MariaDB client and server errors that mean "no usable connection", as opposed to a
# statement the server refused: can't connect (2002, 2003, 2005), gone away or lost (2006, 2013,
# 2055), too many connections (1040), shutting down (1053), connection killed (1927), idle
# disconnect (4031).
_MYSQL_UNREACHABLE = frozenset({1040, 1053, 1927, 2002, 2003, 2005, 2006, 2013, 2055, 4031})


def database_unreachable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached, rather than that a statement failed."""
    if isinstance(exc, PoolTimeout):  # every pooled connection is stuck waiting on the server
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    if isinstance(exc, OperationalError):
        args = getattr(exc.orig, "args", ())
        if args and isinstance(args[0], int) and args[0] in _MYSQL_UNREACHABLE:
            return True
        return "unable to open database file" in str(exc.orig)
    return False


def _retry_target() -> str:
    """Where the outage page reloads: the same page for a read; for a form post (which must not
    be sent twice unasked) the page it came from on this site, else the overview."""
    if request.method in SAFE_METHODS:
        target = request.full_path.rstrip("?")
    else:
        referrer = urlsplit(request.referrer or "")
        same_site = referrer.netloc == request.host and referrer.path
        target = referrer.path + (f"?{referrer.query}" if referrer.query else "") if same_site else "/"
    # "//host/..." would be read by the browser as another site.
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


def _database_unavailable():
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection is already gone; nothing is left to undo
        pass
    if is_api_request() or request.headers.get("HX-Request"):
        response = api_error(503, "database_unavailable",
                             f"The database is not reachable; retry in {DATABASE_RETRY_SECONDS} seconds.",
                             {"retry_after_seconds": DATABASE_RETRY_SECONDS})
    else:
        # Rendered without the context processors and the usual layout: both ask the database
        # who is logged in, which would fail again inside this handler.
        page = current_app.jinja_env.get_template("errors/database_unavailable.html").render(
            retry_seconds=DATABASE_RETRY_SECONDS, retry_url=_retry_target(),
            unsaved=request.method not in SAFE_METHODS)
        response = make_response(page, 503)
    response.headers["Retry-After"] = str(DATABASE_RETRY_SECONDS)
    return response


def _error_page(code: int, message: str):
    """The error page in the usual layout; the outage page when the layout cannot load its user."""
    try:
        return render_template("errors/error.html", code=code, message=message), code
    except SQLAlchemyError as exc:
        if database_unreachable(exc):
            return _database_unavailable()
        raise


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if is_api_request():
            code = (exc.name or "error").lower().replace(" ", "_")
            response = api_error(exc.code or 500, code, exc.description or exc.name)
        else:
            response = app.make_response(_error_page(exc.code, exc.description))
        # The exception's own headers say what the client can do next: Allow on a 405,
        # Retry-After, WWW-Authenticate. Only its content type is replaced by ours.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(SQLAlchemyError)
    def _database_error(exc: SQLAlchemyError):
        if database_unreachable(exc):
            log.warning("Database not reachable (%s %s): %s", request.method, request.path, exc.__class__.__name__)
            return _database_unavailable()
        return _unexpected(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        log.exception("Unhandled error")
        message = "Something went wrong on the server. The details are in the server log."
        if request.method not in SAFE_METHODS:
            message = ("Something went wrong on the server; the change was not saved. "
                       "The details are in the server log.")
        if is_api_request():
            return api_error(500, "internal_error", message)
        return _error_page(500, message)
