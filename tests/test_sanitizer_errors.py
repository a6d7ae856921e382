"""Raw step errors become operator messages, categories, severities and actions."""

import dataclasses

import pytest

from sanitizer import (
    CATEGORIES,
    RULES,
    SEVERITIES,
    STEP_FAMILIES,
    STEPS,
    Rule,
    SanitizedError,
    find_forbidden,
    sanitize_error,
    scrub_text,
)
from sanitizer.errors import match_rule, technical_detail_of
from sanitizer.rules import DEFAULT_FAMILY, rules_for_family

REFUSED = (
    "HTTPConnectionPool(host='10.0.0.5', port=8082): Max retries exceeded with url: /api/v1/replications "
    "(Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f>: "
    "Failed to establish a new connection: [Errno 111] Connection refused'))"
)
NAME_NOT_RESOLVED = (
    "HTTPSConnectionPool(host='oma.local', port=8443): Max retries exceeded with url: /api/v1/replications "
    "(Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection object at 0x7f3a>: Failed to resolve "
    "'oma.local' ([Errno -2] Name or service not known)\"))"
)
READ_TIMEOUT = "HTTPConnectionPool(host='10.0.0.5', port=8082): Read timed out. (read timeout=30)"
SERVER_ERROR = 'OMA replication API returned 500: {"error": "pq: duplicate key value violates unique constraint"}'
V2V_EXIT = "virt-v2v exited with code 1: libguestfs: error: /dev/vdb: No such device"

