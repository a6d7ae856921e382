"""Test clients that behave like the pages: CSRF token on every state-changing request."""
import re

from flask.testing import FlaskClient

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class DashboardClient(FlaskClient):
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
