"""The shared request path of both clients: timeouts, a pooled session per thread, the bearer
token (static or from a login), and the mapping of every transport or HTTP failure to an
`ApplianceError` category."""
from __future__ import annotations

import threading

import requests

from appliance.errors import ApplianceError

_MAX_BODY_IN_ERROR = 500
_REDACTED = "[redacted]"


class StaticBearer:
    """A fixed `Authorization: Bearer <token>`; a 401 is final (nothing to renew)."""

    def __init__(self, token: str):
        self._token = token

    def token(self, client: "JSONClient") -> str:
        return self._token

    def renew(self, client: "JSONClient", refused: str) -> str | None:
        return None

    def secrets(self) -> tuple[str, ...]:
        return (self._token,)


class JSONClient:
    """Base of the API clients: `base_url`, timeouts and optional bearer authentication.

    `auth` is None (no header), a `StaticBearer`, or any object with the same three methods
    (`appliance.login.SessionLogin` logs in and renews its session once on a 401).
    """

    step = "replication"

    def __init__(self, base_url: str, connect_timeout: float = 5.0, read_timeout: float = 30.0,
                 token: str | None = None, *, auth=None):
        self.base_url = (base_url or "").rstrip("/")
        self.timeout = (float(connect_timeout), float(read_timeout))
        self._auth = auth if auth is not None else (StaticBearer(token) if token else None)
        # requests.Session is not documented as thread-safe; the scheduler calls from a pool.
        self._local = threading.local()

    def __repr__(self) -> str:  # never shows a token
        return f"{type(self).__name__}({self.base_url!r})"

    @property
    def configured(self) -> bool:
        return bool(self.base_url)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["Accept"] = "application/json"
            self._local.session = session
        return session

    def _secrets(self) -> tuple[str, ...]:
        """Every secret this client knows, to be cut out of any error text."""
        return self._auth.secrets() if self._auth is not None else ()

    def redact(self, text: str) -> str:
        for secret in self._secrets():
            if secret and len(secret) >= 4:
                text = text.replace(secret, _REDACTED)
        return text

    def request(self, method: str, path: str, *, json: dict | None = None,
                expected: tuple[int, ...] = (200,), read_timeout: float | None = None) -> dict:
        """Call the API and return the decoded JSON body.

        With a renewable `auth`, a 401 renews the session once and sends the request once more:
        the OMA's auth middleware refuses before any handler runs (oma/api/server.go:316-343),
        so the retry cannot start anything twice.
        """
        token = self._auth.token(self) if self._auth is not None else None
        response = self.send(method, path, json=json, read_timeout=read_timeout, token=token)
        renewed = False
        if response.status_code == 401 and self._auth is not None:
            fresh = self._auth.renew(self, token)
            if fresh:
                renewed = True
                response = self.send(method, path, json=json, read_timeout=read_timeout, token=fresh)
        if response.status_code not in expected:
            raise self.status_error(method, path, response,
                                    " after logging in again" if renewed and response.status_code == 401 else "")
        return self.json_body(method, path, response)

    def require_url(self) -> None:
        if not self.base_url:
            raise ApplianceError("client", f"{type(self).__name__} has no API address configured "
                                           "(set the *_API_URL setting)", step=self.step)

    def send(self, method: str, path: str, *, json: dict | None = None, read_timeout: float | None = None,
             token: str | None = None) -> requests.Response:
        """One HTTP exchange; transport failures become an `ApplianceError`, answers are returned."""
        self.require_url()
        url = f"{self.base_url}{path}"
        where = f"{method} {url}"
        timeout = (self.timeout[0], float(read_timeout) if read_timeout is not None else self.timeout[1])
        headers = {"Authorization": f"Bearer {token}"} if token else None
        try:
            return self._session().request(method, url, json=json, timeout=timeout, headers=headers)
        except requests.exceptions.ConnectTimeout as exc:
            raise ApplianceError("connectivity", self.redact(f"{where} failed: connection timed out ({exc})"),
                                 step=self.step) from None
        except requests.exceptions.ReadTimeout:
            raise ApplianceError("timeout", f"{where} failed: read timed out after {timeout[1]:g} s",
                                 step=self.step) from None
        except requests.exceptions.ConnectionError as exc:
            raise ApplianceError("connectivity", self.redact(f"{where} failed: {exc}"), step=self.step) from None
        except requests.exceptions.RequestException as exc:
            raise ApplianceError("protocol", self.redact(f"{where} failed: {exc}"), step=self.step) from None

    def status_error(self, method: str, path: str, response: requests.Response, note: str = "",
                     category: str | None = None) -> ApplianceError:
        excerpt = self.redact(_body_excerpt(response))
        return ApplianceError(category or category_of_status(response.status_code),
                              f"{method} {self.base_url}{path} returned HTTP {response.status_code}{note}: {excerpt}",
                              status_code=response.status_code, step=self.step, body=excerpt)

    def json_body(self, method: str, path: str, response: requests.Response) -> dict:
        where = f"{method} {self.base_url}{path}"
        try:
            body = response.json()
        except ValueError:
            raise ApplianceError("protocol", f"{where} returned HTTP {response.status_code} with a body that "
                                             f"is not JSON: {self.redact(_body_excerpt(response))}",
                                 status_code=response.status_code, step=self.step) from None
        if not isinstance(body, dict):
            raise ApplianceError("protocol", f"{where} returned a JSON {type(body).__name__}, expected an object",
                                 status_code=response.status_code, step=self.step)
        return body


def category_of_status(status: int) -> str:
    if status in (401, 403, 407):
        return "auth"
    if status == 409:
        return "conflict"
    if status == 408:
        return "timeout"
    if status == 429 or status >= 500:
        return "server"
    return "client"


def _body_excerpt(response: requests.Response) -> str:
    text = (response.text or "").strip().replace("\n", " ")
    return text[:_MAX_BODY_IN_ERROR] or "(empty body)"