# One case per rule of reference/sanitizer.md and of the replication family:
# (step, raw error, message, category, severity, a word every operator action list must mention).
CASES = [
    # Driver steps
    ("virtio-driver-injection", V2V_EXIT,
     "Driver injection failed - the VM may not be compatible with automated conversion",
     "compatibility", "error", "live failover"),
    ("driver-injection", "v2v conversion produced unexpected output",
     "Driver preparation ran into a problem in the automated conversion", "compatibility", "error", "live failover"),
    ("virtio-driver-injection", "virtio-win.iso not found in /usr/share/virtio-win/",
     "The required driver package is not available on the appliance", "configuration", "error", "administrator"),
    ("virtio-driver-injection", "VirtIO storage driver install returned error 0x80070005",
     "KVM driver installation failed - compatibility issue", "compatibility", "error", "live failover"),
    ("virtio-driver-injection", "cannot open /dev/vdc: resource busy",
     "Storage access error while preparing drivers", "storage", "error", "attached"),
    ("driver-injection", "Permission denied while writing the registry hive",
     "The appliance lacks the permissions needed to prepare drivers", "configuration", "error", "administrator"),
    ("driver-injection", "inject.sh returned an unexpected status",
     "Driver preparation failed - the required drivers could not be installed", "compatibility", "error",
     "live failover"),
    # VM creation
    ("vm-creation", "network 'prod-vlan-20' not found in zone 1",
     "The destination network is not available", "network", "error", "network mapping"),
    ("destination-vm-creation", "network offering does not support the requested adapter",
     "Network configuration error while creating the VM", "network", "error", "network mapping"),
    ("vm-creation", "Insufficient capacity: cannot allocate 16384 MB of memory",
     "Insufficient resources on the destination platform", "platform", "error", "resources"),
    ("vm-creation", "template 0f3c-11 is not ready yet",
     "Problem with the VM template or service offering on the destination platform", "configuration", "error",
     "service offering"),
    ("vm-creation", "CloudStack API error 530: deployVirtualMachine failed",
     "Could not communicate with the destination platform to create the VM", "platform", "error", "credentials"),
    ("vm-creation", "unexpected answer while deploying",
     "VM creation failed on the destination platform", "platform", "error", "destination platform"),
    # Network
    ("network-configuration", "network 'dmz' not found",
     "Network not found - the target network is not available", "network", "error", "network mapping"),
    ("network-mapping", "source network 'VM Network' is not mapped",
     "No network mapping is configured for this VM", "configuration", "error", "network mapping"),
    ("network-configuration", "cannot resolve network id for adapter 1",
     "The destination network could not be identified", "configuration", "error", "network mapping"),
    ("network-setup", "NIC attach failed",
     "Network configuration error during failover", "network", "error", "network mapping"),
    # Volumes
    ("volume-attachment", "volume vol-123 is already attached to VM test-1",
     "Storage volume is already in use", "storage", "error", "rollback"),
    ("volume-operations", "volume 7f0a does not exist",
     "Storage volume not found", "storage", "error", "replication"),
    ("volume-detachment", "failed to detach volume: operation pending",
     "A storage volume could not be detached", "storage", "error", "powered off"),
    ("volume-operations", "volume daemon returned HTTP 500",
     "The storage management service reported an error", "platform", "error", "administrator"),
    ("volume-attachment", "I/O error on storage pool",
     "Storage operation failed", "storage", "error", "storage"),
    # Power
    ("source-vm-power-off", "VMA unreachable: connection refused",
     "Cannot connect to the source environment", "connectivity", "error", "source environment"),
    ("source-vm-power-on", "VM vm-42 not found in vCenter inventory",
     "Source VM not found", "configuration", "error", "discovery"),
    ("vm-startup-and-validation", "VM is already powered on",
     "The VM's power state could not be changed - it may already be in the requested state", "platform", "warning",
     "power state"),
    ("source-vm-power-off", "invalid credentials for vCenter user",
     "Not permitted to change the VM's power state", "configuration", "error", "credentials"),
    ("source-vm-power-on", "task failed with an unknown fault",
     "VM power operation failed", "platform", "error", "locked"),
    # Snapshots
    ("cloudstack-snapshot-creation", "failed to create snapshot for volume 12",
     "Backup snapshot creation failed", "storage", "error", "space"),
    ("multi-volume-snapshot-creation", "snapshot 55 not found",
     "Backup snapshot not found", "storage", "error", "test failover"),
    ("cloudstack-snapshot-creation", "revert of volume snapshot failed",
     "Rolling back to the backup failed - the VM could not be restored to its previous state", "storage", "critical",
     "administrator"),
    ("multi-volume-snapshot-creation", "storage pool is read-only",
     "Backup snapshot operation failed", "storage", "error", "storage"),
    # Validation
    ("validation", "VM has no completed replication",
     "The VM is not ready for failover - it must be replicated first", "configuration", "warning", "replication"),
    ("pre-flight-validation", "network mapping missing for source network 'VM Network'",
     "Network mapping is not configured - it is required for failover", "configuration", "warning",
     "network mapping"),
    ("validation", "VM state is failed_over_test",
     "The VM is not in a valid state for this operation", "configuration", "warning", "status"),
    ("pre-flight-validation", "disk count mismatch",
     "Pre-flight validation failed - the VM is not ready for this operation", "configuration", "warning",
     "prerequisites"),
    # Replication service: what the VMA says of vCenter comes first (text/plain 500s)
    ("vma-discovery", "POST http://vma:8081/api/v1/discover returned HTTP 500: Discovery failed: failed to discover "
                      "VMs from vCenter: failed to connect to vCenter: failed to connect to vCenter: ServerFaultCode: "
                      "Cannot complete login due to an incorrect user name or password.",
     "vCenter did not accept the configured user name or password", "configuration", "error", "password"),
    ("vma-discovery", "POST http://vma:8081/api/v1/discover returned HTTP 500: Discovery failed: failed to discover "
                      "VMs from vCenter: failed to discover VMs: failed to find datacenter DC9: datacenter 'DC9' not "
                      "found",
     "vCenter has no datacenter named 'DC9'", "configuration", "error", "datacenter name"),
    ("vma-discovery", 'VMA discovery API returned 404: {"error": "Datacenter not found"}',
     "vCenter has no datacenter of the name asked for", "configuration", "error", "known datacenters"),
    ("replication", "failed to find datacenter: datacenter London-DC9 not found",
     "vCenter has no datacenter of the name asked for", "configuration", "error", "datacenter name"),
    # A VM missing from a datacenter that exists stays a VM problem.
    ("vma-discovery", "VMA discovery found no VM named 'pgtest1' in datacenter 'DC1': not found",
     "The VM was not found in vCenter", "configuration", "error", "refresh discovery"),
    ("vma-discovery", "POST http://vma:8081/api/v1/discover returned HTTP 500: Discovery failed: failed to discover "
                      "VMs from vCenter: failed to connect to vCenter: failed to connect to vCenter: Post "
                      "\"https://vcenter.invalid/sdk\": dial tcp: lookup vcenter.invalid on 127.0.0.53:53: no such host",
     "The migration appliance could not reach vCenter", "connectivity", "error", "vcenter address"),
    ("vma-discovery", "Discovery failed: failed to discover VMs from vCenter: failed to connect to vCenter: failed to "
                      "connect to vCenter: Post \"https://10.0.100.231/sdk\": dial tcp 10.0.100.231:443: connect: "
                      "connection refused",
     "The migration appliance could not reach vCenter", "connectivity", "error", "reachable"),
    # Replication service: the dashboard's own calls
    ("vma-discovery", "VMA discovery of db-1 found no disks: the VM has no disks configured",
     "The VM has no disks in vCenter, so there is nothing to replicate", "configuration", "error", "disks"),
    ("replication", REFUSED, "The replication service could not be reached", "connectivity", "error", "running"),
    ("replication", READ_TIMEOUT,
     "The replication service did not respond in time", "connectivity", "error", "try again"),
    ("replication", "('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))",
     "The replication service could not be reached", "connectivity", "error", "running"),
    ("replication", 'OMA replication API returned 401: {"error": "missing bearer"}',
     "The replication service did not accept the dashboard's credentials", "configuration", "error", "token"),
    ("replication", 'OMA replication API returned 409: {"error": "conflict", "details": "job-20251003 running"}',
     "A replication is already running for this VM", "platform", "warning", "wait"),
    ("replication", 'OMA replication API returned 400: {"error": "bad input", "details": "source_vm.disks"}',
     "The replication service rejected the request as invalid", "configuration", "error", "refresh discovery"),
    ("replication", SERVER_ERROR,
     "The replication service reported an internal error", "platform", "error", "try again"),
    ("vma-discovery", 'VMA discovery API returned 404: {"error": "VM pgtest1 missing"}',
     "The VM was not found in vCenter", "configuration", "error", "refresh discovery"),
    ("replication-dispatch", "authentication token expired",
     "The replication service did not accept the dashboard's credentials", "configuration", "error", "token"),
    ("replication-dispatch", "a replication for ctx-pgtest1 is already in progress",
     "A replication is already running for this VM", "platform", "warning", "wait"),
    ("replication", "validation failed: ossea_config_id must be positive",
     "The replication service rejected the request as invalid", "configuration", "error", "refresh discovery"),
    ("replication", "Internal Server Error",
     "The replication service reported an internal error", "platform", "error", "try again"),
    ("vma-discovery", "VM 'pgtest1' does not exist in datacenter DC1",
     "The VM was not found in vCenter", "configuration", "error", "refresh discovery"),
    ("replication", "unexpected answer: <html>maintenance</html>",
     "The replication service reported an unexpected problem", "platform", "error", "try again"),
    # Replication: the dashboard has no usable vCenter login for the VM
    ("vma-discovery", "No vCenter login for vc-dr.lab: credential_id: no active vCenter credential for vc-dr.lab; "
     "add one on the vCenter credentials page", "No vCenter login is saved for this VM's vCenter", "configuration",
     "error", "vcenters page"),
    ("vma-discovery", "No vCenter login for vc.lab: The password of the vCenter credential 'prod' cannot be read "
     "with this dashboard's key. Set MIGRATEKIT_CRED_ENCRYPTION_KEY to the OMA's key, or enter the password again.",
     "The saved password of this VM's vCenter cannot be read with the dashboard's key", "configuration", "error",
     "password again"),
    ("vma-discovery", "No vCenter login for vc.lab: credential_id: the vCenter credential 'prod' is switched off; "
     "switch it on or pick another", "The vCenter credential of this VM is switched off", "configuration", "error",
     "switch the credential on"),
    # Replication: what the VMA reports when the copy itself fails
    ("replication", '["migratekit: failed to sync disk disk-2000: write /dev/vdc: no space left on device"]',
     "The destination volume ran out of space during the copy", "storage", "error", "enlarge"),
    ("replication", "nbdkit: error: pwrite: /dev/vdb: Input/output error (nbd export migration-vol-x, offset 4)",
     "Writing the VM's disk data to the destination volume failed", "storage", "error", "full replication"),
    ("replication", "Error 1062 (23000): Duplicate entry 'disk-2000-sql-03' for key 'uniq_vm_disks_context_disk'",
     "The appliance's records of this VM's disks conflict with an earlier replication", "platform", "error",
     "earlier disk records"),
    ("replication", "QueryChangedDiskAreas: FileFault: Error caused by file /vmfs/volumes/ds/app-05/app-05-ctk.vmdk",
     "vCenter could not say which parts of the VM's disks changed since the last copy", "platform", "error",
     "changed block tracking"),
    ("replication", "VMware snapshot creation failed: An error occurred while saving the snapshot: Failed to quiesce",
     "vCenter could not take the snapshot of the VM that the copy starts from", "platform", "error", "guest tools"),
    # Any other step
    ("copy-disk-data", "operation timeout after 300s",
     "Copy Disk Data failed - the operation timed out", "connectivity", "error", "try the operation again"),
    ("final-sync", "job 1234 not found",
     "Final Data Synchronization failed - something it needs was not found", "configuration", "error",
     "configuration"),
    ("test-vm-deletion", "access denied",
     "Removing Test VM failed - permission denied", "configuration", "error", "administrator"),
    ("completion", "something odd happened", "Completing Operation failed", "unknown", "error", "job details"),
]


