"""VMA API: vCenter discovery and replication job progress (SPEC §6)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from appliance.discovery_errors import UnknownDatacenterError, classify_discovery_error
from appliance.errors import ApplianceError
from appliance.http import JSONClient

__all__ = ["JobProgress", "UnknownDatacenterError", "VMAClient"]


class VMAClient(JSONClient):
    step = "vma-discovery"

    def __init__(self, base_url: str, connect_timeout: float = 5.0, read_timeout: float = 30.0, *,
                 vcenter: str = "", username: str = "", password: str = "", discovery_timeout: float = 90.0):
        super().__init__(base_url, connect_timeout, read_timeout)
        self.vcenter = vcenter
        self.username = username
        self._password = password  # sent in request bodies only, never logged or returned
        #: Every discovery lists the whole datacenter; the VMA itself allows 60 s (vma/vmware/client.go:61).
        self.discovery_timeout = float(discovery_timeout)

    @classmethod
    def from_config(cls, config) -> "VMAClient":
        return cls(config.get("VMA_API_URL", ""), config.get("API_CONNECT_TIMEOUT", 5),
                   config.get("API_READ_TIMEOUT", 30), vcenter=config.get("VCENTER_HOST", ""),
                   username=config.get("VCENTER_USERNAME", ""), password=config.get("VCENTER_PASSWORD", ""),
                   discovery_timeout=config.get("VMA_DISCOVERY_TIMEOUT", 90))

    def _secrets(self) -> tuple[str, ...]:
        return (self._password,)

    def discover(self, vcenter: str, username: str, password: str, datacenter: str,
                 filter: str | None = None) -> dict:
        """`POST /api/v1/discover` (DiscoveryRequest, vma/api/server.go:87-93): the VMInventory
        `{"vcenter": {...}, "vms": [...]}` of one datacenter."""
        payload = {"vcenter": vcenter, "username": username, "password": password, "datacenter": datacenter}
        if filter:
            payload["filter"] = filter
        try:
            body = self.request("POST", "/api/v1/discover", json=payload, read_timeout=self.discovery_timeout)
        except ApplianceError as exc:
            if password and len(password) >= 4:  # a login passed in, not this client's own
                exc.raw = exc.raw.replace(password, "[redacted]")
                exc.body = exc.body.replace(password, "[redacted]")
                exc.args = (exc.raw,)
            classified = classify_discovery_error(exc, datacenter)
            if classified is exc:
                raise
            raise classified from None
        if not isinstance(body.get("vms"), list):
            body["vms"] = []
        return body

    def _login(self, login) -> tuple[str, str, str]:
        """(host, user, password) of `login` (a vcenters.VCenterLogin), else of the configuration."""
        if login is None:
            return self.vcenter, self.username, self._password
        return login.host, login.username, login.password

    def discover_datacenter(self, datacenter: str, login=None) -> list[dict]:
        """Every VM of one datacenter (no `filter`), with `login` or the configured vCenter's."""
        body = self.discover(*self._login(login), datacenter)
        return [vm for vm in body["vms"] if isinstance(vm, dict)]

    def discover_vm(self, vm_name: str, datacenter: str | None = None, login=None) -> dict | None:
        """Fresh specs of one VM, with `login` or the configured vCenter's; None if vCenter has no
        VM of that exact name (the VMA's filter is a substring match, service.go:426-437)."""
        body = self.discover(*self._login(login), datacenter or "", filter=vm_name)
        for vm in body["vms"]:
            if isinstance(vm, dict) and vm.get("name") == vm_name:
                return vm
        return None

    def job_progress(self, job_id: str, export_names: Sequence[str] = ()) -> JobProgress:
        """What the VMA knows of a replication job, asked the way the OMA's own poller asks.

        `GET /api/v1/progress/{id}` for each NBD export name of the job, then for the job id
        (oma/services/vma_progress_poller.go:211-262 [8b7d59b]; like the poller, a failed name
        moves on to the next); then `GET /api/v1/status/{job_id}`, the tracker `/replicate`
        fills (vma/api/server.go:378-389). "not_found" only when the VMA itself said so for the
        job id on both routes, in its own words, and nothing else went wrong: "job not found"
        (progress_handler.go:200) and "Job not found: <job_id>" (server.go:383). A 404 of the
        router ("404 page not found": a VMA that does not serve the route), any other body or an
        HTTP error is "unknown".
        Transport failures (no answer at all) raise.
        """
        names = list(dict.fromkeys(n for n in (*export_names, job_id) if n))
        unknown: list[str] = []
        progress_said_not_found = False
        for name in names:
            answer = self._get_or_error(f"/api/v1/progress/{quote(name, safe='')}")
            if isinstance(answer, dict):
                return JobProgress("found", answer, route="progress")
            if answer.status_code == 404 and answer.body == "job not found":
                progress_said_not_found |= name == job_id
            else:
                unknown.append(answer.raw)
        answer = self._get_or_error(f"/api/v1/status/{quote(job_id, safe='')}")
        if isinstance(answer, dict):
            return JobProgress("found", answer, route="status")
        if answer.status_code == 404 and answer.body == f"Job not found: {job_id}":
            if progress_said_not_found and not unknown:
                return JobProgress("not_found", detail=answer.raw)
        else:
            unknown.append(answer.raw)
        return JobProgress("unknown", detail="; ".join(unknown) or "the VMA gave no answer about the job")

    def _get_or_error(self, path: str) -> dict | ApplianceError:
        try:
            return self.request("GET", path)
        except ApplianceError as exc:
            if exc.status_code is None:
                raise
            return exc


@dataclass(frozen=True)
class JobProgress:
    """The VMA's answer about one job: `state` is "found" (with the body), "not_found" (the VMA
    said it has no such job) or "unknown" (no usable answer; `detail` says why).

    `route` says which body `body` is: "progress" (VMAProgressResponse, progress_handler.go:28-80:
    `status` Queued/Preparing/Snapshotting/Streaming/Finalizing/Succeeded/Failed, `percentage`)
    or "status" (JobStatus, server.go:39-47: `status` running/completed/failed, `progress_percent`).
    """

    state: str
    body: dict | None = None
    detail: str = ""
    route: str = ""
