"""Step names operators see, and their phase, description and icon."""

import pytest

from sanitizer import (
    STEP_CATEGORIES,
    STEPS,
    find_forbidden,
    step_category,
    step_description,
    step_display_name,
    step_icon,
)
from sanitizer.steps import DEFAULT_STEP_DESCRIPTION, DEFAULT_STEP_ICON

# The table of the system we replace (reference/sanitizer.md), plus our replication steps.
REFERENCE_DISPLAY_NAMES = {
    "validation": "Pre-flight Validation",
    "pre-flight-validation": "Pre-flight Validation",
    "failover-job-creation": "Initializing Failover Operation",
    "source-vm-power-off": "Powering Off Source VM",
    "source-vm-power-on": "Powering On Source VM",
    "source-vm-discovery": "Discovering Source VM",
    "final-sync": "Final Data Synchronization",
    "incremental-replication": "Incremental Data Transfer",
    "data-sync": "Data Synchronization",
    "multi-volume-snapshot-creation": "Creating Backup Snapshots",
    "linstor-snapshot-creation": "Creating Backup Snapshots",
    "cloudstack-snapshot-creation": "Creating Backup Snapshot",
    "cloudstack-volume-snapshot-creation": "Creating Storage Backup",
    "snapshot-creation": "Creating Backup",
    "volume-mode-switch-oma": "Preparing Storage Volumes",
    "volume-mode-switch-failover": "Configuring Storage Mode",
    "volume-attachment": "Attaching Storage Volumes",
    "volume-detachment": "Detaching Storage Volumes",
    "volume-reattachment-to-oma": "Restoring Storage Configuration",
    "volume-operations": "Storage Operations",
    "virtio-driver-injection": "Preparing Drivers for Compatibility",
    "driver-injection": "Installing Required Drivers",
    "virtio-injection": "Driver Preparation",
    "vm-creation": "Creating Destination VM",
    "destination-vm-creation": "Creating Destination VM",
    "vm-startup-and-validation": "Starting and Validating VM",
    "vm-startup": "Starting VM",
    "vm-validation": "Validating VM",
    "network-configuration": "Configuring Network Adapters",
    "network-mapping": "Mapping Network Configuration",
    "network-setup": "Network Setup",
    "test-vm-shutdown": "Shutting Down Test VM",
    "test-vm-deletion": "Removing Test VM",
    "vm-deletion": "Removing VM",
    "cloudstack-snapshot-rollback": "Rolling Back to Backup",
    "cloudstack-snapshot-deletion": "Cleaning Up Backups",
    "snapshot-cleanup": "Cleaning Up Backups",
    "multi-volume-cleanup": "Cleaning Up Storage Snapshots",
    "status-update": "Updating VM Status",
    "failover-job-status-update": "Updating Operation Status",
    "vm-context-status-update": "Finalizing VM State",
    "completion": "Completing Operation",
    "ossea-client-initialization": "Initializing Platform Connection",
    "failover-job-retrieval": "Retrieving Operation Details",
    "cleanup": "Cleanup Operations",
    "finalization": "Finalizing",
}

REPLICATION_DISPLAY_NAMES = {
    "replication": "Data Replication",
    "replication-dispatch": "Starting Replication",
    "vma-discovery": "Discovering VMs in vCenter",
    "oma-login": "Logging In to the Replication Service",
}

ALL_TABLE_NAMES = [name for step in STEPS for name in step.names]


@pytest.mark.parametrize("internal, shown", sorted(REFERENCE_DISPLAY_NAMES.items()))
def test_it_shows_the_reference_name_of_every_known_step(internal, shown):
    assert step_display_name(internal) == shown


@pytest.mark.parametrize("internal, shown", sorted(REPLICATION_DISPLAY_NAMES.items()))
def test_it_names_the_replication_steps_in_plain_words(internal, shown):
    assert step_display_name(internal) == shown


def test_the_step_table_holds_exactly_the_reference_and_replication_steps():
    assert sorted(ALL_TABLE_NAMES) == sorted({**REFERENCE_DISPLAY_NAMES, **REPLICATION_DISPLAY_NAMES})