def _case_id(case):
    step, raw = case[0], case[1]
    return f"{step}:{raw[:40]}"


@pytest.mark.parametrize("step, raw, message, category, severity, mentioned", CASES, ids=map(_case_id, CASES))
def test_each_rule_turns_a_raw_error_into_operator_words(step, raw, message, category, severity, mentioned):
    result = sanitize_error(step, raw)

    assert result.message == message
    assert result.category == category
    assert result.severity == severity
    assert result.actionable_steps
    assert any(mentioned.lower() in action.lower() for action in result.actionable_steps)
    assert result.technical_detail == raw


def test_the_cases_exercise_every_rule_of_every_family():
    matched = {id(match_rule(step, raw)) for step, raw, *_ in CASES}
    missing = [(rule.families, rule.message) for rule in RULES if id(rule) not in matched]
    assert missing == []


def test_the_seed_example_of_a_driver_failure_reads_as_in_the_original_system():
    result = sanitize_error("virtio-driver-injection", "VirtIO driver injection returned error")

    assert result.to_dict() == {
        "message": "KVM driver installation failed - compatibility issue",
        "category": "compatibility",
        "severity": "error",
        "actionable_steps": ["Try live failover (no driver modification)", "Verify VM is Windows-based"],
    }


@pytest.mark.parametrize("raw", [None, "", "   \n"])
def test_a_missing_error_means_success(raw):
    assert sanitize_error("vm-creation", raw) is None


