"""The error rules: which raw errors of which steps become which operator message.

Rules are data. Steps belong to a family (``STEP_FAMILIES``); a family's rules are tried in
table order and the first that matches wins, so every family ends with a catch-all rule.
Phrases match case-insensitively as substrings of the raw error, or are regular expressions.
Messages may use ``{step}``, the operator's name of the failed step, and the named groups of
the rule's regular expressions (``{datacenter}``), as the raw error spells them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

__all__ = [
    "CATEGORIES",
    "DEFAULT_FAMILY",
    "RULES",
    "SEVERITIES",
    "STEP_FAMILIES",
    "Rule",
    "family_of_step",
    "http_status",
    "rules_for_family",
]

CATEGORIES = ("compatibility", "network", "storage", "platform", "connectivity", "configuration", "unknown")
SEVERITIES = ("info", "warning", "error", "critical")

Phrase = Union[str, re.Pattern]

DEFAULT_FAMILY = "generic"

STEP_FAMILIES: dict[str, tuple[str, ...]] = {
    "drivers": ("virtio-driver-injection", "driver-injection", "virtio-injection"),
    "vm-creation": ("vm-creation", "destination-vm-creation"),
    "network": ("network-configuration", "network-mapping", "network-setup"),
    "volumes": ("volume-attachment", "volume-operations", "volume-detachment", "volume-reattachment-to-oma",
                "volume-mode-switch-oma", "volume-mode-switch-failover"),
    "power": ("source-vm-power-off", "source-vm-power-on", "vm-startup-and-validation"),
    "snapshots": ("cloudstack-snapshot-creation", "multi-volume-snapshot-creation", "linstor-snapshot-creation",
                  "cloudstack-volume-snapshot-creation", "snapshot-creation", "cloudstack-snapshot-rollback",
                  "cloudstack-snapshot-deletion", "snapshot-cleanup", "multi-volume-cleanup"),
    "validation": ("validation", "pre-flight-validation"),
    "replication": ("replication", "replication-dispatch", "vma-discovery", "oma-login"),
}

_FAMILY_BY_STEP = {step: family for family, steps in STEP_FAMILIES.items() for step in steps}


def family_of_step(normalized_step_name: str) -> str:
    """Return the rule family of a (normalized) step name; unknown steps are "generic"."""
    return _FAMILY_BY_STEP.get(normalized_step_name, DEFAULT_FAMILY)


_HTTP_REASONS = (
    "bad request|unauthorized|forbidden|not found|conflict|unprocessable entity|internal server error"
    "|bad gateway|service unavailable|gateway timeout|proxy authentication required"
)


def http_status(codes: str) -> re.Pattern:
    """Match an HTTP status (a regex alternation like "401|403") as APIs and requests report it."""
    return re.compile(
        rf"\b(?:https?(?:/[\d.]+)?|status(?:[ _]code)?|returned|responded(?: with)?|response|code|error)"
        rf"\W{{0,3}}(?:{codes})\b"
        rf"|\b(?:{codes}) (?:client |server )?(?:error|{_HTTP_REASONS})\b",
        re.IGNORECASE,
    )


@dataclass(frozen=True)
class Rule:
    """One error rule: when it matches, the operator sees its message, category and actions.

    A rule matches when at least one phrase of ``any_of`` occurs (or ``any_of`` is empty) and,
    for every entry of ``all_of`` (a phrase or a tuple of alternatives), one of them occurs.
    """

    families: tuple[str, ...]
    message: str
    category: str
    actions: tuple[str, ...]
    any_of: tuple[Phrase, ...] = ()
    all_of: tuple[Union[Phrase, tuple[Phrase, ...]], ...] = ()
    severity: str = "error"

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r} in rule {self.message!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r} in rule {self.message!r}")
        if not self.actions:
            raise ValueError(f"rule {self.message!r} gives the operator nothing to do")

    @property
    def is_catch_all(self) -> bool:
        return not self.any_of and not self.all_of

    def matches(self, lowered_error: str) -> bool:
        """Whether the rule applies to a raw error (already lower-cased)."""
        if self.any_of and not any(_occurs(p, lowered_error) for p in self.any_of):
            return False
        for group in self.all_of:
            alternatives = group if isinstance(group, tuple) else (group,)
            if not any(_occurs(p, lowered_error) for p in alternatives):
                return False
        return True


    def named_parts(self, error: str) -> dict[str, str]:
        """The named groups of the rule's regular expressions found in the raw error, in its own
        spelling (the rule matched the lower-cased text); each at most 80 characters."""
        phrases = [*self.any_of, *(p for g in self.all_of for p in (g if isinstance(g, tuple) else (g,)))]
        parts: dict[str, str] = {}
        for phrase in phrases:
            if isinstance(phrase, str) or not phrase.groupindex:
                continue
            found = re.compile(phrase.pattern, phrase.flags | re.IGNORECASE).search(error)
            if found:
                parts.update({name: value[:80] for name, value in found.groupdict().items()
                              if value is not None and name not in parts})
        return parts


def _occurs(phrase: Phrase, lowered_error: str) -> bool:
    if isinstance(phrase, str):
        return phrase in lowered_error
    return phrase.search(lowered_error) is not None


# Action lists shared by several rules.
_TRY_LIVE_FAILOVER = "Try a live failover instead (it does not modify drivers)"
_REPLICATION_UNREACHABLE = dict(
    message="The replication service could not be reached",
    category="connectivity",
    actions=(
        "Check that the migration appliance and its replication service are running",
        "Check the network connection between the dashboard and the appliance",
        "Use Run now once the service is back, or wait for the next scheduled run",
    ),
)
_REPLICATION_CREDENTIALS = dict(
    message="The replication service did not accept the dashboard's credentials",
    category="configuration",
    actions=(
        "Ask an administrator to check the access token configured for the replication service",
        "Check that the token has not expired or been revoked",
    ),
)
_REPLICATION_ALREADY_RUNNING = dict(
    message="A replication is already running for this VM",
    category="platform",
    severity="warning",
    actions=(
        "Wait for the running replication to finish",
        "Follow the running job on the job timeline",
    ),
)
_REPLICATION_INVALID = dict(
    message="The replication service rejected the request as invalid",
    category="configuration",
    actions=(
        "Check the VM's replication settings (target network and destination platform)",
        "Refresh discovery so the VM's details are up to date",
        "Ask an administrator if the problem continues",
    ),
)
_REPLICATION_SERVER_ERROR = dict(
    message="The replication service reported an internal error",
    category="platform",
    actions=(
        "Try again later; the next scheduled run will retry automatically",
        "Ask an administrator to check the replication service if it keeps failing",
    ),
)
_REPLICATION_VM_NOT_FOUND = dict(
    message="The VM was not found in vCenter",
    category="configuration",
    actions=(
        "Refresh discovery to update the VM list",
        "Check that the VM still exists in vCenter and has not been renamed",
        "Remove the VM from management if it was deleted",
    ),
)

_DRIVERS = ("drivers",)
_VM_CREATION = ("vm-creation",)
_NETWORK = ("network",)
_VOLUMES = ("volumes",)
_POWER = ("power",)
_SNAPSHOTS = ("snapshots",)
_VALIDATION = ("validation",)
_REPLICATION = ("replication",)
_GENERIC = (DEFAULT_FAMILY,)

RULES: tuple[Rule, ...] = (
    # --- Driver preparation -------------------------------------------------------------------
    Rule(_DRIVERS, any_of=("virt-v2v", "v2v"), all_of=(("exit code", "exited", "exit status", "failed"),),
         message="Driver injection failed - the VM may not be compatible with automated conversion",
         category="compatibility",
         actions=(_TRY_LIVE_FAILOVER, "Check that the VM runs a Windows operating system",
                  "Check that the VM's disks are not damaged", "Check that the VM can boot normally")),
    Rule(_DRIVERS, any_of=("virt-v2v", "v2v"),
         message="Driver preparation ran into a problem in the automated conversion",
         category="compatibility",
         actions=(_TRY_LIVE_FAILOVER, "Contact support about installing the drivers manually")),
    Rule(_DRIVERS, any_of=("virtio",), all_of=(("not found", "missing"),),
         message="The required driver package is not available on the appliance",
         category="configuration",
         actions=("Ask an administrator to install the driver package on the appliance",
                  "Try a live failover as a workaround")),
    Rule(_DRIVERS, any_of=("virtio",),
         message="KVM driver installation failed - compatibility issue",
         category="compatibility",
         actions=("Try live failover (no driver modification)", "Verify VM is Windows-based")),
    Rule(_DRIVERS, any_of=("/dev/", "device"),
         message="Storage access error while preparing drivers",
         category="storage",
         actions=("Check that the storage volumes are attached", "Check that no other operation is using the disk",
                  "Try the operation again")),
    Rule(_DRIVERS, any_of=("permission", "denied"),
         message="The appliance lacks the permissions needed to prepare drivers",
         category="configuration",
         actions=("Ask an administrator to check the appliance's system permissions",)),
    Rule(_DRIVERS,
         message="Driver preparation failed - the required drivers could not be installed",
         category="compatibility",
         actions=(_TRY_LIVE_FAILOVER, "Check that the VM runs Windows and is reachable")),

    # --- VM creation --------------------------------------------------------------------------
    Rule(_VM_CREATION, any_of=("network",), all_of=("not found",),
         message="The destination network is not available",
         category="network",
         actions=("Check the VM's network mapping", "Check that the target network exists on the destination platform",
                  "Update the network mapping and try again")),
    Rule(_VM_CREATION, any_of=("network",),
         message="Network configuration error while creating the VM",
         category="network",
         actions=("Review the VM's network mapping", "Check that the target network is reachable")),
    Rule(_VM_CREATION, any_of=("insufficient", "quota", "capacity"),
         message="Insufficient resources on the destination platform",
         category="platform",
         actions=("Check the CPU, memory and storage available on the destination platform",
                  "Free up resources or reduce the VM's size",
                  "Ask an administrator whether the quota needs to be raised")),
    Rule(_VM_CREATION, any_of=("template", "offering"),
         message="Problem with the VM template or service offering on the destination platform",
         category="configuration",
         actions=("Check that the destination platform configuration is complete",
                  "Check that the template and service offering are available",
                  "Ask an administrator to review the platform settings")),
    Rule(_VM_CREATION, any_of=("api", "cloudstack"),
         message="Could not communicate with the destination platform to create the VM",
         category="platform",
         actions=("Check the connection to the destination platform", "Check that the platform credentials are valid",
                  "Try the operation again")),
    Rule(_VM_CREATION,
         message="VM creation failed on the destination platform",
         category="platform",
         actions=("Check that the destination platform is reachable and configured",
                  "Check the resources available on the destination platform",
                  "Ask an administrator to review the platform's logs")),

    # --- Network ------------------------------------------------------------------------------
    Rule(_NETWORK, any_of=("not found",),
         message="Network not found - the target network is not available",
         category="network",
         actions=("Check the VM's network mapping", "Check that the target network exists on the destination platform",
                  "Update the network mapping in the VM's settings")),
    Rule(_NETWORK, any_of=("mapping", "not mapped"),
         message="No network mapping is configured for this VM",
         category="configuration",
         actions=("Configure the VM's network mapping before failing over",
                  "Map each source network to a destination network")),
    Rule(_NETWORK, any_of=("network id", "networkid", "network_id"),
         message="The destination network could not be identified",
         category="configuration",
         actions=("Check the VM's network mapping", "Check that the target network still exists",
                  "Map the network again if needed")),
    Rule(_NETWORK,
         message="Network configuration error during failover",
         category="network",
         actions=("Review the VM's network mapping", "Check that the target networks are reachable",
                  "Check the destination platform's network connectivity")),

    # --- Storage volumes ----------------------------------------------------------------------
    Rule(_VOLUMES, any_of=("already attached", "is attached"),
         message="Storage volume is already in use",
         category="storage",
         actions=("Wait for the previous operation to finish", "Check whether a test VM is still running",
                  "Run a rollback to clean up")),
    Rule(_VOLUMES, any_of=("not found", "does not exist"),
         message="Storage volume not found",
         category="storage",
         actions=("Check that the VM has completed at least one replication",
                  "Check that the storage volumes exist on the destination platform", "Run a new replication")),
    Rule(_VOLUMES, any_of=("detach",),
         message="A storage volume could not be detached",
         category="storage",
         actions=("Make sure the VM is powered off", "Check that no other operation is holding the volume",
                  "Try again in a few minutes")),
    Rule(_VOLUMES, any_of=("daemon",),
         message="The storage management service reported an error",
         category="platform",
         actions=("Ask an administrator to check the storage management service", "Try the operation again")),
    Rule(_VOLUMES,
         message="Storage operation failed",
         category="storage",
         actions=("Check that the storage volumes are reachable", "Check the health of the destination storage",
                  "Try the operation again")),

    # --- Power --------------------------------------------------------------------------------
    Rule(_POWER, any_of=("vma",), all_of=(("unreachable", "connection", "timeout", "timed out"),),
         message="Cannot connect to the source environment",
         category="connectivity",
         actions=("Check that the source environment is online",
                  "Check the network between the source and destination appliances",
                  "Try again once the connection is restored")),
    Rule(_POWER, any_of=("not found", "does not exist"),
         message="Source VM not found",
         category="configuration",
         actions=("Check that the VM still exists in vCenter", "Check that the VM has not been renamed or deleted",
                  "Refresh discovery")),
    Rule(_POWER, any_of=("power", "already"),
         message="The VM's power state could not be changed - it may already be in the requested state",
         category="platform", severity="warning",
         actions=("Check the VM's current power state", "The operation may already have succeeded",
                  "Try again if needed")),
    Rule(_POWER, any_of=("permission", "credential"),
         message="Not permitted to change the VM's power state",
         category="configuration",
         actions=("Check that the vCenter credentials are valid",
                  "Check that the account is allowed to manage VM power", "Update the credentials if needed")),
    Rule(_POWER,
         message="VM power operation failed",
         category="platform",
         actions=("Check that the VM is reachable", "Check that the VM is not locked or in maintenance",
                  "Try the operation again")),

    # --- Backup snapshots ---------------------------------------------------------------------
    Rule(_SNAPSHOTS, any_of=("create", "creation"),
         message="Backup snapshot creation failed",
         category="storage",
         actions=("Check the storage space available on the destination platform",
                  "Check that the storage system is healthy", "Free up space and try again")),
    Rule(_SNAPSHOTS, any_of=("not found",),
         message="Backup snapshot not found",
         category="storage",
         actions=("The backup may already have been cleaned up automatically", "Start a new test failover")),
    Rule(_SNAPSHOTS, any_of=("revert", "rollback"),
         message="Rolling back to the backup failed - the VM could not be restored to its previous state",
         category="storage", severity="critical",
         actions=("Contact an administrator immediately", "Do not run any further operations on this VM",
                  "Manual recovery may be required")),
    Rule(_SNAPSHOTS,
         message="Backup snapshot operation failed",
         category="storage",
         actions=("Check the health of the storage system", "Check that enough storage space is available",
                  "Try the operation again")),

    # --- Pre-flight validation ----------------------------------------------------------------
    Rule(_VALIDATION, any_of=("replication", "not replicated"),
         message="The VM is not ready for failover - it must be replicated first",
         category="configuration", severity="warning",
         actions=("Run a replication before failing over", "Check that the VM's status is Ready for failover")),
    Rule(_VALIDATION, any_of=("network",), all_of=("mapping",),
         message="Network mapping is not configured - it is required for failover",
         category="configuration", severity="warning",
         actions=("Configure the VM's network mapping", "Map each source network to a destination network")),
    Rule(_VALIDATION, any_of=("state", "status"),
         message="The VM is not in a valid state for this operation",
         category="configuration", severity="warning",
         actions=("Check the VM's current status", "Let any running operation finish first",
                  "Check that the VM is ready for failover")),
    Rule(_VALIDATION,
         message="Pre-flight validation failed - the VM is not ready for this operation",
         category="configuration", severity="warning",
         actions=("Review the VM's configuration and status", "Make sure all prerequisites are met")),

    # --- Replication service (the dashboard's own calls to the appliance APIs) ---------------
    # First what the VMA says went wrong between it and vCenter: it answers every discovery
    # failure with a text/plain 500 "Discovery failed: ..." (vma/api/server.go:485), so these
    # must win over the HTTP status and over the dashboard's own transport failures.
    # The dashboard has no usable vCenter login for the VM (vcenters.login_for).
    Rule(_REPLICATION, any_of=("no active vcenter credential", "no vcenter credential is configured"),
         message="No vCenter login is saved for this VM's vCenter",
         category="configuration",
         actions=("Add a credential for the VM's vCenter on the vCenters page (Admin)",
                  "Or switch its existing credential back on; the next run retries")),
    Rule(_REPLICATION, any_of=("cannot be read with this dashboard's key",),
         message="The saved password of this VM's vCenter cannot be read with the dashboard's key",
         category="configuration",
         actions=("Enter the vCenter password again on the vCenters page (Admin)",
                  "Or set MIGRATEKIT_CRED_ENCRYPTION_KEY to the OMA's key")),
    Rule(_REPLICATION, any_of=("vcenter credential",), all_of=("switched off",),
         message="The vCenter credential of this VM is switched off",
         category="configuration",
         actions=("Switch the credential on, or give the VM another one, on the vCenters page (Admin)",)),
    Rule(_REPLICATION, any_of=("incorrect user name or password", "cannot complete login", "invalidlogin"),
         message="vCenter did not accept the configured user name or password",
         category="configuration",
         actions=("Ask an administrator to check the vCenter user name and password configured for the dashboard",
                  "Check that the vCenter account is not locked and its password has not expired")),
    # Not a VM problem: the datacenter the VMA was asked for is not in vCenter (govmomi's finder).
    Rule(_REPLICATION, any_of=(re.compile(r"datacenter '(?P<datacenter>[^']*)' not found"),),
         message="vCenter has no datacenter named '{datacenter}'",
         category="configuration",
         actions=("Check the datacenter name: it must match vCenter exactly, capitals included",
                  "Use one of the known datacenters (the Discovery page lists them)")),
    # The same said without govmomi's quotes ("Datacenter not found", "datacenter DC9 not found"),
    # before the generic "not found" below reads it as a missing VM.
    Rule(_REPLICATION, any_of=(re.compile(r"\bdatacenter (?:[^\s:'\",;]+ )?(?:was )?not found"), "no such datacenter"),
         message="vCenter has no datacenter of the name asked for",
         category="configuration",
         actions=("Check the datacenter name: it must match vCenter exactly, capitals included",
                  "Use one of the known datacenters (the Discovery page lists them)")),
    Rule(_REPLICATION, any_of=(re.compile(r"vcenter\b.*\b(?:no such host|connection refused|i/o timeout"
                                          r"|no route to host|network is unreachable)"),),
         message="The migration appliance could not reach vCenter",
         category="connectivity",
         actions=("Check that the vCenter address configured for the dashboard is correct",
                  "Check that vCenter is running and reachable from the migration appliance",
                  "Try again once vCenter is reachable")),
    # Then transport failures, then the HTTP status the service answered, then its wording.
    Rule(_REPLICATION, any_of=("no disks configured",),
         message="The VM has no disks in vCenter, so there is nothing to replicate",
         category="configuration",
         actions=("Check the VM's disks in vCenter", "Run discovery again once the VM has its disks")),
    Rule(_REPLICATION, any_of=("connection refused", "failed to establish a new connection", "name resolution",
                               "name or service not known", "nodename nor servname", "could not resolve",
                               "no such host", "getaddrinfo", "unreachable", "no route to host"),
         **_REPLICATION_UNREACHABLE),
    Rule(_REPLICATION, any_of=("timeout", "timed out"),
         message="The replication service did not respond in time",
         category="connectivity",
         actions=("Check that the migration appliance is not overloaded",
                  "Check the network connection between the dashboard and the appliance",
                  "Try again later; the next scheduled run will retry automatically")),
    Rule(_REPLICATION, any_of=("max retries exceeded", "connection reset", "connection aborted",
                               "remote end closed", "remotedisconnected", "connectionerror", "broken pipe"),
         **_REPLICATION_UNREACHABLE),
    Rule(_REPLICATION, any_of=(http_status("401|403|407"),), **_REPLICATION_CREDENTIALS),
    Rule(_REPLICATION, any_of=(http_status("409"),), **_REPLICATION_ALREADY_RUNNING),
    Rule(_REPLICATION, any_of=(http_status("400|422"),), **_REPLICATION_INVALID),
    Rule(_REPLICATION, any_of=(http_status(r"5\d\d"),), **_REPLICATION_SERVER_ERROR),
    Rule(_REPLICATION, any_of=(http_status("404"),), **_REPLICATION_VM_NOT_FOUND),
    # What the VMA reports when the copy itself fails (the job's error, not an HTTP answer).
    Rule(_REPLICATION, any_of=("no space left on device",),
         message="The destination volume ran out of space during the copy",
         category="storage",
         actions=("Ask an administrator to enlarge the destination storage or free space on it",
                  "Run the replication again once there is room")),
    Rule(_REPLICATION, any_of=("input/output error", re.compile(r"\bp(?:read|write)\b.*\bnbd")),
         message="Writing the VM's disk data to the destination volume failed",
         category="storage",
         actions=("Ask an administrator to check the destination storage",
                  "Run the replication again; if it fails again, run a full replication")),
    Rule(_REPLICATION, any_of=("duplicate entry", "duplicate key"),
         message="The appliance's records of this VM's disks conflict with an earlier replication",
         category="platform",
         actions=("Ask an administrator to clear the VM's earlier disk records on the appliance",
                  "Run the replication again afterwards")),
    Rule(_REPLICATION, any_of=("querychangeddiskareas", "changed block tracking", "-ctk."),
         message="vCenter could not say which parts of the VM's disks changed since the last copy",
         category="platform",
         actions=("Reset changed block tracking on the VM in vCenter",
                  "Run a full replication of this VM")),
    Rule(_REPLICATION, any_of=("quiesce", "snapshot creation failed", "saving the snapshot"),
         message="vCenter could not take the snapshot of the VM that the copy starts from",
         category="platform",
         actions=("Check that the VM's guest tools are running (they quiesce the VM for the snapshot)",
                  "Check in vCenter that no other snapshot task runs on the VM",
                  "Run the replication again")),
    Rule(_REPLICATION, any_of=("unauthorized", "unauthorised", "forbidden", "token", "authentication",
                               "not authenticated", "credential"),
         **_REPLICATION_CREDENTIALS),
    Rule(_REPLICATION, any_of=("already", "in progress", "conflict"), **_REPLICATION_ALREADY_RUNNING),
    Rule(_REPLICATION, any_of=("invalid", "validation", "bad request"), **_REPLICATION_INVALID),
    Rule(_REPLICATION, any_of=("internal server error", "server error", "service unavailable", "bad gateway"),
         **_REPLICATION_SERVER_ERROR),
    Rule(_REPLICATION, any_of=("not found", "does not exist", "no such vm"), **_REPLICATION_VM_NOT_FOUND),
    Rule(_REPLICATION,
         message="The replication service reported an unexpected problem",
         category="platform",
         actions=("Try again later; the next scheduled run will retry automatically",
                  "Ask an administrator to check the replication service if it keeps failing")),

    # --- Any other step -----------------------------------------------------------------------
    Rule(_GENERIC, any_of=("timeout", "timed out"),
         message="{step} failed - the operation timed out",
         category="connectivity",
         actions=("Check the network connection", "Try the operation again",
                  "Ask an administrator to raise the time limit if it keeps happening")),
    Rule(_GENERIC, any_of=("not found",),
         message="{step} failed - something it needs was not found",
         category="configuration",
         actions=("Check that the required resources exist", "Check that the configuration is complete")),
    Rule(_GENERIC, any_of=("permission", "denied"),
         message="{step} failed - permission denied",
         category="configuration",
         actions=("Ask an administrator to adjust the permissions",)),
    Rule(_GENERIC,
         message="{step} failed",
         category="unknown",
         actions=("Open the job details for more information", "Try the operation again",
                  "Contact an administrator if the problem continues")),
)

_RULES_BY_FAMILY: dict[str, tuple[Rule, ...]] = {
    family: tuple(rule for rule in RULES if family in rule.families)
    for family in (*STEP_FAMILIES, DEFAULT_FAMILY)
}


def rules_for_family(family: str) -> tuple[Rule, ...]:
    """Return a family's rules in the order they are tried."""
    return _RULES_BY_FAMILY.get(family, _RULES_BY_FAMILY[DEFAULT_FAMILY])
