"""VMs: the managed VM list and each VM's page (status, group, next run, recent jobs, last-operation banner)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from blueprints.pages.forms import field_errors, form_integer, page_number
from domain_errors import DomainError, NotFound
from protection import manage, read
from protection.assess import STATE_WORDS, STATES
from security import require_role
from vms import banner_dismissed, dismiss_banner, list_vms, vm_context_details

bp = Blueprint("vms", __name__, url_prefix="/vms")

PER_PAGE = 50


@bp.get("/")
def index():
    search = (request.args.get("q") or "").strip()[:100]
    state = request.args.get("protection") or None
    if state not in STATES:
        state = None
    listing = list_vms(search or None, page_number(request.args.get("page")), PER_PAGE,
                       only=read.context_ids_in_state(state) if state else None)
    protection = read.states_for([row.vm.context_id for row in listing.items])
    return render_template("vms/index.html", listing=listing, q=search, state=state, states=STATES,
                           words=STATE_WORDS, protection=protection)


def _details(vm_name: str) -> dict:
    try:
        return vm_context_details(vm_name)
    except NotFound:
        abort(404, "No managed VM with this name.")


@bp.get("/<path:vm_name>")
def detail(vm_name: str):
    details = _details(vm_name)
    last = details.get("last_operation")
    show_banner = last is not None and not banner_dismissed(
        current_user.id, details["context"]["context_id"], str(last.get("job_id") or ""))
    protection = read.state_of(details["context"]["context_id"])
    # The VM's own target is in its stored state (reassessed whenever it is set).
    own_rpo = protection.rpo_minutes if protection is not None and protection.rpo_source == "vm" else None
    return render_template("vms/detail.html", details=details, vm=details["context"], last=last,
                           show_banner=show_banner, protection=protection, own_rpo=own_rpo, rpo_error=None,
                           policy_lines=read.policy_lines(details["context"]["context_id"],
                                                          (details.get("group") or {}).get("schedule_id")))


@bp.post("/<path:vm_name>/protection")
@require_role("operator")
def set_protection(vm_name: str):
    """The VM's own RPO from its page (empty: follow its group's)."""
    details = _details(vm_name)
    raw = (request.form.get("rpo_minutes") or "").strip()
    try:
        result = manage.set_vm_protection(details["context"]["context_id"],
                                          {"rpo_minutes": form_integer(raw) if raw else None})
    except DomainError as exc:
        last = details.get("last_operation")
        return render_template("vms/detail.html", details=details, vm=details["context"], last=last,
                               show_banner=False, protection=read.state_of(details["context"]["context_id"]),
                               policy_lines=[], own_rpo=raw, rpo_error=field_errors(exc, {"rpo_minutes": "RPO"}).get("rpo_minutes",
                                                                                                  exc.message)), 422
    flash(f"RPO of {result['vm_name']} set to {result['rpo_minutes']} minutes." if result["rpo_minutes"]
          else f"{result['vm_name']} follows its group's RPO.", "ok")
    return redirect(url_for("vms.detail", vm_name=vm_name))


@bp.post("/<path:vm_name>/dismiss-banner")
@require_role("viewer")
def dismiss(vm_name: str):
    """Hide the last-operation banner for this user until another operation replaces it."""
    details = _details(vm_name)
    last = details.get("last_operation") or {}
    dismiss_banner(current_user.id, details["context"]["context_id"], str(last.get("job_id") or ""))
    flash("Banner dismissed.", "ok")
    return redirect(url_for("vms.detail", vm_name=details["context"]["vm_name"]))
