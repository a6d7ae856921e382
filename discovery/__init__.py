"""Discover VMs in vCenter through the VMA and add them to management without starting jobs.

Added VMs become `vm_replication_contexts` rows marked `auto_added`, status `discovered`;
nothing is replicated until a schedule that covers their group fires (or an operator runs it).
vCenter credentials come from configuration and never leave the server.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import or_, select

from appliance import ApplianceError, UnknownDatacenterError, VMAClient
from domain_errors import FieldReader, NotFound, Unavailable, ValidationError
from extensions import db
from grouping.groups import get_group
from grouping.membership import AssignResult, stage_assignment
from models import VMReplicationContext, utcnow
from security.audit import record_change
from vms import vm_to_dict

POWER_STATES = ("poweredOn", "poweredOff", "suspended")


class UnknownDatacenter(NotFound):
    """vCenter has no datacenter of that name (not a VM problem); `known` are those the managed
    VMs live in, offered in what to do."""

    def __init__(self, datacenter: str, known: list[str]):
        super().__init__("datacenter", datacenter, field="datacenter")
        self.message = f"vCenter has no datacenter named '{datacenter}'."
        self.args = (self.message,)
        self.details["known_datacenters"] = known
        self.details["actionable_steps"] = unknown_datacenter_steps(known)


def unknown_datacenter_steps(known: list[str]) -> list[str]:
    """What to do about a datacenter vCenter does not have."""
    steps = ["Check the datacenter name: it must match vCenter exactly, capitals included"]
    if known:
        steps.append(f"Pick one of the known datacenters: {', '.join(known)}")
    else:
        steps.append("Ask the vCenter administrator for the exact datacenter name (no managed VM names one yet)")
    return steps


@dataclass(frozen=True)
class DiscoveredVM:
    """A VM as vCenter reports it, and whether the product already manages it."""

    raw: dict[str, Any]
    context_id: str | None

    @property
    def name(self) -> str:
        return str(self.raw.get("name") or "")

    @property
    def managed(self) -> bool:
        return self.context_id is not None

    def to_dict(self) -> dict[str, Any]:
        disks = self.raw.get("disks") if isinstance(self.raw.get("disks"), list) else []
        return {
            "id": self.raw.get("id"),
            "name": self.name,
            "path": self.raw.get("path"),
            "datacenter": self.raw.get("datacenter"),
            "power_state": self.raw.get("power_state"),
            "guest_os": self.raw.get("guest_os"),
            "os_type": self.raw.get("os_type"),
            "num_cpu": self.raw.get("num_cpu"),
            "memory_mb": self.raw.get("memory_mb"),
            "disk_count": len(disks),
            "disk_size_gb": round(sum(float(d.get("size_gb") or 0) for d in disks if isinstance(d, dict)), 1),
            "managed": self.managed,
            "context_id": self.context_id,
        }


@dataclass
class Discovery:
    """The VMs of one datacenter; `new` are those not managed yet."""

    vcenter_host: str
    datacenter: str
    vms: list[DiscoveredVM]

    @property
    def new(self) -> list[DiscoveredVM]:
        return [vm for vm in self.vms if not vm.managed]

    def to_dict(self) -> dict[str, Any]:
        return {"vcenter_host": self.vcenter_host, "datacenter": self.datacenter,
                "count": len(self.vms), "new_count": len(self.new),
                "vms": [vm.to_dict() for vm in self.vms]}


@dataclass
class AddResult:
    added: list[dict[str, Any]] = field(default_factory=list)
    already_managed: list[dict[str, Any]] = field(default_factory=list)
    assignment: AssignResult | None = None
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"added": self.added, "already_managed": self.already_managed,
                "added_count": len(self.added), "already_managed_count": len(self.already_managed),
                "group_id": self.assignment.group_id if self.assignment else None,
                "dry_run": self.dry_run}


def _client() -> VMAClient:
    return VMAClient.from_config(current_app.config)


def discover_vms(datacenter: str, name_filter: str | None = None) -> Discovery:
    """Ask the VMA for a datacenter's VMs and mark those already managed (two statements)."""
    reader = FieldReader({"datacenter": datacenter, "filter": name_filter})
    datacenter = reader.string("datacenter", required=True)
    name_filter = reader.string("filter")
    reader.raise_if_errors()
    config = current_app.config
    try:
        body = _client().discover(config["VCENTER_HOST"], config["VCENTER_USERNAME"], config["VCENTER_PASSWORD"],
                                  datacenter, filter=name_filter)
    except UnknownDatacenterError:
        raise UnknownDatacenter(datacenter, known_datacenters()) from None
    except ApplianceError as exc:
        raise Unavailable(f"Discovery failed: {exc.operator_message}",
                          {"category": exc.sanitized.category,
                           "actionable_steps": list(exc.sanitized.actionable_steps)},
                          code="discovery_failed") from None
    vcenter = body.get("vcenter") if isinstance(body.get("vcenter"), dict) else {}
    vcenter_host = str(vcenter.get("host") or config["VCENTER_HOST"] or "")
    raw_vms = [vm for vm in body.get("vms") or () if isinstance(vm, dict) and vm.get("name") and vm.get("id")]
    known = _managed_ids(vcenter_host, raw_vms)
    vms = [DiscoveredVM(vm, known.get(("id", str(vm["id"]))) or known.get(("name", str(vm["name"]))))
           for vm in raw_vms]
    return Discovery(vcenter_host, str(vcenter.get("datacenter") or datacenter), vms)


