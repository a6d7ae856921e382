"""Discover VMs in vCenter through the VMA and add them to management without starting jobs.

Added VMs become `vm_replication_contexts` rows marked `auto_added`, status `discovered`;
nothing is replicated until a schedule that covers their group fires (or an operator runs it).
Each discovery uses one vCenter login: a saved credential (`credential_id`, vcenters), the
default one, or — as the original API allows (enhanced_discovery.go:41-57 [sendense 8b7d59b]) —
an explicit `vcenter`, `username`, `password` and `datacenter`, whose password only travels to
the VMA and is never stored, logged or answered.
"""
from __future__ import annotations

import fnmatch
import time
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import or_, select

from appliance import ApplianceError, UnknownDatacenterError, VMAClient
from domain_errors import DomainError, FieldReader, NotFound, Unavailable, ValidationError
from extensions import db
from grouping.groups import get_group
from grouping.membership import AssignResult, stage_assignment
from models import VMReplicationContext, utcnow
from security.audit import record_change
from vcenters import VCenterLogin, login_for, note_use
from vms import vm_to_dict

POWER_STATES = ("poweredOn", "poweredOff", "suspended")
_DISK_KEYS = ("id", "label", "path", "vmdk_path", "size_gb", "capacity_bytes", "datastore", "provisioning_type",
              "unit_number")
_NETWORK_KEYS = ("label", "name", "network_name", "mac_address", "adapter_type", "type", "connected")
_LOGIN_FIELDS = ("vcenter", "username", "password")


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

    def disks(self) -> list[dict[str, Any]]:
        """The VM's disks as the VMA reports them (VMADiskInfo: id, label, path, size_gb,
        capacity_bytes, datastore; enhanced_discovery_service.go:70-77 [sendense 8b7d59b])."""
        disks = self.raw.get("disks") if isinstance(self.raw.get("disks"), list) else []
        return [{key: disk.get(key) for key in _DISK_KEYS if key in disk} for disk in disks if isinstance(disk, dict)]

    def networks(self) -> list[dict[str, Any]]:
        """The VM's network adapters (VMANetworkInfo: label, network_name, mac_address, and the
        adapter type and connection state where the VMA gives them)."""
        networks = self.raw.get("networks") if isinstance(self.raw.get("networks"), list) else []
        return [{key: net.get(key) for key in _NETWORK_KEYS if key in net} for net in networks
                if isinstance(net, dict)]

    def to_dict(self) -> dict[str, Any]:
        disks = self.disks()
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
            "vmx_version": self.raw.get("vmx_version"),
            "disks": disks,
            "networks": self.networks(),
            # The original API's name for `managed` (DiscoveredVMInfo.existing).
            "existing": self.managed,
        }


@dataclass
class Discovery:
    """The VMs of one datacenter; `new` are those not managed yet."""

    vcenter_host: str
    datacenter: str
    vms: list[DiscoveredVM]
    credential_id: int | None = None
    credential_name: str = ""
    seconds: float = 0.0

    @property
    def new(self) -> list[DiscoveredVM]:
        return [vm for vm in self.vms if not vm.managed]

    def to_dict(self) -> dict[str, Any]:
        return {"vcenter_host": self.vcenter_host, "datacenter": self.datacenter,
                "credential_id": self.credential_id, "credential_name": self.credential_name,
                "count": len(self.vms), "new_count": len(self.new),
                "vms": [vm.to_dict() for vm in self.vms]}


