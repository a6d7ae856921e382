"""The one exception the appliance clients raise, categorised for the retry policy."""
from __future__ import annotations

from sanitizer import sanitize_error

#: Why a call failed. `connectivity`, `timeout` and `server` are worth retrying later; the
#: others will fail the same way until someone changes something.
CATEGORIES = ("connectivity", "timeout", "auth", "client", "conflict", "server", "protocol")
RETRYABLE_CATEGORIES = frozenset({"connectivity", "timeout", "server"})


class ApplianceError(Exception):
    """A failed call to the VMA or OMA API.

    `raw` is the technical detail (method, address, status, response body) for logs and
    administrators; it never contains the bearer token or the vCenter password.
    `operator_message` is what an operator may read.
    """

    def __init__(self, category: str, raw: str, status_code: int | None = None, step: str = "replication",
                 body: str = ""):
        if category not in CATEGORIES:
            raise ValueError(f"unknown appliance error category {category!r}")
        super().__init__(raw)
        self.category = category
        self.raw = raw
        self.status_code = status_code
        self.step = step
        #: The start of the answer's body (text/plain on the real VMA), for telling errors apart.
        self.body = body

    @property
    def retryable(self) -> bool:
        return self.category in RETRYABLE_CATEGORIES

    @property
    def sanitized(self):
        """The sanitizer's reading of the raw error (message, category, actionable steps)."""
        return sanitize_error(self.step, self.raw)

    @property
    def operator_message(self) -> str:
        return self.sanitized.message