def test_a_failure_of_an_unnamed_step_is_an_operation_failure():
    assert sanitize_error(None, "boom").message == "Operation failed"
    assert sanitize_error("", "boom").message == "Operation failed"


def test_to_dict_leaves_the_technical_detail_out():
    result = sanitize_error("replication", REFUSED)

    assert set(result.to_dict()) == {"message", "category", "severity", "actionable_steps"}
    assert "10.0.0.5" not in str(result.to_dict())
    assert result.technical_detail == REFUSED


def test_to_dict_gives_actions_as_a_list_and_the_result_itself_is_immutable():
    result = sanitize_error("vm-creation", "quota exceeded")

    assert isinstance(result.actionable_steps, tuple)
    assert isinstance(result.to_dict()["actionable_steps"], list)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.message = "changed"


def test_an_exception_keeps_its_class_name_in_the_technical_detail():
    result = sanitize_error("replication", ConnectionRefusedError(111, "Connection refused"))

    assert result.technical_detail == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert result.message == "The replication service could not be reached"


def test_an_exception_without_text_is_still_a_failure_matched_by_its_class_name():
    result = sanitize_error("replication", TimeoutError())

    assert result.technical_detail == "TimeoutError"
    assert result.message == "The replication service did not respond in time"


def test_the_technical_detail_of_a_chained_exception_names_its_cause():
    try:
        try:
            raise ConnectionRefusedError("Connection refused")
        except ConnectionRefusedError as exc:
            raise RuntimeError("dispatch failed") from exc
    except RuntimeError as exc:
        detail = technical_detail_of(exc)
        result = sanitize_error("replication-dispatch", exc)

    assert detail == "RuntimeError: dispatch failed (caused by ConnectionRefusedError: Connection refused)"
    assert result.category == "connectivity"


