"""Discovery: find VMs in vCenter through the VMA, preview, add them without starting jobs, assign a group."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

import discovery
import grouping
import vcenters
from blueprints.pages.forms import field_errors
from domain_errors import DomainError, Unavailable

bp = Blueprint("discovery", __name__, url_prefix="/discovery")

LABELS = {"credential_id": "vCenter", "datacenter": "Datacenter", "filter": "Name filter", "vm_names": "VMs", "group_id": "Group",
          "name_pattern": "Name pattern", "power_state": "Power state", "os": "Guest OS"}
BULK_FIELDS = ("credential_id", "datacenter", "name_pattern", "power_state", "os", "group_id")


def _credentials() -> list:
    """The active vCenter credentials, the default first (a page never breaks on them)."""
    try:
        return [c for c in vcenters.list_credentials() if c.is_active]
    except DomainError:
        return []


def _render(found=None, errors=None, bulk=None, preview=None, failure=None, steps=None, status: int = 200):
    credentials = _credentials()
    chosen = request.values.get("credential_id", "")
    chosen_row = next((c for c in credentials if str(c.id) == chosen), credentials[0] if credentials else None)
    datacenters = discovery.known_datacenters(chosen_row.vcenter_host if chosen_row is not None else None)
    if found is not None and found.datacenter and found.datacenter not in datacenters:
        datacenters = sorted([*datacenters, found.datacenter])  # it answered, so it exists
    return render_template("discovery/index.html", found=found, errors=errors or {}, failure=failure,
                           steps=steps or {}, datacenters=datacenters,
                           credentials=credentials, chosen_credential=chosen_row,
                           query={"datacenter": request.values.get("datacenter", ""),
                                  "filter": request.values.get("filter", ""),
                                  "credential_id": str(chosen_row.id) if chosen_row is not None else ""},
                           bulk=bulk or {name: "" for name in BULK_FIELDS}, preview=preview,
                           groups=grouping.list_groups(), power_states=discovery.POWER_STATES), status


def _field_steps(exc: DomainError, field: str) -> dict:
    """What to do next to a field, for an error that says (an unknown datacenter)."""
    steps = exc.details.get("actionable_steps") if isinstance(exc, discovery.UnknownDatacenter) else None
    return {field: list(steps)} if steps else {}


def _status(exc: DomainError) -> int:
    """503 when the VMA could not answer, 422 for input to correct (an unknown datacenter included)."""
    return 503 if isinstance(exc, Unavailable) else 422


def _failure(exc: DomainError) -> dict:
    return {"message": exc.message, "actionable_steps": exc.details.get("actionable_steps", [])}


@bp.get("/")
def index():
    if "datacenter" not in request.args and "credential_id" not in request.args:
        return _render()
    datacenter = request.args.get("datacenter", "").strip() or None
    try:
        found = discovery.discover_vms(datacenter, request.args.get("filter") or None,
                                       credential_id=request.args.get("credential_id") or None)
    except DomainError as exc:
        errors = field_errors(exc, LABELS)
        return _render(errors=errors, failure=_failure(exc) if "_form" in errors else None,
                       steps=_field_steps(exc, "datacenter"), status=_status(exc))
    return _render(found=found)


@bp.post("/add")
def add():
    """Add the ticked VMs to management (no replication starts), optionally into a group."""
    data = {"datacenter": request.form.get("datacenter", ""), "vm_names": request.form.getlist("vm_names"),
            "group_id": request.form.get("group_id") or None,
            "credential_id": request.form.get("credential_id") or None}
    try:
        result = discovery.add_vms(data, added_by=current_user.username)
    except DomainError as exc:
        message = next(iter(field_errors(exc, LABELS).values()))
        flash(f"Nothing added: {message}", "error")
    else:
        flash(_added_message(result), "ok")
    return redirect(url_for("discovery.index", datacenter=data["datacenter"] or None,
                            filter=request.form.get("filter") or None, credential_id=data["credential_id"]))


@bp.post("/bulk-add")
def bulk_add():
    """Add every VM matching the filters; "Preview" shows what would be added without writing."""
    bulk = {name: request.form.get(name, "").strip() for name in BULK_FIELDS}
    data = {name: value for name, value in bulk.items() if value}
    data["datacenter"] = bulk["datacenter"] or None
    dry_run = request.form.get("action") == "preview"
    try:
        result = discovery.bulk_add({**data, "dry_run": dry_run}, added_by=current_user.username)
    except DomainError as exc:
        errors = {f"bulk_{name}" if name != "_form" else name: message
                  for name, message in field_errors(exc, LABELS).items()}
        return _render(errors=errors, bulk=bulk, failure=_failure(exc) if "_form" in errors else None,
                       steps=_field_steps(exc, "bulk_datacenter"), status=_status(exc))
    if dry_run:
        return _render(bulk=bulk, preview=result)
    flash(_added_message(result), "ok")
    return redirect(url_for("discovery.index", datacenter=bulk["datacenter"] or None,
                        credential_id=bulk["credential_id"] or None))


def _added_message(result) -> str:
    text = f"{len(result.added)} VM(s) added to management; no replication was started."
    if result.already_managed:
        text += f" {len(result.already_managed)} were already managed."
    if result.assignment is not None:
        text += " They are in the chosen group."
    return text
