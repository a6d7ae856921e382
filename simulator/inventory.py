"""The demo vCenter: VMs in two datacenters, served by the simulated VMA discovery API.

The inventory is computed from names only, so every process of the dashboard (and every
test) sees the same VMs with the same ids, disks and MAC addresses.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

VCENTER_HOST = "vcenter.demo.local"
VCENTER_USERNAME = "administrator@vsphere.local"
DATACENTERS = ("London-DC1", "Frankfurt-DC2")
GIB = 1024 ** 3

_NAMESPACE = uuid.UUID("6f1c5a52-8d1e-4d7f-9a57-0d3c5b1e9a11")

# vCenter's guest full names. The VMA reports only a category made from it (discovery.go:147-159
# [VMA 8b7d59b]: "Windows" in the name -> windows, "Linux" -> linux, else unknown).
WINDOWS_2019 = "Microsoft Windows Server 2019 (64-bit)"
WINDOWS_2022 = "Microsoft Windows Server 2022 (64-bit)"
UBUNTU = "Ubuntu Linux (64-bit)"
RHEL = "Red Hat Enterprise Linux 8 (64-bit)"
DEBIAN = "Debian GNU/Linux 12 (64-bit)"


def guest_category(guest_full_name: str) -> str:
    """discovery.go:147-159: the VMA's `OSType`, which client.go:113 sends as `guest_os`."""
    if "Windows" in guest_full_name:
        return "windows"
    if "Linux" in guest_full_name:
        return "linux"
    return "unknown"


@dataclass(frozen=True)
class _Template:
    """How one kind of VM looks: OS, size, disks (GiB) and network."""

    folder: str
    os: str  # vCenter's guest full name
    cpus: int
    memory_mb: int
    disks_gb: tuple[int, ...]
    network: str


_TEMPLATES = {
    "pg": _Template("Databases", UBUNTU, 4, 8192, (60, 200), "VLAN-120-Data"),
    "web": _Template("Web", UBUNTU, 2, 4096, (40,), "VLAN-100-Web"),
    "app": _Template("Applications", RHEL, 4, 8192, (60, 100), "VLAN-110-App"),
    "sql": _Template("Databases", WINDOWS_2019, 8, 32768, (100, 500, 150), "VLAN-120-Data"),
    "win": _Template("Infrastructure", WINDOWS_2022, 2, 8192, (80,), "VLAN-130-Infra"),
    "file": _Template("Infrastructure", WINDOWS_2019, 4, 8192, (80, 1024), "VLAN-130-Infra"),
    "k8s": _Template("Kubernetes", DEBIAN, 8, 16384, (120,), "VLAN-110-App"),
    "infra": _Template("Infrastructure", DEBIAN, 2, 4096, (40, 200), "VLAN-130-Infra"),
}

# (name, template, datacenter index, powered on)
_VMS: tuple[tuple[str, str, int, bool], ...] = (
    ("pgtest1", "pg", 0, True), ("pgtest2", "pg", 0, True), ("pgtest3", "pg", 0, False),
    ("web-01", "web", 0, True), ("web-02", "web", 0, True), ("web-03", "web", 0, True),
    ("web-04", "web", 0, True), ("web-05", "web", 1, True), ("web-06", "web", 1, True),
    ("app-01", "app", 0, True), ("app-02", "app", 0, True), ("app-03", "app", 0, True),
    ("app-04", "app", 1, True), ("app-05", "app", 1, True), ("app-06", "app", 1, True),
    ("sql-01", "sql", 0, True), ("sql-02", "sql", 0, True), ("sql-03", "sql", 1, True),
    ("sql-04", "sql", 1, True), ("pg-prod-01", "pg", 1, True), ("pg-prod-02", "pg", 1, True),
    ("win-dc-01", "win", 0, True), ("win-dc-02", "win", 1, True), ("win-rdp-01", "win", 0, True),
    ("win-rdp-02", "win", 0, False), ("file-01", "file", 0, True), ("file-02", "file", 1, True),
    ("k8s-node-01", "k8s", 1, True), ("k8s-node-02", "k8s", 1, True), ("k8s-node-03", "k8s", 1, True),
    ("k8s-node-04", "k8s", 1, True), ("mail-01", "infra", 0, True), ("backup-01", "infra", 1, True),
    ("jenkins-01", "infra", 0, True), ("gitlab-01", "infra", 0, True), ("redis-01", "infra", 1, True),
    ("kafka-01", "infra", 1, True), ("kafka-02", "infra", 1, True), ("elastic-01", "infra", 1, True),
    ("monitor-01", "infra", 0, True), ("vpn-01", "infra", 0, True), ("legacy-erp-01", "app", 0, True),
)
# VMs the simulated vCenter reports that the demo does not manage yet: discovery lists them as
# "not managed yet", so adding a VM (with or without a first replication) can be tried.
_UNMANAGED_VMS: tuple[tuple[str, str, int, bool], ...] = (
    ("crm-01", "app", 0, True), ("crm-02", "app", 0, True), ("web-07", "web", 0, True),
    ("win-test-01", "win", 0, False), ("analytics-01", "pg", 1, True), ("ci-runner-01", "infra", 1, True),
    ("print-01", "win", 1, True),
)
_DATASTORES = {"London-DC1": ("ds-lon-ssd-01", "ds-lon-ssd-02"), "Frankfurt-DC2": ("ds-fra-ssd-01", "ds-fra-nl-01")}