def test_step_names_are_matched_whatever_their_case_or_separators():
    assert sanitize_error("VM_Creation", "quota exceeded").category == "platform"


@pytest.mark.parametrize("step", [name for names in STEP_FAMILIES.values() for name in names])
def test_every_step_with_its_own_rules_has_an_operator_name(step):
    assert step in {name for known in STEPS for name in known.names}


@pytest.mark.parametrize("family", [*STEP_FAMILIES, DEFAULT_FAMILY])
def test_every_family_ends_with_a_rule_that_catches_everything(family):
    rules = rules_for_family(family)
    assert rules and rules[-1].is_catch_all
    assert not any(rule.is_catch_all for rule in rules[:-1])


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.message.replace("{step}", "X")[:50])
def test_every_rule_speaks_plain_words_only(rule):
    assert rule.category in CATEGORIES
    assert rule.severity in SEVERITIES
    for text in (rule.message.format(step="Step", datacenter="DC1"), *rule.actions):
        assert find_forbidden(text) == []
        assert scrub_text(text) == text


def test_a_rule_with_an_unknown_category_or_severity_is_refused():
    with pytest.raises(ValueError):
        Rule(("generic",), message="m", category="weather", actions=("a",))
    with pytest.raises(ValueError):
        Rule(("generic",), message="m", category="unknown", severity="fatal", actions=("a",))
    with pytest.raises(ValueError):
        Rule(("generic",), message="m", category="unknown", actions=())


def test_the_shared_vocabularies_are_those_of_the_original_system():
    assert CATEGORIES == ("compatibility", "network", "storage", "platform", "connectivity", "configuration",
                          "unknown")
    assert SEVERITIES == ("info", "warning", "error", "critical")
    assert isinstance(sanitize_error("x", "y"), SanitizedError)


def test_every_copy_failure_the_appliance_reports_has_its_own_message_not_the_catch_all():
    from simulator.raw_errors import REPLICATION_ERRORS, vma_failure_columns
    catch_all = rules_for_family("replication")[-1].message
    for _, raw in REPLICATION_ERRORS:
        stored, _ = vma_failure_columns(raw.format(vm="app-05", disk="disk-2000"))
        error = sanitize_error("replication", stored)
        assert error.message != catch_all, raw
        assert not find_forbidden(error.message) and not any(find_forbidden(step) for step in error.actionable_steps)


def test_an_unknown_datacenter_is_named_as_the_raw_error_spells_it():
    result = sanitize_error("vma-discovery", "Discovery failed: failed to discover VMs: failed to find datacenter "
                                             "London-DC9: datacenter 'London-DC9' not found")
    assert result.message == "vCenter has no datacenter named 'London-DC9'"
    assert "VM" not in result.message
    assert any("known datacenters" in step for step in result.actionable_steps)
