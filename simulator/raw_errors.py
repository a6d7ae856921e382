"""Raw technical errors as the real appliance writes them into its tables.

They are deliberately unsanitized (tool names, device paths, internal addresses, SQL) so that
the dashboard's sanitization is visible in the demo: operators must never see this text.
"""
from __future__ import annotations

import json

# What the OMA's poller writes for a VMA-reported failure (vma_progress_poller.go:322-339
# [OMA 8b7d59b]): `error_message` is json.Marshal of the VMA's `errors` array, the
# classification a fixed word, `vma_error_details` json.Marshal of `last_error`.
VMA_FAILURE_CLASSIFICATION = "migration_error"


def vma_failure_columns(raw: str) -> tuple[str, str]:
    """(error_message, vma_error_details) of a failed job whose VMA reported `raw`."""
    return json.dumps([raw]), json.dumps(raw)

# (VMA error classification, raw text); `{vm}` and `{disk}` are filled in per job.
REPLICATION_ERRORS: tuple[tuple[str, str], ...] = (
    ("storage", "nbdkit: error: pwrite: /dev/vdb: Input/output error (nbd export migration-vol-{vm}, "
                "offset 48318382080)"),
    ("network", "HTTPConnectionPool(host='10.245.246.147', port=9081): Max retries exceeded with url: "
                "/api/v1/replicate (Caused by NewConnectionError('<urllib3.connection.HTTPConnection "
                "object at 0x7f3b2c1d5e50>: Failed to establish a new connection: [Errno 111] "
                "Connection refused'))"),
    ("database", "pq: duplicate key value violates unique constraint \"vm_disks_job_id_disk_id_key\""),
    ("database", "Error 1062 (23000): Duplicate entry 'disk-2000-{vm}' for key 'uniq_vm_disks_context_disk'"),
    ("storage", "migratekit: failed to sync disk {disk}: write /dev/vdc: no space left on device"),
    ("vmware", "VMware snapshot creation failed: An error occurred while saving the snapshot: Failed to "
               "quiesce the virtual machine (govmomi task-4711 for {vm})"),
    ("vmware", "QueryChangedDiskAreas: FileFault: Error caused by file "
               "/vmfs/volumes/ds-lon-ssd-01/{vm}/{vm}-ctk.vmdk"),
    ("network", "context deadline exceeded (Client.Timeout exceeded while awaiting headers): GET "
                "http://10.245.246.148:8082/api/v1/volumes/vol-5dbff3d8/status"),
)

