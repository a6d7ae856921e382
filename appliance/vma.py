"""VMA API: vCenter discovery and replication job status (SPEC §6)."""
from __future__ import annotations

import re
from urllib.parse import quote

from appliance.errors import ApplianceError
from appliance.http import JSONClient

# govmomi's finder error, which both the real VMA (in a text/plain 500) and the simulator (in a
# JSON 404) pass on when vCenter has no datacenter of that name.
_DATACENTER_NOT_FOUND = re.compile(r"datacenter '([^']*)' not found")


class UnknownDatacenterError(ApplianceError):
    """vCenter answered, but it has no datacenter called `datacenter`: asking again will not help."""

    def __init__(self, datacenter: str, raw: str, status_code: int | None = None, step: str = "vma-discovery"):
        super().__init__("client", raw, status_code=status_code, step=step)
        self.datacenter = datacenter


class VMAClient(JSONClient):
    step = "vma-discovery"

    def __init__(self, base_url: str, connect_timeout: float = 5.0, read_timeout: float = 30.0, *,
                 vcenter: str = "", username: str = "", password: str = ""):
        super().__init__(base_url, connect_timeout, read_timeout)
        self.vcenter = vcenter
        self.username = username
        self._password = password  # sent in request bodies only, never logged or returned

    @classmethod
    def from_config(cls, config) -> "VMAClient":
        return cls(config.get("VMA_API_URL", ""), config.get("API_CONNECT_TIMEOUT", 5),
                   config.get("API_READ_TIMEOUT", 30), vcenter=config.get("VCENTER_HOST", ""),
                   username=config.get("VCENTER_USERNAME", ""), password=config.get("VCENTER_PASSWORD", ""))

    def discover(self, vcenter: str, username: str, password: str, datacenter: str,
                 filter: str | None = None) -> dict:
        """`POST /api/v1/discover`: `{"vcenter": {...}, "vms": [...]}` for one datacenter."""
        payload = {"vcenter": vcenter, "username": username, "password": password, "datacenter": datacenter}
        if filter:
            payload["filter"] = filter
        try:
            body = self.request("POST", "/api/v1/discover", json=payload)
        except ApplianceError as exc:
            if exc.status_code is not None and _DATACENTER_NOT_FOUND.search(exc.raw):
                raise UnknownDatacenterError(datacenter, exc.raw, exc.status_code, exc.step) from None
            raise
        body.setdefault("vms", [])
        return body

    def discover_datacenter(self, datacenter: str) -> list[dict]:
        """Every VM of one datacenter with the configured vCenter credentials (no `filter`)."""
        body = self.discover(self.vcenter, self.username, self._password, datacenter)
        return [vm for vm in body["vms"] if isinstance(vm, dict)]

    def discover_vm(self, vm_name: str, datacenter: str | None = None) -> dict | None:
        """Fresh specs of one VM with the configured vCenter credentials; None if vCenter has no
        VM of that exact name."""
        body = self.discover(self.vcenter, self.username, self._password, datacenter or "", filter=vm_name)
        for vm in body.get("vms") or ():
            if isinstance(vm, dict) and vm.get("name") == vm_name:
                return vm
        return None

    def job_status(self, job_id: str) -> dict | None:
        """`GET /api/v1/jobs/{id}/status`; None when the VMA does not know the job (404)."""
        return self.request("GET", f"/api/v1/jobs/{quote(job_id, safe='')}/status", allow_404=True)