def known_datacenters() -> list[str]:
    """The datacenters of the configured vCenter that managed VMs live in, by name (one
    statement): the VMA cannot list datacenters, so these are the names known to exist."""
    column = VMReplicationContext.datacenter
    vcenter_host = current_app.config.get("VCENTER_HOST") or ""
    rows = db.session.scalars(select(column).distinct().where(VMReplicationContext.vcenter_host == vcenter_host,
                                                             column.is_not(None), column != "")
                              .order_by(column))
    return list(rows)


def _managed_ids(vcenter_host: str, raw_vms: list[dict]) -> dict[tuple[str, str], str]:
    """Context ids of the discovered VMs already managed, keyed by vCenter id and by name."""
    if not raw_vms:
        return {}
    ids = [str(vm["id"]) for vm in raw_vms]
    names = [str(vm["name"]) for vm in raw_vms]
    rows = db.session.execute(
        select(VMReplicationContext.context_id, VMReplicationContext.vmware_vm_id, VMReplicationContext.vm_name)
        .where(VMReplicationContext.vcenter_host == vcenter_host,
               or_(VMReplicationContext.vmware_vm_id.in_(ids), VMReplicationContext.vm_name.in_(names)))).all()
    known: dict[tuple[str, str], str] = {}
    for context_id, vmware_id, name in rows:
        known[("id", vmware_id)] = context_id
        known[("name", name)] = context_id
    return known


def _context_for(vm: DiscoveredVM, vcenter_host: str, now) -> VMReplicationContext:
    raw = vm.raw
    return VMReplicationContext(
        context_id=f"ctx-{vm.name[:40]}-{now:%Y%m%d-%H%M%S}",
        vm_name=vm.name[:255], vmware_vm_id=str(raw["id"])[:255], vm_path=str(raw.get("path") or "")[:500],
        vcenter_host=vcenter_host[:255], datacenter=str(raw.get("datacenter") or "")[:255],
        current_status="discovered", cpu_count=_int_or_none(raw.get("num_cpu")),
        memory_mb=_int_or_none(raw.get("memory_mb")),
        os_type=(str(raw.get("guest_os") or raw.get("os_type") or "") or None),
        power_state=(str(raw.get("power_state") or "") or None),
        vm_tools_version=(str(raw.get("vmware_tools_version") or "") or None),
        auto_added=True, scheduler_enabled=True, total_jobs_run=0, successful_jobs=0, failed_jobs=0,
        ossea_config_id=current_app.config.get("OSSEA_CONFIG_ID"))


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _add(discovery: Discovery, chosen: list[DiscoveredVM], group_id: str | None, added_by: str | None,
         dry_run: bool) -> AddResult:
    """Create contexts for the chosen new VMs and optionally assign all chosen VMs; one commit."""
    result = AddResult(dry_run=dry_run)
    now = utcnow()
    used_ids: set[str] = set()
    new_ids: list[str] = []
    for vm in chosen:
        if vm.managed:
            result.already_managed.append(vm.to_dict())
            continue
        context = _context_for(vm, discovery.vcenter_host, now)
        while context.context_id in used_ids:  # two VMs whose names share the first 40 characters
            context.context_id = f"{context.context_id}-{len(used_ids)}"
        used_ids.add(context.context_id)
        new_ids.append(context.context_id)
        result.added.append({**vm.to_dict(), "managed": True, "context_id": context.context_id})
        if not dry_run:
            db.session.add(context)
            record_change("vm.add", "vm", context.context_id, context.vm_name, None, vm_to_dict(context))
    if dry_run:
        return result
    if group_id is not None:
        chosen_ids = new_ids + [vm.context_id for vm in chosen if vm.managed]
        if chosen_ids:
            try:
                db.session.flush()
                result.assignment = stage_assignment(group_id, chosen_ids, added_by)
            except Exception:  # e.g. a busy VM: none of the new contexts may stay behind
                db.session.rollback()
                raise
    db.session.commit()
    return result