@dataclass
class AddResult:
    added: list[dict[str, Any]] = field(default_factory=list)
    already_managed: list[dict[str, Any]] = field(default_factory=list)
    assignment: AssignResult | None = None
    dry_run: bool = False
    discovery_seconds: float = 0.0
    processing_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        processed = ([{"vm_name": vm["name"], "success": True, "context_id": vm["context_id"]} for vm in self.added]
                     + [{"vm_name": vm["name"], "success": True, "context_id": vm["context_id"],
                         "error": None, "note": "already managed"} for vm in self.already_managed])
        verb = "would be added" if self.dry_run else "added"
        return {"added": self.added, "already_managed": self.already_managed,
                "added_count": len(self.added), "already_managed_count": len(self.already_managed),
                "group_id": self.assignment.group_id if self.assignment else None,
                "dry_run": self.dry_run,
                # The original API's AddVMsResponse (enhanced_discovery.go:130-147 [sendense 8b7d59b]).
                "success": True,
                "message": f"{len(self.added)} VM(s) {verb}, {len(self.already_managed)} already managed",
                "vms_added": len(self.added), "vms_failed": 0,
                "total_vms": len(self.added) + len(self.already_managed),
                "added_at": utcnow().isoformat(), "processed_vms": processed}

    def bulk_result(self) -> dict[str, Any]:
        """The original API's BulkAddResult (enhanced_discovery_service.go:87-97): durations in
        nanoseconds, as Go's time.Duration marshals."""
        return {"total_requested": len(self.added) + len(self.already_managed),
                "successfully_added": len(self.added), "skipped": len(self.already_managed), "failed": 0,
                "added_vms": [{"context_id": vm["context_id"], "vm_name": vm["name"], "vm_path": vm["path"],
                               "status": "discovered", "auto_added": True, "cpu_count": vm["num_cpu"],
                               "memory_mb": vm["memory_mb"], "os_type": vm["guest_os"] or vm["os_type"],
                               "power_state": vm["power_state"]} for vm in self.added],
                "skipped_vms": [{"vm_name": vm["name"], "reason": "already managed",
                                 "context_id": vm["context_id"]} for vm in self.already_managed],
                "failed_vms": [], "discovery_duration": int(self.discovery_seconds * 1e9),
                "processing_duration": int(self.processing_seconds * 1e9)}


def _client() -> VMAClient:
    return VMAClient.from_config(current_app.config)


def read_login(reader: FieldReader) -> VCenterLogin:
    """The login a request names: `credential_id`, or `vcenter`+`username`+`password` (the
    original API's manual entry), or else the default credential. Errors name the field."""
    credential_id = reader.data.get("credential_id")
    given = [name for name in _LOGIN_FIELDS if reader.data.get(name) not in (None, "")]
    if credential_id not in (None, "") and given:
        reader.error(given[0], "send either credential_id or a vCenter login (vcenter, username, password), not both")
    if given:
        values = {name: reader.string(name, required=True, max_length=512 if name == "password" else 255)
                  for name in _LOGIN_FIELDS}
        for name in _LOGIN_FIELDS:
            if name not in given:
                reader.error(name, "is required with " + ", ".join(given))
        reader.raise_if_errors()
        return VCenterLogin(None, values["vcenter"], values["vcenter"], values["username"], values["password"], "")
    if credential_id is not None and (isinstance(credential_id, bool) or not isinstance(credential_id, (int, str))):
        reader.error("credential_id", "must be a vCenter credential id (a number)")
    reader.raise_if_errors()
    return login_for(credential_id)


def discover_vms(datacenter: str | None, name_filter: str | None = None, credential_id: Any = None,
                 login: VCenterLogin | None = None) -> Discovery:
    """Ask the VMA for a datacenter's VMs and mark those already managed (two statements).

    `datacenter` defaults to the login's default datacenter."""
    reader = FieldReader({"datacenter": datacenter, "filter": name_filter})
    datacenter = reader.string("datacenter")
    name_filter = reader.string("filter")
    reader.raise_if_errors()
    if login is None:
        login = login_for(credential_id)
    datacenter = datacenter or login.datacenter
    if not datacenter:
        raise ValidationError("datacenter", f"is required: the vCenter credential '{login.name}' names no "
                                            "default datacenter")
    started = time.monotonic()
    try:
        body = _client().discover(login.host, login.username, login.password, datacenter, filter=name_filter)
    except UnknownDatacenterError:
        raise UnknownDatacenter(datacenter, known_datacenters(login.host)) from None
    except ApplianceError as exc:
        raise Unavailable(f"Discovery failed: {exc.operator_message}",
                          {"category": exc.sanitized.category,
                           "actionable_steps": list(exc.sanitized.actionable_steps)},
                          code="discovery_failed") from None
    vcenter = body.get("vcenter") if isinstance(body.get("vcenter"), dict) else {}
    vcenter_host = str(vcenter.get("host") or login.host or "")
    raw_vms = [vm for vm in body.get("vms") or () if isinstance(vm, dict) and vm.get("name") and vm.get("id")]
    known = _managed_ids(vcenter_host, raw_vms)
    vms = [DiscoveredVM(vm, known.get(("id", str(vm["id"]))) or known.get(("name", str(vm["name"]))))
           for vm in raw_vms]
    if login.credential_id is not None:
        note_use(login.credential_id)
        db.session.commit()
    return Discovery(vcenter_host, str(vcenter.get("datacenter") or datacenter), vms, login.credential_id,
                     login.name if login.credential_id is not None else "", time.monotonic() - started)


