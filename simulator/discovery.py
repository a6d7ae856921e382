"""The simulated vCenter behind VMA discovery: the demo inventory plus every managed VM.

Besides its demo inventory, the simulated vCenter holds every VM the dashboard manages on a
vCenter it does not otherwise know, so the scheduler can replicate any VM through the simulator
(tests, benchmarks) exactly as it would through a real VMA.
"""
from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models import VMReplicationContext
from simulator.inventory import DATACENTERS, VCENTER_HOST, demo_vms, managed_vm


class UnknownVCenter(LookupError):
    """No such vCenter in the simulated world (a real VMA could not resolve or reach it)."""


class UnknownDatacenter(LookupError):
    """The vCenter exists but has no such datacenter."""


def discover_vms(vcenter: str, datacenter: str, name_filter: str | None = None) -> list[dict]:
    """VMs of one datacenter whose name contains `name_filter` (any case).

    Raises UnknownVCenter or UnknownDatacenter as a real VMA fails for a wrong address."""
    ctx = VMReplicationContext
    demo = vcenter == VCENTER_HOST
    if not (demo and datacenter in DATACENTERS):
        known = db.session.scalars(select(ctx.context_id).where(ctx.vcenter_host == vcenter,
                                                                ctx.datacenter == datacenter).limit(1)).first()
        if known is None:
            if demo or db.session.scalars(select(ctx.context_id).where(ctx.vcenter_host == vcenter).limit(1)).first():
                raise UnknownDatacenter(f"datacenter '{datacenter}' not found")
            raise UnknownVCenter(vcenter)
    needle = (name_filter or "").strip().lower()
    vms = demo_vms(datacenter, needle) if demo else []
    listed = {vm["name"] for vm in vms}
    query = select(ctx.vm_name, ctx.vmware_vm_id, ctx.vm_path, ctx.power_state).where(
        ctx.vcenter_host == vcenter, ctx.datacenter == datacenter)
    if needle:
        query = query.where(func.lower(ctx.vm_name).contains(needle, autoescape=True))
    for row in db.session.execute(query.order_by(ctx.vm_name)):
        if row.vm_name not in listed and needle in row.vm_name.lower():
            vms.append(managed_vm(row.vm_name, datacenter, row.vmware_vm_id, row.vm_path,
                                  powered_on=row.power_state != "poweredOff"))
            listed.add(row.vm_name)
    return vms