def add_vms(data: Any, added_by: str | None = None) -> AddResult:
    """Add named VMs of a datacenter (`{"datacenter", "vm_names", "group_id"?}`) without jobs.

    Every name must exist in vCenter; VMs already managed are reported, not duplicated.
    """
    reader = FieldReader(data)
    datacenter = reader.string("datacenter", required=True)
    names = reader.string_list("vm_names", required=True)
    group_id = reader.string("group_id", max_length=64)
    reader.raise_if_errors()
    _check_group_field(group_id)
    discovery = discover_vms(datacenter)
    by_name = {vm.name: vm for vm in discovery.vms}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise ValidationError("vm_names", f"not found in datacenter {datacenter}: {', '.join(unknown[:10])}")
    return _add(discovery, [by_name[name] for name in names], group_id, added_by, dry_run=False)


def bulk_add(data: Any, added_by: str | None = None) -> AddResult:
    """Add every VM of a datacenter that matches the filters; `dry_run` previews the result.

    Filters: `name_pattern` (glob such as `web-*`, or a plain substring), `power_state`,
    `os` (substring of the guest OS), `include_managed` (assign already managed matches too).
    """
    reader = FieldReader(data)
    datacenter = reader.string("datacenter", required=True)
    pattern = reader.string("name_pattern", max_length=255)
    power_state = reader.choice("power_state", POWER_STATES)
    os_filter = reader.string("os", max_length=100)
    group_id = reader.string("group_id", max_length=64)
    dry_run = reader.boolean("dry_run", default=False)
    include_managed = reader.boolean("include_managed", default=False)
    for name in sorted(set(reader.data) - {"datacenter", "name_pattern", "power_state", "os", "group_id",
                                           "dry_run", "include_managed"}):
        reader.error(name, "is not a bulk-add filter")
    reader.raise_if_errors()
    _check_group_field(group_id)
    discovery = discover_vms(datacenter)
    chosen = [vm for vm in discovery.vms
              if _matches(vm, pattern, power_state, os_filter) and (include_managed or not vm.managed)]
    return _add(discovery, chosen, group_id, added_by, dry_run=bool(dry_run))


def _check_group_field(group_id: str | None) -> None:
    if group_id is None:
        return
    try:
        get_group(group_id)
    except NotFound:
        raise ValidationError("group_id", f"no machine group with id '{group_id}'") from None


def _matches(vm: DiscoveredVM, pattern: str | None, power_state: str | None, os_filter: str | None) -> bool:
    name = vm.name.lower()
    if pattern:
        lowered = pattern.lower()
        if any(ch in lowered for ch in "*?["):
            if not fnmatch.fnmatchcase(name, lowered):
                return False
        elif lowered not in name:
            return False
    if power_state and vm.raw.get("power_state") != power_state:
        return False
    if os_filter:
        os_text = f"{vm.raw.get('guest_os') or ''} {vm.raw.get('os_type') or ''}".lower()
        if os_filter.lower() not in os_text:
            return False
    return True