def _digest(name: str) -> bytes:
    return hashlib.sha256(f"demo-vm:{name}".encode()).digest()


def vmware_vm_id(name: str) -> str:
    """A stable vSphere-style instance UUID ("42" prefix, as vCenter issues them)."""
    return "42" + str(uuid.uuid5(_NAMESPACE, name))[2:]


def _mac(name: str, adapter: int) -> str:
    digest = _digest(name)
    return "00:50:56:%02x:%02x:%02x" % (digest[0] & 0x3F, digest[1], (digest[2] + adapter) % 256)


def _disks(name: str, template: _Template, datacenter: str) -> list[dict]:
    disks = []
    stores = _DATASTORES.get(datacenter) or tuple(f"ds-{datacenter.lower()}-{n:02d}" for n in (1, 2))
    for unit, size_gb in enumerate(template.disks_gb):
        datastore = stores[unit % len(stores)]
        file_name = f"{name}.vmdk" if unit == 0 else f"{name}_{unit}.vmdk"
        vmdk = f"[{datastore}] {name}/{file_name}"
        disks.append({
            "id": f"disk-{2000 + unit}",
            "label": f"Hard disk {unit + 1}",
            "path": vmdk,
            "vmdk_path": vmdk,
            "size_gb": size_gb,
            "capacity_bytes": size_gb * GIB,
            "datastore": datastore,
            "provisioning_type": "thick" if guest_category(template.os) == "windows" and unit > 0 else "thin",
            "unit_number": unit,
        })
    return disks


def _networks(name: str, template: _Template) -> list[dict]:
    windows = guest_category(template.os) == "windows"
    return [{
        "label": "Network adapter 1",
        "network_name": template.network,
        "adapter_type": "e1000e" if windows and name.startswith("win-rdp") else "vmxnet3",
        "mac_address": _mac(name, 0),
        "connected": True,
        "type": "",  # not copied by client.go:98-105 (api.NetworkInfo.Type stays empty)
    }]


def _spec(name: str, template: _Template, datacenter: str, powered_on: bool, vm_id: str, path: str) -> dict:
    """A VM as the real VMA's discovery answers it: client.go:113-123 [VMA 8b7d59b] copies only
    id, name, path, datacenter, power_state, guest_os (the category), memory_mb, num_cpu,
    vmx_version, disks and networks into api.VMInfo, so `cpus` is 0 and `os_type`,
    display_name, annotation, folder_path and vmware_tools_* are empty strings."""
    category = guest_category(template.os)
    return {
        "id": vm_id,
        "name": name,
        "path": path,
        "datacenter": datacenter,
        "power_state": "poweredOn" if powered_on else "poweredOff",
        "guest_os": category,
        "memory_mb": template.memory_mb,
        "num_cpu": template.cpus,
        "cpus": 0,
        "os_type": "",
        "vmx_version": "vmx-19" if category == "windows" else "vmx-17",
        "display_name": "",
        "annotation": "",
        "folder_path": "",
        "vmware_tools_status": "",
        "vmware_tools_version": "",
        "disks": _disks(name, template, datacenter),
        "networks": _networks(name, template),
    }


def _vm(name: str, kind: str, dc_index: int, powered_on: bool) -> dict:
    template, datacenter = _TEMPLATES[kind], DATACENTERS[dc_index]
    return _spec(name, template, datacenter, powered_on, vmware_vm_id(name),
                 f"/{datacenter}/vm/{template.folder}/{name}")


def managed_vm(name: str, datacenter: str, vm_id: str, path: str, powered_on: bool = True) -> dict:
    """The specs the simulated vCenter gives a VM it does not have in its demo inventory but the
    dashboard manages (its ids and path as recorded; size and OS guessed from its name)."""
    lowered = name.lower()
    kind = next((k for k in _TEMPLATES if lowered.startswith(k)), "app")
    return _spec(name, _TEMPLATES[kind], datacenter, powered_on, vm_id, path)


MANAGED_DEMO_VMS: tuple[dict, ...] = tuple(_vm(*row) for row in _VMS)
UNMANAGED_DEMO_VMS: tuple[dict, ...] = tuple(_vm(*row) for row in _UNMANAGED_VMS)
DEMO_VMS: tuple[dict, ...] = MANAGED_DEMO_VMS + UNMANAGED_DEMO_VMS
_BY_NAME = {vm["name"]: vm for vm in DEMO_VMS}


def demo_vms(datacenter: str | None = None, name_filter: str | None = None) -> list[dict]:
    """VMs as the VMA discovery API returns them; `name_filter` matches part of a name, any case."""
    needle = (name_filter or "").strip().lower()
    return [
        _copy(vm) for vm in DEMO_VMS
        if (datacenter is None or vm["datacenter"] == datacenter) and needle in vm["name"].lower()
    ]


def demo_vm(name: str) -> dict | None:
    """One VM of the inventory by exact name."""
    vm = _BY_NAME.get(name)
    return _copy(vm) if vm else None


def total_disk_bytes(vm: dict) -> int:
    return sum(int(disk.get("capacity_bytes") or 0) for disk in vm.get("disks") or ())


def _copy(vm: dict) -> dict:
    return {**vm, "disks": [dict(d) for d in vm["disks"]], "networks": [dict(n) for n in vm["networks"]]}
