"""VMA API: vCenter discovery and replication job status (SPEC §6)."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
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

    def job_progress(self, job_id: str, export_names: Sequence[str] = ()) -> JobProgress:
        """What the VMA knows of a replication job, asked the way the OMA's own poller asks.

        `GET /api/v1/progress/{id}` for each NBD export name of the job, then for the job id
        (vma_progress_poller.go:212-258 [OMA]); then `GET /api/v1/status/{job_id}`, the
        tracker `/replicate` fills (vma/api/server.go:378-389). "not_found" only when the VMA
        itself said so on both routes; a 404 of the router ("404 page not found": a VMA that
        does not serve the route) or any other answer is "unknown". Transport failures raise.
        """
        unknown = ""
        said_not_found = 0
        for name in [*export_names, job_id]:
            try:
                body = self.request("GET", f"/api/v1/progress/{quote(name, safe='')}")
                return JobProgress("found", body)
            except ApplianceError as exc:
                if exc.status_code != 404:
                    raise
                if _VMA_JOB_NOT_FOUND.match(exc.body):
                    said_not_found += name == job_id
                else:
                    unknown = exc.raw
        try:
            body = self.request("GET", f"/api/v1/status/{quote(job_id, safe='')}")
            return JobProgress("found", body)
        except ApplianceError as exc:
            if exc.status_code != 404:
                raise
            if not _VMA_JOB_NOT_FOUND.match(exc.body):
                unknown = exc.raw
            elif said_not_found:
                return JobProgress("not_found", detail=exc.raw)
        return JobProgress("unknown", detail=unknown or "the VMA gave no answer about the job")


@dataclass(frozen=True)
class JobProgress:
    """The VMA's answer about one job: `state` is "found" (with the body), "not_found" (the VMA
    said it has no such job) or "unknown" (no usable answer; `detail` says why)."""

    state: str
    body: dict | None = None
    detail: str = ""


# The VMA's own not-found bodies: progress_handler.go:200 "job not found", server.go:383
# "Job not found: <id>". The router's is "404 page not found".
_VMA_JOB_NOT_FOUND = re.compile(r"\s*job not found\b", re.IGNORECASE)
