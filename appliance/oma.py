"""OMA replication API: start a replication (SPEC §6)."""
from __future__ import annotations

from appliance.http import JSONClient, StaticBearer
from appliance.login import SessionLogin


class OMAClient(JSONClient):
    step = "replication"

    def __init__(self, base_url: str, connect_timeout: float = 5.0, read_timeout: float = 30.0,
                 token: str | None = None, *, auth=None, replication_timeout: float = 180.0):
        super().__init__(base_url, connect_timeout, read_timeout, token, auth=auth)
        #: The replication POST answers only after volumes are created and attached
        #: (oma/workflows/migration.go:124-251 [8b7d59b]), so it waits longer than other calls.
        self.replication_timeout = float(replication_timeout)

    @classmethod
    def from_config(cls, config) -> "OMAClient":
        """Session login when OMA_LOGIN_TOKEN is set, else the static OMA_API_TOKEN bearer (if any)."""
        login_token = config.get("OMA_LOGIN_TOKEN", "")
        if login_token:
            auth = SessionLogin(config.get("OMA_APPLIANCE_ID") or "replication-dashboard", login_token)
        else:
            static = config.get("OMA_API_TOKEN", "")
            auth = StaticBearer(static) if static else None
        return cls(config.get("OMA_API_URL", ""), config.get("API_CONNECT_TIMEOUT", 5),
                   config.get("API_READ_TIMEOUT", 30), auth=auth,
                   replication_timeout=config.get("OMA_REPLICATION_TIMEOUT", 180))

    def create_replication(self, payload: dict) -> dict:
        """`POST /api/v1/replications`; the 201 body (`job_id`, `status`, `progress_percent`, ...)."""
        return self.request("POST", "/api/v1/replications", json=payload, expected=(200, 201, 202),
                            read_timeout=self.replication_timeout)
