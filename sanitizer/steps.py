"""Operator words for internal step names: display name, phase, description and icon."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .forbidden import scrub_text

__all__ = [
    "STEP_CATEGORIES",
    "STEPS",
    "Step",
    "normalize_step_name",
    "step_category",
    "step_description",
    "step_display_name",
    "step_icon",
]

STEP_CATEGORIES = ("setup", "preparation", "execution", "cleanup", "finalization")
DEFAULT_STEP_CATEGORY = "execution"
DEFAULT_STEP_DESCRIPTION = "Performing an operation step"
DEFAULT_STEP_ICON = "📋"


@dataclass(frozen=True)
class Step:
    """How one or more internal step names (aliases) are presented to operators."""

    names: tuple[str, ...]
    display_name: str
    category: str
    description: str
    icon: str = DEFAULT_STEP_ICON

    def __post_init__(self) -> None:
        if self.category not in STEP_CATEGORIES:
            raise ValueError(f"unknown step category {self.category!r} for {self.names}")


STEPS: tuple[Step, ...] = (
    # Setup
    Step(("validation", "pre-flight-validation"), "Pre-flight Validation", "setup",
         "Checking that the VM is ready for the operation", "🔍"),
    Step(("failover-job-creation",), "Initializing Failover Operation", "setup",
         "Registering the failover operation", "📝"),
    Step(("ossea-client-initialization",), "Initializing Platform Connection", "setup",
         "Connecting to the destination platform", "🔌"),
    Step(("failover-job-retrieval",), "Retrieving Operation Details", "setup",
         "Loading the details of the operation", "📄"),
    Step(("source-vm-discovery",), "Discovering Source VM", "setup",
         "Reading the source VM's configuration from vCenter", "🔍"),
    Step(("vma-discovery",), "Discovering VMs in vCenter", "setup",
         "Reading VM details from vCenter through the source appliance", "🔍"),
    Step(("oma-login",), "Logging In to the Replication Service", "setup",
         "Getting a session from the migration appliance before starting a replication", "🔑"),
    Step(("replication-dispatch",), "Starting Replication", "setup",
         "Asking the replication service to start copying the VM", "📤"),
    # Preparation
    Step(("source-vm-power-off",), "Powering Off Source VM", "preparation",
         "Shutting down the source VM so that its data is consistent", "🔌"),
    Step(("final-sync",), "Final Data Synchronization", "preparation",
         "Copying the last changes before failover", "🔄"),
    Step(("multi-volume-snapshot-creation", "linstor-snapshot-creation"), "Creating Backup Snapshots",
         "preparation", "Taking backup snapshots of all VM disks so the operation can be rolled back", "📸"),
    Step(("cloudstack-snapshot-creation",), "Creating Backup Snapshot", "preparation",
         "Taking a backup snapshot so the operation can be rolled back", "📸"),
    Step(("cloudstack-volume-snapshot-creation",), "Creating Storage Backup", "preparation",
         "Taking a backup of a storage volume", "📸"),
    Step(("snapshot-creation",), "Creating Backup", "preparation",
         "Taking a backup before changes are made", "📸"),
    Step(("volume-mode-switch-oma",), "Preparing Storage Volumes", "preparation",
         "Handing the storage volumes back to the migration appliance", "💽"),
    Step(("volume-mode-switch-failover",), "Configuring Storage Mode", "preparation",
         "Preparing the storage volumes for use by the destination VM", "💽"),
    # Execution
    Step(("replication",), "Data Replication", "execution",
         "Copying the VM's disks to the destination platform", "🔄"),
    Step(("incremental-replication",), "Incremental Data Transfer", "execution",
         "Copying the data that changed since the last replication", "🔄"),
    Step(("data-sync",), "Data Synchronization", "execution",
         "Copying VM data to the destination platform", "🔄"),
    Step(("virtio-driver-injection",), "Preparing Drivers for Compatibility", "execution",
         "Preparing the VM to run on the KVM-based destination platform", "💾"),
    Step(("driver-injection",), "Installing Required Drivers", "execution",
         "Installing the drivers the destination platform needs", "💾"),
    Step(("virtio-injection",), "Driver Preparation", "execution",
         "Preparing the drivers the destination platform needs", "💾"),
    Step(("vm-creation", "destination-vm-creation"), "Creating Destination VM", "execution",
         "Creating the VM on the destination platform", "🖥️"),
    Step(("volume-attachment",), "Attaching Storage Volumes", "execution",
         "Connecting the storage volumes to the destination VM", "🔗"),
    Step(("volume-operations",), "Storage Operations", "execution",
         "Working on the VM's storage volumes", "💽"),
    Step(("network-configuration",), "Configuring Network Adapters", "execution",
         "Connecting the VM's network adapters to the destination networks", "🌐"),
    Step(("network-mapping",), "Mapping Network Configuration", "execution",
         "Matching source networks to destination networks", "🌐"),
    Step(("network-setup",), "Network Setup", "execution",
         "Setting up networking for the destination VM", "🌐"),
    Step(("vm-startup-and-validation",), "Starting and Validating VM", "execution",
         "Starting the VM and checking that it boots correctly", "🚀"),
    Step(("vm-startup",), "Starting VM", "execution", "Starting the destination VM", "🚀"),
    Step(("vm-validation",), "Validating VM", "execution",
         "Checking that the destination VM is healthy", "✔️"),
    # Cleanup
    Step(("test-vm-shutdown",), "Shutting Down Test VM", "cleanup",
         "Shutting down the test VM before cleaning up", "🔌"),
    Step(("test-vm-deletion",), "Removing Test VM", "cleanup",
         "Removing the test VM from the destination platform", "🗑️"),
    Step(("vm-deletion",), "Removing VM", "cleanup", "Removing the VM from the destination platform", "🗑️"),
    Step(("volume-detachment",), "Detaching Storage Volumes", "cleanup",
         "Disconnecting the storage volumes from the VM", "🔗"),
    Step(("volume-reattachment-to-oma",), "Restoring Storage Configuration", "cleanup",
         "Returning the storage volumes to the migration appliance", "💽"),
    Step(("cloudstack-snapshot-rollback",), "Rolling Back to Backup", "cleanup",
         "Restoring the storage volumes to their state before the operation", "⏪"),
    Step(("cloudstack-snapshot-deletion", "snapshot-cleanup"), "Cleaning Up Backups", "cleanup",
         "Removing the temporary backup snapshots", "🧹"),
    Step(("multi-volume-cleanup",), "Cleaning Up Storage Snapshots", "cleanup",
         "Removing the backup snapshots of all VM disks", "🧹"),
    Step(("cleanup",), "Cleanup Operations", "cleanup", "Cleaning up temporary resources", "🧹"),
    # Finalization
    Step(("source-vm-power-on",), "Powering On Source VM", "finalization",
         "Starting the source VM again", "⚡"),
    Step(("status-update",), "Updating VM Status", "finalization", "Recording the VM's new status", "📝"),
    Step(("failover-job-status-update",), "Updating Operation Status", "finalization",
         "Recording the result of the operation", "📝"),
    Step(("vm-context-status-update",), "Finalizing VM State", "finalization",
         "Recording the VM's final state", "📝"),
    Step(("completion",), "Completing Operation", "finalization",
         "Finishing the operation and releasing resources", "✨"),
    Step(("finalization",), "Finalizing", "finalization", "Finishing the operation", "✨"),
)

_STEPS_BY_NAME: dict[str, Step] = {name: step for step in STEPS for name in step.names}

STATUS_ICONS: dict[str, str] = {
    "completed": "✅", "success": "✅", "succeeded": "✅",
    "failed": "❌", "error": "❌",
    "running": "⏳", "in_progress": "⏳", "started": "⏳", "replicating": "⏳",
    "pending": "🔲", "waiting": "🔲", "queued": "🔲",
    "skipped": "⏭️",
    "cancelled": "🚫", "canceled": "🚫",
}

_WORD_SEPARATORS = re.compile(r"[\s_-]+")


def normalize_step_name(name: object) -> str:
    """Return the lookup key of a step name: trimmed, lower case, kebab-case."""
    if name is None:
        return ""
    return _WORD_SEPARATORS.sub("-", str(name).strip().lower()).strip("-")


def _lookup(name: object) -> Step | None:
    return _STEPS_BY_NAME.get(normalize_step_name(name))


def _title_case(text: str) -> str:
    return " ".join(word[:1].upper() + word[1:] for word in _WORD_SEPARATORS.split(text) if word)


def step_display_name(name: object) -> str:
    """Return the operator's name for a step; unknown kebab/snake-case names become Title Case."""
    if name is None or not str(name).strip():
        return ""
    step = _lookup(name)
    if step is not None:
        return step.display_name
    # Scrub before splitting words (so "virt-v2v-in-place" is still recognised) and after.
    return scrub_text(_title_case(scrub_text(str(name))))


def step_category(name: object) -> str:
    """Return the phase of a step: setup, preparation, execution, cleanup or finalization."""
    step = _lookup(name)
    return step.category if step is not None else DEFAULT_STEP_CATEGORY


def step_description(name: object) -> str:
    """Return a one-line description of what a step does, in operator words."""
    step = _lookup(name)
    return step.description if step is not None else DEFAULT_STEP_DESCRIPTION


def step_icon(name: object, status: object = None) -> str:
    """Return an emoji for a step: by status when known, else by the step itself."""
    by_status = STATUS_ICONS.get(str(status or "").strip().lower())
    if by_status is not None:
        return by_status
    step = _lookup(name)
    return step.icon if step is not None else DEFAULT_STEP_ICON