# Raw errors of failover steps, by step name.
FAILOVER_STEP_ERRORS: dict[str, tuple[str, ...]] = {
    "validation": (
        "pre-flight validation failed: no network mapping for source network VLAN-120-Data "
        "(SELECT * FROM network_mappings WHERE source_network_name = 'VLAN-120-Data' returned 0 rows)",
    ),
    "source-vm-power-off": (
        "VMA power off failed: POST http://10.245.246.147:9081/api/v1/vm/power-off: ServerFaultCode: "
        "The attempted operation cannot be performed in the current state (Powered off).",
    ),
    "final-sync": (
        "final sync failed: migratekit exited with status 1: nbdkit: error: VDDK_PhoneHome: connection "
        "reset by peer while writing /dev/vdb",
    ),
    "multi-volume-snapshot-creation": (
        "failed to create volume snapshot: CloudStack API error 530: Failed to create snapshot for volume "
        "5dbff3d8-531a-4a80-9977-c5ae25b9c4ae: Job failed (createSnapshot)",
    ),
    "virtio-driver-injection": (
        "virt-v2v-in-place: error: libguestfs error: could not create appliance through libvirt. "
        "Try running qemu directly without libvirt using this environment variable: "
        "export LIBGUESTFS_BACKEND=direct (exit code 1)",
        "virt-v2v failed with exit code 1: inspection could not detect the source guest (or physical "
        "machine) on /dev/vdb",
        "VirtIO drivers not found: /usr/share/virtio-win/virtio-win.iso is missing",
    ),
    "vm-creation": (
        "CloudStack API error 431: Insufficient capacity in zone ossea-zone-1 for offering "
        "ossea-8cpu-32gb (errorcode 533, cserrorcode 4250)",
        "network not found: network id 7d2c1f0e-34aa-4c2b-9d11-0b0f0d2a1c3e does not exist in zone",
    ),
    "volume-attachment": (
        "Volume daemon: volume 5dbff3d8-531a-4a80-9977-c5ae25b9c4ae is already attached to "
        "i-2-417-VM as /dev/vdc",
    ),
    "network-configuration": (
        "failed to configure NIC 0: network VLAN-120-Data is not mapped to a destination network",
    ),
    "vm-startup-and-validation": (
        "VMA unreachable: dial tcp 10.245.246.147:9081: connect: connection timed out",
    ),
    "failover-job-retrieval": (
        "record not found: SELECT * FROM failover_jobs WHERE vm_context_id = ? AND status = 'completed' "
        "ORDER BY created_at DESC LIMIT 1",
    ),
    "test-vm-shutdown": (
        "CloudStack API error 431: Unable to stop VM i-2-417-VM: VM is in Migrating state",
    ),
    "volume-detachment": (
        "Volume daemon: detach volume 5dbff3d8-531a-4a80-9977-c5ae25b9c4ae from i-2-417-VM failed: "
        "device /dev/vdc is busy",
    ),
    "volume-reattachment-to-oma": (
        "Volume daemon: volume 5dbff3d8-531a-4a80-9977-c5ae25b9c4ae not found on the appliance "
        "(lookup /dev/disk/by-id/virtio-5dbff3d8 failed)",
    ),
    "cloudstack-snapshot-deletion": (
        "CloudStack API error 530: Failed to delete snapshot c0ffee12-aa5b-4c3e-9d1f-6b2f3e4d5a6b: "
        "snapshot is in BackingUp state",
    ),
    "vm-context-status-update": (
        "Error 1205 (HY000): Lock wait timeout exceeded; try restarting transaction "
        "[UPDATE vm_replication_contexts SET current_status = 'ready_for_failover' WHERE context_id = ?]",
    ),
    "cloudstack-snapshot-rollback": (
        "revert volume snapshot failed: CloudStack API error 530: Failed to revert snapshot "
        "c0ffee12-aa5b-4c3e-9d1f-6b2f3e4d5a6b (errorcode 530)",
    ),
    "test-vm-deletion": (
        "CloudStack API error 530: Failed to destroy vm i-2-417-VM: Job failed: "
        "com.cloud.exception.ResourceUnavailableException",
    ),
}


def replication_error(index: int, vm_name: str, disk_id: str = "disk-2000") -> tuple[str, str]:
    """The `index`-th raw replication error (wrapping), filled in for one VM."""
    classification, text = REPLICATION_ERRORS[index % len(REPLICATION_ERRORS)]
    return classification, text.format(vm=vm_name, disk=disk_id)


# Why a replication's setup stops half-way, by the status the job row is left in: the error of
# the phase after it (migration.go:148-224 [OMA 8b7d59b]; the handler answers 500 with
# `details` = that error, replication.go:435-439). The phases are the real ones; the texts are
# shaped after the CloudStack, Volume Daemon and VMA errors each phase wraps.
SETUP_ERRORS: dict[str, str] = {
    "initializing": "failed to create VM disk record for disk disk-2000: Error 1205 (HY000): Lock wait timeout "
                    "exceeded; try restarting transaction",
    "analyzing": "failed to provision volume for disk disk-2000: CloudStack API error 530: Failed to create "
                 "volume: insufficient capacity on primary storage pool ps-ossea-01",
    "provisioning": "failed to attach volume 5dbff3d8-531a-4a80-9977-c5ae25b9c4ae: Volume Daemon operation "
                    "op-attach-7f3b2c1d timed out after 300s",
    "attaching": "no NBD export found for volume 5dbff3d8-531a-4a80-9977-c5ae25b9c4ae: GET "
                 "http://localhost:8090/api/v1/exports/5dbff3d8: 404 Not Found",
    "replication_failed": "VMA API call failed: Post \"http://localhost:9081/api/v1/replicate\": dial tcp "
                          "127.0.0.1:9081: connect: connection refused",
}
