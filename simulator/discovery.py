"""The simulated vCenter behind VMA discovery: the demo inventory plus every managed VM.

Besides its demo inventory, the simulated vCenter holds every VM the dashboard manages on a
vCenter it does not otherwise know, so the scheduler can replicate any VM through the simulator
(tests, benchmarks) exactly as it would through a real VMA.

Real flow [VMA 8b7d59b]: `handleDiscover` (vma/api/server.go:485-515) calls
`RealVMwareClient.DiscoverVMsWithFilter` (vma/vmware/client.go:53-134), which calls
`Service.DiscoverVMsFromVCenter` (vma/vmware/service.go:53-97): connect and log in with govmomi
(discovery.go:46-63), find the datacenter (:84-91), list and read *every* VM of it (:94-123),
and only then apply the filter (service.go:89-93, `filterVMs` :431-460). Every error on the way
is wrapped and answered as `http.Error(w, "Discovery failed: "+err, 500)`.
"""
from __future__ import annotations

import ipaddress

from sqlalchemy import select

from extensions import db
from models import VMReplicationContext
from simulator.inventory import DATACENTERS, VCENTER_HOST, demo_vms, managed_vm

# The wrapping of each layer, outermost first: client.go:64, service.go:74 / :80, discovery.go:56 / :89.
_CLIENT = "failed to discover VMs from vCenter: "
_CONNECT = _CLIENT + "failed to connect to vCenter: failed to connect to vCenter: "
_FIND_DC = _CLIENT + "failed to discover VMs: failed to find datacenter {datacenter}: "


class DiscoveryFailed(Exception):
    """A vCenter problem; `str()` is the error text the VMA puts after "Discovery failed: "."""


def _demo_datacenters() -> tuple[str, ...]:
    return DATACENTERS


def _known_datacenters(vcenter: str) -> tuple[str, ...]:
    ctx = VMReplicationContext
    if vcenter == VCENTER_HOST:
        extra = db.session.scalars(select(ctx.datacenter).where(ctx.vcenter_host == vcenter).distinct()).all()
        return tuple(dict.fromkeys((*_demo_datacenters(), *extra)))
    return tuple(db.session.scalars(select(ctx.datacenter).where(ctx.vcenter_host == vcenter).distinct()).all())


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def connect(vcenter: str, username: str, password: str, *, expected_username: str, expected_password: str,
            same) -> tuple[str, ...]:
    """The datacenters of `vcenter` after a govmomi login; raises DiscoveryFailed with govmomi's
    own wording when the host is unknown or the login is refused."""
    if not vcenter:
        # url.Parse("https:///sdk") succeeds; the SOAP POST then fails in net/http.
        raise DiscoveryFailed(_CONNECT + 'Post "https:///sdk": http: no Host in request URL')
    datacenters = _known_datacenters(vcenter)
    if not datacenters:
        if _is_address(vcenter):  # nothing to look up: the TCP connect itself is refused
            raise DiscoveryFailed(_CONNECT + f'Post "https://{vcenter}/sdk": dial tcp {vcenter}:443: connect: '
                                             "connection refused")
        raise DiscoveryFailed(_CONNECT + f'Post "https://{vcenter}/sdk": dial tcp: lookup {vcenter}: no such host')
    if not (same(username, expected_username) and same(password, expected_password)):
        # govmomi's soap fault text: "<faultcode>: <faultstring>" (vim25/soap/error.go).
        raise DiscoveryFailed(_CONNECT + "ServerFaultCode: Cannot complete login due to an incorrect user name "
                                         "or password.")
    return datacenters


def find_datacenter(datacenters: tuple[str, ...], datacenter: str) -> str:
    """govmomi's `finder.Datacenter(ctx, path)`: an exact name, or with an empty path the only
    datacenter there is (find/finder.go DefaultDatacenter; errors from find/error.go)."""
    if datacenter:
        if datacenter not in datacenters:
            raise DiscoveryFailed(_FIND_DC.format(datacenter=datacenter) + f"datacenter '{datacenter}' not found")
        return datacenter
    if len(datacenters) > 1:
        raise DiscoveryFailed(_FIND_DC.format(datacenter="")
                              + "default datacenter resolves to multiple instances, please specify")
    return datacenters[0]


def list_vms(vcenter: str, datacenter: str) -> list[dict]:
    """Every VM of the datacenter, as client.go:83-122 converts them."""
    ctx = VMReplicationContext
    vms = demo_vms(datacenter) if vcenter == VCENTER_HOST else []
    listed = {vm["name"] for vm in vms}
    query = (select(ctx.vm_name, ctx.vmware_vm_id, ctx.vm_path, ctx.power_state)
             .where(ctx.vcenter_host == vcenter, ctx.datacenter == datacenter).order_by(ctx.vm_name))
    for row in db.session.execute(query):
        if row.vm_name not in listed:
            vms.append(managed_vm(row.vm_name, datacenter, row.vmware_vm_id, row.vm_path,
                                  powered_on=row.power_state != "poweredOff"))
            listed.add(row.vm_name)
    return vms


def filter_vms(vms: list[dict], name_filter: str) -> list[dict]:
    """service.go:431-460 `filterVMs`: comma-separated parts, each trimmed, any one contained in
    the name (case-insensitive) keeps the VM. An empty part (",," or a trailing comma) matches
    every name, as `strings.Contains(s, "")` does."""
    if not name_filter:
        return vms
    parts = [part.strip().lower() for part in name_filter.split(",")]
    return [vm for vm in vms if any(part in vm["name"].lower() for part in parts)]
