"""What a failed VMA discovery means, read from the VMA's text/plain error.

The real VMA answers every discovery failure with `http.Error(w, "Discovery failed: " + err,
500)` (vma/api/server.go:485 [8b7d59b]), the error being the chain built by
vma/vmware/client.go:66, service.go:74/81 and discovery.go:56/89 around govmomi's own text. Only
the text tells a wrong password from an unreachable vCenter, so it is read before falling back
to the status code's category.
"""
from __future__ import annotations

import re

from appliance.errors import ApplianceError

# govmomi's finder error (find.NotFoundError: "%s '%s' not found"), which the VMA passes on in
# its text/plain 500 when vCenter has no such datacenter; and the same without the quotes
# ("Datacenter not found", "datacenter DC9 not found"), never "... in datacenter 'DC1': not found",
# which is a VM missing from a datacenter that exists.
_DATACENTER_NOT_FOUND = re.compile(r"datacenter '([^']*)' not found"
                                   r"|\bdatacenter (?:[^\s:'\",;]+ )?(?:was )?not found|no such datacenter",
                                   re.IGNORECASE)
# vCenter's InvalidLogin fault, as govmomi's soap fault error prints it:
# "ServerFaultCode: Cannot complete login due to an incorrect user name or password."
_BAD_LOGIN = re.compile(r"incorrect user name or password|cannot complete login", re.IGNORECASE)
# Go's net errors when the VMA cannot reach vCenter's /sdk endpoint.
_VCENTER_UNREACHABLE = re.compile(r"no such host|connection refused|i/o timeout|no route to host"
                                  r"|network is unreachable", re.IGNORECASE)


class UnknownDatacenterError(ApplianceError):
    """vCenter answered, but it has no datacenter called `datacenter`: asking again will not help."""

    def __init__(self, datacenter: str, raw: str, status_code: int | None = None, step: str = "vma-discovery"):
        super().__init__("client", raw, status_code=status_code, step=step)
        self.datacenter = datacenter


def classify_discovery_error(exc: ApplianceError, datacenter: str) -> ApplianceError:
    """The same failure with the category its text deserves (or `exc` itself)."""
    if exc.status_code is None:
        return exc  # no answer at all: the transport category stands
    if _DATACENTER_NOT_FOUND.search(exc.raw):
        return UnknownDatacenterError(datacenter, exc.raw, exc.status_code, exc.step)
    if exc.status_code != 500 or not exc.body.startswith("Discovery failed:"):
        return exc
    if _BAD_LOGIN.search(exc.body):
        category = "auth"
    elif _VCENTER_UNREACHABLE.search(exc.body):
        category = "connectivity"
    else:
        return exc
    return ApplianceError(category, exc.raw, status_code=exc.status_code, step=exc.step, body=exc.body)
