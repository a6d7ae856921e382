"""Fresh VM specs for a dispatch wave: one VMA discovery per datacenter, not one per VM.

Every replication request carries the VM's current specs from the VMA (SPEC §6). Asking the VMA
once per VM doubles the HTTP calls of a dispatch: when hundreds of schedules are due together,
half of the scheduler's requests (and of the VMA's vCenter work) would be discoveries of a single
VM each. Discovery without a `filter` returns the whole datacenter, so a wave of several VMs in
one datacenter is served by one call, and waves that follow within `max_age_seconds` (the herd of
executions due in the same second) reuse that inventory: specs are never older than that. Only
one thread fetches a datacenter at a time; the others wait for its answer.

The real VMA lists and reads every VM of the datacenter for each discovery, `filter` or not
(vma/vmware/service.go:79-93 [sendense 8b7d59b]), so even a lone VM is served by the datacenter
listing. A VM missing from an inventory is asked for by name, so a VM created after the listing
is not reported as gone.

Each VM is discovered with its own vCenter's login (vcenters.login_for: the VM's credential, or
the credential of its vCenter host); inventories are kept per vCenter, user and datacenter.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict

from appliance import ApplianceError, VMAClient
from scheduler.collect import Candidate

class SpecSource:
    def __init__(self, vma: VMAClient, max_age_seconds: float = 10.0):
        self.vma = vma
        self.max_age_seconds = float(max_age_seconds)
        self._inventories: dict[str, tuple[float, dict[str, dict]]] = {}
        self._fetching: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def for_wave(self, candidates: list[Candidate], logins: dict | None = None) -> dict[str, dict | ApplianceError]:
        """Specs (or the discovery error) by VM context id for the VMs found in a datacenter
        inventory; VMs left out are to be discovered by name (`by_name`). `logins` gives each
        VM's vCenter login (a VCenterLogin, or the ApplianceError saying why it has none);
        without it, the configured vCenter's is used."""
        logins = logins or {}
        found: dict[str, dict | ApplianceError] = {}
        by_datacenter: dict[tuple, list[Candidate]] = defaultdict(list)
        for candidate in candidates:
            login = logins.get(candidate.vm_context_id)
            if isinstance(login, ApplianceError):
                found[candidate.vm_context_id] = login
                continue
            key = (login.host, login.username) if login is not None else ("", "")
            by_datacenter[(*key, candidate.datacenter or "")].append(candidate)
        for (host, user, datacenter), wave in by_datacenter.items():
            login = logins.get(wave[0].vm_context_id)
            try:
                inventory = self._inventory(datacenter, login)
            except ApplianceError as exc:
                found.update((candidate.vm_context_id, exc) for candidate in wave)
                continue
            for candidate in wave:
                spec = inventory.get(candidate.vm_name)
                if spec is not None:
                    found[candidate.vm_context_id] = spec
        return found

    def by_name(self, candidate: Candidate, login=None) -> dict:
        """Specs of one VM from a filtered discovery; ApplianceError if vCenter has no such VM."""
        spec = self.vma.discover_vm(candidate.vm_name, candidate.datacenter, login)
        if spec is None:
            raise ApplianceError("client", f"VMA discovery found no VM named {candidate.vm_name!r} in "
                                           f"datacenter {candidate.datacenter!r}: not found", step="vma-discovery")
        return spec

    def _fresh(self, key: tuple) -> dict[str, dict] | None:
        with self._guard:
            cached = self._inventories.get(key)
        if cached is not None and time.monotonic() - cached[0] <= self.max_age_seconds:
            return cached[1]
        return None

    def _inventory(self, datacenter: str, login=None) -> dict[str, dict]:
        key = (login.host, login.username, datacenter) if login is not None else ("", "", datacenter)
        with self._guard:
            lock = self._fetching[key]
        with lock:
            inventory = self._fresh(key)
            if inventory is not None:
                return inventory
            fetched_at = time.monotonic()  # the specs are as old as the request, not its answer
            inventory = {vm["name"]: vm for vm in self.vma.discover_datacenter(datacenter, login) if vm.get("name")}
            with self._guard:
                self._inventories[key] = (fetched_at, inventory)
            return inventory