def known_datacenters(vcenter_host: str | None = None) -> list[str]:
    """The datacenters of a vCenter (default: the default credential's) that managed VMs live
    in, by name (one statement): the VMA cannot list datacenters, so these are the names known
    to exist."""
    column = VMReplicationContext.datacenter
    if vcenter_host is None:
        try:
            vcenter_host = login_for().host
        except DomainError:
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


def _context_for(vm: DiscoveredVM, vcenter_host: str, now, credential_id: int | None = None) -> VMReplicationContext:
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
        credential_id=credential_id,
        ossea_config_id=current_app.config.get("OSSEA_CONFIG_ID"))


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _add(discovery: Discovery, chosen: list[DiscoveredVM], group_id: str | None, added_by: str | None,
         dry_run: bool) -> AddResult:
    """Create contexts for the chosen new VMs and optionally assign all chosen VMs; one commit."""
    started = time.monotonic()
    result = AddResult(dry_run=dry_run, discovery_seconds=discovery.seconds)
    now = utcnow()
    used_ids: set[str] = set()
    new_ids: list[str] = []
    for vm in chosen:
        if vm.managed:
            result.already_managed.append(vm.to_dict())
            continue
        context = _context_for(vm, discovery.vcenter_host, now, discovery.credential_id)
        while context.context_id in used_ids:  # two VMs whose names share the first 40 characters
            context.context_id = f"{context.context_id}-{len(used_ids)}"
        used_ids.add(context.context_id)
        new_ids.append(context.context_id)
        result.added.append({**vm.to_dict(), "managed": True, "context_id": context.context_id})
        if not dry_run:
            db.session.add(context)
            record_change("vm.add", "vm", context.context_id, context.vm_name, None, vm_to_dict(context))
    if dry_run:
        result.processing_seconds = time.monotonic() - started
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
    result.processing_seconds = time.monotonic() - started
    return result


def add_vms(data: Any, added_by: str | None = None) -> AddResult:
    """Add named VMs of a datacenter (`{"vm_names", "datacenter"?, "group_id"?}` with a login:
    `credential_id`, the original API's `vcenter`/`username`/`password`, or the default) without jobs.

    Every name must exist in vCenter (all or nothing: an unknown name refuses the request,
    naming it); VMs already managed are reported, not duplicated.
    """
    reader = FieldReader(data)
    datacenter = reader.string("datacenter")
    names = reader.string_list("vm_names", required=True)
    group_id = reader.string("group_id", max_length=64)
    reader.string("added_by")  # the original API's; the authenticated user is recorded
    reader.raise_if_errors()
    login = read_login(reader)
    _check_group_field(group_id)
    discovery = discover_vms(datacenter, login=login)
    by_name = {vm.name: vm for vm in discovery.vms}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise ValidationError("vm_names", f"not found in datacenter {discovery.datacenter}: {', '.join(unknown[:10])}")
    return _add(discovery, [by_name[name] for name in dict.fromkeys(names)], group_id, added_by, dry_run=False)


