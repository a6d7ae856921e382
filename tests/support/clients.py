"""Test clients that behave like the pages: CSRF token on every state-changing request.

The `app` fixture keeps an application context pushed for the whole test, and Flask reuses an
active context for requests, so `g` (Flask-Login's cached user, Flask-WTF's token, per-request
caches) would leak from one request into the next. Each request here gets its own context, as
in production; the test's own database session is expired afterwards so that it reads what the
request wrote.
"""
import re

from flask.testing import FlaskClient

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class IsolatedRequestClient(FlaskClient):
    """A test client whose every request runs in a fresh application context."""

    def open(self, *args, **kwargs):
        from extensions import db
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


class DashboardClient(IsolatedRequestClient):
    """A test client that sends the CSRF token on state-changing requests, as the pages do."""

    csrf_token: str | None = None

    def open(self, *args, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if args and hasattr(args[0], "method"):
            method = args[0].method.upper()
        if method not in SAFE_METHODS and self.csrf_token and kwargs.pop("with_csrf", True):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token)
            kwargs["headers"] = headers
        else:
            kwargs.pop("with_csrf", None)
        return super().open(*args, **kwargs)

    def refresh_csrf_token(self) -> str:
        page = self.get("/login").get_data(as_text=True)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match, "login page carries a CSRF token"
        self.csrf_token = match.group(1)
        return self.csrf_token

    def login(self, username: str, password: str):
        token = self.refresh_csrf_token()
        response = self.post("/login", data={"username": username, "password": password, "csrf_token": token},
                             with_csrf=False)
        self.refresh_csrf_token()
        return response
