"""OMA replication API: start a replication (SPEC §6)."""
from __future__ import annotations

from appliance.http import JSONClient


class OMAClient(JSONClient):
    step = "replication"

    @classmethod
    def from_config(cls, config) -> "OMAClient":
        return cls(config.get("OMA_API_URL", ""), config.get("API_CONNECT_TIMEOUT", 5),
                   config.get("API_READ_TIMEOUT", 30), token=config.get("OMA_API_TOKEN", ""))

    def create_replication(self, payload: dict) -> dict:
        """`POST /api/v1/replications`; the 201 body (`job_id`, `status`, `progress_percent`, ...)."""
        return self.request("POST", "/api/v1/replications", json=payload, expected=(200, 201, 202))