@pytest.mark.parametrize("internal, shown", [
    ("copy-disk-data", "Copy Disk Data"),
    ("copy_disk_data", "Copy Disk Data"),
    ("post-failover_health-check", "Post Failover Health Check"),
    ("rebuild", "Rebuild"),
    ("warm-up--cache", "Warm Up Cache"),
])
def test_it_turns_unknown_kebab_and_snake_case_names_into_title_case(internal, shown):
    assert step_display_name(internal) == shown


@pytest.mark.parametrize("internal", [None, "", "   "])
def test_it_shows_nothing_for_a_missing_step_name(internal):
    assert step_display_name(internal) == ""


@pytest.mark.parametrize("internal", ["VIRTIO_DRIVER_INJECTION", " virtio-driver-injection ", "Virtio Driver Injection"])
def test_it_recognises_known_steps_whatever_their_case_or_separators(internal):
    assert step_display_name(internal) == "Preparing Drivers for Compatibility"


@pytest.mark.parametrize("internal", [
    "virt-v2v-in-place-run", "virtio-win-mount", "run-/dev/vdb", "qemu-img-convert", "call-http://10.0.0.5:8082/x",
])
def test_it_never_shows_technical_words_of_unknown_step_names(internal):
    shown = step_display_name(internal)
    assert shown
    assert find_forbidden(shown) == []


@pytest.mark.parametrize("internal", ALL_TABLE_NAMES)
def test_every_known_step_has_a_clean_name_a_phase_and_a_description(internal):
    assert find_forbidden(step_display_name(internal)) == []
    assert step_category(internal) in STEP_CATEGORIES
    assert step_description(internal) != DEFAULT_STEP_DESCRIPTION
    assert find_forbidden(step_description(internal)) == []


@pytest.mark.parametrize("internal, category", [
    ("validation", "setup"),
    ("ossea-client-initialization", "setup"),
    ("source-vm-power-off", "preparation"),
    ("multi-volume-snapshot-creation", "preparation"),
    ("virtio-driver-injection", "execution"),
    ("vm-creation", "execution"),
    ("replication", "execution"),
    ("test-vm-deletion", "cleanup"),
    ("cloudstack-snapshot-rollback", "cleanup"),
    ("completion", "finalization"),
    ("vm-context-status-update", "finalization"),
])
def test_it_places_steps_in_their_phase(internal, category):
    assert step_category(internal) == category


@pytest.mark.parametrize("internal", ["copy-disk-data", None, ""])
def test_unknown_steps_belong_to_the_execution_phase(internal):
    assert step_category(internal) == "execution"


def test_unknown_steps_get_a_generic_description():
    assert step_description("copy-disk-data") == DEFAULT_STEP_DESCRIPTION


@pytest.mark.parametrize("status, icon", [
    ("completed", "✅"), ("success", "✅"), ("failed", "❌"), ("error", "❌"), ("running", "⏳"),
    ("in_progress", "⏳"), ("pending", "🔲"), ("waiting", "🔲"), ("skipped", "⏭️"), ("cancelled", "🚫"),
    ("FAILED", "❌"),
])
def test_the_icon_follows_the_status(status, icon):
    assert step_icon("vm-creation", status) == icon


def test_without_a_known_status_the_icon_follows_the_step():
    assert step_icon("network-configuration", None) == "🌐"
    assert step_icon("network-configuration", "mystery") == "🌐"


def test_unknown_steps_without_status_get_the_default_icon():
    assert step_icon("copy-disk-data") == DEFAULT_STEP_ICON


def test_plain_words_in_a_log_line_are_not_taken_for_step_names():
    from sanitizer.loglines import log_line_words
    line = "Failed: The appliance's records of this VM's disks conflict with an earlier replication"
    assert log_line_words(line) == line
    assert log_line_words("validation: started for web-03") == "Pre-flight Validation: started for web-03"
    assert log_line_words("Retrying after vm-startup-and-validation") == "Retrying after Starting and Validating VM"
