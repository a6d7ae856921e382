"""The shared request path of both clients: timeouts, a pooled session per thread, and the
mapping of every transport or HTTP failure to an `ApplianceError` category."""
from __future__ import annotations

import threading

import requests

from appliance.errors import ApplianceError

_MAX_BODY_IN_ERROR = 500


class JSONClient:
    """Base of the API clients: `base_url`, timeouts and optional bearer token."""

    step = "replication"

    def __init__(self, base_url: str, connect_timeout: float = 5.0, read_timeout: float = 30.0,
                 token: str | None = None):
        self.base_url = (base_url or "").rstrip("/")
        self.timeout = (float(connect_timeout), float(read_timeout))
        self._token = token or None
        # requests.Session is not documented as thread-safe; the scheduler calls from a pool.
        self._local = threading.local()

    def __repr__(self) -> str:  # never shows the token
        return f"{type(self).__name__}({self.base_url!r})"

    @property
    def configured(self) -> bool:
        return bool(self.base_url)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["Accept"] = "application/json"
            if self._token:
                session.headers["Authorization"] = f"Bearer {self._token}"
            self._local.session = session
        return session

    def request(self, method: str, path: str, *, json: dict | None = None,
                expected: tuple[int, ...] = (200,), allow_404: bool = False) -> dict | None:
        """Call the API and return the decoded JSON body; None for a 404 when `allow_404`."""
        if not self.base_url:
            raise ApplianceError("client", f"{type(self).__name__} has no API address configured "
                                           "(set the *_API_URL setting)", step=self.step)
        url = f"{self.base_url}{path}"
        where = f"{method} {url}"
        try:
            response = self._session().request(method, url, json=json, timeout=self.timeout)
        except requests.exceptions.ConnectTimeout as exc:
            raise ApplianceError("connectivity", f"{where} failed: connection timed out ({exc})",
                                 step=self.step) from None
        except requests.exceptions.ReadTimeout:
            raise ApplianceError("timeout", f"{where} failed: read timed out after {self.timeout[1]:g} s",
                                 step=self.step) from None
        except requests.exceptions.ConnectionError as exc:
            raise ApplianceError("connectivity", f"{where} failed: {exc}", step=self.step) from None
        except requests.exceptions.RequestException as exc:
            raise ApplianceError("protocol", f"{where} failed: {exc}", step=self.step) from None
        if allow_404 and response.status_code == 404:
            return None
        if response.status_code not in expected:
            excerpt = _body_excerpt(response)
            raise ApplianceError(_category_of_status(response.status_code),
                                 f"{where} returned HTTP {response.status_code}: {excerpt}",
                                 status_code=response.status_code, step=self.step, body=excerpt)
        try:
            body = response.json()
        except ValueError:
            raise ApplianceError("protocol", f"{where} returned HTTP {response.status_code} with a body that "
                                             f"is not JSON: {_body_excerpt(response)}",
                                 status_code=response.status_code, step=self.step) from None
        if not isinstance(body, dict):
            raise ApplianceError("protocol", f"{where} returned a JSON {type(body).__name__}, expected an object",
                                 status_code=response.status_code, step=self.step)
        return body


def _category_of_status(status: int) -> str:
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