def discover_and_add(data: Any, added_by: str | None = None) -> dict[str, Any]:
    """The original API's POST /discovery/discover-vms (enhanced_discovery.go:41-76, :153-): a
    discovery, and with `create_context` the selected (or every new) VM added without jobs."""
    reader = FieldReader(data)
    datacenter = reader.string("datacenter")
    name_filter = reader.string("filter")
    selected = reader.string_list("selected_vms")
    create = reader.boolean("create_context", default=False)
    reader.raise_if_errors()
    login = read_login(reader)
    started = time.monotonic()
    found = discover_vms(datacenter, name_filter, login=login)
    answer: dict[str, Any] = {**found.to_dict(), "discovered_vms": [vm.to_dict() for vm in found.vms],
                              "discovery_count": len(found.vms), "status": "success"}
    if create:
        by_name = {vm.name: vm for vm in found.vms}
        unknown = [name for name in selected or () if name not in by_name]
        if unknown:
            raise ValidationError("selected_vms", f"not found in datacenter {found.datacenter}: "
                                                  f"{', '.join(unknown[:10])}")
        chosen = [by_name[name] for name in dict.fromkeys(selected)] if selected else found.new
        result = _add(found, chosen, None, added_by, dry_run=False)
        answer["addition_result"] = result.bulk_result()
        added = {vm["name"]: vm["context_id"] for vm in result.added}
        for vm in answer["discovered_vms"]:
            if vm["name"] in added:
                vm.update(existing=True, managed=True, context_id=added[vm["name"]])
        answer["message"] = f"Discovered {len(found.vms)} VM(s); {len(result.added)} added to management"
    else:
        answer["message"] = f"Discovered {len(found.vms)} VM(s), {len(found.new)} not managed yet"
    answer["processing_time"] = int((time.monotonic() - started) * 1e9)  # Go's time.Duration: nanoseconds
    return answer


_OUR_BULK_FIELDS = ("datacenter", "name_pattern", "power_state", "os", "group_id", "dry_run", "include_managed",
                    "credential_id")
_SEED_BULK_FIELDS = ("vcenter", "username", "password", "datacenter", "filter", "selected_vms", "credential_id")


def bulk_add(data: Any, added_by: str | None = None) -> AddResult:
    """Add VMs of a datacenter in one request.

    Ours: every VM matching the filters `name_pattern` (glob such as `web-*`, or a plain
    substring), `power_state`, `os` (substring of the guest OS), `include_managed` (assign
    already managed matches too); `dry_run` previews the result. The original's
    (BulkAddVMsRequest, enhanced_discovery.go:79-86): a login, `datacenter`, an optional VMA
    `filter` and the names in `selected_vms`. The two are told apart by their fields."""
    reader = FieldReader(data)
    seed_only = sorted(set(reader.data) & (set(_SEED_BULK_FIELDS) - set(_OUR_BULK_FIELDS)))
    ours_only = sorted(set(reader.data) & (set(_OUR_BULK_FIELDS) - set(_SEED_BULK_FIELDS)))
    if seed_only and ours_only:
        reader.error(ours_only[0], f"cannot be combined with {', '.join(seed_only)}: send our filters or the "
                                   "original API's vcenter/selected_vms form, not both")
        reader.raise_if_errors()
    for name in sorted(set(reader.data) - set(_OUR_BULK_FIELDS) - set(_SEED_BULK_FIELDS)):
        reader.error(name, "is not a bulk-add filter")
    if seed_only:
        datacenter = reader.string("datacenter", required=True)
        name_filter = reader.string("filter")
        selected = reader.string_list("selected_vms", required=True)
        reader.raise_if_errors()
        login = read_login(reader)
        discovery = discover_vms(datacenter, name_filter, login=login)
        by_name = {vm.name: vm for vm in discovery.vms}
        unknown = [name for name in selected if name not in by_name]
        if unknown:
            raise ValidationError("selected_vms", f"not found in datacenter {discovery.datacenter}: "
                                                  f"{', '.join(unknown[:10])}")
        return _add(discovery, [by_name[name] for name in dict.fromkeys(selected)], None, added_by, False)
    datacenter = reader.string("datacenter")
    pattern = reader.string("name_pattern", max_length=255)
    power_state = reader.choice("power_state", POWER_STATES)
    os_filter = reader.string("os", max_length=100)
    group_id = reader.string("group_id", max_length=64)
    dry_run = reader.boolean("dry_run", default=False)
    include_managed = reader.boolean("include_managed", default=False)
    reader.raise_if_errors()
    login = read_login(reader)
    _check_group_field(group_id)
    discovery = discover_vms(datacenter, login=login)
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
