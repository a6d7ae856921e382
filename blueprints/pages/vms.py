"""VMs: the managed VM list and each VM's page (status, group, next run, recent jobs, last-operation banner)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from blueprints.pages.forms import page_number
from domain_errors import NotFound
from security import require_role
from vms import banner_dismissed, dismiss_banner, list_vms, vm_context_details

bp = Blueprint("vms", __name__, url_prefix="/vms")

PER_PAGE = 50


@bp.get("/")
def index():
    search = (request.args.get("q") or "").strip()[:100]
    listing = list_vms(search or None, page_number(request.args.get("page")), PER_PAGE)
    return render_template("vms/index.html", listing=listing, q=search)


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
    return render_template("vms/detail.html", details=details, vm=details["context"], last=last,
                           show_banner=show_banner)


@bp.post("/<path:vm_name>/dismiss-banner")
@require_role("viewer")
def dismiss(vm_name: str):
    """Hide the last-operation banner for this user until another operation replaces it."""
    details = _details(vm_name)
    last = details.get("last_operation") or {}
    dismiss_banner(current_user.id, details["context"]["context_id"], str(last.get("job_id") or ""))
    flash("Banner dismissed.", "ok")
    return redirect(url_for("vms.detail", vm_name=details["context"]["vm_name"]))
